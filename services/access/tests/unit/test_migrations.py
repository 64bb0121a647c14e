"""access' own migrations carry the data they move: the release slip numbers of the old per-day
counter (release_slip_sequence) go on in the chassis' FX series, and come back on a downgrade.
(tests/unit/test_migrations.py checks every service's tables against its models.)"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from alembic import command
from sqlalchemy import create_engine, inspect, text

from propdesk.chassis import migrate
from propdesk_services.access.service import AccessService

BEFORE_CHASSIS_NUMBERS = "9c5a7d3e1f46"


def test_slip_numbers_go_on_from_the_old_counter_and_come_back(tmp_path):
    url = f"sqlite:///{tmp_path / 'access.db'}"
    config = migrate.alembic_config(AccessService, url)
    command.upgrade(config, BEFORE_CHASSIS_NUMBERS)
    engine = create_engine(url)
    with engine.begin() as conn:
        # FX-20261122-0003 was seeded by 9c5a7d3e1f46; the old code then numbered 0004..0007, and
        # 2026-11-23's slips were all numbered after it
        conn.execute(text("INSERT INTO number_sequence(series, day, last) VALUES ('FX', '20261122', 3), "
                          "('MO', '20261122', 40)"))
        conn.execute(sa.table("release_slip_sequence", sa.column("day", sa.Date), sa.column("last_seq")).insert(),
                     [{"day": date(2026, 11, 22), "last_seq": 7}, {"day": date(2026, 11, 23), "last_seq": 2},
                      {"day": date(2026, 11, 21), "last_seq": 1}])
        conn.execute(text("INSERT INTO number_sequence(series, day, last) VALUES ('FX', '20261121', 5)"))

    migrate.upgrade(AccessService, url)
    assert "release_slip_sequence" not in inspect(engine).get_table_names()
    with engine.connect() as conn:
        rows = set(conn.execute(text("SELECT series, day, last FROM number_sequence")).all())
    assert rows == {("FX", "20261121", 5), ("FX", "20261122", 7), ("FX", "20261123", 2), ("MO", "20261122", 40)}

    command.downgrade(config, BEFORE_CHASSIS_NUMBERS)
    with engine.connect() as conn:
        old = set(conn.execute(text("SELECT day, last_seq FROM release_slip_sequence")).all())
    assert old == {("2026-11-21", 5), ("2026-11-22", 7), ("2026-11-23", 2)}
    engine.dispose()
