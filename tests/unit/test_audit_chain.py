"""The audit trail is tamper-evident: every service's audit rows are chained by hash, and an edited,
deleted, inserted or cut-off row is found by `verify` (and `propdesk audit verify`)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, delete, text, update
from sqlalchemy.orm import Session

from propdesk import demo
from propdesk.chassis import audit_chain, migrate
from propdesk.chassis.tables import AuditRow
from propdesk.testing.fake import ServiceHarness
from propdesk_services.residents.service import ResidentsService

CLERK = {"id": "fd-wang", "role": "front_desk"}


@pytest.fixture
def app():
    app = ServiceHarness(ResidentsService, demo=True)
    for unit in [u for u in demo.units() if u["tenant_party_id"]][:3]:
        app.command("request_move_out", {"unit_id": unit["unit_id"], "tenant_party_id": unit["tenant_party_id"],
                                         "exit_date": "2026-11-30", "owner_consent_ref": "客户同意函",
                                         "fitout_disposition": "restore"}, actor=CLERK)
    return app


def verdict(app):
    with app.session() as s:
        return audit_chain.verify(s)


def test_an_untouched_trail_verifies(app):
    v = verdict(app)
    assert v.ok and v.rows == 3
    rows = app.audit()
    assert rows[0].prev_hash == audit_chain.GENESIS
    assert [r.prev_hash for r in rows[1:]] == [r.row_hash for r in rows[:-1]]


def test_an_edited_row_is_found(app):
    with app.session() as s:
        s.execute(update(AuditRow).where(AuditRow.id == 2).values(details='{"state": "ARCHIVED"}'))
        s.commit()
    v = verdict(app)
    assert not v.ok and any("audit row 2" in p and "edited" in p for p in v.problems)


def test_a_deleted_row_in_the_middle_is_found(app):
    with app.session() as s:
        s.execute(delete(AuditRow).where(AuditRow.id == 2))
        s.commit()
    v = verdict(app)
    assert any("audit row 3" in p and "deleted or inserted" in p for p in v.problems)
    assert any("counts 3 rows, the table has 2" in p for p in v.problems)


def test_rows_cut_off_the_end_are_found(app):
    with app.session() as s:
        s.execute(delete(AuditRow).where(AuditRow.id == 3))
        s.commit()
    v = verdict(app)
    assert any("removed from the end" in p for p in v.problems)


def test_a_forged_row_is_found(app):
    forged = {"at": datetime(2026, 11, 23, tzinfo=timezone.utc), "actor_id": "boss", "actor_role": "cs_manager",
              "action": "move_out.archived", "object_type": "move_out", "object_id": "MO-X",
              "correlation_id": "MO-X", "details": "{}"}
    with app.session() as s:
        last = s.get(AuditRow, 3)
        s.add(AuditRow(**forged, prev_hash=last.row_hash, row_hash="f" * 64))
        s.commit()
    v = verdict(app)
    assert any("audit row 4" in p and "edited" in p for p in v.problems)


def test_the_migration_chains_the_rows_already_there(tmp_path):
    url = f"sqlite:///{tmp_path / 'residents.db'}"
    migrate.upgrade(ResidentsService, url, revision="4f6a1c2d8e90")  # before the chain
    engine = create_engine(url)
    with engine.begin() as conn:
        for i in range(3):
            conn.execute(text("INSERT INTO audit_log (at, actor_id, actor_role, action, object_type, object_id, "
                              "correlation_id, details) VALUES (:at, 'fd', 'front_desk', 'x', 'move_out', :o, :o, '{}')"),
                         {"at": datetime(2026, 11, 20, 1, i, tzinfo=timezone.utc), "o": f"MO-{i}"})
    migrate.upgrade(ResidentsService, url)
    with Session(engine) as s:
        v = audit_chain.verify(s)
    assert v.ok and v.rows == 3
