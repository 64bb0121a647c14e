"""residents' own migrations carry the data they change: the estates migration puts every unit
registered before it in its estate (the office tower T1 in E2, the flats in E1) and every case in
its unit's, and keeps the one-open-case-per-unit index partial. (tests/unit/test_migrations.py
checks every service's tables against its models.)"""
from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from propdesk.chassis import migrate
from propdesk_services.residents.service import ResidentsService

BEFORE_ESTATES = "a1c4e7f0b2d3"
CASE_COLUMNS = ("move_out_id, unit_id, tenant_party_id, owner_party_id, exit_date, owner_consent_ref, "
                "fitout_disposition, state, inspection, defects, fees, outstanding_amount, requested_by, conflicts, "
                "created_at, updated_at")


def add_case(conn, move_out_id: str, unit_id: str, state: str) -> None:
    conn.execute(text(f"INSERT INTO move_out_case ({CASE_COLUMNS}) VALUES (:id, :unit, 'TEN', 'OWN', '2026-12-01', "
                      "'DOC', 'restore', :state, 'pending', '[]', 'pending', '0.00', 'fd', '[]', "
                      "'2026-11-30 00:00:00', '2026-11-30 00:00:00')"),
                 {"id": move_out_id, "unit": unit_id, "state": state})


def test_units_and_cases_registered_before_go_to_their_estates(tmp_path):
    url = f"sqlite:///{tmp_path / 'residents.db'}"
    config = migrate.alembic_config(ResidentsService, url)
    command.upgrade(config, BEFORE_ESTATES)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO party (party_id, name, role, phone) VALUES ('OWN', '业主', 'OWNER', '1'), "
                          "('TEN', '租户', 'TENANT', '2')"))
        for unit_id, building, kind in (("1-1-702", "1", "residential"), ("3-2-902", "3", "residential"),
                                        ("T1-31F", "T1", "office")):
            conn.execute(text("INSERT INTO unit (unit_id, building, kind, owner_party_id, tenant_party_id) "
                              "VALUES (:u, :b, :k, 'OWN', 'TEN')"), {"u": unit_id, "b": building, "k": kind})
        add_case(conn, "MO-1", "1-1-702", "ARCHIVED")
        add_case(conn, "MO-2", "T1-31F", "APPLICATION_ACCEPTED")

    migrate.upgrade(ResidentsService, url)
    with engine.begin() as conn:
        assert dict(conn.execute(text("SELECT unit_id, estate FROM unit")).all()) == {
            "1-1-702": "E1", "3-2-902": "E1", "T1-31F": "E2"}
        assert dict(conn.execute(text("SELECT move_out_id, estate FROM move_out_case")).all()) == {
            "MO-1": "E1", "MO-2": "E2"}
        index = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'uq_move_out_case_open_unit'")).scalar()
        assert "WHERE" in index.upper()
    # the index still counts only open cases: the flat may open a new one, the tower floor may not
    with engine.begin() as conn:
        conn.execute(text(f"INSERT INTO move_out_case ({CASE_COLUMNS}, estate) SELECT 'MO-3', unit_id, "
                          "tenant_party_id, owner_party_id, exit_date, owner_consent_ref, fitout_disposition, "
                          "'APPLICATION_ACCEPTED', inspection, defects, fees, outstanding_amount, requested_by, "
                          "conflicts, created_at, updated_at, estate FROM move_out_case WHERE move_out_id = 'MO-1'"))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text(f"INSERT INTO move_out_case ({CASE_COLUMNS}, estate) SELECT 'MO-4', unit_id, "
                          "tenant_party_id, owner_party_id, exit_date, owner_consent_ref, fitout_disposition, "
                          "state, inspection, defects, fees, outstanding_amount, requested_by, "
                          "conflicts, created_at, updated_at, estate FROM move_out_case WHERE move_out_id = 'MO-2'"))

    command.downgrade(config, BEFORE_ESTATES)
    with engine.connect() as conn:
        assert "estate" not in {row[1] for row in conn.execute(text("PRAGMA table_info(unit)"))}
        index = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'uq_move_out_case_open_unit'")).scalar()
        assert "WHERE" in index.upper()
    engine.dispose()
