"""Dunning (催款通知单): issued by a timer on the 11th working day of the month after a period for
every unit of that period's issued run still owing, once per unit and period; delivered by CS with
who signed and when. Plain functions on a unit of work / a reader; the rules are `domain`'s."""
from __future__ import annotations

import time
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import func, select

from propdesk.chassis.db import aware
from propdesk.chassis.estates import visible, within
from propdesk.contracts.envelope import new_id
from propdesk.domain import Event
from propdesk.errors import NotFound
from propdesk.money import money
from propdesk_services.billing.workflows.billing_run import domain as runs
from propdesk_services.billing.workflows.billing_run.models import BillingRun, FeeNotice
from propdesk_services.billing.workflows.dunning import domain
from propdesk_services.billing.workflows.dunning.models import DunningNotice
from propdesk_services.billing.workflows.dunning.schemas import DunningNoticeSchema
from propdesk_services.billing.workflows.payments import domain as ledger
from propdesk_services.billing.workflows.payments.models import Charge, Payment, PaymentAllocation

BATCH = 500
_NOTICE = DunningNoticeSchema()
_NOTICES = DunningNoticeSchema(many=True)


def _dunning(session, dunning_id: str, estates, lock: bool = False) -> DunningNotice:
    row = session.get(DunningNotice, dunning_id, with_for_update=lock)
    if row is None or not visible(estates, row.estate):
        raise NotFound(f"no dunning notice {dunning_id}", field="dunning_id", rule="exists")
    return row


# --- the timer -------------------------------------------------------------------------------------
def issue_dunning_notices(db, batch: int = BATCH) -> int:
    """TIMER: from the 11th working day of a month on, a 《催款通知单》 (DN-) for every unit of last
    month's issued runs that still owes, once per unit and period (``arrears.dunning_issued``
    each), in batches of `batch` units, one transaction each; the run is marked dunned when done.
    What is owed, and for which months, is the ledger's reading (`payments.domain.open_items`), the
    same as the arrears reports'.
    Returns how many notices this tick issued."""
    with db() as uow:
        period = domain.period_due(uow.today(), uow.calendar)
    if period is None:
        return 0
    with db.session() as s:
        run_ids = s.scalars(select(BillingRun.run_id).where(
            BillingRun.period == period, BillingRun.state == runs.ISSUED, BillingRun.dunned_at.is_(None))).all()
    issued = 0
    for run_id in run_ids:
        more = True
        while more:
            with db(correlation_id=run_id) as uow:
                run = uow.session.get(BillingRun, run_id, with_for_update=True)  # a second process waits
                if run.dunned_at is not None:
                    break
                more, count = _dun_batch(uow, run, batch)
                uow.commit()
                issued += count
            time.sleep(0)  # between transactions: let the process' other work run
    return issued


def _dun_batch(uow, run: BillingRun, batch: int) -> tuple[bool, int]:
    s, now = uow.session, uow.now()
    notices = s.execute(select(FeeNotice.unit_id, FeeNotice.payer_party_id).where(
        FeeNotice.run_id == run.run_id, FeeNotice.unit_id > run.cursor).order_by(FeeNotice.unit_id).limit(batch)).all()
    if not notices:
        run.dunned_at, run.cursor = now, ""
        count = s.scalar(select(func.count()).select_from(DunningNotice).where(DunningNotice.period == run.period,
                                                                                DunningNotice.estate == run.estate))
        uow.audit("billing_run.dunned", "billing_run", run.run_id, {"run_no": run.run_no, "dunning_notices": count})
        return False, 0
    ids = [n.unit_id for n in notices]
    # what is left of each charge, as the ledger reads it (`payments.domain.open_items`: a payment's
    # allocations first, one that names its month settles that month, other money the oldest first)
    charges, payments, allocations = defaultdict(list), defaultdict(list), defaultdict(list)
    for c in s.scalars(select(Charge).where(Charge.unit_id.in_(ids))):
        charges[c.unit_id].append(c)
    for p in s.scalars(select(Payment).where(Payment.unit_id.in_(ids))):
        payments[p.unit_id].append(p)
    for a, owner in s.execute(select(PaymentAllocation, Payment.unit_id)
                              .join(Payment, Payment.payment_id == PaymentAllocation.payment_id)
                              .where(Payment.unit_id.in_(ids))):
        allocations[owner].append(a)
    done = set(s.scalars(select(DunningNotice.unit_id).where(DunningNotice.unit_id.in_(ids),
                                                             DunningNotice.period == run.period)))
    rows = []
    for unit_id, payer in notices:
        if unit_id in done:
            continue
        unpaid = domain.unpaid_by_period(ledger.open_items(charges[unit_id], payments[unit_id], allocations[unit_id]))
        if not unpaid:
            continue
        due = sum((a for _, a in unpaid), Decimal("0"))
        row = DunningNotice(dunning_id=new_id(), dunning_no=uow.next_number(domain.SERIES), unit_id=unit_id,
                            estate=run.estate, period=run.period, payer_party_id=payer, amount_due=due,
                            periods=",".join(p for p, _ in unpaid), state=domain.ISSUED, issued_at=now)
        rows.append(row)
        uow.emit_all([Event("arrears.dunning_issued", {
            "dunning_id": row.dunning_id, "dunning_no": row.dunning_no, "unit_id": unit_id, "estate": run.estate,
            "party_id": payer, "period": run.period, "amount_due": money(due), "periods": [p for p, _ in unpaid]})])
    s.add_all(rows)
    run.cursor = ids[-1]
    return True, len(rows)


# --- commands --------------------------------------------------------------------------------------
def confirm_dunning_delivery(cmd, uow) -> dict:
    """CS handed the dunning notice over directly and the client signed (签收): who and when
    (default now). Emits ``arrears.dunning_delivered``. Conflict (dunning_id, already_delivered);
    ValidationError (signed_at, not_in_future / before_issue)."""
    row = _dunning(uow.session, cmd.data["dunning_id"], cmd.estates, lock=True)
    at = runs.confirm_delivery(row, cmd.data["signed_by"], cmd.data["signed_at"], cmd.actor.id, uow.now(),
                               "dunning_id", issued_state=domain.ISSUED)
    uow.emit_all([Event("arrears.dunning_delivered", {
        "dunning_id": row.dunning_id, "dunning_no": row.dunning_no, "unit_id": row.unit_id, "estate": row.estate,
        "signed_by": row.signed_by, "signed_at": at.isoformat()})])
    uow.audit("dunning_notice.deliver", "dunning_notice", row.dunning_id,
              {"dunning_no": row.dunning_no, "signed_by": row.signed_by, "signed_at": at.isoformat()})
    return _NOTICE.dump(row)


# --- queries ---------------------------------------------------------------------------------------
def get_dunning_notice(args: dict, reader) -> dict:
    return _NOTICE.dump(_dunning(reader.session, args["dunning_id"], reader.estates))


def list_dunning_notices(args: dict, reader) -> list[dict]:
    """Dunning notices of the asker's estates, newest first (filters: period, state, unit); at most 200."""
    stmt = within(select(DunningNotice), DunningNotice.estate, reader.estates)
    for key in ("period", "state", "unit_id"):
        if args.get(key) is not None:
            stmt = stmt.where(getattr(DunningNotice, key) == args[key])
    return _NOTICES.dump(reader.session.scalars(
        stmt.order_by(DunningNotice.issued_at.desc(), DunningNotice.dunning_no.desc()).limit(200)))


def possible_actions(dunning_id: str, reader) -> list[str]:
    return domain.next_commands(_dunning(reader.session, dunning_id, reader.estates))


def dunning_to_deliver(args: dict, reader) -> list[dict]:
    """QUEUE: dunning notices CS has not delivered yet, oldest first."""
    rows = reader.session.scalars(within(select(DunningNotice), DunningNotice.estate, reader.estates)
                                  .where(DunningNotice.state == domain.ISSUED)
                                  .order_by(DunningNotice.issued_at, DunningNotice.dunning_no).limit(500))
    return [{"record": "dunning_notice", "id": d.dunning_id, "number": d.dunning_no,
             "title": f"{d.unit_id} {d.period}", "detail": f"{money(d.amount_due)} ({d.periods})",
             "since": aware(d.issued_at).isoformat(), "due_at": None, "overdue": False, "owner": None} for d in rows]


def print_dunning_notice(args: dict, reader) -> dict:
    """The printable 《催款通知单》 (PDF, the Chinese font embedded): {filename, content_type,
    content_base64}. NotFound as `get_dunning_notice`."""
    import base64

    from propdesk_services.billing.workflows.billing_run import printing

    dunning = get_dunning_notice(args, reader)
    return {"filename": f"{dunning['dunning_no']}.pdf", "content_type": "application/pdf",
            "content_base64": base64.b64encode(printing.dunning_notice_pdf(dunning)).decode()}
