"""Goods release slips filled in at the desk (物品放行条 / 物品搬出放行单 QR-005FW), pure domain logic.

domain.md §2.7, [004 WI/FW-020], [000]. Four variants are filled in at the desk; the fifth, the
tenant move-out, is issued by the move-out's release hold (`workflows/release_slip`) into the same
register and used at the same gate:

| variant       | the desk records (the command carries the checked facts)            | before it is issued        |
|---------------|----------------------------------------------------------------------|----------------------------|
| owner         | ID checked against the owner record; the owner signs                 | -                          |
| non_owner     | ID and the owner's authorisation letter; the applicant signs         | the owner confirms by phone|
| contractor    | the renovation's responsible person identified; they sign            | -                          |
| no_specimen   | the IDs of client and carrier, goods types and quantities checked    | manager/director co-signs  |
| (any) moving  | moving out or many items (可能搬迁)                                    | Finance clears the fees    |

State machine (vocab.RELEASE_SLIP_STATES)::

    request -> [OWNER_CONFIRMATION] -> [FEE_CLEARANCE] -> [COUNTERSIGNATURE] -> ISSUED -> RELEASED | REFUSED
                 owner refuses: REJECTED       cancelled at the desk before use: CANCELLED

Each bracketed step only when the variant needs it, in this order; fees outstanding keep the slip
in FEE_CLEARANCE (no slip while fees are outstanding) until Finance clears them. A slip is used once
at the gate: released, or refused with the reason (final: the applicant comes back for a new slip).

Access does not read residents' database: what the desk checked (the owner record, the renovation's
responsible person, the IDs) is stated by the command, by the person at the desk, and kept on the
slip with who stated it. Personal numbers are kept masked (`masked_number`).

The functions judge the slip row (`release_slip.models.ReleaseSlip`, or any object with its
attribute names) and the goods lines (dicts with line, description, quantity, large, valuable).
Plain Python: no nameko, no SQL, no I/O; the time is an argument.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from propdesk.contracts.vocab import (ID_DOCUMENT_TYPES, RELEASE_SLIP_PENDING, RELEASE_VARIANTS)
from propdesk.domain import Event, blank
from propdesk.errors import Conflict, Problem, ValidationError
from propdesk.privacy import mask_text

#: The variants the desk fills in (the fifth, "move_out", comes from the move-out saga).
DESK_VARIANTS = tuple(code for code in RELEASE_VARIANTS.codes if code != "move_out")
MOVE_OUT = "move_out"

OWNER_CONFIRMATION, FEE_CLEARANCE, COUNTERSIGNATURE = "OWNER_CONFIRMATION", "FEE_CLEARANCE", "COUNTERSIGNATURE"
ISSUED, RELEASED, REFUSED, REJECTED, CANCELLED = "ISSUED", "RELEASED", "REFUSED", "REJECTED", "CANCELLED"

#: Who may countersign a slip of a client with no specimen on file (部门经理或主任, [000]).
COUNTERSIGNERS = frozenset({"cs_manager", "director"})
#: The most goods lines one slip lists.
MAX_ITEMS = 50

#: Who signs a desk slip besides the front desk, by variant.
SIGNS_AS = {"owner": "owner", "non_owner": "applicant", "contractor": "responsible_person",
            "no_specimen": "client"}


# --- personal numbers ------------------------------------------------------------------------------
def masked_number(value: str | None) -> str | None:
    """An ID or phone number as the slip keeps it: a resident ID or mobile number masked as
    everywhere (`propdesk.privacy`), any other document number reduced to its last four."""
    if value is None or not str(value).strip():
        return None
    value = str(value).strip()
    masked = mask_text(value)
    if masked != value:
        return masked
    return "*" * max(len(value) - 4, 0) + value[-4:] if len(value) > 4 else "*" * len(value)


# --- the request at the desk -----------------------------------------------------------------------
def applicant_type(variant: str, applicant_role: str | None) -> str:
    """The applicant_type a slip announces (vocab.RELEASE_APPLICANT_ROLES)."""
    if variant == "non_owner":
        return applicant_role or "tenant"
    return {"owner": "owner", "contractor": "contractor", "no_specimen": "client"}.get(variant, "tenant")


def validate_request(data: dict) -> None:
    """Every rule a desk request breaks, at once (ValidationError naming each field and rule).

    All variants: unit, applicant's name, ID type and number, ``identity_checked`` (the desk saw
    the ID), ``applicant_signed`` (the one who signs for the variant signed the slip), and at least
    one goods line with a description and a quantity of at least 1. Owner: ``owner_record_checked``
    (the ID matches the owner record). Non-owner: tenant or agent, the owner's authorisation letter
    (``authorisation_ref``) and the owner's phone (the desk phones the owner). Contractor: the
    renovation (``renovation_ref``) and ``responsible_person_checked`` (the applicant is its
    responsible person). No specimen: the carrier's name, ID type and number, and ``goods_checked``
    (goods types and quantities checked). ``moving`` is not a contractor's slip.
    """
    problems: list[Problem] = []
    variant = data.get("variant")

    def need(name: str, rule: str = "required", message: str | None = None) -> None:
        if blank(data.get(name)):
            problems.append(Problem(name, rule, message or f"{name} is required"))

    def checked(name: str, rule: str, message: str) -> None:
        if data.get(name) is not True:
            problems.append(Problem(name, rule, message))

    if variant not in DESK_VARIANTS:
        problems.append(Problem("variant", "one_of", f"variant must be one of {', '.join(DESK_VARIANTS)}"))
    need("unit_id")
    need("applicant_name")
    if data.get("id_type") not in ID_DOCUMENT_TYPES:
        problems.append(Problem("id_type", "one_of", "name the ID document shown"))
    need("id_number")
    checked("identity_checked", "identity_checked", "the desk checks the applicant's ID before filling in a slip")
    checked("applicant_signed", "signed", "the slip is signed by its applicant (owner, responsible person, client)")

    if variant == "owner":
        checked("owner_record_checked", "owner_record_checked",
                "check the ID against the owner record (业主资料) first")
    elif variant == "non_owner":
        if data.get("applicant_role") not in ("tenant", "agent"):
            problems.append(Problem("applicant_role", "one_of", "a non-owner is a tenant or an agent"))
        need("authorisation_ref", "authorisation_letter", "a non-owner brings the owner's authorisation letter (委托书)")
        need("owner_name")
        need("owner_phone", "required", "the desk phones the owner to confirm: give the owner's number")
    elif variant == "contractor":
        need("renovation_ref", "required", "name the renovation (装修申请/施工许可证)")
        checked("responsible_person_checked", "responsible_person_checked",
                "the applicant must be the renovation's responsible person (装修负责人), identified at the desk")
    elif variant == "no_specimen":
        need("carrier_name", "carrier_identity", "name the carrier (带运人)")
        if data.get("carrier_id_type") not in ID_DOCUMENT_TYPES:
            problems.append(Problem("carrier_id_type", "carrier_identity", "name the carrier's ID document"))
        need("carrier_id_number", "carrier_identity", "the carrier's ID is checked too")
        checked("goods_checked", "goods_checked", "check the goods types and quantities against the slip")
    if data.get("moving") and variant == "contractor":
        problems.append(Problem("moving", "not_for_contractor",
                                "moving out is an owner's or a non-owner's slip (then fees are cleared first)"))

    items = data.get("items")
    if not items:
        problems.append(Problem("items", "required", "list the goods item by item"))
    elif len(items) > MAX_ITEMS:
        problems.append(Problem("items", "too_many", f"at most {MAX_ITEMS} lines on one slip"))
    else:
        for i, item in enumerate(items):
            if blank(item.get("description")):
                problems.append(Problem(f"items.{i}.description", "required", "every line needs a description"))
            quantity = item.get("quantity")
            if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
                problems.append(Problem(f"items.{i}.quantity", "positive", "a quantity of at least 1"))
    if problems:
        raise ValidationError(problems)


def goods_lines(items: list[dict]) -> list[dict]:
    """The goods as the slip keeps them: numbered lines from 1, descriptions trimmed."""
    return [{"line": i, "description": str(item["description"]).strip(), "quantity": int(item["quantity"]),
             "large": bool(item.get("large")), "valuable": bool(item.get("valuable"))}
            for i, item in enumerate(items, start=1)]


def goods_text(lines) -> list[str]:
    """The goods as release_slip.issued lists them: "description ×quantity" (flags in brackets)."""
    out = []
    for line in lines:
        get = line.get if isinstance(line, dict) else (lambda k, _l=line: getattr(_l, k))
        flags = [w for w, on in (("大件 large", get("large")), ("贵重 valuable", get("valuable"))) if on]
        out.append(f"{get('description')} ×{get('quantity')}" + (f" [{', '.join(flags)}]" if flags else ""))
    return out


def steps(variant: str, moving: bool) -> list[str]:
    """The waiting steps a desk slip of this variant goes through before it is issued, in order."""
    out = []
    if variant == "non_owner":
        out.append(OWNER_CONFIRMATION)
    if moving:
        out.append(FEE_CLEARANCE)
    if variant == "no_specimen":
        out.append(COUNTERSIGNATURE)
    return out


def _after(slip, step: str | None) -> str:
    """The state that follows `step` (None: the request) for this slip: its next waiting step, or ISSUED."""
    todo = steps(slip.variant, bool(slip.moving))
    if step is not None:
        todo = todo[todo.index(step) + 1:]
    return todo[0] if todo else ISSUED


def _sign(slip, entry: dict) -> None:
    slip.signatures = [*(slip.signatures or []), entry]


def open_request(slip, data: dict, staff_id: str, staff_role: str, at: datetime) -> list[Event]:
    """Fill in a desk slip from a checked request (`validate_request` first) on `slip` (which has
    its slip_no, unit_id and estate): the applicant's and the front desk's signatures, the state
    its first waiting step or ISSUED. Emits ``release_slip.requested`` (and ``release_slip.issued``
    when nothing is awaited). The goods lines are the caller's to store (`goods_lines`)."""
    variant = data["variant"]
    slip.variant, slip.moving = variant, bool(data.get("moving"))
    slip.applicant_type = applicant_type(variant, data.get("applicant_role"))
    slip.applicant_name = data["applicant_name"].strip()
    slip.id_type, slip.id_number = data["id_type"], masked_number(data["id_number"])
    # a field of another variant's (the desk's form offers them all) is not this slip's: not kept, not printed
    non_owner = variant == "non_owner"
    slip.authorisation_ref = ((data.get("authorisation_ref") or "").strip() or None) if non_owner else None
    slip.owner_name = slip.applicant_name if variant == "owner" else (
        ((data.get("owner_name") or "").strip() or None) if non_owner else None)
    slip.owner_phone = masked_number(data.get("owner_phone")) if non_owner else None
    slip.renovation_ref = ((data.get("renovation_ref") or "").strip() or None) if variant == "contractor" else None
    slip.responsible_person = slip.applicant_name if variant == "contractor" else None
    if variant == "no_specimen":
        slip.carrier_name = data["carrier_name"].strip()
        slip.carrier_id_type, slip.carrier_id_number = data["carrier_id_type"], masked_number(data["carrier_id_number"])
    slip.requested_by, slip.requested_at = staff_id, at
    slip.signatures = [
        {"as": SIGNS_AS[variant], "name": slip.applicant_name, "at": at.isoformat()},
        {"as": "front_desk", "by": staff_id, "role": staff_role, "at": at.isoformat()},
    ]
    slip.state = _after(slip, None)
    events = [Event("release_slip.requested", {
        "slip_id": slip.slip_no, "unit_id": slip.unit_id, "estate": slip.estate, "variant": variant,
        "applicant_type": slip.applicant_type, "moving": slip.moving, "state": slip.state,
    })]
    return events


def _expect(slip, state: str, rule: str, what: str) -> None:
    if slip.state != state:
        raise Conflict(f"slip {slip.slip_no} is {slip.state}, not {what}", field="slip_no", rule=rule)


def confirm_owner(slip, confirmed: bool, owner_name: str | None, reason: str | None, staff_id: str,
                  at: datetime) -> list[Event]:
    """The desk phoned the owner about a non-owner's slip (业主电话确认). Confirmed: the owner's
    confirmation is noted as a signature and the slip goes on. Refused: the slip is REJECTED with
    the reason (``release_slip.rejected``). Conflict (slip_no, awaiting_owner_confirmation) in any
    other state; ValidationError (reason, required) for a refusal without its reason."""
    _expect(slip, OWNER_CONFIRMATION, "awaiting_owner_confirmation", "awaiting the owner's confirmation")
    owner = (owner_name or "").strip() or slip.owner_name
    if not confirmed:
        if blank(reason):
            raise ValidationError.one("reason", "required", "note why the owner refused")
        slip.state, slip.closed_at, slip.closed_by, slip.closed_reason = REJECTED, at, staff_id, reason.strip()
        return [Event("release_slip.rejected", {
            "slip_id": slip.slip_no, "unit_id": slip.unit_id, "estate": slip.estate, "variant": slip.variant,
            "applicant_type": slip.applicant_type, "reason": slip.closed_reason, "rejected_by": staff_id,
        })]
    if blank(owner):
        raise ValidationError.one("owner_name", "required", "name the owner who confirmed")
    slip.owner_name, slip.owner_confirmed_by, slip.owner_confirmed_at = owner, staff_id, at
    _sign(slip, {"as": "owner_by_phone", "name": owner, "by": staff_id, "at": at.isoformat()})
    slip.state = _after(slip, OWNER_CONFIRMATION)
    return []


def record_fee_check(slip, cleared: bool, clearance_ref: str, outstanding_amount: str | None, staff_id: str,
                     at: datetime) -> bool:
    """Finance checked the unit's fees for a moving slip (WI/FW-020). Cleared: the slip goes on
    (True). Outstanding: the slip stays in FEE_CLEARANCE with the amount (False): no slip while fees
    are outstanding; Finance checks again once they are paid. Conflict (slip_no,
    awaiting_fee_clearance) in any other state; ValidationError for a missing reference or amount."""
    _expect(slip, FEE_CLEARANCE, "awaiting_fee_clearance", "awaiting fee clearance")
    problems = []
    if blank(clearance_ref):
        problems.append(Problem("clearance_ref", "required", "the receipt or balance reference Finance checked"))
    amount = None
    if not cleared:
        try:
            amount = Decimal(str(outstanding_amount)) if not blank(outstanding_amount) else None
        except InvalidOperation:
            amount = None
        if amount is None or amount <= 0 or amount.as_tuple().exponent < -2:
            problems.append(Problem("outstanding_amount", "positive_amount",
                                    "fees outstanding: give the amount owed (two decimals at most)"))
    if problems:
        raise ValidationError(problems)
    slip.fees_checked_by, slip.fees_checked_at, slip.clearance_ref = staff_id, at, clearance_ref.strip()
    if not cleared:
        slip.fees_outstanding = f"{amount:.2f}"
        return False
    slip.fees_outstanding = None
    slip.state = _after(slip, FEE_CLEARANCE)
    return True


def countersign(slip, staff_id: str, staff_role: str, at: datetime) -> None:
    """The department manager or director co-signs a slip of a client with no signature or seal
    specimen on file ([000]): the second signature, by someone other than the front-desk handler.
    Conflict (slip_no, awaiting_countersignature) in another state, (actor, second_signatory) when
    the handler signs twice; Forbidden-like Conflict (actor.role, manager_or_director) for another role."""
    _expect(slip, COUNTERSIGNATURE, "awaiting_countersignature", "awaiting the second signature")
    if staff_role not in COUNTERSIGNERS:
        raise Conflict(f"only the department manager or the director co-signs (not {staff_role})",
                       field="actor.role", rule="manager_or_director")
    handlers = {s.get("by") for s in slip.signatures or [] if s.get("as") == "front_desk"}
    if staff_id in handlers:
        raise Conflict(f"{staff_id} signed slip {slip.slip_no} as the front-desk handler: the second "
                       "signature is someone else's", field="actor", rule="second_signatory")
    _sign(slip, {"as": "manager", "by": staff_id, "role": staff_role, "at": at.isoformat()})
    slip.state = _after(slip, COUNTERSIGNATURE)


def issue(slip, goods: list[str], nonce: str, at: datetime) -> list[Event]:
    """The slip is complete: ISSUED with its QR token's nonce; ``release_slip.issued``. Call it when
    a step left the slip ISSUED without an issue time."""
    if slip.state != ISSUED or slip.issued_at is not None:
        return []
    slip.issued_at, slip.token_nonce, slip.goods = at, nonce, list(goods)
    return [Event("release_slip.issued", {
        "slip_id": slip.slip_no, "move_out_id": slip.move_out_id, "unit_id": slip.unit_id, "estate": slip.estate,
        "applicant_type": slip.applicant_type, "goods": list(goods), "clearance_ref": slip.clearance_ref,
    })]


def cancel(slip, reason: str, staff_id: str, at: datetime) -> list[Event]:
    """The desk withdraws a slip before it was used (作废): CANCELLED with the reason. Conflict
    (slip_no, move_out_slip) for a move-out's slip (its case decides), (slip_no, not_used) once it
    was used or closed; ValidationError (reason, required)."""
    if slip.variant == MOVE_OUT:
        raise Conflict(f"slip {slip.slip_no} belongs to move-out {slip.move_out_id}: withdraw the move-out instead",
                       field="slip_no", rule="move_out_slip")
    if slip.state not in RELEASE_SLIP_PENDING:
        raise Conflict(f"slip {slip.slip_no} is {slip.state}: it can no longer be cancelled",
                       field="slip_no", rule="not_used")
    if blank(reason):
        raise ValidationError.one("reason", "required", "note why the slip is cancelled")
    slip.state, slip.closed_at, slip.closed_by, slip.closed_reason = CANCELLED, at, staff_id, reason.strip()
    return [Event("release_slip.cancelled", {
        "slip_id": slip.slip_no, "unit_id": slip.unit_id, "estate": slip.estate, "reason": slip.closed_reason,
        "cancelled_by": staff_id,
    })]


# --- at the gate ------------------------------------------------------------------------------------
def check_usable(slip) -> None:
    """A slip may be used at the gate only once, and only once issued. Conflict (slip_no, rule):
    released_once, used_once (refused before), not_valid (rejected or cancelled), issued (not
    issued yet)."""
    if slip.state == RELEASED:
        raise Conflict(f"slip {slip.slip_no} was already released at the gate by {slip.released_by}",
                       field="slip_no", rule="released_once")
    if slip.state == REFUSED:
        raise Conflict(f"slip {slip.slip_no} was refused at the gate ({slip.refusal_reason}): a slip is used once",
                       field="slip_no", rule="used_once")
    if slip.state in (REJECTED, CANCELLED):
        raise Conflict(f"slip {slip.slip_no} is {slip.state.lower()}: it is not valid",
                       field="slip_no", rule="not_valid")
    if slip.state != ISSUED:
        raise Conflict(f"slip {slip.slip_no} is not issued yet ({slip.state}): the goods may not leave",
                       field="slip_no", rule="issued")


def flagged_lines(lines) -> list[int]:
    """The lines of large or valuable goods: each is checked and logged at the gate before release."""
    out = []
    for line in lines:
        get = line.get if isinstance(line, dict) else (lambda k, _l=line: getattr(_l, k))
        if get("large") or get("valuable"):
            out.append(int(get("line")))
    return out


def release(slip, lines, guard_id: str, checked_lines, at: datetime) -> None:
    """Security checked the goods against the slip and lets them out: RELEASED (no event here: the
    caller announces ``release_slip.released``, the move-out's hold or `released_event`).
    `check_usable` first; ValidationError (checked_items, flagged_items_checked) unless every large
    or valuable line is among `checked_lines`."""
    if blank(guard_id):
        raise ValidationError.one("guard_id", "required", "name the guard who checked the goods")
    check_usable(slip)
    missing = sorted(set(flagged_lines(lines)) - set(checked_lines or ()))
    if missing:
        raise ValidationError.one("checked_items", "flagged_items_checked",
                                  f"check and log the large or valuable goods of lines {missing} first")
    slip.state, slip.released_at, slip.released_by = RELEASED, at, str(guard_id).strip()


def released_event(slip) -> Event:
    return Event("release_slip.released", {
        "slip_id": slip.slip_no, "move_out_id": slip.move_out_id, "unit_id": slip.unit_id, "estate": slip.estate,
        "guard_id": slip.released_by,
    })


def refuse(slip, guard_id: str, reason: str, at: datetime) -> list[Event]:
    """Security refuses the goods (they do not match the slip, an item is not listed, ...): REFUSED
    with the reason, final (a slip is used once); ``release_slip.refused``. `check_usable` first;
    ValidationError (reason, required)."""
    check_usable(slip)
    if blank(reason):
        raise ValidationError.one("reason", "required", "say why the goods are refused")
    slip.state, slip.refused_at, slip.refused_by, slip.refusal_reason = REFUSED, at, guard_id, reason.strip()
    return [Event("release_slip.refused", {
        "slip_id": slip.slip_no, "move_out_id": slip.move_out_id, "unit_id": slip.unit_id, "estate": slip.estate,
        "guard_id": guard_id, "reason": slip.refusal_reason,
    })]


# --- what the state allows, and the KPI ---------------------------------------------------------------
def next_commands(slip) -> list[str]:
    """The commands the slip's state allows now (ACTIONS row "release_slip")."""
    cancel_ok = [] if slip.variant == MOVE_OUT else ["cancel_release_slip"]
    return {
        OWNER_CONFIRMATION: ["confirm_owner_authorisation", *cancel_ok],
        FEE_CLEARANCE: ["record_fee_clearance", *cancel_ok],
        COUNTERSIGNATURE: ["countersign_release_slip", *cancel_ok],
        ISSUED: ["release_at_gate", "refuse_at_gate", *cancel_ok],
    }.get(slip.state, [])


def required_signatures(slip) -> set[str]:
    """The signatures a valid slip of its variant carries."""
    if slip.variant == MOVE_OUT:
        return set()
    need = {SIGNS_AS.get(slip.variant, "applicant"), "front_desk"}
    if slip.variant == "non_owner":
        need.add("owner_by_phone")
    if slip.variant == "no_specimen":
        need.add("manager")
    return need


def valid_slip(slip) -> bool:
    """Whether a released slip was a valid one (收取有效放行条): issued before the release, with every
    signature its variant needs, and fees cleared when it was a moving slip (the move-out's slip
    rests on its clearance)."""
    if slip.issued_at is None or slip.released_at is None:
        return False
    signed = {s.get("as") for s in slip.signatures or []}
    if not required_signatures(slip) <= signed:
        return False
    if (slip.moving or slip.variant == MOVE_OUT) and not slip.clearance_ref:
        return False
    return True
