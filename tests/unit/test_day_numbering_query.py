"""residents numbers move-outs per office day by counting that day's ids: the count must search the
primary key for the day's range, not scan every case ever registered (bench S3b: ~70 ms per
request at 125,000 past cases), and must still count exactly that day's ids."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import create_engine, event
from sqlalchemy.orm import Session

from propdesk_services.residents.models import Base, MoveOutCase, Party, Unit
from propdesk_services.residents.service import next_move_out_id

DAY = date(2026, 11, 23)


def _case(move_out_id: str) -> MoveOutCase:
    now = datetime(2026, 11, 23, tzinfo=timezone.utc)
    return MoveOutCase(move_out_id=move_out_id, unit_id="1-1-101", tenant_party_id="TEN", owner_party_id="OWN",
                       exit_date=DAY, owner_consent_ref="ref", fitout_disposition="restore", state="ARCHIVED",
                       requested_by="fd", created_at=now, updated_at=now)


def test_the_days_count_searches_the_primary_key_and_counts_only_that_day(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'residents.db'}")
    Base.metadata.create_all(engine)
    statements: list[tuple[str, tuple]] = []
    with Session(engine) as s:
        s.add_all([Party(party_id="OWN", name="o", role="OWNER", phone="1"),
                   Party(party_id="TEN", name="t", role="TENANT", phone="2")])
        s.flush()
        s.add(Unit(unit_id="1-1-101", building="1", kind="residential", owner_party_id="OWN", tenant_party_id="TEN"))
        s.add_all([_case("MO-20261122-0001"), _case("MO-20261123-0001"), _case("MO-20261123-0002"),
                   _case("MO-20261124-0001"), _case("MO-20261123-10000")])
        s.commit()

        @event.listens_for(engine, "before_cursor_execute")
        def capture(conn, cursor, statement, parameters, context, executemany):
            statements.append((statement, parameters))

        assert next_move_out_id(s, DAY) == "MO-20261123-0004"

    count_sql, params = next((st, p) for st, p in statements if "count" in st.lower())
    with engine.connect() as conn:
        plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + count_sql, params))
    assert "SEARCH" in plan and "move_out_id>" in plan, plan
