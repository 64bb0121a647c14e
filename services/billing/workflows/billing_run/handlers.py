"""The monthly billing run (月度计费, 《缴费通知单》): started by finance, drafted and issued in
batches by a timer (progress on the run, resumable: each batch commits with the run's cursor),
reviewed by the finance supervisor, issued by the cashier, delivered by CS. Plain functions on a
unit of work / a reader; the rules are `domain`'s.

Built for large estates: a batch reads its units, the schedules, its readings, its ledger charges
and its balances in a handful of set queries (no query per unit) and writes its notices and lines
with one multi-row insert each; no list of every notice is held in memory.

Idempotent per period: one run per (period, estate) (a second start answers the first run);
issuing numbers each notice and posts its charges in the batch's transaction, so a crash between
batches resumes at the next unissued notice and nothing is issued or charged twice."""
from __future__ import annotations

import time
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from propdesk.chassis.db import aware
from propdesk.chassis.deadlines import pending_of
from propdesk.chassis.estates import visible, within
from propdesk.contracts.envelope import new_id
from propdesk.contracts.vocab import ESTATES, METER_READING_BILLABLE
from propdesk.domain import Event
from propdesk.errors import Conflict, NotFound, ValidationError
from propdesk.money import CENT, money
from propdesk_services.billing.workflows.billing_run import domain
from propdesk_services.billing.workflows.billing_run.models import BillingRun, FeeNotice, FeeNoticeLine
from propdesk_services.billing.workflows.billing_run.schemas import BillingRunSchema, FeeNoticeSchema
from propdesk_services.billing.workflows.fee_schedules import domain as schedules
from propdesk_services.billing.workflows.fee_schedules.handlers import schedules_of
from propdesk_services.billing.workflows.fee_schedules.models import FeeAccountUnit
from propdesk_services.billing.workflows.meter_readings.models import MeterReading
from propdesk_services.billing.workflows.payments.models import Charge, Payment

#: Units drafted (notices issued) per batch, one transaction each; batches per timer tick. A batch
#: holds the process for well under a second (SQLite calls do not yield to eventlet's hub), and the
#: timer yields between batches, so the service's RPCs are answered while a long run goes on.
BATCH = 1000
MAX_BATCHES = 20
#: Ledger charges made outside the schedules, shown on the period's notice (not charged again).
LEDGER_SOURCES = ("repair", "one_off")

_CHARGE, _LINE, _NOTICE_T = Charge.__table__, FeeNoticeLine.__table__, FeeNotice.__table__
_READING = MeterReading.__table__

_RUN = BillingRunSchema()
_RUNS = BillingRunSchema(many=True)
_NOTICE = FeeNoticeSchema()
_NOTICES = FeeNoticeSchema(many=True, exclude=("lines",))


def run_view(run: BillingRun) -> dict:
    return _RUN.dump({**{c: getattr(run, c) for c in BillingRun.__table__.columns.keys()},
                      "progress": domain.progress(run)})


def _run(session, run_id: str, estates, lock: bool = False) -> BillingRun:
    run = session.get(BillingRun, run_id, with_for_update=lock)
    if run is None or not visible(estates, run.estate):
        raise NotFound(f"no billing run {run_id}", field="run_id", rule="exists")
    return run


def _notice(session, notice_id: str, estates, lock: bool = False) -> FeeNotice:
    row = session.get(FeeNotice, notice_id, with_for_update=lock)
    if row is None or not visible(estates, row.estate):
        raise NotFound(f"no fee notice {notice_id}", field="notice_id", rule="exists")
    return row


def _summary(run: BillingRun) -> str:
    return f"{run.run_no} {ESTATES.label(run.estate)} {run.period}"


def balances(session, unit_ids: list[str]) -> dict[str, Decimal]:
    """{unit id: charged - paid} for these units, in two grouped queries."""
    charged = dict(session.execute(select(Charge.unit_id, func.sum(Charge.amount))
                                   .where(Charge.unit_id.in_(unit_ids)).group_by(Charge.unit_id)).all())
    paid = dict(session.execute(select(Payment.unit_id, func.sum(Payment.amount))
                                .where(Payment.unit_id.in_(unit_ids)).group_by(Payment.unit_id)).all())
    return {u: (Decimal(charged.get(u) or 0) - Decimal(paid.get(u) or 0)).quantize(CENT) for u in unit_ids}


# --- commands --------------------------------------------------------------------------------------
def start_billing_run(cmd, uow) -> dict:
    """Start the month's billing run for an estate (月度计费): every active billed unit's notice
    is drafted in batches (the run's progress shows how far). Once per period and estate: a second
    start answers the run already there, unchanged. The finance supervisor's review is due by the
    end of the 25th (deadline ``billing.review``).

    ValidationError: (period, period_format / period_too_far), (estate, one_of / not_your_estate)."""
    s, period, estate = uow.session, cmd.data["period"], cmd.data["estate"]
    domain.check_start(period, uow.today())
    if estate not in ESTATES:
        raise ValidationError.one("estate", "one_of", "estate must be one of: " + ", ".join(ESTATES.codes))
    if cmd.estates is not None and estate not in cmd.estates:
        raise ValidationError.one("estate", "not_your_estate", "you do not work for this estate")
    existing = s.scalar(select(BillingRun).where(BillingRun.period == period, BillingRun.estate == estate))
    if existing is not None:
        return run_view(existing)
    total = s.scalar(select(func.count()).select_from(FeeAccountUnit).where(
        FeeAccountUnit.estate == estate, FeeAccountUnit.active.is_(True)))
    run = BillingRun(run_id=new_id(), run_no=uow.next_number(domain.RUN_SERIES), period=period, estate=estate,
                     state=domain.DRAFTING, round=1, total_units=total, drafted_units=0, notice_count=0,
                     issued_count=0, total_amount=Decimal("0.00"), cursor="", started_by=cmd.actor.id,
                     started_at=uow.now())
    s.add(run)
    try:
        s.flush()
    except IntegrityError:  # the same period started by a concurrent submission
        raise Conflict(f"the {period} run of {estate} was started meanwhile", field="period", rule="run_exists") from None
    uow.correlation_id = run.run_id
    uow.set_deadline(domain.REVIEW_RULE, "billing_run", run.run_id, domain.review_due(period),
                     estate=estate, summary=_summary(run))
    uow.audit("billing_run.start", "billing_run", run.run_id,
              {"run_no": run.run_no, "period": period, "estate": estate, "units": total})
    return run_view(run)


def review_billing_run(cmd, uow) -> dict:
    """The finance supervisor's review (25日审核): against the management contract (unit prices,
    areas, readings). ``approve`` locks the run and its notices (the cashier's issue is due by the
    end of the 26th, deadline ``billing.issue``); ``corrections`` sends it back with what to
    correct (the review stays due). Conflict (run_id, not_awaiting_review)."""
    s = uow.session
    run = _run(s, cmd.data["run_id"], cmd.estates, lock=True)
    uow.correlation_id = run.run_id
    domain.review(run, cmd.data["decision"], cmd.data["note"], cmd.actor.id, uow.now())
    in_time = None
    if run.state == domain.APPROVED:
        in_time = uow.meet_deadline(domain.REVIEW_RULE, "billing_run", run.run_id)
        s.execute(update(FeeNotice).where(FeeNotice.run_id == run.run_id, FeeNotice.state == domain.DRAFT)
                  .values(state=domain.NOTICE_APPROVED))
        uow.set_deadline(domain.ISSUE_RULE, "billing_run", run.run_id, domain.issue_due(run.period),
                         estate=run.estate, summary=_summary(run))
    uow.audit("billing_run.review", "billing_run", run.run_id,
              {"run_no": run.run_no, "decision": cmd.data["decision"], "note": run.review_note, "in_time": in_time})
    return run_view(run)


def redraft_billing_run(cmd, uow) -> dict:
    """Draft the run again (corrections made, or readings added before the review): every draft
    notice of it is dropped and the timer drafts anew (round + 1). Conflict (run_id, locked) once
    approved; (run_id, still_drafting)."""
    s = uow.session
    run = _run(s, cmd.data["run_id"], cmd.estates, lock=True)
    uow.correlation_id = run.run_id
    domain.redraft(run)
    ids = select(FeeNotice.notice_id).where(FeeNotice.run_id == run.run_id).scalar_subquery()
    s.execute(delete(FeeNoticeLine).where(FeeNoticeLine.notice_id.in_(ids)))
    s.execute(delete(FeeNotice).where(FeeNotice.run_id == run.run_id))
    run.total_units = s.scalar(select(func.count()).select_from(FeeAccountUnit).where(
        FeeAccountUnit.estate == run.estate, FeeAccountUnit.active.is_(True)))
    uow.audit("billing_run.redraft", "billing_run", run.run_id, {"run_no": run.run_no, "round": run.round})
    return run_view(run)


def issue_billing_run(cmd, uow) -> dict:
    """The cashier issues the approved run's notices (26日前 盖章交客服主管): the timer numbers each
    (FN-) and posts its charges to the ledger in batches; CS then delivers each (the queue of
    notices to deliver). Conflict (run_id, not_approved)."""
    run = _run(uow.session, cmd.data["run_id"], cmd.estates, lock=True)
    uow.correlation_id = run.run_id
    domain.issue(run, cmd.actor.id, uow.now())
    uow.audit("billing_run.issue", "billing_run", run.run_id, {"run_no": run.run_no, "notices": run.notice_count})
    return run_view(run)


def confirm_notice_delivery(cmd, uow) -> dict:
    """CS delivered the notice in person and the client signed for it (签收): who signed and when
    (default now). Emits ``billing.notice_delivered``. Conflict (notice_id, not_issued /
    already_delivered); ValidationError (signed_at, not_in_future / before_issue)."""
    row = _notice(uow.session, cmd.data["notice_id"], cmd.estates, lock=True)
    uow.correlation_id = row.run_id
    at = domain.confirm_delivery(row, cmd.data["signed_by"], cmd.data["signed_at"], cmd.actor.id, uow.now(),
                                 "notice_id")
    uow.emit_all([Event("billing.notice_delivered", {
        "notice_id": row.notice_id, "notice_no": row.notice_no, "unit_id": row.unit_id, "estate": row.estate,
        "period": row.period, "signed_by": row.signed_by, "signed_at": at.isoformat()})])
    uow.audit("fee_notice.deliver", "fee_notice", row.notice_id,
              {"notice_no": row.notice_no, "signed_by": row.signed_by, "signed_at": at.isoformat()})
    return notice_view(uow.session, row)


# --- the timer: drafting and issuing in batches ----------------------------------------------------
def advance_billing_runs(db, max_batches: int = MAX_BATCHES, batch: int = BATCH) -> int:
    """TIMER: drafts or issues the runs that are drafting or issuing, one batch per transaction,
    at most `max_batches` a tick (the next tick goes on). Returns the batches done."""
    with db.session() as s:
        runs = s.scalars(select(BillingRun.run_id).where(BillingRun.state.in_((domain.DRAFTING, domain.ISSUING)))
                         .order_by(BillingRun.started_at)).all()
    done = 0
    for run_id in runs:
        while done < max_batches:
            done += 1
            more = _step(db, run_id, batch)
            time.sleep(0)  # between transactions: let the process' other work run (a no-op without eventlet)
            if not more:
                break
    return done


def _step(db, run_id: str, batch: int) -> bool:
    """One batch of a run in its own transaction; True when there is more to do."""
    with db(correlation_id=run_id) as uow:
        # the run's row lock (PostgreSQL; SQLite: the unit of work began with the write lock): a
        # second billing process waits here, then sees the batch done
        run = uow.session.get(BillingRun, run_id, with_for_update=True)
        if run.state == domain.DRAFTING:
            more = _draft_batch(uow, run, batch)
        elif run.state == domain.ISSUING:
            more = _issue_batch(uow, run, batch)
        else:
            return False
        try:
            uow.commit()
        except IntegrityError:  # another process did this batch meanwhile: its work stands
            return False
        return more


def _draft_batch(uow, run: BillingRun, batch: int) -> bool:
    s, now = uow.session, uow.now()
    units = s.execute(select(FeeAccountUnit.unit_id, FeeAccountUnit.kind, FeeAccountUnit.area_m2,
                             FeeAccountUnit.parking_spaces, FeeAccountUnit.payer_party_id).where(
        FeeAccountUnit.estate == run.estate, FeeAccountUnit.active.is_(True), FeeAccountUnit.unit_id > run.cursor)
        .order_by(FeeAccountUnit.unit_id).limit(batch)).all()
    if not units:
        count, total = s.execute(select(func.count(), func.sum(FeeNotice.amount))
                                 .where(FeeNotice.run_id == run.run_id)).one()
        run.notice_count, run.total_amount = count, Decimal(total or 0).quantize(CENT)
        domain.finish_drafting(run, now)
        uow.audit("billing_run.drafted", "billing_run", run.run_id,
                  {"run_no": run.run_no, "round": run.round, "notices": count, "total": money(run.total_amount)})
        return False
    ids = [u.unit_id for u in units]
    all_schedules = schedules_of(s, run.estate, run.period)
    in_force = {kind: schedules.applicable(all_schedules, run.estate, kind, run.period) for kind in {u.kind for u in units}}
    readings, ledger = defaultdict(list), defaultdict(list)
    for r in s.scalars(select(MeterReading).where(MeterReading.unit_id.in_(ids), MeterReading.period == run.period,
                                                  MeterReading.state.in_(METER_READING_BILLABLE))):
        readings[r.unit_id].append(r)
    for c in s.scalars(select(Charge).where(Charge.unit_id.in_(ids), Charge.period == run.period,
                                            Charge.source.in_(LEDGER_SOURCES)).order_by(Charge.id)):
        ledger[c.unit_id].append(c)
    owed = balances(s, ids)
    # the schedules' lines depend on the unit's kind, area and spaces only: drafted once per shape
    shapes: dict[tuple, list] = {}
    notices, lines = [], []
    for u in units:
        shape = (u.kind, u.area_m2, u.parking_spaces)
        if shape not in shapes:
            shapes[shape] = domain.schedule_lines(u, in_force[u.kind])
        drafted = shapes[shape]
        if u.unit_id in readings or u.unit_id in ledger:
            drafted = drafted + domain.usage_lines(in_force[u.kind], readings[u.unit_id], ledger[u.unit_id])
        if not drafted:
            continue
        notice_id = new_id()
        # the ledger charges of the period are in the balance already: brought forward is the rest
        on_ledger = sum((x.amount for x in drafted if x.charge_id is not None), Decimal("0"))
        notices.append({"notice_id": notice_id, "run_id": run.run_id, "period": run.period, "unit_id": u.unit_id,
                        "estate": run.estate, "payer_party_id": u.payer_party_id, "state": domain.DRAFT,
                        "amount": sum((x.amount for x in drafted), Decimal("0")),
                        "arrears_before": owed[u.unit_id] - on_ledger, "drafted_at": now})
        lines.extend({"notice_id": notice_id, "unit_id": u.unit_id, "period": run.period, "item": x.item,
                      "basis": x.basis, "source": x.source, "source_ref": x.source_ref, "quantity": x.quantity,
                      "unit_price": x.unit_price, "amount": x.amount, "description": x.description,
                      "charge_id": x.charge_id} for x in drafted)
    if notices:
        # Core inserts (one executemany each): the ORM's bulk path costs more than SQLite's insert here
        conn = s.connection()
        conn.execute(FeeNotice.__table__.insert(), notices)
        conn.execute(FeeNoticeLine.__table__.insert(), lines)
    run.drafted_units += len(units)
    run.cursor = ids[-1]
    return True


def _issue_batch(uow, run: BillingRun, batch: int) -> bool:
    s, now = uow.session, uow.now()
    notices = s.execute(select(FeeNotice.notice_id, FeeNotice.unit_id).where(
        FeeNotice.run_id == run.run_id, FeeNotice.state == domain.NOTICE_APPROVED, FeeNotice.unit_id > run.cursor)
        .order_by(FeeNotice.unit_id).limit(batch)).all()
    if not notices:
        in_time = uow.meet_deadline(domain.ISSUE_RULE, "billing_run", run.run_id)
        domain.finish_issuing(run, now)
        uow.emit_all([Event("billing.notices_issued", {
            "run_id": run.run_id, "run_no": run.run_no, "period": run.period, "estate": run.estate,
            "notice_count": run.issued_count, "total_amount": money(run.total_amount), "issued_by": run.issued_by})])
        uow.audit("billing_run.issued", "billing_run", run.run_id,
                  {"run_no": run.run_no, "notices": run.issued_count, "in_time": in_time})
        return False
    # one numbering statement for the batch (a contiguous FN- block, in unit order)
    number = dict(zip((n.notice_id for n in notices), uow.next_numbers(domain.NOTICE_SERIES, len(notices))))
    conn = s.connection()
    lines = conn.execute(select(FeeNoticeLine.id, FeeNoticeLine.notice_id, FeeNoticeLine.unit_id, FeeNoticeLine.period,
                                FeeNoticeLine.item, FeeNoticeLine.amount, FeeNoticeLine.basis, FeeNoticeLine.source,
                                FeeNoticeLine.source_ref, FeeNoticeLine.charge_id)
                         .where(FeeNoticeLine.notice_id.in_(list(number))).order_by(FeeNoticeLine.id)).all()
    to_post = [x for x in lines if x.charge_id is None]
    if to_post:
        # Core multi-row insert with RETURNING (batched VALUES lists, no row-by-row statement, no read
        # back): each charge's id, matched to its line by (notice number, item, amount)
        posted = defaultdict(list)
        for cid, ref, item, amount in conn.execute(
                insert(_CHARGE).returning(_CHARGE.c.id, _CHARGE.c.source_ref, _CHARGE.c.item, _CHARGE.c.amount), [
                    {"unit_id": x.unit_id, "estate": run.estate, "period": x.period, "item": x.item,
                     "amount": x.amount, "basis": x.basis, "source": x.source, "source_ref": number[x.notice_id]}
                    for x in to_post]):
            posted[(ref, item, Decimal(amount))].append(cid)
        conn.execute(update(_LINE).where(_LINE.c.id == bindparam("line_id")).values(charge_id=bindparam("cid")),
                     [{"line_id": x.id, "cid": posted[(number[x.notice_id], x.item, Decimal(x.amount))].pop()}
                      for x in to_post])
    billed = [{"rid": x.source_ref, "no": number[x.notice_id]} for x in lines if x.source == "meter"]
    if billed:
        conn.execute(update(_READING).where(_READING.c.reading_id == bindparam("rid"))
                     .values(state="billed", notice_no=bindparam("no")), billed)
    conn.execute(update(_NOTICE_T).where(_NOTICE_T.c.notice_id == bindparam("nid"))
                 .values(notice_no=bindparam("no"), state=domain.NOTICE_ISSUED, issued_at=now, issued_by=run.issued_by),
                 [{"nid": n.notice_id, "no": number[n.notice_id]} for n in notices])
    run.issued_count += len(notices)
    run.cursor = notices[-1].unit_id
    return True


# --- queries ---------------------------------------------------------------------------------------
def notice_view(session, row: FeeNotice) -> dict:
    lines = session.scalars(select(FeeNoticeLine).where(FeeNoticeLine.notice_id == row.notice_id)
                            .order_by(FeeNoticeLine.id)).all()
    return _NOTICE.dump({**{c: getattr(row, c) for c in FeeNotice.__table__.columns.keys()}, "lines": lines})


def get_billing_run(args: dict, reader) -> dict:
    """A billing run with its progress (percent of the current phase: units drafted, notices issued)."""
    return run_view(_run(reader.session, args["run_id"], reader.estates))


def list_billing_runs(args: dict, reader) -> list[dict]:
    stmt = within(select(BillingRun), BillingRun.estate, reader.estates)
    for key in ("period", "state"):
        if args.get(key) is not None:
            stmt = stmt.where(getattr(BillingRun, key) == args[key])
    return [run_view(r) for r in reader.session.scalars(
        stmt.order_by(BillingRun.period.desc(), BillingRun.estate).limit(200))]


def get_fee_notice(args: dict, reader) -> dict:
    """A fee notice (《缴费通知单》) with its lines: item, period, basis, source, amount."""
    return notice_view(reader.session, _notice(reader.session, args["notice_id"], reader.estates))


def list_fee_notices(args: dict, reader) -> list[dict]:
    """Fee notices of the asker's estates (filters: run, period, state, unit), by period (newest)
    and unit; at most 200."""
    stmt = within(select(FeeNotice), FeeNotice.estate, reader.estates)
    for key in ("run_id", "period", "state", "unit_id"):
        if args.get(key) is not None:
            stmt = stmt.where(getattr(FeeNotice, key) == args[key])
    return _NOTICES.dump(reader.session.scalars(stmt.order_by(FeeNotice.period.desc(), FeeNotice.unit_id).limit(200)))


def possible_run_actions(run_id: str, reader) -> list[str]:
    return domain.next_commands(_run(reader.session, run_id, reader.estates))


def possible_notice_actions(notice_id: str, reader) -> list[str]:
    row = _notice(reader.session, notice_id, reader.estates)
    return ["confirm_notice_delivery"] if row.state == domain.NOTICE_ISSUED else []


# --- queues ----------------------------------------------------------------------------------------
def _run_items(reader, state: str, rule: str) -> list[dict]:
    runs = reader.session.scalars(within(select(BillingRun), BillingRun.estate, reader.estates)
                                  .where(BillingRun.state == state).order_by(BillingRun.started_at).limit(200)).all()
    due = pending_of(reader.session, "billing_run", [r.run_id for r in runs], reader.now())
    items = []
    for r in runs:
        views = [d for d in due.get(r.run_id, []) if d.rule == rule]
        items.append({"record": "billing_run", "id": r.run_id, "number": r.run_no, "title": _summary(r),
                      "detail": f"{r.notice_count} notices, {money(r.total_amount)}",
                      "since": aware(r.drafted_at or r.started_at).isoformat(),
                      "due_at": views[0].due_at.isoformat() if views else None,
                      "overdue": bool(views and views[0].overdue), "owner": None})
    return items


def runs_awaiting_review(args: dict, reader) -> list[dict]:
    """QUEUE: runs drafted and waiting for the finance supervisor's review (due the 25th)."""
    return _run_items(reader, domain.AWAITING_REVIEW, domain.REVIEW_RULE)


def runs_to_issue(args: dict, reader) -> list[dict]:
    """QUEUE: approved runs waiting for the cashier to issue them (due the 26th)."""
    return _run_items(reader, domain.APPROVED, domain.ISSUE_RULE)


def notices_to_deliver(args: dict, reader) -> list[dict]:
    """QUEUE: issued notices CS has not delivered yet (a delivery task each), oldest first."""
    rows = reader.session.scalars(within(select(FeeNotice), FeeNotice.estate, reader.estates)
                                  .where(FeeNotice.state == domain.NOTICE_ISSUED)
                                  .order_by(FeeNotice.issued_at, FeeNotice.notice_no).limit(500))
    return [{"record": "fee_notice", "id": n.notice_id, "number": n.notice_no, "title": f"{n.unit_id} {n.period}",
             "detail": money(n.amount), "since": aware(n.issued_at).isoformat(), "due_at": None, "overdue": False,
             "owner": None} for n in rows]


def print_fee_notice(args: dict, reader) -> dict:
    """The printable 《缴费通知单》 (PDF, the Chinese font embedded): {filename, content_type,
    content_base64}. NotFound as `get_fee_notice`."""
    import base64

    from propdesk_services.billing.workflows.billing_run import printing

    notice = get_fee_notice(args, reader)
    pdf = printing.fee_notice_pdf(notice)
    return {"filename": f"{notice['notice_no'] or notice['notice_id']}.pdf", "content_type": "application/pdf",
            "content_base64": base64.b64encode(pdf).decode()}
