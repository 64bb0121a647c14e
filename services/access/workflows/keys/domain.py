"""Keys (钥匙), pure domain logic: the key board and its loan register (domain.md §2.8).

- **Vacant-unit keys** [000]: classified, numbered and labelled, held by a designated CS custodian.
  Another department borrowing one for its work is entered in the 钥匙领用登记表 (borrower,
  department, purpose, out, expected back); when it comes back CS cancels the entry. The log is
  complete: entries are never deleted, a return closes one.
- **Entrusted keys** (QR-006FW 业主委托管理处保管钥匙单, 收楼钥匙托管声明): an owner leaves keys with the
  office at handover; they are lent only with the owner's authorisation *(inferred)* and withdrawn
  when given back to the owner.

State machine *(inferred, domain.md §2.8)*::

    IN_CUSTODY --loan--> ON_LOAN --return--> IN_CUSTODY
    IN_CUSTODY --withdraw (entrusted only)--> WITHDRAWN (final)

A key on loan cannot be lent again; an overdue loan (not back by its expected time, wall-clock)
breaches the ``key.loan_return`` deadline once (``key.loan_overdue``) and shows in the queue.

The functions judge the rows (`keys.models.UnitKey`, `KeyLoan`, or objects with their attribute
names). Plain Python: no nameko, no SQL, no I/O; the time is an argument.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from propdesk.contracts.vocab import KEY_BORROWER_DEPARTMENTS, KEY_CATEGORIES
from propdesk.domain import Event, as_utc, blank
from propdesk.errors import Conflict, Problem, ValidationError

IN_CUSTODY, ON_LOAN, WITHDRAWN = "IN_CUSTODY", "ON_LOAN", "WITHDRAWN"
VACANT, ENTRUSTED = "vacant", "entrusted"

#: The longest a key may be out on one loan (a borrower needing longer returns it and borrows again).
MAX_LOAN = timedelta(days=30)


def validate_key(data: dict, entrusted: bool) -> None:
    """What registering a key needs, every broken rule at once: the unit, the category
    (vocab.KEY_CATEGORIES), the tag's label, at least one copy; an entrusted key also the owner's
    name and their signed statement (entrustment_ref: 收楼钥匙托管声明 / QR-006FW no.)."""
    problems: list[Problem] = []
    if blank(data.get("unit_id")):
        problems.append(Problem("unit_id", "required", "the unit the key opens"))
    if data.get("category") not in KEY_CATEGORIES:
        problems.append(Problem("category", "one_of", f"category must be one of {', '.join(KEY_CATEGORIES.codes)}"))
    if blank(data.get("label")):
        problems.append(Problem("label", "required", "the number written on the key's tag"))
    copies = data.get("copies", 1)
    if not isinstance(copies, int) or isinstance(copies, bool) or copies < 1:
        problems.append(Problem("copies", "positive", "at least one key"))
    if entrusted:
        if blank(data.get("owner_name")):
            problems.append(Problem("owner_name", "required", "the owner who entrusts the key"))
        if blank(data.get("entrustment_ref")):
            problems.append(Problem("entrustment_ref", "owner_statement",
                                    "the owner's signed statement (收楼钥匙托管声明 / QR-006FW) is required"))
    if problems:
        raise ValidationError(problems)


def registered_event(key) -> Event:
    return Event("key.registered", {
        "key_id": key.key_no, "kind": key.kind, "category": key.category, "unit_id": key.unit_id,
        "estate": key.estate, "custodian": key.custodian, "copies": key.copies, "owner_name": key.owner_name,
    })


def loan(key, loan_row, data: dict, staff_id: str, now: datetime) -> list[Event]:
    """Lend the key (钥匙领用登记): `loan_row` (with its loan_no) gets the entry. Rules, checked
    before anything changes: Conflict (key_no, withdrawn) for a key given back to its owner,
    (key_no, not_on_loan) for a key already out (a key on loan cannot be lent again); then every
    field rule at once: borrower, department (vocab.KEY_BORROWER_DEPARTMENTS), purpose,
    expected_back_at after now (after_now) and within 30 days (max_loan), and for an entrusted key
    the owner's authorisation (owner_authorisation)."""
    if key.state == WITHDRAWN:
        raise Conflict(f"key {key.key_no} was given back to its owner", field="key_no", rule="withdrawn")
    if key.state == ON_LOAN:
        raise Conflict(f"key {key.key_no} is on loan ({key.current_loan_no}): return it before lending it again",
                       field="key_no", rule="not_on_loan")
    problems: list[Problem] = []
    for name in ("borrower", "purpose"):
        if blank(data.get(name)):
            problems.append(Problem(name, "required", f"{name} is required"))
    if data.get("department") not in KEY_BORROWER_DEPARTMENTS:
        problems.append(Problem("department", "one_of", "the borrowing department"))
    back = data.get("expected_back_at")
    if back is None:
        problems.append(Problem("expected_back_at", "required", "when the key is expected back"))
    else:
        back = as_utc(back)
        if back <= now:
            problems.append(Problem("expected_back_at", "after_now", "expected back later than now"))
        elif back - now > MAX_LOAN:
            problems.append(Problem("expected_back_at", "max_loan", "a loan lasts at most 30 days"))
    if key.kind == ENTRUSTED and blank(data.get("owner_authorisation_ref")):
        problems.append(Problem("owner_authorisation_ref", "owner_authorisation",
                                "an entrusted key is lent only with its owner's authorisation"))
    if problems:
        raise ValidationError(problems)
    loan_row.key_no, loan_row.unit_id, loan_row.estate = key.key_no, key.unit_id, key.estate
    loan_row.borrower, loan_row.department = data["borrower"].strip(), data["department"]
    loan_row.purpose = data["purpose"].strip()
    loan_row.owner_authorisation_ref = (data.get("owner_authorisation_ref") or "").strip() or None
    loan_row.lent_by, loan_row.out_at, loan_row.expected_back_at = staff_id, now, back
    key.state, key.current_loan_no = ON_LOAN, loan_row.loan_no
    return [Event("key.loaned", {
        "key_id": key.key_no, "loan_id": loan_row.loan_no, "unit_id": key.unit_id, "estate": key.estate,
        "kind": key.kind, "borrower": loan_row.borrower, "department": loan_row.department,
        "purpose": loan_row.purpose, "out_at": now.isoformat(), "expected_back_at": back.isoformat(),
    })]


def return_key(key, loan_row, staff_id: str, now: datetime) -> list[Event]:
    """The key came back: CS cancels the register entry (注销) and the key is in custody again.
    Conflict (key_no, on_loan) when it is not out, (loan_no, open) for an entry already closed."""
    if key.state != ON_LOAN or loan_row is None:
        raise Conflict(f"key {key.key_no} is not on loan", field="key_no", rule="on_loan")
    if loan_row.returned_at is not None:
        raise Conflict(f"loan {loan_row.loan_no} was closed already", field="loan_no", rule="open")
    loan_row.returned_at, loan_row.returned_by = now, staff_id
    key.state, key.current_loan_no = IN_CUSTODY, None
    late = now > as_utc(loan_row.expected_back_at)
    return [Event("key.returned", {
        "key_id": key.key_no, "loan_id": loan_row.loan_no, "unit_id": key.unit_id, "estate": key.estate,
        "borrower": loan_row.borrower, "department": loan_row.department, "purpose": loan_row.purpose,
        "out_at": as_utc(loan_row.out_at).isoformat(), "in_at": now.isoformat(), "late": late,
    })]


def withdraw(key, received_by: str | None, staff_id: str, now: datetime) -> list[Event]:
    """An entrusted key is given back to its owner (退还业主): WITHDRAWN, final. Conflict (kind,
    entrusted_only) for a vacant-unit key, (key_no, withdrawn) when already given back, (key_no,
    not_on_loan) while it is out; ValidationError (received_by, required)."""
    if key.kind != ENTRUSTED:
        raise Conflict(f"key {key.key_no} is a vacant unit's key: only an entrusted key is given back to its owner",
                       field="kind", rule="entrusted_only")
    if key.state == WITHDRAWN:
        raise Conflict(f"key {key.key_no} was already given back", field="key_no", rule="withdrawn")
    if key.state == ON_LOAN:
        raise Conflict(f"key {key.key_no} is on loan ({key.current_loan_no}): it must come back first",
                       field="key_no", rule="not_on_loan")
    if blank(received_by):
        raise ValidationError.one("received_by", "required", "who received the key (the owner or their agent)")
    key.state, key.withdrawn_at, key.withdrawn_by, key.withdrawn_to = WITHDRAWN, now, staff_id, received_by.strip()
    return [Event("key.withdrawn", {
        "key_id": key.key_no, "unit_id": key.unit_id, "estate": key.estate, "owner_name": key.owner_name,
        "received_by": key.withdrawn_to, "withdrawn_at": now.isoformat(),
    })]


def hand_over_custody(key, custodian: str | None) -> str:
    """Another CS staff member becomes the key's custodian; answers the previous one. Conflict
    (key_no, withdrawn) for a key given back; ValidationError (custodian, required / unchanged)."""
    if key.state == WITHDRAWN:
        raise Conflict(f"key {key.key_no} was given back to its owner", field="key_no", rule="withdrawn")
    if blank(custodian):
        raise ValidationError.one("custodian", "required", "name the new custodian (a staff member)")
    if custodian.strip() == key.custodian:
        raise ValidationError.one("custodian", "unchanged", f"{custodian} already holds key {key.key_no}")
    before, key.custodian = key.custodian, custodian.strip()
    return before


def next_commands(key) -> list[str]:
    """What the key's state allows now (ACTIONS row "key")."""
    if key.state == IN_CUSTODY:
        return ["loan_key", "hand_over_key_custody"] + (["withdraw_key"] if key.kind == ENTRUSTED else [])
    if key.state == ON_LOAN:
        return ["return_key", "hand_over_key_custody"]
    return []


def overdue(loan_row, now: datetime) -> bool:
    """A loan still open past its expected return."""
    return loan_row.returned_at is None and as_utc(loan_row.expected_back_at) <= now
