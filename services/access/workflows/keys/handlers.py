"""The key board's handlers (钥匙, domain.md §2.8): register and entrust keys, lend and return them,
give entrusted keys back, hand custody over; the key and loan queries, the overdue-loan queue and the
counts.

Numbers: keys ``KY-yyyymmdd-nnnn``, loan entries ``KL-yyyymmdd-nnnn`` (chassis numbering). A loan
sets the ``key.loan_return`` deadline at its expected return (wall-clock: a key is promised back at a
time of day, not in working days); the return meets it. Past due, the service's sweep announces
``key.loan_overdue`` once (notify tells the custodian and the CS supervisor) and the loan shows in
the overdue queue until it is back.

Estates: a key has its unit's estate; staff see and act on their estates' keys only (another
estate's answers as a missing one).
"""
from __future__ import annotations

from datetime import timezone

from sqlalchemy import func, or_, select

from propdesk.chassis.estates import visible, within
from propdesk.contracts.rpc.access_keys import KeyCountsSchema, KeyLoanSchema, KeySchema
from propdesk.demo import estate_of
from propdesk.domain import as_utc, blank
from propdesk.errors import NotFound, ValidationError
from propdesk_services.access.workflows.keys import domain
from propdesk_services.access.workflows.keys.models import KeyLoan, UnitKey
from propdesk_services.access.workflows.registers import queue_item

KEY_SERIES, LOAN_SERIES = "KY", "KL"
#: The deadline rule of a loan's return (messages.DEADLINES).
LOAN_RETURN = "key.loan_return"

_KEY = KeySchema()
_LOAN = KeyLoanSchema()
_COUNTS = KeyCountsSchema()


# --- reading ---------------------------------------------------------------------------------------
def _key(session, key_no: str, estates, *, lock: bool = False) -> UnitKey:
    stmt = select(UnitKey).where(UnitKey.key_no == key_no)
    key = session.scalars(stmt.with_for_update() if lock else stmt).first()
    if key is None or not visible(estates, key.estate):
        raise NotFound(f"no key {key_no}", field="key_no", rule="exists")
    return key


def _loan(session, loan_no: str, estates, *, lock: bool = False) -> KeyLoan:
    stmt = select(KeyLoan).where(KeyLoan.loan_no == loan_no)
    loan = session.scalars(stmt.with_for_update() if lock else stmt).first()
    if loan is None or not visible(estates, loan.estate):
        raise NotFound(f"no key loan {loan_no}", field="loan_no", rule="exists")
    return loan


def _loan_view(loan: KeyLoan, now) -> dict:
    columns = {c.key: getattr(loan, c.key) for c in KeyLoan.__table__.columns}
    return _LOAN.dump({**columns, "overdue": domain.overdue(loan, now)})


def get_key(args: dict, reader) -> dict:
    """One key on the board."""
    return _KEY.dump(_key(reader.session, args["key_no"], reader.estates))


def list_keys(args: dict, reader) -> list[dict]:
    """The key board of the asker's estates, by unit (at most 200): by state, kind, unit, or a
    search in the number, tag and unit."""
    stmt = within(select(UnitKey), UnitKey.estate, reader.estates)
    for name in ("state", "kind", "unit_id"):
        if args.get(name):
            stmt = stmt.where(getattr(UnitKey, name) == args[name])
    if args.get("q"):
        like = f"%{args['q'].strip()}%"
        stmt = stmt.where(or_(UnitKey.key_no.ilike(like), UnitKey.label.ilike(like), UnitKey.unit_id.ilike(like)))
    return _KEY.dump(reader.session.scalars(stmt.order_by(UnitKey.unit_id, UnitKey.id).limit(200)).all(), many=True)


def get_key_loan(args: dict, reader) -> dict:
    """One entry of the loan register."""
    return _loan_view(_loan(reader.session, args["loan_no"], reader.estates), reader.now())


def list_key_loans(args: dict, reader) -> list[dict]:
    """The loan register of the asker's estates, newest first (at most 200): open ones, overdue
    ones, one key's, or a search in the borrower, key and unit."""
    now = reader.now()
    stmt = within(select(KeyLoan), KeyLoan.estate, reader.estates)
    if args.get("open") is True or args.get("overdue") is True:
        stmt = stmt.where(KeyLoan.returned_at.is_(None))
    elif args.get("open") is False:
        stmt = stmt.where(KeyLoan.returned_at.is_not(None))
    if args.get("overdue") is True:
        stmt = stmt.where(KeyLoan.expected_back_at <= now)
    if args.get("key_no"):
        stmt = stmt.where(KeyLoan.key_no == args["key_no"])
    if args.get("q"):
        like = f"%{args['q'].strip()}%"
        stmt = stmt.where(or_(KeyLoan.borrower.ilike(like), KeyLoan.key_no.ilike(like), KeyLoan.unit_id.ilike(like)))
    loans = reader.session.scalars(stmt.order_by(KeyLoan.id.desc()).limit(200)).all()
    return [_loan_view(loan, now) for loan in loans]


def possible_actions(key_no: str, reader) -> list[str]:
    """What the key's state allows next (ACTIONS row "key")."""
    return domain.next_commands(_key(reader.session, key_no, reader.estates))


def possible_loan_actions(loan_no: str, reader) -> list[str]:
    """An open loan entry may be closed by the key's return (ACTIONS row "key_loan")."""
    loan = _loan(reader.session, loan_no, reader.estates)
    return ["return_key"] if loan.returned_at is None else []


def key_counts(args: dict, reader) -> dict:
    """The key board in numbers for the asker's estates: keys in custody, on loan, given back;
    vacant and entrusted; loans open and overdue (the metric of keys on loan and overdue)."""
    s, now = reader.session, reader.now()
    keys = within(select(UnitKey.state, UnitKey.kind, func.count()), UnitKey.estate, reader.estates)
    by_state: dict[str, int] = {}
    by_kind: dict[str, int] = {}
    for state, kind, n in s.execute(keys.group_by(UnitKey.state, UnitKey.kind)).all():
        by_state[state] = by_state.get(state, 0) + n
        if state != domain.WITHDRAWN:
            by_kind[kind] = by_kind.get(kind, 0) + n
    open_loans = within(select(func.count()).select_from(KeyLoan), KeyLoan.estate, reader.estates) \
        .where(KeyLoan.returned_at.is_(None))
    return _COUNTS.dump({
        "in_custody": by_state.get(domain.IN_CUSTODY, 0), "on_loan": by_state.get(domain.ON_LOAN, 0),
        "withdrawn": by_state.get(domain.WITHDRAWN, 0), "vacant": by_kind.get(domain.VACANT, 0),
        "entrusted": by_kind.get(domain.ENTRUSTED, 0), "loans_open": s.scalar(open_loans),
        "loans_overdue": s.scalar(open_loans.where(KeyLoan.expected_back_at <= now)),
    })


def key_loans_overdue(args: dict, reader) -> list[dict]:
    """Loans not back by their expected time, the longest overdue first (the desk's queue). The
    borrowing department is the item's ``fields`` (said in the words of `KeyLoanSchema`'s
    department, vocab KEY_BORROWER_DEPARTMENTS), not its label in one language in the detail."""
    now = reader.now()
    stmt = (within(select(KeyLoan), KeyLoan.estate, reader.estates)
            .where(KeyLoan.returned_at.is_(None), KeyLoan.expected_back_at <= now)
            .order_by(KeyLoan.expected_back_at))
    out = []
    for loan in reader.session.scalars(stmt).all():
        custodian = reader.session.scalar(select(UnitKey.custodian).where(UnitKey.key_no == loan.key_no))
        out.append(queue_item("key_loan", loan.loan_no, f"{loan.key_no} {loan.unit_id}",
                              " · ".join(x for x in (loan.borrower, loan.purpose) if x), loan.out_at,
                              loan.expected_back_at, now, custodian, overdue=True,
                              fields={"department": loan.department}))
    return out


# --- commands --------------------------------------------------------------------------------------
def _new_key(cmd, uow, kind: str) -> dict:
    data = cmd.data
    domain.validate_key(data, entrusted=kind == domain.ENTRUSTED)
    unit_id = data["unit_id"].strip()
    estate = estate_of(unit_id)
    if not visible(cmd.estates, estate):
        raise ValidationError.one("unit_id", "unknown_unit", f"no unit {unit_id} in your estates")
    now = uow.now()
    key = UnitKey(key_no=uow.next_number(KEY_SERIES), kind=kind, category=data["category"],
                  label=data["label"].strip(), copies=data.get("copies") or 1, unit_id=unit_id, estate=estate,
                  custodian=(data.get("custodian") or "").strip() or cmd.actor.id, state=domain.IN_CUSTODY,
                  owner_name=(data.get("owner_name") or "").strip() or None,
                  entrustment_ref=(data.get("entrustment_ref") or "").strip() or None,
                  registered_by=cmd.actor.id, registered_at=now)
    uow.correlation_id = key.key_no
    uow.session.add(key)
    uow.session.flush()
    event = domain.registered_event(key)
    uow.emit(event.type, event.payload)
    uow.audit("key.entrust" if kind == domain.ENTRUSTED else "key.register", "key", key.key_no,
              {"unit_id": unit_id, "category": key.category, "custodian": key.custodian,
               "entrustment_ref": key.entrustment_ref})
    return _KEY.dump(key)


def register_key(cmd, uow) -> dict:
    """空置单元钥匙登记: a vacant unit's key goes on the board, classified and numbered, held by its
    custodian (the person registering it unless another is named)."""
    return _new_key(cmd, uow, domain.VACANT)


def entrust_key(cmd, uow) -> dict:
    """业主委托管理处保管钥匙 (QR-006FW): an owner leaves keys with the office at handover, with their
    signed statement."""
    return _new_key(cmd, uow, domain.ENTRUSTED)


def loan_key(cmd, uow) -> dict:
    """钥匙领用登记: a department borrows the key (borrower, department, purpose, expected back); an
    entrusted key needs the owner's authorisation; a key on loan is not lent again. Sets the
    ``key.loan_return`` deadline at the expected return. Answers the loan entry."""
    key = _key(uow.session, cmd.data["key_no"], cmd.estates, lock=True)
    loan = KeyLoan()
    events = domain.loan(key, loan, cmd.data, cmd.actor.id, uow.now())
    loan.loan_no = uow.next_number(LOAN_SERIES)  # numbered once the loan may go on: a refusal takes no number
    key.current_loan_no = loan.loan_no
    for event in events:
        event.payload["loan_id"] = loan.loan_no
    uow.correlation_id = loan.loan_no
    uow.session.add(loan)
    uow.session.flush()
    uow.set_deadline(LOAN_RETURN, "key_loan", loan.loan_no, loan.expected_back_at, responsible=key.custodian,
                     estate=key.estate, summary=f"{key.key_no} {key.unit_id} {loan.borrower}")
    uow.emit_all(events)
    uow.audit("key.loan", "key", key.key_no,
              {"loan_no": loan.loan_no, "borrower": loan.borrower, "department": loan.department,
               "expected_back_at": loan.expected_back_at.isoformat()})
    return _loan_view(loan, uow.now())


def return_key(cmd, uow) -> dict:
    """钥匙归还: the key is back; CS cancels the register entry (注销). Give the key number or the
    loan number. Meets the loan's deadline (late returns stay counted as breaches). Answers the entry."""
    key_no, loan_no = cmd.data.get("key_no"), cmd.data.get("loan_no")
    if blank(key_no) and blank(loan_no):
        raise ValidationError.one("key_no", "required", "give the key number or the loan number")
    if not blank(loan_no):
        loan = _loan(uow.session, loan_no.strip(), cmd.estates, lock=True)
        key = _key(uow.session, loan.key_no, cmd.estates, lock=True)
        if not blank(key_no) and key_no.strip() != key.key_no:
            raise ValidationError.one("key_no", "matches_loan", f"loan {loan.loan_no} is of key {key.key_no}")
    else:
        key = _key(uow.session, key_no.strip(), cmd.estates, lock=True)
        loan = (uow.session.scalars(select(KeyLoan).where(KeyLoan.loan_no == key.current_loan_no)).first()
                if key.current_loan_no else None)
    if loan is not None and key.current_loan_no != loan.loan_no and loan.returned_at is None:
        raise ValidationError.one("loan_no", "current_loan", f"loan {loan.loan_no} is not the key's current loan")
    events = domain.return_key(key, loan, cmd.actor.id, uow.now())
    uow.correlation_id = loan.loan_no
    in_time = uow.meet_deadline(LOAN_RETURN, "key_loan", loan.loan_no)
    uow.emit_all(events)
    uow.audit("key.return", "key", key.key_no, {"loan_no": loan.loan_no, "in_time": in_time})
    return _loan_view(loan, uow.now())


def withdraw_key(cmd, uow) -> dict:
    """钥匙退还业主: an entrusted key is given back to its owner (or their agent), ending the entrustment."""
    key = _key(uow.session, cmd.data["key_no"], cmd.estates, lock=True)
    uow.correlation_id = key.key_no
    uow.emit_all(domain.withdraw(key, cmd.data.get("received_by"), cmd.actor.id, uow.now()))
    uow.audit("key.withdraw", "key", key.key_no, {"received_by": key.withdrawn_to})
    return _KEY.dump(key)


def hand_over_key_custody(cmd, uow) -> dict:
    """保管人交接: another CS staff member becomes the key's custodian (an open loan's deadline names them)."""
    key = _key(uow.session, cmd.data["key_no"], cmd.estates, lock=True)
    uow.correlation_id = key.key_no
    before = domain.hand_over_custody(key, cmd.data.get("custodian"))
    if key.current_loan_no:
        loan = uow.session.scalars(select(KeyLoan).where(KeyLoan.loan_no == key.current_loan_no)).one()
        if not domain.overdue(loan, uow.now()):
            uow.set_deadline(LOAN_RETURN, "key_loan", loan.loan_no, as_utc(loan.expected_back_at).astimezone(timezone.utc),
                             responsible=key.custodian, estate=key.estate,
                             summary=f"{key.key_no} {key.unit_id} {loan.borrower}")
    uow.audit("key.custody", "key", key.key_no, {"custodian_before": before, "custodian": key.custodian})
    return _KEY.dump(key)
