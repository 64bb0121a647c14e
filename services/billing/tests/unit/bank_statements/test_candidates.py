"""What a statement import reads to match its lines (issue #10 §3 "still runs in seconds for a large
estate group"): only the open notices asking one of its lines' amounts (by their amount, or with the
arrears they brought forward) issued within the lines' dates, found by the fee_notice indexes on
(estate, fen, issued_at), never every open notice of the estate; the matching rule unchanged."""
from __future__ import annotations

import importlib.util
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite

from propdesk_services.billing.tests.unit.bank_statements.test_handlers import cmb, upload
from propdesk_services.billing.tests.unit.billing_run.support import harness, issued_run, notices
from propdesk_services.billing.tests.unit.cycle import CASHIER
from propdesk_services.billing.workflows.bank_statements import handlers
from propdesk_services.billing.workflows.billing_run.models import AMOUNT_FEN, ASKED_FEN, FeeNotice

#: 2026-11-20 17:00 UTC is 2026-11-21 01:00 in Beijing: the notices are issued on the 21st there
LATE_20 = datetime(2026, 11, 20, 17, 0, tzinfo=timezone.utc)
OPEN = ("issued", "delivered")


@pytest.fixture
def cycle():
    app = harness(LATE_20)
    run = issued_run(app, "E1", "2026-11")
    return app, notices(app, run["run_id"])


def asks(n: dict) -> set[Decimal]:
    return {Decimal(n["amount"]), Decimal(n["amount"]) + Decimal(n["arrears_before"])}


def unique_ask(ns: list[dict], with_arrears: bool) -> tuple[dict, Decimal]:
    """A notice and an amount it alone of `ns` asks (its total with arrears, or its own amount)."""
    for n in sorted(ns, key=lambda n: n["unit_id"]):
        amount = Decimal(n["amount"]) + (Decimal(n["arrears_before"]) if with_arrears else 0)
        if (Decimal(n["arrears_before"]) != 0) == with_arrears and [m for m in ns if amount in asks(m)] == [n]:
            return n, amount
    raise AssertionError("no notice asks an amount of its own")


class NoticeReads:
    """Counts the fee_notice rows the sessions read by statements on fee_notice alone, and keeps
    those statements."""

    def __init__(self, app):
        self.rows, self.statements, self.target = 0, [], app.db.Session

    def __enter__(self):
        event.listen(self.target, "do_orm_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.target, "do_orm_execute", self._count)

    def _count(self, state):
        froms = [getattr(f, "name", None) for f in state.statement.get_final_froms()] if state.is_select else []
        if froms != ["fee_notice"]:
            return None
        frozen = state.invoke_statement().freeze()
        self.rows += len(frozen().all())
        self.statements.append(state.statement)
        return frozen()


def test_a_line_is_matched_by_the_notices_total_with_arrears_and_reads_only_the_notices_asking_it(cycle):
    app, ns = cycle
    notice, amount = unique_ask([n for n in ns if n["state"] in OPEN], with_arrears=True)
    asking = [n for n in ns if n["state"] in OPEN and amount in asks(n)]
    assert len(ns) > 100 and len(asking) == 1
    with NoticeReads(app) as reads:
        st = upload(app, cmb(f"20261122,09:00:00,20261122,汇入,,{amount},0,物业费,K01,,王五,6222001"))
    assert (st["matched_lines"], st["lines"][0]["notice_id"]) == (1, notice["notice_id"])
    assert reads.rows == len(asking)  # every open notice of the estate before (192)
    # each read asks the database for the amounts by an indexed expression, within the estate
    wheres = [str(s.whereclause.compile(dialect=sqlite.dialect())) for s in reads.statements]
    assert wheres and all("fee_notice.estate = ?" in w and "issued_at >= ?" in w and "issued_at < ?" in w
                          for w in wheres)
    amount_in, asked_in = (str(e.compile(dialect=sqlite.dialect())) + " IN (" for e in (AMOUNT_FEN, ASKED_FEN))
    assert sorted("asked" if asked_in in w else "amount" if amount_in in w else w for w in wheres) == \
        ["amount", "asked"]


def test_a_settled_notice_or_one_asking_another_amount_is_not_matched(cycle):
    app, ns = cycle
    # 1-2-203's payments are all allocated (no legacy payment, no prepayment): its notices are judged
    # by their charges' allocations alone, without its whole ledger
    paid = next(n for n in ns if n["unit_id"] == "1-2-203")
    amount = Decimal(paid["amount"])
    assert [n for n in ns if amount in asks(n)] == [paid]
    app.command("record_payment", {"unit_id": paid["unit_id"], "amount": paid["amount"], "method": "cash",
                                   "charge_ids": [x["charge_id"] for x in
                                                  app.query("get_fee_notice", paid["notice_id"])["lines"]]}, CASHIER)
    other, other_amount = unique_ask([n for n in ns if n["state"] in OPEN and n is not paid], with_arrears=False)
    near = other_amount + Decimal("0.01")
    assert not [n for n in ns if near in asks(n)]
    st = upload(app, cmb(f"20261123,09:00:00,20261123,汇入,,{amount},0,{paid['notice_no']},S01,,甲,1",
                         f"20261123,09:10:00,20261123,汇入,,{amount},0,物业费,S02,,甲,1",
                         f"20261123,09:20:00,20261123,汇入,,{near},0,{other['notice_no']},S03,,乙,2",
                         f"20261123,09:30:00,20261123,汇入,,{near},0,物业费,S04,,乙,2"))
    assert {x["serial"]: (x["state"], x["reason"]) for x in st["lines"]} == {
        "S01": ("unmatched", "named_notice_differs"), "S02": ("unmatched", "no_candidate"),
        "S03": ("unmatched", "named_notice_differs"), "S04": ("unmatched", "no_candidate")}


def test_a_notice_settled_by_a_prepayment_is_not_matched_one_partly_paid_is():
    """Money not allocated (a prepayment, a payment against the balance) settles the oldest charges
    when the ledger is read: such a unit's notices are judged on its whole ledger."""
    app = harness(LATE_20)
    prepaid, counter, part = "1-1-101", "1-1-102", "3-1-1502"  # 3-1-1502: all its payments allocated
    app.command("record_payment", {"unit_id": prepaid, "amount": "50000.00", "method": "cash"}, CASHIER)
    run = issued_run(app, "E1", "2026-11")
    ns = notices(app, run["run_id"])
    by_unit = {n["unit_id"]: n for n in ns}
    owed = Decimal(app.query("get_balance", counter)["outstanding"])
    app.command("record_payment", {"unit_id": counter, "amount": f"{owed - Decimal('0.01'):.2f}", "method": "cash"},
                CASHIER)  # allocated oldest first: a fen of November left open
    first = app.query("get_fee_notice", by_unit[part]["notice_id"])["lines"][0]
    app.command("record_payment", {"unit_id": part, "amount": first["amount"], "method": "cash",
                                   "charge_ids": [first["charge_id"]]}, CASHIER)
    lines = []
    for serial, unit in (("P01", prepaid), ("P02", counter), ("P03", part)):
        n = by_unit[unit]
        assert unit == part or len([m for m in ns if Decimal(n["amount"]) in asks(m)]) == 1
        # the unit named: 80 notices ask 3-1-1502's amount
        lines.append(f"20261123,09:00:00,20261123,汇入,,{n['amount']},0,{unit} 物业费,{serial},,甲,1")
    st = upload(app, cmb(*lines))
    assert {x["serial"]: (x["state"], x["unit_id"]) for x in st["lines"]} == {
        "P01": ("unmatched", None), "P02": ("matched", counter), "P03": ("matched", part)}


def test_the_date_window_is_the_rules_in_beijing_days(cycle):
    """Issued at 17:00 UTC on the 20th, i.e. on the 21st in Beijing: a line of the 20th is before
    it, one of the 21st and one 90 days after are matched, one 91 days after is not."""
    app, ns = cycle
    open_ = [n for n in ns if n["state"] in OPEN]
    first, a1 = unique_ask(open_, with_arrears=False)
    last, a2 = unique_ask([n for n in open_ if n is not first], with_arrears=False)
    issued_on = date(2026, 11, 21)
    got = {}
    for serial, k, amount in (("W01", -1, a1), ("W02", 0, a1), ("W03", 91, a2), ("W04", 90, a2)):
        day = (issued_on + timedelta(days=k)).strftime("%Y%m%d")  # a statement each: its own date window
        [line] = upload(app, cmb(f"{day},09:00:00,{day},汇入,,{amount},0,物业费,{serial},,甲,1"))["lines"]
        got[serial] = (line["state"], line["notice_id"])
    assert got == {"W01": ("unmatched", None), "W02": ("matched", first["notice_id"]),
                   "W03": ("unmatched", None), "W04": ("matched", last["notice_id"])}


def test_the_candidate_queries_search_the_fee_notice_indexes(cycle):
    """SQLite's plan of both reads is a search of its index on (estate, fen, issued_at), not a scan;
    the migration spells the indexed expressions exactly as the queries do (an expression index
    serves only the same expression) on SQLite and PostgreSQL."""
    app, _ = cycle
    start, end = handlers._issued_between({date(2026, 11, 22)})
    with app.session() as s:
        for asked, index in ((AMOUNT_FEN, "ix_fee_notice_estate_amount"), (ASKED_FEN, "ix_fee_notice_estate_asked")):
            q = handlers._notice_query("E1", asked, [10000, 20001], start, end)
            sql = str(q.compile(dialect=s.bind.dialect, compile_kwargs={"literal_binds": True}))
            [plan] = [row[3] for row in s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]
            assert plan.startswith(f"SEARCH fee_notice USING INDEX {index} (estate=? AND <expr>=? AND issued_at>? AND")
    path = next(Path(handlers.__file__).parents[2].glob("migrations/*_fee_notice_amount_index.py"))
    spec = importlib.util.spec_from_file_location("fee_notice_amount_index", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        def ddl(expr):
            return str(expr.compile(dialect=dialect, compile_kwargs={"include_table": False, "literal_binds": True}))
        assert migration.AMOUNT_FEN == ddl(AMOUNT_FEN)
        assert migration.ASKED_FEN == f"({ddl(ASKED_FEN)})"
    indexes = {ix.name for ix in FeeNotice.__table__.indexes}
    assert {"ix_fee_notice_estate_amount", "ix_fee_notice_estate_asked"} <= indexes and "ix_fee_notice_estate" not in indexes
