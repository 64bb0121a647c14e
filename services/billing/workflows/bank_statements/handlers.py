"""Bank statements: import (match and book, or queue), the cashier's booking or setting aside of an
unmatched line, reads and the unmatched queue. Plain functions on a unit of work / a reader."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import func, select

from propdesk.chassis.db import aware
from propdesk.chassis.deadlines import pending_of
from propdesk.chassis.estates import visible, within
from propdesk.chassis.records import queue_item
from propdesk.contracts.envelope import new_id
from propdesk.errors import Conflict, NotFound, ValidationError
from propdesk.money import money
from propdesk_services.billing.workflows.bank_statements import domain, files
from propdesk_services.billing.workflows.bank_statements.models import BankLine, BankStatement
from propdesk_services.billing.workflows.bank_statements.schemas import BankLineSchema, BankStatementSchema
from propdesk_services.billing.workflows.billing_run.handlers import line_charges
from propdesk_services.billing.workflows.billing_run.models import AMOUNT_FEN, ASKED_FEN, FeeNotice, fen
from propdesk_services.billing.workflows.payments import domain as ledger
from propdesk_services.billing.workflows.payments.handlers import book_payment
from propdesk_services.billing.workflows.payments.models import Charge, Payment, PaymentAllocation

_BEIJING = timezone(timedelta(hours=8))
_OPEN_NOTICE_STATES = ("issued", "delivered")
_LINE = BankLineSchema()
_STATEMENT = BankStatementSchema()


_CHUNK = 500


def _chunks(ids):
    ids = list(ids)
    return (ids[i:i + _CHUNK] for i in range(0, len(ids), _CHUNK))


def _notice_charges(s, notice_ids) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for _, nid, cid in line_charges(s, notice_ids):  # the billing run's link from a line to its charge
        out.setdefault(nid, []).append(cid)
    return out


def _open_on(s, unit_id: str) -> dict[int, Decimal]:
    return _open_by_unit(s, [unit_id]).get(unit_id, {})


def _open_by_unit(s, unit_ids) -> dict[str, dict[int, Decimal]]:
    """What is open of each charge of these units (the ledger's reading), a few set queries per 500
    units, reading only the columns the ledger's rule takes."""
    out: dict[str, dict[int, Decimal]] = {}
    for chunk in _chunks(sorted(set(unit_ids))):
        charges, payments, allocs = defaultdict(list), defaultdict(list), defaultdict(list)
        for c in s.execute(select(Charge.id, Charge.unit_id, Charge.period, Charge.item, Charge.amount)
                           .where(Charge.unit_id.in_(chunk))):
            charges[c.unit_id].append(c)
        for p in s.execute(select(Payment.payment_id, Payment.unit_id, Payment.amount, Payment.period, Payment.item)
                           .where(Payment.unit_id.in_(chunk))):
            payments[p.unit_id].append(p)
        for a in s.execute(select(PaymentAllocation.payment_id, PaymentAllocation.charge_id, PaymentAllocation.amount,
                                  Payment.unit_id)
                           .join(Payment, Payment.payment_id == PaymentAllocation.payment_id)
                           .where(Payment.unit_id.in_(chunk))):
            allocs[a.unit_id].append(a)
        for unit in chunk:
            out[unit] = {i.charge_id: i.open for i in ledger.open_items(charges[unit], payments[unit], allocs[unit])}
    return out


def _in_fen(amount: Decimal) -> int | None:
    """The amount in fen; None when it has a part of a fen (no notice asks for that)."""
    fen = Decimal(amount) * 100
    return int(fen) if fen == fen.to_integral_value() else None


def _issued_between(days: set[date]) -> tuple[datetime, datetime]:
    """The issue times (UTC) of the notices the lines of these value days can match by date: issued
    (Beijing) on or before the last day and at most `WINDOW_DAYS` before the first."""
    first = datetime.combine(min(days) - timedelta(days=domain.WINDOW_DAYS), time(0), tzinfo=_BEIJING)
    end = datetime.combine(max(days) + timedelta(days=1), time(0), tzinfo=_BEIJING)
    return first.astimezone(timezone.utc), end.astimezone(timezone.utc)


_NOTICE_COLUMNS = (FeeNotice.notice_id, FeeNotice.notice_no, FeeNotice.unit_id, FeeNotice.amount,
                   FeeNotice.arrears_before, FeeNotice.issued_at)


def _notice_query(estate: str, asked, fens: list[int], start: datetime, end: datetime):
    """The estate's open notices whose `asked` (AMOUNT_FEN or ASKED_FEN, as indexed) is one of `fens`,
    issued in [start, end): a search of that index, the state checked on the rows it finds."""
    return select(*_NOTICE_COLUMNS).where(FeeNotice.estate == estate, asked.in_(fens), FeeNotice.issued_at >= start,
                                          FeeNotice.issued_at < end, FeeNotice.state.in_(_OPEN_NOTICE_STATES))


def _notices_asking(s, estate: str, amounts: set[Decimal], days: set[date]) -> list:
    """The estate's issued or delivered notices asking one of `amounts` by their amount or by their
    amount with the arrears brought forward, issued in the lines' date window: two lookups of the
    fee_notice indexes on (estate, fen, issued_at) for every 500 amounts, nothing else read."""
    fens = sorted({f for f in map(_in_fen, amounts) if f is not None})
    if not fens or not days:
        return []
    start, end = _issued_between(days)
    found = {}
    for asked in (AMOUNT_FEN, ASKED_FEN):
        for chunk in _chunks(fens):
            for n in s.execute(_notice_query(estate, asked, chunk, start, end)):
                found[n.notice_id] = n
    return list(found.values())


#: what the allocations of a charge's own unit's payments paid of it, in fen (as `ledger.open_items`
#: counts them: a unit's allocations are its payments')
_ALLOCATED = (select(func.sum(fen(PaymentAllocation.amount)))
              .join(Payment, Payment.payment_id == PaymentAllocation.payment_id)
              .where(PaymentAllocation.charge_id == Charge.id, Payment.unit_id == Charge.unit_id)
              .correlate(Charge).scalar_subquery())
#: a payment's money its allocations leave, in fen
_UNALLOCATED = fen(Payment.amount) - func.coalesce(
    select(func.sum(fen(PaymentAllocation.amount))).where(PaymentAllocation.payment_id == Payment.payment_id)
    .correlate(Payment).scalar_subquery(), 0)


def _open_of_notices(s, notices) -> dict[str, Decimal]:
    """What is open of each notice's charges, as the ledger reads it (`ledger.open_items`), reading
    whole ledgers only for the units that need them. A unit whose payments' money is all allocated
    (no prepayment, no payment against the balance) has, of each of its charges, exactly its amount
    less its allocations open; that is read for the notices' charges alone. The others' ledgers are
    read whole, as before."""
    charges = _notice_charges(s, [n.notice_id for n in notices])
    unpaid: dict[int, tuple[str, int]] = {}
    for chunk in _chunks(sorted({c for ids in charges.values() for c in ids})):
        for cid, unit, left in s.execute(select(Charge.id, Charge.unit_id, fen(Charge.amount) - func.coalesce(
                _ALLOCATED, 0)).where(Charge.id.in_(chunk))):
            unpaid[cid] = (unit, left)
    units, free = sorted({n.unit_id for n in notices}), set()
    for chunk in _chunks(units):
        free.update(s.scalars(select(Payment.unit_id).where(Payment.unit_id.in_(chunk), _UNALLOCATED > 0).distinct()))
    whole = _open_by_unit(s, free)
    out = {}
    for n in notices:
        ids = charges.get(n.notice_id, [])
        if n.unit_id in whole:
            out[n.notice_id] = sum((whole[n.unit_id].get(c, Decimal(0)) for c in ids), Decimal(0))
        else:  # a charge of another unit is none of this unit's ledger: nothing of it open here
            own = (unpaid[c][1] for c in ids if c in unpaid and unpaid[c][0] == n.unit_id)
            out[n.notice_id] = Decimal(sum(own)) / 100
    return out


def _candidates(s, estate: str, amounts: set[Decimal], days: set[date]) -> dict[Decimal, list[domain.Candidate]]:
    """The estate's issued or delivered notices asking for one of `amounts` (its own, or with the
    arrears it brought forward), issued within the date window of the lines' value `days`, whose
    charges are not settled yet, by the amounts they ask."""
    if not amounts:
        return {}
    notices = sorted((n for n in _notices_asking(s, estate, amounts, days)
                      if Decimal(n.amount) in amounts or Decimal(n.amount) + Decimal(n.arrears_before or 0) in amounts),
                     key=lambda n: n.notice_id)
    open_ = _open_of_notices(s, notices)
    out: dict[Decimal, list[domain.Candidate]] = defaultdict(list)
    for n in notices:
        if open_[n.notice_id] <= 0:
            continue
        cand = domain.Candidate(n.notice_id, n.notice_no, n.unit_id, Decimal(n.amount), Decimal(n.arrears_before or 0),
                                aware(n.issued_at).astimezone(_BEIJING).date())
        for asked in {cand.amount, cand.amount + cand.arrears_before}:
            out[asked].append(cand)
    return out


def _open_charges_of(s, notice: domain.Candidate) -> list[int]:
    """The notice's charges still open, in its order: the payment pays them first."""
    open_ = _open_on(s, notice.unit_id)
    return [c for c in _notice_charges(s, [notice.notice_id]).get(notice.notice_id, []) if open_.get(c, 0) > 0]


def import_bank_statement(cmd, uow) -> dict:
    """导入银行对账单: read the file (CSV/XLSX, its layout recognised), keep each credit line once (a
    line already imported is counted, not kept again), book the lines that match exactly one open
    notice (a payment each, receipt RC-, allocated to the notice's charges first), and queue the
    rest for the cashier. ``bank_statement.imported``. ValidationError: estate/one_of (not the
    asker's), filename/file_type, content/base64|unreadable|unknown_layout|bad_line."""
    s, data = uow.session, cmd.data
    estate = data["estate"]
    if not visible(cmd.estates, estate):
        raise ValidationError.one("estate", "one_of", "a statement of an estate you work for")
    layout, lines, _debits = files.read_statement(data["filename"], files.decode_content(data["content"],
                                                                                         data["encoding"]))
    st = BankStatement(statement_id=new_id(), statement_no=uow.next_number(domain.SERIES), estate=estate,
                       bank_format=layout, filename=data["filename"][:200], imported_by=cmd.actor.id,
                       imported_at=uow.now(), credit_lines=len(lines), new_lines=0, repeated_lines=0,
                       matched_lines=0, unmatched_lines=0)
    s.add(st)
    s.flush()
    uow.estate = estate
    uow.correlation_id = st.statement_id
    hashes = [domain.line_hash(estate, layout, line, n) for line, n in zip(lines, domain.occurrences(lines))]
    known = set(s.scalars(select(BankLine.line_hash).where(BankLine.line_hash.in_(hashes)))) if hashes else set()
    fresh = []
    for line, h in zip(lines, hashes):
        if h in known:
            st.repeated_lines += 1
            continue
        known.add(h)
        row = BankLine(line_id=new_id(), line_hash=h, statement_id=st.statement_id, estate=estate,
                       value_date=line["value_date"], amount=line["amount"], payer_name=line["payer_name"],
                       payer_account=line["payer_account"], reference=(line["reference"] or None) and line["reference"][:400],
                       serial=line["serial"], state=domain.UNMATCHED)
        s.add(row)
        fresh.append(row)
    st.new_lines = len(fresh)
    s.flush()
    candidates = _candidates(s, estate, {Decimal(r.amount) for r in fresh}, {r.value_date for r in fresh})
    booked = set()
    for row in fresh:
        notice, why = domain.match({"amount": row.amount, "value_date": row.value_date, "reference": row.reference},
                                   [c for c in candidates.get(Decimal(row.amount), ()) if c.notice_id not in booked])
        if notice is None:
            _queue(uow, row, why, st, cmd.actor.id)
            continue
        try:
            payment, _ = book_payment(uow, cmd.actor.id, cmd.estates, notice.unit_id, money(row.amount), "bank",
                                      bank_line_id=row.line_id,
                                      chosen=_open_charges_of(s, notice))  # a case of its own (or its move-out's)
        except ValidationError as exc:  # e.g. the bank's serial already booked by hand: the cashier looks
            _queue(uow, row, domain.BOOKING_REFUSED, st, cmd.actor.id)
            continue
        row.state, row.notice_id, row.unit_id, row.payment_id = domain.MATCHED, notice.notice_id, notice.unit_id, payment.payment_id
        row.settled_by, row.settled_at = cmd.actor.id, uow.now()
        st.matched_lines += 1
        booked.add(notice.notice_id)
    uow.correlation_id = st.statement_id
    uow.estate = estate
    uow.emit("bank_statement.imported", {
        "statement_id": st.statement_id, "statement_no": st.statement_no, "estate": estate, "bank_format": layout,
        "credit_lines": st.credit_lines, "new_lines": st.new_lines, "repeated_lines": st.repeated_lines,
        "matched_lines": st.matched_lines, "unmatched_lines": st.unmatched_lines})
    uow.audit("bank_statement.import", "bank_statement", st.statement_id,
              {"statement_no": st.statement_no, "filename": st.filename, "bank_format": layout,
               "new_lines": st.new_lines, "repeated_lines": st.repeated_lines, "matched_lines": st.matched_lines,
               "unmatched_lines": st.unmatched_lines})
    return statement_view(s, st)


def _queue(uow, row: BankLine, why: str, st: BankStatement, actor_id: str) -> None:
    """The line waits for the cashier, due by the end of the next working day (DEADLINES); `why` is
    a code of domain.REASONS."""
    row.reason = why
    st.unmatched_lines += 1
    uow.set_deadline(domain.DEADLINE_RULE, "bank_line", row.line_id, domain.line_due(uow.today(), uow.calendar),
                     responsible=actor_id, estate=row.estate,
                     summary=f"{st.statement_no} {money(row.amount)} {row.payer_name or ''}".strip())


def _line(s, line_id: str, estates, lock: bool = False) -> BankLine:
    stmt = select(BankLine).where(BankLine.line_id == line_id)
    row = s.scalar(stmt.with_for_update() if lock else stmt)
    if row is None or not visible(estates, row.estate):
        raise NotFound(f"no bank line {line_id}", field="line_id", rule="exists")
    return row


def _check_unmatched(line: BankLine) -> None:
    if line.state != domain.UNMATCHED:
        raise Conflict(f"the bank line is {line.state}; only an unmatched line is booked or set aside",
                       field="line_id", rule="not_unmatched")


def book_bank_line(cmd, uow) -> dict:
    """The cashier books an unmatched line on the unit they found (its charges chosen, else oldest
    first). Conflict line_id/not_unmatched once booked or set aside."""
    s, data = uow.session, cmd.data
    line = _line(s, data["line_id"], cmd.estates, lock=True)
    _check_unmatched(line)
    payment, out = book_payment(uow, cmd.actor.id, cmd.estates, data["unit_id"], money(line.amount), "bank",
                                details={"note": data.get("note")}, bank_line_id=line.line_id,
                                chosen=data.get("charge_ids"))
    if payment.estate != line.estate:
        raise ValidationError.one("unit_id", "other_estate", "the unit belongs to another estate than the statement")
    line.state, line.unit_id, line.payment_id = domain.BOOKED, payment.unit_id, payment.payment_id
    line.settled_by, line.settled_at = cmd.actor.id, uow.now()
    uow.meet_deadline(domain.DEADLINE_RULE, "bank_line", line.line_id)
    uow.audit("bank_line.book", "bank_line", line.line_id,
              {"unit_id": line.unit_id, "amount": money(line.amount), "receipt_no": payment.receipt_no})
    return {**line_view(line), "payment": out}


def reopen_line(uow, line_id: str, actor_id: str) -> None:
    """The payment booked from the line was reversed (on the wrong unit, say): the line waits in the
    cashier's queue again, to be booked anew or set aside, due by the end of the next working day."""
    line = uow.session.get(BankLine, line_id)
    if line is None or line.state not in (domain.MATCHED, domain.BOOKED):
        return
    st = uow.session.get(BankStatement, line.statement_id)
    previous = line.payment_id
    line.state, line.notice_id, line.unit_id, line.payment_id = domain.UNMATCHED, None, None, None
    line.settled_by = line.settled_at = None
    line.reason = domain.PAYMENT_REVERSED
    uow.set_deadline(domain.DEADLINE_RULE, "bank_line", line.line_id, domain.line_due(uow.today(), uow.calendar),
                     responsible=actor_id, estate=line.estate,
                     summary=f"{st.statement_no} {money(line.amount)} {line.payer_name or ''}".strip())
    uow.audit("bank_line.reopen", "bank_line", line.line_id, {"reversed_payment": previous, "amount": money(line.amount)})


def dismiss_bank_line(cmd, uow) -> dict:
    """The cashier sets an unmatched line aside as no fee payment (bank interest, a refund...), saying
    why in their words (the command's ``reason``): kept as the line's ``note``, as typed; the line's
    ``reason`` stays the system's code of why matching left it."""
    s, data = uow.session, cmd.data
    line = _line(s, data["line_id"], cmd.estates, lock=True)
    _check_unmatched(line)
    line.state, line.note = domain.DISMISSED, data["reason"].strip()[:200]
    line.settled_by, line.settled_at = cmd.actor.id, uow.now()
    uow.meet_deadline(domain.DEADLINE_RULE, "bank_line", line.line_id)
    uow.estate = line.estate
    uow.correlation_id = line.statement_id
    uow.audit("bank_line.dismiss", "bank_line", line.line_id, {"amount": money(line.amount), "note": line.note})
    return line_view(line)


def line_view(line: BankLine) -> dict:
    return _LINE.dump(_line_data(line))


def _line_data(line: BankLine) -> dict:
    return ({**{c: getattr(line, c) for c in (
        "line_id", "statement_id", "estate", "value_date", "amount", "payer_name", "payer_account", "reference",
        "serial", "state", "reason", "note", "notice_id", "unit_id", "payment_id", "settled_by")},
        "settled_at": aware(line.settled_at)})


def statement_view(s, st: BankStatement) -> dict:
    lines = s.scalars(select(BankLine).where(BankLine.statement_id == st.statement_id).order_by(BankLine.value_date,
                                                                                               BankLine.line_id))
    return _STATEMENT.dump({**{c: getattr(st, c) for c in (
        "statement_id", "statement_no", "estate", "bank_format", "filename", "imported_by", "credit_lines",
        "new_lines", "repeated_lines", "matched_lines", "unmatched_lines")},
        "imported_at": aware(st.imported_at), "lines": [_line_data(x) for x in lines]})


def get_bank_statement(args: dict, reader) -> dict:
    st = reader.session.get(BankStatement, args["statement_id"])
    if st is None or not visible(reader.estates, st.estate):
        raise NotFound(f"no bank statement {args['statement_id']}", field="statement_id", rule="exists")
    return statement_view(reader.session, st)


def list_bank_statements(args: dict, reader) -> list[dict]:
    rows = reader.session.scalars(within(select(BankStatement), BankStatement.estate, reader.estates)
                                  .order_by(BankStatement.imported_at.desc()).limit(200))
    return [{k: v for k, v in statement_view(reader.session, st).items() if k != "lines"} for st in rows]


def get_bank_line(args: dict, reader) -> dict:
    return line_view(_line(reader.session, args["line_id"], reader.estates))


def list_bank_lines(args: dict, reader) -> list[dict]:
    """Bank lines of the asker's estates (filters: state, statement), newest first; at most 200."""
    stmt = within(select(BankLine), BankLine.estate, reader.estates)
    for key in ("state", "statement_id"):
        if args.get(key):
            stmt = stmt.where(getattr(BankLine, key) == args[key])
    return [line_view(x) for x in reader.session.scalars(stmt.order_by(BankLine.value_date.desc()).limit(200))]


def possible_line_actions(line_id: str, reader) -> list[str]:
    return domain.next_commands(_line(reader.session, line_id, reader.estates))


def unmatched_lines(args: dict, reader) -> list[dict]:
    """QUEUE: bank lines no notice matched, oldest first: the cashier books or sets each aside. Why
    matching left a line is the item's ``fields`` {"reason": code} (`records.queue_item`), which the
    desk says in the words the bank_line kind's description gives it (`BankLineSchema`: vocab
    BANK_LINE_REASONS); the title (amount, payer) and detail (value date, the bank's reference, the
    cashier's note if any) hold no code."""
    rows = list(reader.session.scalars(within(select(BankLine), BankLine.estate, reader.estates)
                                       .where(BankLine.state == domain.UNMATCHED)
                                       .order_by(BankLine.value_date, BankLine.line_id).limit(500)))
    due = pending_of(reader.session, "bank_line", [x.line_id for x in rows], reader.now())
    now = reader.now()
    out = []
    for x in rows:
        st = reader.session.get(BankStatement, x.statement_id)
        limit = next((d for d in due.get(x.line_id, []) if d.rule == domain.DEADLINE_RULE), None)
        detail = " ".join(t for t in (x.value_date.isoformat(), x.reference, x.note) if t)
        out.append(queue_item("bank_line", None, f"{money(x.amount)} {x.payer_name or ''}".strip(), detail,
                              st.imported_at, limit.due_at if limit else None, now, record_id=x.line_id,
                              overdue=bool(limit and limit.overdue),
                              fields={"reason": x.reason} if x.reason else None))
    return out
