"""Passes' handlers (出入证, domain.md §2.9): issue, hand back, revoke; expire by the service's own
timer; revoke on ``renovation.completed`` and ``move_out.completed``.

Numbers: construction passes ``SG-yyyymmdd-nnnn`` (施工), resident passes ``ZH-...`` (住户). A pass
is its own business case: its events and audit rows carry its number as correlation id.

Expiry (no cron by hand): the timer ``expire_passes`` finds passes whose last valid day is over
(`expires_at <= now`) and moves each from ISSUED to EXPIRED with a conditional update, so of two
processes sweeping at once exactly one announces ``pass.expired``.

Revocation by events is idempotent: a redelivered event is absorbed by the inbox, and the same fact
announced again finds no pass still in use (nothing is written, nothing emitted).
"""
from __future__ import annotations

from sqlalchemy import select, update

from propdesk.chassis import records
from propdesk.chassis.estates import within
from propdesk.contracts.envelope import Envelope
from propdesk.privacy import mask_text
from propdesk_services.access.workflows.passes import domain
from propdesk_services.access.workflows.passes.models import AccessPass
from propdesk_services.access.workflows.passes.schemas import PassSchema
from propdesk_services.access.workflows.registers import (end_of_office_day, estate_for, office_midnight,
                                                           queue_item)

SERIES = {domain.CONSTRUCTION: "SG", domain.RESIDENT: "ZH"}
_PASS = PassSchema()
#: how many passes one sweep expires in one transaction
EXPIRY_BATCH = 200
LIST_LIMIT = 200


# --- reading ---------------------------------------------------------------------------------------
def _pass(session, pass_no: str, estates, *, lock: bool = False) -> AccessPass:
    return records.one(session, AccessPass.pass_no, pass_no, estates, what="pass", field="pass_no", lock=lock)


def view(row: AccessPass, now, *, masked: bool = False) -> dict:
    out = _PASS.dump(row)
    out["valid_now"] = domain.is_valid_at(row, now, office_midnight(row.valid_from))
    if masked and out.get("holder_id_number"):
        out["holder_id_number"] = mask_text(out["holder_id_number"])
    return out


def get_pass(args: dict, reader) -> dict:
    """One pass (the register's entry, the ID number in full), and whether it is valid now."""
    return view(_pass(reader.session, args["pass_no"], reader.estates), reader.now())


def list_passes(args: dict, reader) -> list[dict]:
    """Passes of the asker's estates, newest first (at most 200), ID numbers masked; filters: kind,
    state, unit, a name or number."""
    rows = records.listing(reader, AccessPass, args, equals=("kind", "state", "unit_id"),
                           search=(AccessPass.holder_name, AccessPass.pass_no,), newest=(AccessPass.id,), limit=LIST_LIMIT)
    return [view(r, reader.now(), masked=True) for r in rows]


def possible_actions(pass_no: str, reader) -> list[str]:
    """What a pass allows next (ACTIONS row "pass")."""
    return domain.next_commands(_pass(reader.session, pass_no, reader.estates))


def passes_expiring(args: dict, reader) -> list[dict]:
    """Passes in use that expire within 3 days (renew or collect them), soonest first. The pass's
    kind and last day are the item's ``fields`` (said in the words of `PassSchema`'s kind, vocab
    PASS_KINDS, and as a date), not codes in its detail."""
    now = reader.now()
    stmt = within(select(AccessPass), AccessPass.estate, reader.estates).where(
        AccessPass.state == domain.ISSUED, AccessPass.expires_at <= now + domain.EXPIRING_WITHIN
    ).order_by(AccessPass.expires_at, AccessPass.id)
    return [queue_item("pass", r.pass_no, f"{r.holder_name} {r.unit_id or r.work_location or ''}".strip(),
                       "", r.issued_at, r.expires_at, now, fields={"kind": r.kind, "valid_to": r.valid_to})
            for r in reader.session.scalars(stmt.limit(LIST_LIMIT))]


# --- commands --------------------------------------------------------------------------------------
def issue_construction_pass(cmd, uow) -> dict:
    """办理施工出入证: a worker's pass for a renovation, logged in the 装修出入证登记表 with the
    worker's ID copy on file; stamped and laminated before issue. Emits ``pass.issued``."""
    return _issue(cmd, uow, domain.CONSTRUCTION)


def issue_resident_pass(cmd, uow) -> dict:
    """办理住户证: a resident's pass (owners, tenants and their households). Emits ``pass.issued``."""
    return _issue(cmd, uow, domain.RESIDENT)


def _issue(cmd, uow, kind: str) -> dict:
    data = dict(cmd.data)
    domain.validate_issue(kind, data, uow.today())
    estate = estate_for(cmd, data.get("unit_id"), data.get("estate"))
    now, number = uow.now(), uow.next_number(SERIES[kind])
    uow.correlation_id = number
    row = AccessPass(
        pass_no=number, kind=kind, estate=estate, holder_name=data["holder_name"].strip(),
        id_type=data.get("id_type") if data.get("holder_id_number") else None,
        holder_id_number=(data.get("holder_id_number") or None), id_copy_ref=data.get("id_copy_ref"),
        photo_ref=data["photo_ref"], unit_id=data.get("unit_id"), work_location=data.get("work_location"),
        renovation_id=data.get("renovation_id"), contractor=data.get("contractor"), relation=data.get("relation"),
        holder_party_id=data.get("holder_party_id"), valid_from=data["valid_from"], valid_to=data["valid_to"],
        expires_at=end_of_office_day(data["valid_to"]), state=domain.ISSUED, issued_by=cmd.actor.id, issued_at=now)
    uow.session.add(row)
    uow.emit_all(domain.issued(row))
    uow.audit(f"pass.issue_{kind}", "pass", number,
              {"unit_id": row.unit_id, "renovation_id": row.renovation_id, "valid_to": row.valid_to.isoformat()})
    uow.session.flush()
    return view(row, now)


def return_pass(cmd, uow) -> dict:
    """交回出入证: the holder handed the pass back. Conflict (pass_no, pass_in_use) when it is not
    in use any more; emits ``pass.returned``."""
    row = _pass(uow.session, cmd.data["pass_no"], cmd.estates, lock=True)
    uow.correlation_id = row.pass_no
    now = uow.now()
    uow.emit_all(domain.return_pass(row, now))
    row.ended_by = cmd.actor.id
    uow.audit("pass.return", "pass", row.pass_no, {})
    return view(row, now)


def revoke_pass(cmd, uow) -> dict:
    """注销出入证: the office takes the pass out of use, with the reason. Conflict (pass_no,
    pass_in_use) when it is not in use any more; emits ``pass.revoked``."""
    row = _pass(uow.session, cmd.data["pass_no"], cmd.estates, lock=True)
    uow.correlation_id = row.pass_no
    now, reason = uow.now(), cmd.data["reason"].strip()
    uow.emit_all(domain.revoke(row, domain.BY_OFFICE, now, note=reason))
    row.ended_by, row.end_note = cmd.actor.id, reason
    uow.audit("pass.revoke", "pass", row.pass_no, {"reason": domain.BY_OFFICE, "note": reason})
    return view(row, now)


# --- events ----------------------------------------------------------------------------------------
def revoke_passes_on_renovation_completed(event: Envelope, uow) -> None:
    """装修竣工: the renovation's construction passes still in use are revoked (``pass.revoked``
    each, reason renovation_completed); none left in use: nothing happens."""
    renovation_id = event.payload["renovation_id"]
    rows = uow.session.scalars(select(AccessPass).where(
        AccessPass.renovation_id == renovation_id, AccessPass.state == domain.ISSUED).with_for_update()).all()
    _revoke_all(uow, [r for r in rows if domain.revoked_by_renovation(r, renovation_id)],
                domain.RENOVATION_COMPLETED, renovation_id)


def revoke_passes_on_move_out(event: Envelope, uow) -> None:
    """租户撤场 archived (``move_out.completed``): the resident passes of the unit's tenant household
    still in use are revoked (``pass.revoked``, reason moved_out); the owner's stay valid."""
    unit_id = event.payload["unit_id"]
    rows = uow.session.scalars(select(AccessPass).where(
        AccessPass.unit_id == unit_id, AccessPass.state == domain.ISSUED).with_for_update()).all()
    _revoke_all(uow, [r for r in rows if domain.revoked_by_move_out(r, unit_id)],
                domain.MOVED_OUT, event.payload["move_out_id"])


def _revoke_all(uow, rows: list[AccessPass], reason: str, cause: str) -> None:
    now = uow.now()
    for row in rows:
        uow.emit_all(domain.revoke(row, reason, now, cause=cause), correlation_id=row.pass_no)
        row.ended_by = uow.actor.id
        uow.audit("pass.revoke", "pass", row.pass_no, {"reason": reason, "cause": cause},
                  correlation_id=row.pass_no)


# --- timer -----------------------------------------------------------------------------------------
def expire_passes(db) -> int:
    """Passes whose last valid day is over expire (``pass.expired`` once each); returns how many."""
    now = db.clock.now()
    with db.session() as s:
        due = s.scalars(select(AccessPass.id).where(AccessPass.state == domain.ISSUED, AccessPass.expires_at <= now)
                        .order_by(AccessPass.expires_at, AccessPass.id).limit(EXPIRY_BATCH)).all()
    done = 0
    for pass_id in due:
        with db() as uow:
            row = uow.session.get(AccessPass, pass_id)
            if not domain.due_to_expire(row, now):
                continue
            uow.correlation_id = row.pass_no
            # the state moves only if no other sweep moved it first: one process announces it
            claimed = uow.session.execute(update(AccessPass).where(
                AccessPass.id == pass_id, AccessPass.state == domain.ISSUED
            ).values(state=domain.EXPIRED, ended_at=now).execution_options(synchronize_session=False)).rowcount
            if claimed != 1:
                continue
            events = domain.expire(row, now)
            uow.emit_all(events)
            uow.audit("pass.expire", "pass", row.pass_no, {"valid_to": row.valid_to.isoformat()})
            uow.commit()
            done += 1
    return done

