"""Complaints' handlers (投诉, 投诉处理表 QR-002FW; domain.md §2.3, §5).

Plain functions of (message, uow) / (args, reader): load, call `domain`, add rows, events, audit
rows and deadlines to the unit of work. Who may give a command is `propdesk.policy`; who a
complaint is about may give none on it (`domain.guard_not_about`); a major complaint is handled by
the director (`domain.record_handling`).

As events::

    register_complaint (command), contact.registered (classification complaint)
                                  -> CP-<yyyymmdd>-<nnnn>, complaint.registered; deadlines
                                     complaint.measures (30 min) and complaint.reply (3 days)
    escalate_complaint            -> complaint.escalated; deadline complaint.agreed_reply
    reply_to_complainant, explain_complaint -> complaint.resolved (a return visit is due)
    send_progress_notice          -> complaint.progress_notified; the next 3 days
    record_second_complaint, return_visit.completed (dissatisfied) -> complaint.reopened (二次投诉)
    close_complaint, return_visit.completed (satisfied) -> complaint.closed

Every event, audit row and deadline of a complaint carries its number as the correlation id.
Estates: a complaint keeps its unit's estate; another estate's answers as if absent
(NotFound complaint_id/exists).
"""
from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from propdesk import policy
from propdesk.chassis.calendar import OFFICE_TZ
from propdesk.chassis.deadlines import pending_of
from propdesk.chassis.estates import visible, within
from propdesk.chassis.records import queue_item
from propdesk.contracts.envelope import Envelope
from propdesk.contracts.vocab import COMPLAINT_OPEN_STATES, ESTATES
from propdesk.demo import estate_of
from propdesk.errors import NotFound, ValidationError
from propdesk.privacy import mask
from propdesk_services.tickets.dumping import FastDump, dump_masked
from propdesk_services.tickets.workflows.complaints import domain
from propdesk_services.tickets.workflows.complaints.models import ComplaintRecord
from propdesk_services.tickets.workflows.complaints.schemas import ComplaintSchema

log = logging.getLogger(__name__)

#: Who sees the complaint queues at the desk: the service centre, and leadership for major and second ones.
DESK_ROLES = policy.COMPLAINT_DESK | {"director"}
LEADERSHIP_ROLES = policy.COMPLAINT_LEADERSHIP

#: The number series of complaints (投诉处理表).
SERIES = "CP"
RECORD = "complaint"

_ONE = ComplaintSchema()
_MANY = FastDump(ComplaintSchema())  # a list of up to 200 complaints (bench T1)


# --- reading ---------------------------------------------------------------------------------------
def _required(session: Session, complaint_id: str, estates=None, lock: bool = False) -> ComplaintRecord:
    """The complaint; NotFound (complaint_id, exists) when there is none or it is of an estate
    outside `estates` (None: not scoped): the same answer for both."""
    c = session.get(ComplaintRecord, complaint_id, with_for_update=lock)
    if c is None or not visible(estates, c.estate):
        raise NotFound(f"no complaint {complaint_id}", field="complaint_id", rule="exists")
    return c


def possible_actions(complaint_id: str, reader) -> list[str]:
    """What the complaint's state allows next (ACTIONS row "complaint"); nothing for the person it
    is about when they ask (they may not edit it)."""
    c = _required(reader.session, complaint_id, reader.estates)
    if reader.actor is not None and c.about_staff and reader.actor.id == c.about_staff:
        return []
    return domain.next_commands(c)


def get_complaint(args: dict, reader) -> dict:
    """One complaint (投诉处理表 QR-002FW) as recorded, the complainant's phone in full
    (NotFound: complaint_id, exists)."""
    return _ONE.dump(_required(reader.session, args["complaint_id"], reader.estates))


def list_complaints(args: dict, reader) -> list[dict]:
    """Complaints of the estates of the person asking, newest first (at most `limit`): by state,
    kind, unit, second complaints only, or a search `q` (number, complainant, unit, summary).
    Personal numbers are masked in the list."""
    stmt = within(select(ComplaintRecord), ComplaintRecord.estate, reader.estates).order_by(
        ComplaintRecord.received_at.desc(), ComplaintRecord.complaint_id.desc())
    if args.get("state"):
        stmt = stmt.where(ComplaintRecord.state == args["state"])
    if args.get("kind"):
        stmt = stmt.where(ComplaintRecord.kind == args["kind"])
    if args.get("unit_id"):
        stmt = stmt.where(ComplaintRecord.unit_id == args["unit_id"].strip())
    if args.get("second_only"):
        stmt = stmt.where(ComplaintRecord.second_complaints > 0)
    if args.get("q"):
        like = f"%{args['q'].strip()}%"
        stmt = stmt.where(or_(ComplaintRecord.complaint_id.ilike(like), ComplaintRecord.complainant.ilike(like),
                              ComplaintRecord.unit_id.ilike(like), ComplaintRecord.summary.ilike(like)))
    rows = reader.session.scalars(stmt.limit(args.get("limit") or 200)).all()
    return dump_masked(_MANY, rows)


def complaint_statistics(args: dict, reader) -> dict:
    """投诉统计表: the complaints received in the office days `since`..`until` (inclusive), in
    `estate` (or every estate the asker works for): totals by kind, category and state, told within
    3 days of receipt, second complaints (二次投诉), resolution rate (closed / received)."""
    C = ComplaintRecord
    start = datetime.combine(args["since"], time(0), tzinfo=OFFICE_TZ)
    end = datetime.combine(args["until"] + timedelta(days=1), time(0), tzinfo=OFFICE_TZ)
    stmt = within(select(C), C.estate, reader.estates).where(C.received_at >= start, C.received_at < end)
    if args.get("estate") is not None:
        stmt = stmt.where(C.estate == args["estate"])
    return {"since": args["since"].isoformat(), "until": args["until"].isoformat(), "estate": args.get("estate"),
            **domain.statistics(reader.session.scalars(stmt).all())}


# --- the desk's queues -----------------------------------------------------------------------------
def _item(c: ComplaintRecord, due_at: datetime | None, overdue: bool, owner: str | None, now: datetime) -> dict:
    """A complaint as a queue item: its number and unit, what it is about; its kind is the item's
    ``fields`` (said in the words of `ComplaintSchema`'s kind, vocab COMPLAINT_KINDS; none while
    unclassified), and what waits is the queue's own title, not words of one language here."""
    return queue_item(RECORD, c.complaint_id, f"{c.complaint_id} {c.unit_id or ''}".strip(), mask(c.summary[:60]),
                      c.received_at, due_at, now, owner, overdue=overdue,
                      fields={"kind": c.kind} if c.kind else None)


def _queue(reader, stmt, rule: str | None, due_of, owner_of) -> list[dict]:
    # the queue's few open complaints are found by their state first (a subquery), then ordered:
    # otherwise the planner walks the estate's whole history in received order (bench T1)
    few = select(ComplaintRecord).where(ComplaintRecord.complaint_id.in_(
        stmt.with_only_columns(ComplaintRecord.complaint_id)))
    rows = reader.session.scalars(within(few, ComplaintRecord.estate, reader.estates)
                                  .order_by(ComplaintRecord.received_at, ComplaintRecord.complaint_id).limit(500)).all()
    now = reader.now()
    deadlines = pending_of(reader.session, RECORD, [c.complaint_id for c in rows], now) if rule else {}
    out = []
    for c in rows:
        view = next((d for d in deadlines.get(c.complaint_id, []) if d.rule == rule), None)
        due = view.due_at if view else due_of(c)
        overdue = view.overdue if view else (due is not None and domain.aware(due) <= now)
        out.append(_item(c, domain.aware(due) if due else None, overdue, owner_of(c), now))
    return out


def queue_measures_due(args: dict, reader) -> list[dict]:
    """Complaints whose handling must be decided within 30 minutes of receipt, oldest first."""
    stmt = select(ComplaintRecord).where(ComplaintRecord.state == domain.RECEIVED,
                                         or_(ComplaintRecord.kind.is_(None),
                                             ComplaintRecord.kind.in_((domain.ORDINARY, domain.MAJOR))))
    return _queue(reader, stmt, domain.MEASURES_RULE, domain.measures_due_at, lambda c: c.received_by)


def queue_replies_due(args: dict, reader) -> list[dict]:
    """Complaints whose complainant has not been told the outcome (3 days; a progress notice when
    overdue), oldest first."""
    stmt = select(ComplaintRecord).where(ComplaintRecord.state.in_(COMPLAINT_OPEN_STATES))
    return _queue(reader, stmt, domain.REPLY_RULE, domain.reply_due_at, lambda c: c.handled_by or c.received_by)


def queue_major_awaiting_director(args: dict, reader) -> list[dict]:
    """Major complaints escalated to the management-office director, by the reply time agreed."""
    stmt = select(ComplaintRecord).where(ComplaintRecord.kind == domain.MAJOR,
                                         ComplaintRecord.state == domain.ESCALATED)
    return _queue(reader, stmt, domain.AGREED_REPLY_RULE, lambda c: c.reply_due, lambda c: None)


def queue_second_complaints(args: dict, reader) -> list[dict]:
    """二次投诉 still open (a root-cause review, then the handling and the reply), oldest first."""
    stmt = select(ComplaintRecord).where(ComplaintRecord.second_complaints > 0,
                                         ComplaintRecord.state.in_(COMPLAINT_OPEN_STATES))
    return _queue(reader, stmt, domain.REPLY_RULE, domain.reply_due_at, lambda c: c.handled_by or c.received_by)


# --- deadlines ---------------------------------------------------------------------------------------
def _summary(c: ComplaintRecord) -> str:
    return f"{c.complaint_id} {c.unit_id or ''}".strip()


def _set_reply_deadline(uow, c: ComplaintRecord) -> None:
    uow.set_deadline(domain.REPLY_RULE, RECORD, c.complaint_id, domain.aware(domain.reply_due_at(c)),
                     responsible=c.handled_by or c.received_by, estate=c.estate, summary=_summary(c))


def _start_clocks(uow, c: ComplaintRecord) -> None:
    if domain.needs_measures(c):
        uow.set_deadline(domain.MEASURES_RULE, RECORD, c.complaint_id, domain.aware(domain.measures_due_at(c)),
                         responsible=c.received_by, estate=c.estate, summary=_summary(c))
    _set_reply_deadline(uow, c)


# --- commands --------------------------------------------------------------------------------------
def _new(uow, *, unit_id, estate, complainant, summary, received_at, received_by, **more) -> ComplaintRecord:
    complaint_id = uow.next_number(SERIES)
    uow.correlation_id = complaint_id
    now = uow.now()
    c = ComplaintRecord(complaint_id=complaint_id, unit_id=unit_id, estate=estate, complainant=complainant,
                        summary=summary, received_at=received_at, received_by=received_by,
                        state=domain.RECEIVED, progress_notices=0, second_complaints=0,
                        created_at=now, updated_at=now, **more)
    events = domain.register(c)
    uow.session.add(c)
    uow.session.flush()
    uow.emit_all(events)
    _start_clocks(uow, c)
    return c


def register_complaint(cmd, uow) -> dict:
    """Log a complaint in the 投诉处理表 (QR-002FW): complainant, unit, what it is about and whom,
    its kind (or triaged later). Starts the 30-minute rule (ordinary, major, not yet triaged) and
    the 3-day rule; emits ``complaint.registered``. Answers the complaint as `get_complaint`.

    ValidationError: every broken rule at once (`domain.validate_registration`); a unit of an estate
    the person does not work for is ``unit_id``/``unknown_unit``."""
    data = domain.validate_registration(cmd.data)
    estate = estate_of(data["unit_id"])
    if not visible(cmd.estates, estate):
        raise ValidationError.one("unit_id", "unknown_unit", f"no unit {data['unit_id']}")
    c = _new(uow, estate=estate, received_at=uow.now(), received_by=cmd.actor.id, **data)
    uow.audit("complaint.register", RECORD, c.complaint_id,
              {"unit_id": c.unit_id, "estate": c.estate, "kind": c.kind, "category": c.category,
               "about_staff": c.about_staff, "about_department": c.about_department, "state": c.state})
    return _ONE.dump(c)


def _act(cmd, uow, action: str, fn) -> dict:
    """Load the complaint (locked), refuse the person it is about, apply `fn(c)` -> events, write."""
    c = _required(uow.session, cmd.data["complaint_id"], cmd.estates, lock=True)
    uow.correlation_id = c.complaint_id
    domain.guard_not_about(c, cmd.actor.id)
    before = c.state
    events, details = fn(c)
    c.updated_at = uow.now()
    uow.emit_all(events)
    uow.audit(action, RECORD, c.complaint_id, {**details, "state_before": before, "state": c.state})
    return _ONE.dump(c)


def triage_complaint(cmd, uow) -> dict:
    """Triage a received complaint: ordinary / major / written (its 收文 number) / unreasonable /
    out of scope. Unreasonable, out-of-scope and written complaints leave the 30-minute rule."""
    d = cmd.data

    def fn(c):
        domain.triage(c, d["kind"], d["doc_ref"])
        if not domain.needs_measures(c):
            uow.cancel_deadlines(RECORD, c.complaint_id, domain.MEASURES_RULE)
        return [], {"kind": c.kind, "doc_ref": c.doc_ref}

    return _act(cmd, uow, "complaint.triage", fn)


def set_complaint_measures(cmd, uow) -> dict:
    """Decide an ordinary complaint's handling measures (within 30 minutes of receipt): meets the
    30-minute rule (audited whether in time)."""

    def fn(c):
        events = domain.set_measures(c, cmd.data["measures"], uow.now())
        in_time = uow.meet_deadline(domain.MEASURES_RULE, RECORD, c.complaint_id)
        return events, {"measures": c.measures, "in_time": in_time}

    return _act(cmd, uow, "complaint.measures", fn)


def escalate_complaint(cmd, uow) -> dict:
    """A major complaint to the 管理处主任 with the reply time agreed with the complainant (tracked:
    complaint.agreed_reply); a written one (收文) up to leadership. Emits ``complaint.escalated``;
    meets the 30-minute rule of a major one."""

    def fn(c):
        events = domain.escalate(c, cmd.data["reply_due"], uow.now())
        in_time = uow.meet_deadline(domain.MEASURES_RULE, RECORD, c.complaint_id)
        if c.reply_due is not None:
            uow.set_deadline(domain.AGREED_REPLY_RULE, RECORD, c.complaint_id, domain.aware(c.reply_due),
                             responsible=c.received_by, estate=c.estate, summary=_summary(c))
        return events, {"reply_due": c.reply_due.isoformat() if c.reply_due else None, "in_time": in_time}

    return _act(cmd, uow, "complaint.escalate", fn)


def record_complaint_handling(cmd, uow) -> dict:
    """The investigation done and the remedial (补救) / corrective (纠正) measures under way, with a
    due time. A major complaint: the director only (Forbidden actor.role/major_handled_by_director)."""
    d = cmd.data

    def fn(c):
        events = domain.record_handling(c, d["remedial"], d["corrective"], d["due"], cmd.actor.role, cmd.actor.id)
        return events, {"remedial": c.remedial, "corrective": c.corrective,
                        "due": c.handling_due.isoformat() if c.handling_due else None}

    return _act(cmd, uow, "complaint.handling", fn)


def report_complaint_result(cmd, uow) -> dict:
    """The department's handling result is back at the service centre."""
    return _act(cmd, uow, "complaint.result",
                lambda c: (domain.report_result(c, cmd.data["result"]), {"result": c.result}))


def _told(uow, c: ComplaintRecord) -> dict:
    in_time = uow.meet_deadline(domain.REPLY_RULE, RECORD, c.complaint_id)
    uow.meet_deadline(domain.AGREED_REPLY_RULE, RECORD, c.complaint_id)
    uow.cancel_deadlines(RECORD, c.complaint_id, domain.MEASURES_RULE)
    return {"in_time": in_time, "within_3_days": c.within_3_days}


def reply_to_complainant(cmd, uow) -> dict:
    """Tell the complainant the process and the result (复清楚): REPLIED, a return visit is due;
    emits ``complaint.resolved``. A written complaint: in writing only (reply_ref/written_reply_required)."""
    d = cmd.data

    def fn(c):
        events = domain.reply(c, d["channel"], d["text"], d["reply_ref"], uow.now())
        return events, {"channel": c.reply_channel, "reply_ref": c.reply_ref, **_told(uow, c)}

    return _act(cmd, uow, "complaint.reply", fn)


def explain_complaint(cmd, uow) -> dict:
    """An unreasonable complaint explained, an out-of-scope one referred to the proper body or route
    (redirected_to/route_required): EXPLAINED, a return visit is due; emits ``complaint.resolved``."""
    d = cmd.data

    def fn(c):
        events = domain.explain(c, d["explanation"], d["redirected_to"], uow.now())
        return events, {"redirected_to": c.redirected_to, **_told(uow, c)}

    return _act(cmd, uow, "complaint.explain", fn)


def send_progress_notice(cmd, uow) -> dict:
    """The outcome takes longer: the complainant is sent a progress notice and the next 3 days
    start; emits ``complaint.progress_notified``."""
    d = cmd.data

    def fn(c):
        events = domain.progress_notice(c, d["channel"], uow.now())
        uow.meet_deadline(domain.REPLY_RULE, RECORD, c.complaint_id)
        _set_reply_deadline(uow, c)
        return events, {"channel": d["channel"], "note": d["note"], "notices": c.progress_notices}

    return _act(cmd, uow, "complaint.progress_notice", fn)


def _reopen(uow, c: ComplaintRecord, reason: str) -> list:
    events = domain.reopen(c, reason, uow.now())
    _set_reply_deadline(uow, c)
    return events


def record_second_complaint(cmd, uow) -> dict:
    """The complainant complains again about the same matter (二次投诉): the complaint is reopened and
    needs a root-cause review; emits ``complaint.reopened``. Refused while the first complaint is
    still being handled (complaint_id/not_told_yet: send a progress notice)."""
    return _act(cmd, uow, "complaint.second_complaint",
                lambda c: (_reopen(uow, c, "second_complaint"),
                           {"summary": cmd.data["summary"].strip(), "second_complaints": c.second_complaints}))


def review_complaint_cause(cmd, uow) -> dict:
    """检讨分析原因: the root cause of a reopened complaint and the corrective measures now taken;
    it is handled again."""
    d = cmd.data
    return _act(cmd, uow, "complaint.root_cause_review",
                lambda c: (domain.review_root_cause(c, d["root_cause"], d["corrective"], cmd.actor.id),
                           {"root_cause": c.root_cause, "corrective": c.corrective}))


def _closed(uow, c: ComplaintRecord, feedback, satisfaction) -> list:
    events = domain.close(c, feedback, satisfaction, uow.now())
    uow.cancel_deadlines(RECORD, c.complaint_id)
    return events


def close_complaint(cmd, uow) -> dict:
    """Record the complainant's feedback and file the complaint (立卷备查): CLOSED, emits
    ``complaint.closed``. A reopened one needs its root-cause review first."""
    d = cmd.data
    return _act(cmd, uow, "complaint.close",
                lambda c: (_closed(uow, c, d["feedback"], d["satisfaction"]),
                           {"feedback": c.feedback, "satisfaction": c.satisfaction}))


def record_apology_letter(cmd, uow) -> dict:
    """An apology letter in the management office's name, when the cause was a misunderstanding or
    an employee's mistake [000]."""
    d = cmd.data

    def fn(c):
        issuer = f"{ESTATES.label(c.estate)}管理处" if c.estate else "管理处"
        domain.record_apology(c, d["cause"], d["letter_ref"], issuer)
        return [], {"cause": c.apology_cause, "letter_ref": c.apology_ref, "issuer": issuer}

    return _act(cmd, uow, "complaint.apology_letter", fn)


def amend_complaint(cmd, uow) -> dict:
    """Correct the record (complainant, phone, summary, category, whom it is about); never by the
    person it is about (actor.id/complained_about_may_not_edit)."""
    changes = {k: v for k, v in cmd.data.items() if k != "complaint_id"}

    def fn(c):
        return [], {"changed": domain.amend(c, changes)}

    return _act(cmd, uow, "complaint.amend", fn)


def void_complaint(cmd, uow) -> dict:
    """Void a complaint registered in error, with the reason (never deleted); its deadlines end."""

    def fn(c):
        domain.void(c, cmd.data["reason"])
        uow.cancel_deadlines(RECORD, c.complaint_id)
        return [], {"reason": c.void_reason}

    return _act(cmd, uow, "complaint.void", fn)


# --- events ----------------------------------------------------------------------------------------
def open_complaint_from_contact(event: Envelope, uow) -> None:
    """A contact classified as a complaint (来电来访记录表 → 投诉处理表) opens its complaint, received
    when the contact was, not yet triaged; one per contact (a redelivery opens nothing)."""
    p = event.payload
    if p.get("classification") != "complaint":
        return
    known = uow.session.scalars(select(ComplaintRecord).where(ComplaintRecord.contact_id == p["contact_id"])).first()
    if known is not None:
        return
    received_at = datetime.fromisoformat(p["received_at"]) if p.get("received_at") else uow.now()
    c = _new(uow, unit_id=p.get("unit_id"), estate=p.get("estate") or estate_of(p.get("unit_id")),
             complainant=(p.get("caller") or "未留姓名"), summary=p["summary"], received_at=received_at,
             received_by=p["received_by"], contact_id=p["contact_id"], channel=p.get("channel"),
             complainant_phone=p.get("caller_phone"))
    uow.audit("complaint.register", RECORD, c.complaint_id,
              {"contact_id": c.contact_id, "unit_id": c.unit_id, "estate": c.estate, "state": c.state})


def on_return_visit_for_complaint(event: Envelope, uow) -> None:
    """A return visit of a complaint: satisfied / fairly satisfied closes it (the feedback recorded);
    dissatisfied reopens it (二次投诉, root-cause review). A visit of anything else, of an unknown
    complaint or of one not waiting for a visit changes nothing (audited)."""
    p = event.payload
    if p.get("subject_type") != RECORD or not p.get("subject_id"):
        return
    c = uow.session.get(ComplaintRecord, p["subject_id"], with_for_update=True)
    if c is None:
        log.info("return visit %s names no known complaint %s", p.get("return_visit_id"), p["subject_id"])
        return
    uow.correlation_id = c.complaint_id
    before = c.state
    overall = p["overall"]
    if overall == "dissatisfied" and c.state in (*domain.TOLD, domain.CLOSED):
        events = _reopen(uow, c, "dissatisfied")
    elif overall != "dissatisfied" and c.state in domain.TOLD:
        events = _closed(uow, c, f"回访{p.get('return_visit_no') or p['return_visit_id']}: {overall}", overall)
    else:
        uow.audit("complaint.return_visit_ignored", RECORD, c.complaint_id,
                  {"return_visit_id": p["return_visit_id"], "overall": overall, "state": c.state})
        return
    c.updated_at = uow.now()
    uow.emit_all(events)
    uow.audit("complaint.return_visit", RECORD, c.complaint_id,
              {"return_visit_id": p["return_visit_id"], "overall": overall, "state_before": before, "state": c.state})
