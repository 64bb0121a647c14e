"""Migration 5e7a9c1b3d24 carries the move-out slips already there into the one register: variant
move_out, ISSUED or RELEASED as their goods went out, each with its own QR nonce; a downgrade keeps
them and drops the desk's slips (the old table cannot hold a slip that waits)."""
from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect, text

from propdesk.chassis import migrate
from propdesk_services.access.service import AccessService

BEFORE, MINE = "84e9fdce1258", "5e7a9c1b3d24"


def test_move_out_slips_become_the_registers_first_rows_and_come_back(tmp_path):
    url = f"sqlite:///{tmp_path / 'access.db'}"
    config = migrate.alembic_config(AccessService, url)
    command.upgrade(config, BEFORE)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO release_slip (slip_no, move_out_id, unit_id, estate, applicant_type, goods, clearance_ref, "
            "issued_at, released_at, released_by) VALUES "
            "('FX-20261120-0001', 'MO-1', '1-1-303', 'E1', 'tenant', '[\"goods\"]', 'evt-1', '2026-11-20 02:00:00', "
            "'2026-11-21 02:00:00', 'guard-07'), "
            "('FX-20261120-0002', 'MO-2', '1-1-304', 'E1', 'tenant', '[\"goods\"]', 'evt-2', '2026-11-20 03:00:00', "
            "NULL, NULL)"))
    command.upgrade(config, MINE)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT slip_no, variant, state, token_nonce, moving FROM release_slip "
                                 "ORDER BY slip_no")).all()
    assert [(r[0], r[1], r[2], r[4]) for r in rows] == [("FX-20261120-0001", "move_out", "RELEASED", 0),
                                                        ("FX-20261120-0002", "move_out", "ISSUED", 0)]
    nonces = [r[3] for r in rows]
    assert all(len(n) == 32 for n in nonces) and nonces[0] != nonces[1]
    assert {"release_slip_item", "unit_key", "key_loan"} <= set(inspect(engine).get_table_names())

    with engine.begin() as conn:
        conn.execute(text("INSERT INTO release_slip (slip_no, move_out_id, unit_id, applicant_type, goods, variant, "
                          "state, moving) VALUES ('FX-20261130-0001', NULL, '1-1-401', 'owner', '[]', 'owner', "
                          "'FEE_CLEARANCE', 1)"))
    command.downgrade(config, BEFORE)
    with engine.connect() as conn:
        assert [r[0] for r in conn.execute(text("SELECT slip_no FROM release_slip ORDER BY slip_no"))] == [
            "FX-20261120-0001", "FX-20261120-0002"]
    columns = {c["name"] for c in inspect(engine).get_columns("release_slip")}
    assert "state" not in columns and "token_nonce" not in columns
    assert "unit_key" not in inspect(engine).get_table_names()
    engine.dispose()
