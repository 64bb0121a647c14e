"""Why a bank line waits for the cashier is a code of vocab BANK_LINE_REASONS, said in words by the
desk (the bank_line kind's description, the queue item's ``fields``), never shown as a code in the
queue's text; what the cashier types on setting a line aside is the line's ``note``, kept apart;
the migration that split them sorts the old rows."""
from __future__ import annotations

import ast
import importlib.util
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from propdesk.contracts.vocab import BANK_LINE_REASONS
from propdesk_services.billing.tests.unit.bank_statements.test_handlers import cmb, upload
from propdesk_services.billing.tests.unit.billing_run.support import harness
from propdesk_services.billing.tests.unit.cycle import CASHIER, SUPERVISOR
from propdesk_services.billing.workflows.bank_statements import domain, handlers

_SOURCES = [Path(domain.__file__), Path(handlers.__file__)]


def _reasons_given() -> set[str]:
    """Every reason the module's source can give a line: the values `domain.match` returns as its
    why, the `why` handed to `_queue`, anything assigned to a `.reason`. Each must be one of
    domain's constants (a string literal there fails), whose value is returned."""
    given, literals = set(), []

    def value(node):
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                literals.append(node.value)
            return
        if isinstance(node, ast.IfExp):
            value(node.body), value(node.orelse)
        elif isinstance(node, ast.Name) and node.id.isupper():
            given.add(getattr(domain, node.id))
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "domain":
            given.add(getattr(domain, node.attr))

    for path in _SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name == "match":
                for ret in (n for n in ast.walk(node) if isinstance(n, ast.Return)):
                    if isinstance(ret.value, ast.Tuple):
                        value(ret.value.elts[1])
                    elif isinstance(ret.value, ast.IfExp):
                        for side in (ret.value.body, ret.value.orelse):
                            if isinstance(side, ast.Tuple):
                                value(side.elts[1])
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_queue":
                if not (isinstance(node.args[2], ast.Name) and node.args[2].id == "why"):  # match's why: above
                    value(node.args[2])
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Attribute) and target.attr == "reason":
                        value(node.value)
    assert [x for x in literals if x is not None] == [], "a reason given as a literal, not a domain constant"
    return given


def test_every_reason_the_module_gives_has_words_in_both_languages():
    given = _reasons_given()
    assert {domain.NO_CANDIDATE, domain.AMBIGUOUS, domain.NAMED_NOTICE_DIFFERS, domain.BOOKING_REFUSED,
            domain.PAYMENT_REVERSED} <= given
    assert given <= set(domain.REASONS)
    assert set(BANK_LINE_REASONS.codes) == set(domain.REASONS)
    for code in domain.REASONS:
        term = BANK_LINE_REASONS[code]
        assert term.zh and term.en and term.zh != code and term.en != code


def test_the_queue_says_why_as_a_field_and_a_set_aside_note_stays_apart_from_the_reason():
    app = harness()
    st = upload(app, cmb("20261121,,,汇入,,55.55,0,x,R1,,丙,3",
                         "20261121,,,汇入,,66.66,0,缴费 FN-20261101-0001,R2,,丁,4"))
    lines = {x["serial"]: x for x in st["lines"]}
    assert (lines["R1"]["reason"], lines["R2"]["reason"]) == (domain.NO_CANDIDATE, domain.NAMED_NOTICE_DIFFERS)
    assert lines["R1"]["note"] is None
    wrong = app.command("book_bank_line", {"line_id": lines["R1"]["line_id"], "unit_id": "1-1-101"}, CASHIER)
    app.command("reverse_payment", {"payment_id": wrong["payment_id"], "reason": "记错单元"}, CASHIER)

    [queue] = [q for q in app.query("work_queues", actor=CASHIER) if q["key"] == "bank_lines_unmatched"]
    items = {i["id"]: i for i in queue["items"]}
    reopened, named = items[lines["R1"]["line_id"]], items[lines["R2"]["line_id"]]
    assert (reopened["title"], reopened["detail"], reopened["fields"]) == \
        ("55.55 丙", "2026-11-21 x", {"reason": domain.PAYMENT_REVERSED})
    assert (named["detail"], named["fields"]) == ("2026-11-21 缴费 FN-20261101-0001", {"reason": domain.NAMED_NOTICE_DIFFERS})
    assert items["BL-DEMO-1"]["fields"] == {"reason": domain.NO_CANDIDATE}
    assert not [i for i in items.values() for code in BANK_LINE_REASONS.codes if code in i["title"] + i["detail"]]
    described = {f["name"]: f for f in app.query("describe_records")["bank_line"]["fields"]}
    assert described["reason"]["choice_labels"] == BANK_LINE_REASONS.as_dict()
    assert "choice_labels" not in described["note"] or not described["note"]["choice_labels"]

    # set aside: the cashier's words are the note, the system's code stays the reason
    aside = app.command("dismiss_bank_line", {"line_id": lines["R1"]["line_id"], "reason": " 业主退款,非物业费 "},
                        SUPERVISOR)
    assert (aside["state"], aside["reason"], aside["note"]) == ("dismissed", domain.PAYMENT_REVERSED, "业主退款,非物业费")
    again = app.query("get_bank_line", lines["R1"]["line_id"])
    assert (again["reason"], again["note"]) == (domain.PAYMENT_REVERSED, "业主退款,非物业费")
    [row] = app.audit("bank_line.dismiss")
    assert json.loads(row.details) == {"amount": "55.55", "note": "业主退款,非物业费"}


def _migration():
    path = next(Path(handlers.__file__).parents[2].glob("migrations/*_bank_line_note.py"))
    spec = importlib.util.spec_from_file_location("bank_line_note", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_keeps_known_codes_as_reasons_and_moves_the_cashiers_words_to_the_note(tmp_path):
    from alembic import command

    from propdesk import plugins
    from propdesk.chassis import migrate

    billing, step = plugins.service_classes()["billing"], _migration()
    assert set(step.REASONS) == set(domain.REASONS)
    url = f"sqlite:///{tmp_path / 'billing.db'}"
    cfg = migrate.alembic_config(billing, url)
    command.upgrade(cfg, step.down_revision)
    engine = create_engine(url)
    old = [("L1", "unmatched", "no_candidate"), ("L2", "unmatched", "payment_reversed"),
           ("L3", "unmatched", "duplicate_receipt"), ("L4", "dismissed", "银行利息"),
           ("L5", "booked", "ambiguous"), ("L6", "matched", None), ("L7", "dismissed", "退款 to 1-1-101")]
    with engine.begin() as conn:
        for line_id, state, reason in old:
            conn.execute(text("INSERT INTO bank_line (line_id, line_hash, statement_id, estate, value_date, amount, "
                              "state, reason) VALUES (:id, :hash, 'BS', 'E1', :day, 1.00, :state, :reason)"),
                         {"id": line_id, "hash": line_id * 8, "day": date(2026, 11, 20), "state": state,
                          "reason": reason})
    command.upgrade(cfg, step.revision)
    with engine.connect() as conn:
        rows = {r.line_id: (r.reason, r.note) for r in conn.execute(text("SELECT line_id, reason, note FROM bank_line"))}
    assert rows == {"L1": ("no_candidate", None), "L2": ("payment_reversed", None), "L3": ("booking_refused", None),
                    "L4": (None, "银行利息"), "L5": ("ambiguous", None), "L6": (None, None),
                    "L7": (None, "退款 to 1-1-101")}
    command.downgrade(cfg, step.down_revision)
    with engine.connect() as conn:
        back = {r.line_id: r.reason for r in conn.execute(text("SELECT line_id, reason FROM bank_line"))}
    assert (back["L4"], back["L7"], back["L1"]) == ("银行利息", "退款 to 1-1-101", "no_candidate")
    engine.dispose()
