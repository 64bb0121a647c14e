"""reports' own migrations carry the data they move: the board's old SLIP_ISSUED step becomes the
vocabulary's RELEASE_APPROVED with the slip number, and a passed inspection with the fee check in
becomes FEES_CHECKED, both read from the event log; a downgrade gives the old states back.
(tests/unit/test_migrations.py checks every service's tables against its models.)"""
from __future__ import annotations

import json

from alembic import command
from sqlalchemy import create_engine, text

from propdesk.chassis import migrate
from propdesk_services.reports.service import ReportsService

BEFORE_VOCAB_STATES = "1e7c9f5a3b68"
AT = "2026-11-22 09:00:00"


def logged(conn, n: int, event_type: str, payload: dict) -> None:
    conn.execute(text(
        "INSERT INTO event_log(event_id, event_type, version, producer, correlation_id, actor_id, actor_role, "
        "occurred_at, payload, received_at) VALUES (:id, :t, 1, 'test', :c, 'x', 'system', :at, :p, :at)"),
        {"id": f"e{n}", "t": event_type, "c": payload.get("move_out_id") or "-", "at": AT,
         "p": json.dumps(payload)})


def test_the_board_moves_to_the_vocabulary_states_and_back(tmp_path):
    url = f"sqlite:///{tmp_path / 'reports.db'}"
    config = migrate.alembic_config(ReportsService, url)
    command.upgrade(config, BEFORE_VOCAB_STATES)
    engine = create_engine(url)
    with engine.begin() as conn:
        for mo, state in (("MO-1", "SLIP_ISSUED"), ("MO-2", "INSPECTION_PASSED"), ("MO-3", "INSPECTION_PASSED"),
                          ("MO-4", "GOODS_RELEASED")):
            conn.execute(text("INSERT INTO move_out_projection(move_out_id, unit_id, state, updated_at) "
                              "VALUES (:mo, '1-1-303', :state, :at)"), {"mo": mo, "state": state, "at": AT})
        logged(conn, 1, "release_slip.issued", {"slip_id": "FX-1", "move_out_id": "MO-1"})
        logged(conn, 2, "billing.clearance_failed", {"move_out_id": "MO-2", "outstanding_amount": "1.00"})
        logged(conn, 3, "billing.clearance_confirmed", {"move_out_id": None, "outstanding_amount": "0.00"})
        logged(conn, 4, "release_slip.released", {"slip_id": "FX-4", "move_out_id": "MO-4"})
        logged(conn, 5, "release_slip.issued", {"slip_id": "FX-9", "move_out_id": None})

    migrate.upgrade(ReportsService, url)
    with engine.connect() as conn:
        board = set(conn.execute(text(
            "SELECT move_out_id, state, release_slip_no, fees_checked FROM move_out_projection")).all())
    assert board == {("MO-1", "RELEASE_APPROVED", "FX-1", 0), ("MO-2", "FEES_CHECKED", None, 1),
                     ("MO-3", "INSPECTION_PASSED", None, 0), ("MO-4", "GOODS_RELEASED", "FX-4", 0)}

    command.downgrade(config, BEFORE_VOCAB_STATES)
    with engine.connect() as conn:
        old = set(conn.execute(text("SELECT move_out_id, state FROM move_out_projection")).all())
    assert old == {("MO-1", "SLIP_ISSUED"), ("MO-2", "INSPECTION_PASSED"), ("MO-3", "INSPECTION_PASSED"),
                   ("MO-4", "GOODS_RELEASED")}
    engine.dispose()


BEFORE_ESTATES = "f6b9d2e5a7c8"


def test_the_logged_events_and_the_board_get_their_cases_estates(tmp_path):
    url = f"sqlite:///{tmp_path / 'reports.db'}"
    command.upgrade(migrate.alembic_config(ReportsService, url), BEFORE_ESTATES)
    engine = create_engine(url)
    with engine.begin() as conn:
        logged(conn, 1, "move_out.requested", {"move_out_id": "MO-1", "unit_id": "T1-31F"})
        logged(conn, 2, "notification.sent", {"move_out_id": "MO-1"})  # names no unit: its case's
        logged(conn, 3, "move_out.requested", {"move_out_id": "MO-2", "unit_id": "1-1-303"})
        logged(conn, 4, "staff.signed_in", {"username": "front_desk"})  # no case, no unit: none
        for mo, unit in (("MO-1", "T1-31F"), ("MO-2", "1-1-303"), ("MO-3", "")):
            conn.execute(text("INSERT INTO move_out_projection(move_out_id, unit_id, state, updated_at) "
                              "VALUES (:mo, :unit, 'APPLICATION_ACCEPTED', :at)"), {"mo": mo, "unit": unit, "at": AT})
    migrate.upgrade(ReportsService, url)
    with engine.connect() as conn:
        assert dict(conn.execute(text("SELECT event_id, estate FROM event_log")).all()) == {
            "e1": "E2", "e2": "E2", "e3": "E1", "e4": None}
        assert dict(conn.execute(text("SELECT move_out_id, estate FROM move_out_projection")).all()) == {
            "MO-1": "E2", "MO-2": "E1", "MO-3": None}
    engine.dispose()
