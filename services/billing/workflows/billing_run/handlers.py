"""The monthly billing run (月度计费, 《缴费通知单》): started by finance, drafted and issued in
batches by a timer (progress on the run, resumable: each batch commits with the run's cursor),
reviewed by the finance supervisor, issued by the cashier, delivered by CS. Plain functions on a
unit of work / a reader; the rules are `domain`'s.

Built for large estates: a batch is a range of the units' primary key, read as one row per unit
kind; the database drafts its notices itself (`INSERT ... SELECT` from the units, their readings,
the ledger and the balances: ids, totals and arrears, money in integer fen, `_notices_sql`), then the
schedules' and the readings' lines from the notices × units × readings; issuing numbers the notices
by one multi-row update and posts their charges in SQL (a line is written once: its charge is found
by the notice's number, `line_charges`). Only the ledger's own lines (a paid repair, a one-off fee)
pass through Python, and a whole batch only when a product would pass 64 bits (`_draft_in_python`);
no list of every notice is held in memory.

Idempotent per period: one run per (period, estate) (a second start answers the first run);
issuing numbers each notice and posts its charges in the batch's transaction, so a crash between
batches resumes at the next unissued notice and nothing is issued or charged twice."""
from __future__ import annotations

import time
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import and_, bindparam, delete, func, select, text, update
from sqlalchemy.exc import IntegrityError
from uuid6 import uuid7

from propdesk.chassis.db import aware
from propdesk.chassis.deadlines import pending_of
from propdesk.chassis.estates import visible, within
from propdesk.chassis.numbering import number_sql
from propdesk.chassis.records import queue_item
from propdesk.contracts.envelope import new_id
from propdesk.contracts.vocab import ESTATES, METER_READING_BILLABLE
from propdesk.domain import Event
from propdesk.errors import Conflict, NotFound, ValidationError
from propdesk.money import CENT, money, yuan
from propdesk_services.billing.workflows.billing_run import domain
from propdesk_services.billing.workflows.billing_run.models import BillingRun, FeeNotice, FeeNoticeLine
from propdesk_services.billing.workflows.billing_run.schemas import BillingRunSchema, FeeNoticeSchema
from propdesk_services.billing.workflows.fee_schedules import domain as schedules
from propdesk_services.billing.workflows.fee_schedules.handlers import schedules_of
from propdesk_services.billing.workflows.fee_schedules.models import FeeAccountUnit
from propdesk_services.billing.workflows.meter_readings.models import MeterReading
from propdesk_services.billing.workflows.payments.models import Charge, Payment

#: Units drafted (notices issued) per batch, one transaction each; batches per timer tick. A batch
#: holds the process for well under a second (SQLite calls do not yield to eventlet's hub; 2,000
#: units are ~0.1 s of CPU since the database drafts and posts the lines itself), and the timer
#: yields between batches, so the service's RPCs are answered while a long run goes on.
BATCH = 2000
MAX_BATCHES = 20
#: Ledger charges made outside the schedules, shown on the period's notice (not charged again).
LEDGER_SOURCES = ("repair", "one_off")

_NOTICE_T = FeeNotice.__table__

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
    """{unit id: charged - paid} for these units (in unit order: a batch's, read as the range from
    before the first to the last, no list of ids to bind), in two grouped queries."""
    first, last = unit_ids[0], unit_ids[-1]
    charged = dict(session.execute(select(Charge.unit_id, func.sum(Charge.amount))
                                   .where(Charge.unit_id >= first, Charge.unit_id <= last).group_by(Charge.unit_id)).all())
    paid = dict(session.execute(select(Payment.unit_id, func.sum(Payment.amount))
                                .where(Payment.unit_id >= first, Payment.unit_id <= last).group_by(Payment.unit_id)).all())
    nothing = Decimal("0.00")  # most units: neither charged nor paid yet
    return {u: (Decimal(charged.get(u) or 0) - Decimal(paid.get(u) or 0)).quantize(CENT)
            if u in charged or u in paid else nothing for u in unit_ids}


def _new_ids(n: int) -> list[str]:
    """`n` notice ids (32 hex digits, as `new_id`'s) for a batch drafted in Python, time-ordered
    UUIDv7s (RFC 9562, the `uuid6` package: monotonic within a millisecond), as the database makes
    them (`_NOTICE_IDS`): a batch's notices (and their lines, which index the notice id) are
    appended at the end of the id indexes instead of scattered across them. Still unguessable; the
    time they tell is the notice's drafting, which it shows anyway."""
    return [uuid7().hex for _ in range(n)]


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
    conn = s.connection()
    # the batch: the estate's next `batch` active units after the cursor, read as one row per kind
    # (how many, the last unit, the largest area and number of spaces), not as 2,000 rows
    kinds = conn.execute(_batch_kinds(run, batch)).all()
    if not kinds:
        count, total = s.execute(select(func.count(), func.sum(FeeNotice.amount))
                                 .where(FeeNotice.run_id == run.run_id)).one()
        run.notice_count, run.total_amount = count, Decimal(total or 0).quantize(CENT)
        domain.finish_drafting(run, now)
        uow.audit("billing_run.drafted", "billing_run", run.run_id,
                  {"run_no": run.run_no, "round": run.round, "notices": count, "total": money(run.total_amount)})
        return False
    # the batch's units as the range of ids (after the cursor, up to its last unit: read with an
    # index's range, no list of ids to bind); another estate's or an inactive unit in that range is
    # read and left alone
    last = max(k.last for k in kinds)
    all_schedules = schedules_of(s, run.estate, run.period)
    in_force = {k.kind: schedules.applicable(all_schedules, run.estate, k.kind, run.period) for k in kinds}
    used = conn.execute(select(func.max(MeterReading.consumption)).where(*_billable(run, last))).scalar()
    if _fits_64_bits(max(k.area for k in kinds), max(k.spaces for k in kinds), used, in_force):
        _draft_in_sql(s, conn, run, in_force, last, now)
    else:
        _draft_in_python(s, conn, run, in_force, last, now)
    run.drafted_units += sum(k.units for k in kinds)
    run.cursor = last
    return True


def _batch_kinds(run: BillingRun, batch: int):
    """(kind, units, last, area, spaces) of the batch's units. `estate || ''`: walk the primary key
    from the cursor (ORDER BY ... LIMIT answered by it) rather than the estate's index, which every
    unit shares: with that one each batch read and sorted every unit of the estate (quadratic in the
    estate's size) whenever SQLite's planner has no statistics yet (a new database; bench S4). FOR
    SHARE (PostgreSQL; SQLite's unit of work holds the write lock already): the database drafts the
    notices and lines from these rows below, so a unit's area or kind may not change in between
    (set_billed_unit waits for the batch)."""
    units = (select(FeeAccountUnit.unit_id, FeeAccountUnit.kind, FeeAccountUnit.area_m2, FeeAccountUnit.parking_spaces)
             .where((FeeAccountUnit.estate + "") == run.estate, FeeAccountUnit.active.is_(True),
                    FeeAccountUnit.unit_id > run.cursor)
             .order_by(FeeAccountUnit.unit_id).limit(batch).with_for_update(read=True).subquery())
    return (select(units.c.kind, func.count().label("units"), func.max(units.c.unit_id).label("last"),
                   func.max(units.c.area_m2).label("area"),
                   func.max(func.coalesce(units.c.parking_spaces, 0)).label("spaces"))
            .group_by(units.c.kind).order_by(units.c.kind))


def _billable(run: BillingRun, last: str) -> tuple:
    """The batch's billable readings of the period. `period || ''`, `state || ''`: the range of the
    unit id index, not the period's (or the state's) index, which every reading of the month shares:
    without planner statistics SQLite took that one and read the month's every reading for each
    batch (bench S4: 10 ms a batch against 0.8)."""
    return (MeterReading.unit_id > run.cursor, MeterReading.unit_id <= last, (MeterReading.period + "") == run.period,
            (MeterReading.state + "").in_(METER_READING_BILLABLE))


def _ledger_charges(s, run: BillingRun, last: str) -> dict[str, list]:
    """The batch's ledger charges of the period made outside the schedules (a paid repair, a one-off
    fee): shown on the notice, not charged again. Few: most units have none."""
    ledger = defaultdict(list)
    for c in s.scalars(select(Charge).where(Charge.unit_id > run.cursor, Charge.unit_id <= last,
                                            Charge.period == run.period, Charge.source.in_(LEDGER_SOURCES))
                       .order_by(Charge.id)):
        ledger[c.unit_id].append(c)
    return ledger


def _draft_in_sql(s, conn, run: BillingRun, in_force: dict, last: str, now) -> None:
    """The database drafts the batch's notices (id, total, arrears brought forward) and their
    schedules' and readings' lines itself (`_notices_sql`, `_insert_schedule_lines`,
    `_insert_meter_lines`: no unit through Python); only the ledger's own lines pass through Python."""
    sql, params = _notices_sql(conn.dialect.name, in_force)
    conn.execute(sql, {**params, "run": run.run_id, "period": run.period, "estate": run.estate, "after": run.cursor,
                       "last": last, "state": domain.DRAFT, "active": True, "now": now, "idp": _id_prefix()})
    # the schedules' lines first, then the readings', then the ledger's (a notice lists its ledger lines last)
    _insert_schedule_lines(conn, run, in_force, last=last)
    _insert_meter_lines(conn, run, in_force, last=last)
    ledger = _ledger_charges(s, run, last)
    if ledger:
        notice_of = dict(conn.execute(select(FeeNotice.unit_id, FeeNotice.notice_id).where(
            FeeNotice.run_id == run.run_id, FeeNotice.unit_id.in_(list(ledger)))).all())
        conn.execute(FeeNoticeLine.__table__.insert(), [
            _line_row(notice_of[unit], unit, run.period, x)
            for unit, charged in ledger.items() for x in domain.usage_lines({}, (), charged)])


def _draft_in_python(s, conn, run: BillingRun, in_force: dict, last: str, now) -> None:
    """The batch drafted in Python (`domain.draft_lines`), unit by unit: when a product of its
    areas, spaces, readings and prices would pass a 64-bit integer (`_fits_64_bits`)."""
    units = conn.execute(select(FeeAccountUnit.unit_id, FeeAccountUnit.kind, FeeAccountUnit.area_m2,
                                FeeAccountUnit.parking_spaces, FeeAccountUnit.payer_party_id).where(
        (FeeAccountUnit.estate + "") == run.estate, FeeAccountUnit.active.is_(True), FeeAccountUnit.unit_id > run.cursor,
        FeeAccountUnit.unit_id <= last).order_by(FeeAccountUnit.unit_id)).all()
    readings = defaultdict(list)
    for r in conn.execute(select(*_READING_COLUMNS).where(*_billable(run, last))).all():
        readings[r.unit_id].append(r)
    ledger = _ledger_charges(s, run, last)
    owed = balances(s, [u.unit_id for u in units])
    notices, lines, zero = [], [], Decimal("0")
    for u, notice_id in zip(units, _new_ids(len(units))):
        drafted = domain.draft_lines(u, in_force[u.kind], readings.get(u.unit_id, ()), ledger.get(u.unit_id, ()))
        if not drafted:
            continue
        # the ledger charges of the period are in the balance already: brought forward is the rest
        on_ledger = sum((x.amount for x in drafted if x.charge_id is not None), zero)
        notices.append({"notice_id": notice_id, "run_id": run.run_id, "period": run.period, "unit_id": u.unit_id,
                        "estate": run.estate, "payer_party_id": u.payer_party_id, "state": domain.DRAFT,
                        "amount": sum((x.amount for x in drafted), zero),
                        "arrears_before": owed[u.unit_id] - on_ledger, "drafted_at": now})
        lines.extend(_line_row(notice_id, u.unit_id, run.period, x) for x in drafted)
    if notices:
        conn.execute(_NOTICE_T.insert(), notices)
        conn.execute(FeeNoticeLine.__table__.insert(), lines)


def _id_prefix() -> str:
    """The first 13 hex digits of a batch's notice ids: UUIDv7's milliseconds since 1970 and its version."""
    return f"{time.time_ns() // 1_000_000:012x}7"


#: A notice's id, made by the database: a UUIDv7 (RFC 9562) as `_new_ids`' (32 hex digits), with
#: the batch's milliseconds (`_id_prefix`), then the notice's place in the batch as the 12-bit
#: counter RFC 9562 allows in place of rand_a (so a batch's ids ascend in unit order and are
#: appended at the end of the id indexes), then the variant and 60 random bits from the database's
#: own random source (SQLite's randomblob, PostgreSQL's gen_random_uuid: unguessable).
_NOTICE_IDS = {
    "sqlite": ":idp || printf('%03x', (row_number() OVER (ORDER BY x.unit_id) - 1) % 4096)"
              " || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(8))), 2, 15)",
    "postgresql": ":idp || lpad(to_hex((row_number() OVER (ORDER BY x.unit_id) - 1) % 4096), 3, '0')"
                  " || substr(replace(CAST(gen_random_uuid() AS TEXT), '-', ''), 17, 16)"}


def _notices_sql(dialect: str, in_force: dict) -> tuple:
    """The batch's notices as one `INSERT ... SELECT` from its units, in fen (integers, exact on
    both databases, as the lines' `_LINE_FEN`): the total is the schedules' lines (by the unit's
    kind), the readings' lines (consumption × the kind's tariff) and the period's ledger charges;
    brought forward is the unit's balance (charged - paid) less those ledger charges. A unit no line
    bills gets no notice (`domain.draft_lines` empty): no schedule line above nothing, no billed
    reading, no ledger charge. Prices are bound as integers (1/10,000 yuan)."""
    params: dict = {}

    def bind(value) -> str:
        params[f"b{len(params)}"] = value
        return f":b{len(params) - 1}"

    def price(value) -> str:
        return bind(int(Decimal(value) * 10_000))

    fen_cases, n_cases, meter_fen, meter_n = [], [], [], []
    for kind in sorted(in_force):
        fens = []
        for item, s in sorted(in_force[kind].items()):
            if s.basis in _LINE_FEN:
                fens.append(_LINE_FEN[s.basis].replace(":price4", price(s.unit_price)))
            elif s.basis == "per_reading":
                when = f"WHEN mu.kind = {bind(kind)} AND r.meter = {bind(item)}"
                meter_fen.append(f"{when} THEN (({_USED_FEN} * {price(s.unit_price)} + 5000) / 10000)")
                meter_n.append(f"{when} THEN 1")
        if fens:
            name = bind(kind)
            fen_cases.append(f"WHEN {name} THEN " + " + ".join(fens))
            n_cases.append(f"WHEN {name} THEN " + " + ".join(f"CASE WHEN {f} > 0 THEN 1 ELSE 0 END" for f in fens))
    schedule_fen = f"CASE u.kind {' '.join(fen_cases)} ELSE 0 END" if fen_cases else "0"
    schedule_n = f"CASE u.kind {' '.join(n_cases)} ELSE 0 END" if n_cases else "0"

    def in_range(alias: str) -> str:
        return f"{alias}.unit_id > :after AND {alias}.unit_id <= :last"

    fen_of = "CAST(ROUND({} * 100) AS BIGINT)"
    meters = ""
    if meter_fen:
        meters = (" LEFT JOIN (SELECT r.unit_id, SUM(CASE " + " ".join(meter_fen) + " ELSE 0 END) AS fen,"
                  " SUM(CASE " + " ".join(meter_n) + " ELSE 0 END) AS n"
                  " FROM meter_reading r JOIN billed_unit mu ON mu.unit_id = r.unit_id"
                  f" WHERE {in_range('r')} AND r.period || '' = :period AND r.state || '' IN ({_BILLABLE_SQL})"
                  " AND r.consumption > 0 GROUP BY r.unit_id) m ON m.unit_id = u.unit_id")
    sources = ", ".join(f"'{source}'" for source in LEDGER_SOURCES)
    sql = (
        "INSERT INTO fee_notice (notice_id, run_id, period, unit_id, estate, payer_party_id, state, amount,"
        " arrears_before, drafted_at)"
        f" SELECT {_NOTICE_IDS[dialect]}, :run, :period, x.unit_id, :estate, x.payer_party_id, :state,"
        " (x.s_fen + x.m_fen + x.l_fen) / 100.0, (x.charged - x.paid - x.l_fen) / 100.0, :now"
        f" FROM (SELECT u.unit_id, u.payer_party_id, {schedule_fen} AS s_fen, {schedule_n} AS s_n,"
        + (" COALESCE(m.fen, 0) AS m_fen, COALESCE(m.n, 0) AS m_n," if meters else " 0 AS m_fen, 0 AS m_n,")
        + " COALESCE(l.fen, 0) AS l_fen, COALESCE(l.n, 0) AS l_n,"
        " COALESCE(ch.fen, 0) AS charged, COALESCE(p.fen, 0) AS paid"
        " FROM billed_unit u" + meters +
        f" LEFT JOIN (SELECT c.unit_id, SUM({fen_of.format('c.amount')}) AS fen, COUNT(*) AS n FROM charge c"
        f" WHERE {in_range('c')} AND c.period = :period AND c.source IN ({sources}) GROUP BY c.unit_id) l"
        " ON l.unit_id = u.unit_id"
        f" LEFT JOIN (SELECT c.unit_id, SUM({fen_of.format('c.amount')}) AS fen FROM charge c WHERE {in_range('c')}"
        " GROUP BY c.unit_id) ch ON ch.unit_id = u.unit_id"
        f" LEFT JOIN (SELECT y.unit_id, SUM({fen_of.format('y.amount')}) AS fen FROM payment y WHERE {in_range('y')}"
        " GROUP BY y.unit_id) p ON p.unit_id = u.unit_id"
        f" WHERE u.estate || '' = :estate AND u.active = :active AND {in_range('u')}) x"
        " WHERE x.s_n + x.m_n + x.l_n > 0 ORDER BY x.unit_id")
    return text(sql).bindparams(bindparam("now", type_=FeeNotice.drafted_at.type)), params


def _line_row(notice_id: str, unit_id: str, period: str, x: domain.Line) -> dict:
    return {"notice_id": notice_id, "unit_id": unit_id, "period": period, "item": x.item, "basis": x.basis,
            "source": x.source, "source_ref": x.source_ref, "quantity": x.quantity, "unit_price": x.unit_price,
            "amount": x.amount, "description": x.description, "charge_id": x.charge_id}


#: The largest integer both databases multiply exactly (SQLite turns an overflowing product into a REAL).
_INT_MAX = 2 ** 63 - 1
#: The lines of the schedules (per area, per space, fixed) of one kind and item, for the notices of a
#: batch (the run's notices after the cursor, up to the batch's last unit), written by the database
#: itself from the units (no row through Python). Money in integers, exact on both databases: the
#: area in fen (its 2 places, so ROUND only removes a float's representation error on SQLite) × the
#: price in 1/10,000 yuan (bound as an integer) is in 1/1,000,000 yuan; + 5,000 and the integer
#: division by 10,000 round half-up to the fen (四舍五入, as `schedules.line_amount`: every amount
#: here is >= 0), / 100.0 gives yuan (the fen / 100's nearest double on SQLite, as the Decimal's
#: float; exact NUMERIC on PostgreSQL).
_AREA_FEN = "CAST(ROUND(u.area_m2 * 100) AS BIGINT)"
_LINE_FEN = {"per_area": f"(({_AREA_FEN} * :price4 + 5000) / 10000)",
             "per_space": "((COALESCE(u.parking_spaces, 0) * :price4 + 50) / 100)",
             "fixed": "((:price4 + 50) / 100)"}
_LINE_QTY = {"per_area": "u.area_m2", "per_space": "COALESCE(u.parking_spaces, 0)", "fixed": "1"}
_SCHEDULE_LINES = {basis: text(
    "INSERT INTO fee_notice_line (notice_id, unit_id, period, item, basis, source, source_ref, quantity,"
    " unit_price, amount)"
    f" SELECT n.notice_id, n.unit_id, n.period, :item, :basis, 'schedule', :ref, {_LINE_QTY[basis]}, :price,"
    f" {fen} / 100.0"
    " FROM fee_notice n JOIN billed_unit u ON u.unit_id = n.unit_id"
    " WHERE n.run_id = :run AND n.unit_id > :after AND n.unit_id <= :last AND u.kind = :kind"
    f" AND {fen} > 0 ORDER BY n.unit_id").bindparams(bindparam("price", type_=FeeNoticeLine.unit_price.type))
    for basis, fen in _LINE_FEN.items()}


#: The lines of the readings (consumption × tariff) of one meter for the notices of a batch whose
#: units are of one kind (the tariff is the kind's), written by the database as the schedules' lines
#: are: the consumption in fen (2 places) × the tariff in 1/10,000 yuan, half-up to the fen; the
#: description the previous and the new reading as the Python path writes them (2 places).
_USED_FEN = "CAST(ROUND(r.consumption * 100) AS BIGINT)"
_METER_LINES_SQL = (
    "INSERT INTO fee_notice_line (notice_id, unit_id, period, item, basis, source, source_ref, quantity,"
    " unit_price, amount, description)"
    " SELECT n.notice_id, n.unit_id, n.period, r.meter, 'per_reading', 'meter', r.reading_id, r.consumption, :price,"
    f" (({_USED_FEN} * :price4 + 5000) / 10000) / 100.0,"
    " CASE WHEN r.previous IS NULL THEN 'None' ELSE {previous} END || :arrow || {reading}"
    " FROM fee_notice n JOIN billed_unit u ON u.unit_id = n.unit_id"
    " JOIN meter_reading r ON r.unit_id = n.unit_id AND r.period = n.period"
    " WHERE n.run_id = :run AND n.unit_id > :after AND n.unit_id <= :last AND u.kind = :kind AND r.meter = :item"
    " AND r.state IN ({billable}) AND r.consumption > 0 ORDER BY n.unit_id")
#: a reading (NUMERIC(14, 2)) as text with its 2 places, as the Decimal the ORM reads: SQLite stores a REAL
_DECIMAL_TEXT = {"sqlite": "printf('%.2f', {})", "postgresql": "CAST({} AS TEXT)"}
_METER_INSERTS: dict = {}
#: the billable readings' states as SQL literals (the meter lines' and the notices' statements)
_BILLABLE_SQL = ", ".join(f"'{state}'" for state in METER_READING_BILLABLE)
_READING_COLUMNS = (MeterReading.unit_id, MeterReading.meter, MeterReading.consumption, MeterReading.reading_id,
                    MeterReading.previous, MeterReading.reading)


def _fits_64_bits(area, spaces, used, in_force: dict) -> bool:
    """Whether the database can work out this batch's lines exactly: no product of the largest area
    (in fen), number of spaces or consumption (in fen) and a price (in 1/10,000 yuan) past a 64-bit
    integer (areas, readings and prices far beyond any estate's), every price to 4 places; else the
    batch is drafted in Python (`_draft_in_python`)."""
    area_fen, used_fen = Decimal(str(area or 0)) * 100, Decimal(str(used or 0)) * 100
    for lines in in_force.values():
        for s in lines.values():
            price4 = Decimal(s.unit_price) * 10_000
            factor = used_fen if s.basis == "per_reading" else max(area_fen, Decimal(spaces or 0))
            if price4 != price4.to_integral_value() or max(factor, 1) * price4 + 5000 > _INT_MAX:
                return False
    return True


def _insert_meter_lines(conn, run: BillingRun, in_force: dict, last: str) -> None:
    """The batch's meter lines, meter by meter (`domain.billed_readings`' order within a notice)."""
    name = conn.dialect.name
    if name not in _METER_INSERTS:
        number = _DECIMAL_TEXT.get(name, "CAST({} AS VARCHAR)")
        _METER_INSERTS[name] = text(_METER_LINES_SQL.format(
            previous=number.format("r.previous"), reading=number.format("r.reading"),
            billable=_BILLABLE_SQL)).bindparams(
            bindparam("price", type_=FeeNoticeLine.unit_price.type))
    for item, kind in sorted({(item, kind) for kind, lines in in_force.items() for item in lines}):
        s = in_force[kind][item]
        if s.basis != "per_reading":
            continue
        conn.execute(_METER_INSERTS[name], {
            "item": item, "price": Decimal(s.unit_price), "price4": int(Decimal(s.unit_price) * 10_000),
            "arrow": " → ", "run": run.run_id, "after": run.cursor, "last": last, "kind": kind})


def _insert_schedule_lines(conn, run: BillingRun, in_force: dict, last: str) -> None:
    """The batch's schedule lines, item by item in the items' order (`domain.schedule_lines`): the
    same lines, amounts and order within each notice as drafting them in Python."""
    items = sorted({(item, kind) for kind, lines in in_force.items() for item in lines})
    for item, kind in items:
        s = in_force[kind][item]
        if s.basis not in _SCHEDULE_LINES:
            continue  # per_reading: from the readings
        conn.execute(_SCHEDULE_LINES[s.basis], {
            "item": item, "basis": s.basis, "ref": s.schedule_id, "price": Decimal(s.unit_price),
            "price4": int(Decimal(s.unit_price) * 10_000), "run": run.run_id, "after": run.cursor, "last": last,
            "kind": kind})


#: Issuing a batch (the run's notices after the cursor, up to the batch's last unit), in the database:
#: each line not yet on the ledger posted as a charge named by its notice's number, in line order.
#: The line is written once (drafted), not again with its charge's id: the charge is the notice
#: number's for the line's unit, item and source (a notice's posted lines differ by item: one per
#: schedule item, one per meter), found by `line_charges`; the ledger's own lines (a paid repair, a
#: one-off fee) name their charge from the start. Writing the id back onto every line cost as much
#: as posting the charges (bench S4: ~0.9 of 3.7 s of CPU issuing 100,000 notices).
_BATCH = "n.run_id = :run AND n.unit_id > :after AND n.unit_id <= :last"
_POST_CHARGES = text(
    "INSERT INTO charge (unit_id, estate, period, item, amount, basis, source, source_ref)"
    " SELECT l.unit_id, n.estate, l.period, l.item, l.amount, l.basis, l.source, n.notice_no"
    " FROM fee_notice n JOIN fee_notice_line l ON l.notice_id = n.notice_id"
    f" WHERE {_BATCH} AND l.charge_id IS NULL ORDER BY l.id")
_LINE_CHARGES = (
    select(FeeNoticeLine.id, FeeNoticeLine.notice_id, func.coalesce(FeeNoticeLine.charge_id, Charge.id))
    .join(FeeNotice, FeeNotice.notice_id == FeeNoticeLine.notice_id)
    .outerjoin(Charge, and_(FeeNoticeLine.charge_id.is_(None), Charge.source_ref == FeeNotice.notice_no,
                            Charge.unit_id == FeeNoticeLine.unit_id, Charge.item == FeeNoticeLine.item,
                            Charge.source == FeeNoticeLine.source))
    .order_by(FeeNoticeLine.id))


def line_charges(session, notice_ids) -> list[tuple[int, str, int]]:
    """(line id, notice id, charge id) of the notices' lines on the ledger, in line order: a ledger
    charge shown on the notice, or the charge its issue posted (none while the notice is a draft)."""
    ids, out = list(notice_ids), []
    for i in range(0, len(ids), 500):
        out.extend(tuple(r) for r in session.execute(_LINE_CHARGES.where(FeeNoticeLine.notice_id.in_(ids[i:i + 500])))
                   if r[2] is not None)
    return out
#: Bill the batch's readings: each meter line's reading named by its notice's number.
_BILL_READINGS = text(
    "UPDATE meter_reading SET state = 'billed', notice_no = b.notice_no FROM (SELECT l.source_ref AS reading_id,"
    " n.notice_no FROM fee_notice n JOIN fee_notice_line l ON l.notice_id = n.notice_id"
    f" WHERE {_BATCH} AND l.source = 'meter') b WHERE meter_reading.reading_id = b.reading_id")
_ISSUE_NOTICES: dict = {}


def _issue_notices(dialect: str):
    """Number and issue the batch's notices by one UPDATE: in unit order, the block `first` ..
    reserved by `uow.next_block`, formatted by the database as the chassis formats a number."""
    if dialect not in _ISSUE_NOTICES:
        _ISSUE_NOTICES[dialect] = text(
            f"UPDATE fee_notice SET notice_no = :prefix || {number_sql(dialect, 'b.k + :first - 1')},"
            " state = :state, issued_at = :at, issued_by = :by"
            " FROM (SELECT n.notice_id, row_number() OVER (ORDER BY n.unit_id) AS k FROM fee_notice n"
            f" WHERE {_BATCH} AND n.state = :approved) b WHERE fee_notice.notice_id = b.notice_id").bindparams(
            bindparam("at", type_=FeeNotice.issued_at.type))
    return _ISSUE_NOTICES[dialect]


def _issue_batch(uow, run: BillingRun, batch: int) -> bool:
    s, now = uow.session, uow.now()
    conn = s.connection()
    ahead = (select(FeeNotice.unit_id).where(FeeNotice.run_id == run.run_id, FeeNotice.state == domain.NOTICE_APPROVED,
                                             FeeNotice.unit_id > run.cursor)
             .order_by(FeeNotice.unit_id).limit(batch).subquery())
    count, last = conn.execute(select(func.count(), func.max(ahead.c.unit_id))).one()
    if not count:
        in_time = uow.meet_deadline(domain.ISSUE_RULE, "billing_run", run.run_id)
        domain.finish_issuing(run, now)
        uow.emit_all([Event("billing.notices_issued", {
            "run_id": run.run_id, "run_no": run.run_no, "period": run.period, "estate": run.estate,
            "notice_count": run.issued_count, "total_amount": money(run.total_amount), "issued_by": run.issued_by})])
        uow.audit("billing_run.issued", "billing_run", run.run_id,
                  {"run_no": run.run_no, "notices": run.issued_count, "in_time": in_time})
        return False
    # every notice of an approved run is approved: the batch is its notices after the cursor up to
    # the last one (the unique (run, unit) index answers the range). One numbering statement for the
    # batch (a contiguous FN- block, in unit order); the notices are numbered and issued first:
    # their charges, and their readings, name the number
    in_batch = {"run": run.run_id, "after": run.cursor, "last": last}
    prefix, first = uow.next_block(domain.NOTICE_SERIES, count)
    conn.execute(_issue_notices(conn.dialect.name), {
        **in_batch, "prefix": prefix, "first": first, "state": domain.NOTICE_ISSUED,
        "approved": domain.NOTICE_APPROVED, "at": now, "by": run.issued_by})
    conn.execute(_POST_CHARGES, in_batch)
    conn.execute(_BILL_READINGS, in_batch)
    run.issued_count += count
    run.cursor = last
    return True


# --- queries ---------------------------------------------------------------------------------------
def notice_view(session, row: FeeNotice) -> dict:
    lines = session.scalars(select(FeeNoticeLine).where(FeeNoticeLine.notice_id == row.notice_id)
                            .order_by(FeeNoticeLine.id)).all()
    charged = {line: charge for line, _, charge in line_charges(session, [row.notice_id])}
    columns = FeeNoticeLine.__table__.columns.keys()
    return _NOTICE.dump({**{c: getattr(row, c) for c in FeeNotice.__table__.columns.keys()},
                         "lines": [{**{c: getattr(x, c) for c in columns}, "charge_id": charged.get(x.id)} for x in lines]})


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
    """The runs in `state` as a queue: titled by number and month, the detail only numbers (notices,
    total: '1,234 · ¥56,789.00'); the estate is the item's ``fields`` (said in the words of
    `BillingRunSchema`'s estate, vocab ESTATES), not its label of one language in the title."""
    runs = reader.session.scalars(within(select(BillingRun), BillingRun.estate, reader.estates)
                                  .where(BillingRun.state == state).order_by(BillingRun.started_at).limit(200)).all()
    now = reader.now()
    due = pending_of(reader.session, "billing_run", [r.run_id for r in runs], now)
    items = []
    for r in runs:
        views = [d for d in due.get(r.run_id, []) if d.rule == rule]
        items.append(queue_item("billing_run", r.run_no, f"{r.run_no} {r.period}",
                                f"{r.notice_count:,} · {yuan(r.total_amount)}", r.drafted_at or r.started_at,
                                views[0].due_at if views else None, now, record_id=r.run_id,
                                overdue=bool(views and views[0].overdue), fields={"estate": r.estate}))
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
