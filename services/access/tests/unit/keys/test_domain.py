"""Keys, pure rules (钥匙, domain.md §2.8): a key on loan is not lent again, an entrusted key needs the
owner's authorisation and only it is given back, a return cancels the entry, late returns noted."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from propdesk.errors import Conflict, ValidationError
from propdesk_services.access.workflows.keys import domain

AT = datetime(2026, 11, 30, 1, 0, tzinfo=timezone.utc)


@dataclass
class Key:
    key_no: str = "KY-20261130-0001"
    unit_id: str = "1-1-1804"
    estate: str = "E1"
    kind: str = "vacant"
    state: str = "IN_CUSTODY"
    custodian: str = "fd-wang"
    current_loan_no: str | None = None
    owner_name: str | None = None
    withdrawn_at: datetime | None = None
    withdrawn_by: str | None = None
    withdrawn_to: str | None = None


class Loan:
    loan_no = "KL-20261130-0001"
    returned_at = None


def data(**kw):
    return {"borrower": "陈师傅", "department": "engineering", "purpose": "巡检",
            "expected_back_at": AT + timedelta(hours=2), **kw}


def test_a_loan_and_its_return():
    key, loan = Key(), Loan()
    (event,) = domain.loan(key, loan, data(), "fd-wang", AT)
    assert (key.state, key.current_loan_no, event.type) == ("ON_LOAN", loan.loan_no, "key.loaned")
    with pytest.raises(Conflict) as info:
        domain.loan(key, Loan(), data(), "fd-wang", AT)
    assert info.value.rule == "not_on_loan"
    (back,) = domain.return_key(key, loan, "cs-liu", AT + timedelta(hours=3))
    assert back.payload["late"] is True and key.state == "IN_CUSTODY" and key.current_loan_no is None
    assert domain.overdue(loan, AT + timedelta(days=1)) is False  # returned


def test_an_entrusted_key_needs_the_owners_authorisation():
    with pytest.raises(ValidationError) as info:
        domain.loan(Key(kind="entrusted"), Loan(), data(), "fd-wang", AT)
    assert {(p.field, p.rule) for p in info.value.problems} == {("owner_authorisation_ref", "owner_authorisation")}


def test_only_an_entrusted_key_in_custody_is_given_back():
    with pytest.raises(Conflict) as info:
        domain.withdraw(Key(), "业主", "fd-wang", AT)
    assert info.value.rule == "entrusted_only"
    with pytest.raises(Conflict) as info:
        domain.withdraw(Key(kind="entrusted", state="ON_LOAN"), "业主", "fd-wang", AT)
    assert info.value.rule == "not_on_loan"
    key = Key(kind="entrusted", owner_name="周业主")
    (event,) = domain.withdraw(key, "周业主", "fd-wang", AT)
    assert key.state == "WITHDRAWN" and event.payload["received_by"] == "周业主"
    assert domain.next_commands(key) == []


def test_overdue_is_past_the_expected_return_while_open():
    key, loan = Key(), Loan()
    domain.loan(key, loan, data(), "fd-wang", AT)
    assert not domain.overdue(loan, AT + timedelta(hours=1, minutes=59))
    assert domain.overdue(loan, AT + timedelta(hours=2))
