"""Personal numbers typed into a record are shown in full only to the roles that need them
(`propdesk.policy.PERSONAL_NUMBERS`): customer service and security read the consent reference as
typed; engineering, finance and the admin read it masked, on the record's own page too. A service
asking (no person) reads it as stored."""
from __future__ import annotations

import pytest

from propdesk import policy
from propdesk_services.residents.tests.unit.move_out.test_handlers import CLERK, app, request  # noqa: F401

TYPED = "客户同意函 身份证11010519491231002X 电话13912345678"
MASKED = "客户同意函 身份证110105********002X 电话139****5678"


@pytest.fixture
def case(app):  # noqa: F811
    return app.command("request_move_out", request(owner_consent_ref=TYPED), CLERK)


@pytest.mark.parametrize("role", sorted(policy.PERSONAL_NUMBERS))
def test_the_roles_that_need_them_read_personal_numbers_in_full(app, case, role):  # noqa: F811
    got = app.query("get_move_out", case["move_out_id"], actor={"id": "x", "role": role, "estates": ["E1"]})
    assert got["owner_consent_ref"] == TYPED


@pytest.mark.parametrize("role", sorted(set(policy.ROLES) - policy.PERSONAL_NUMBERS))
def test_every_other_role_reads_them_masked_on_the_record_too(app, case, role):  # noqa: F811
    got = app.query("get_move_out", case["move_out_id"], actor={"id": "x", "role": role, "estates": ["E1"]})
    assert got["owner_consent_ref"] == MASKED


def test_a_service_reads_what_was_stored(app, case):  # noqa: F811
    assert app.query("get_move_out", case["move_out_id"])["owner_consent_ref"] == TYPED


def test_engineering_finance_and_admin_are_not_among_those_who_need_them():
    assert not {"engineering", "cashier", "counter_staff", "finance_supervisor", "admin"} & policy.PERSONAL_NUMBERS
