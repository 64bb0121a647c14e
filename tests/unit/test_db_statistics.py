"""The planner statistics a service keeps fresh (chassis/db.py refresh_statistics): without them
SQLite picks the estate index (most rows share it) over a queue's selective state index."""
from __future__ import annotations

from sqlalchemy import text

from propdesk.chassis.db import make_engine, refresh_statistics


def plan(conn, sql: str) -> str:
    return " ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))


def test_statistics_make_the_planner_pick_the_selective_index(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, estate TEXT, state TEXT)")
        conn.exec_driver_sql("CREATE INDEX ix_t_state ON t (state)")
        conn.exec_driver_sql("CREATE INDEX ix_t_estate ON t (estate)")
        conn.execute(text("INSERT INTO t (estate, state) VALUES (:e, :s)"),
                     [{"e": "E1", "s": "OPEN" if i % 1000 == 0 else "CLOSED"} for i in range(20_000)])
    query = "SELECT * FROM t WHERE estate = 'E1' AND state = 'OPEN'"
    with engine.connect() as conn:
        assert "ix_t_estate" in plan(conn, query)  # no statistics: the first index it finds
    refresh_statistics(engine)
    with engine.connect() as conn:
        assert "ix_t_state" in plan(conn, query)
        assert conn.exec_driver_sql("SELECT count(*) FROM sqlite_stat1").scalar() > 0
    refresh_statistics(engine)  # again: PRAGMA optimize, no error
    engine.dispose()
