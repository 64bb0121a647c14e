"""Payments (收费) on a unit's fee account, pure domain logic: the balance, what a payment must be,
and the part of a payment that is a prepayment (预收款/预交物业费).

domain.md §2.5 (billing cycle: charges per period, cash/cheque/bank payments with a receipt,
开具收费票据), §8 (``payment.received``). Plain Python: no nameko, no SQL, no I/O. The stored rows
(`models.Charge`, `models.Payment`) have the attributes of the dataclasses below, so every rule
takes either.

Money is `Decimal`; in event payloads and answers it travels as a string with two decimals
("1234.50"). Payment methods and the largest amount are the office's vocabulary
(`propdesk.contracts.vocab.PAYMENT_METHODS`, `MAX_AMOUNT`), never a copy here.

Prepayments. A unit may pay more than it owes, or pay while it owes nothing (预交物业费): finance
takes the money and records the part beyond what was owed as a prepayment, explicitly: on the
payment (`prepaid_amount`), in ``payment.received``, in the audit row, and as the account's
`credit` (预收款) until later charges use it up. The account's `outstanding` stays the net figure
(charged minus paid; negative while in credit), as the contracts always said.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Iterable

from propdesk.contracts.vocab import MAX_AMOUNT, PAYMENT_METHODS
from propdesk.domain import Event, blank
from propdesk.errors import Problem, ValidationError
from propdesk.money import CENT, money

ZERO = Decimal("0.00")


@dataclass
class Charge:
    """A fee charged to a unit for a period, e.g. 物业服务费 2026-10 (item "property_fee")."""

    unit_id: str
    amount: Decimal
    period: str  # "YYYY-MM"
    item: str  # "property_fee", "water", "electricity", ...
    estate: str | None = None  # the unit's estate (管理处, vocab.ESTATES)


@dataclass
class Payment:
    """A payment recorded against a unit (开具收费票据: receipt number). `prepaid_amount` is the
    part of it beyond what the unit owed when it was taken (预收款)."""

    unit_id: str
    amount: Decimal
    period: str | None = None
    item: str | None = None
    method: str = "bank"
    receipt_no: str = ""
    prepaid_amount: Decimal = ZERO
    payment_id: str | None = None
    party_id: str | None = None
    estate: str | None = None  # the unit's estate (管理处)


# --- the account ----------------------------------------------------------------------------------
def outstanding(charges: Iterable[Charge], payments: Iterable[Payment]) -> Decimal:
    """What is owed: total charged minus total paid, to the cent (negative = credit).

    Pass one account's charges and payments (e.g. one unit's); nothing is filtered here."""
    total = sum((Decimal(c.amount) for c in charges), Decimal("0")) - sum(
        (Decimal(p.amount) for p in payments), Decimal("0")
    )
    return total.quantize(CENT)


def credit(owed: Decimal) -> Decimal:
    """The account's prepaid money not yet used by charges (预收款): what was paid beyond the
    charges, 0.00 while the unit owes anything."""
    return max(-Decimal(owed), Decimal("0")).quantize(CENT) + ZERO


def prepaid_part(owed_before: Decimal, amount: Decimal) -> Decimal:
    """The part of a payment of `amount` beyond what the unit owed before it (`owed_before`,
    negative when already in credit): the prepayment it makes (预收款). 0.00 when it pays only
    what is owed; the whole amount when nothing was owed."""
    amount, owed_before = Decimal(amount), Decimal(owed_before)
    return min(amount, max(amount - owed_before, Decimal("0"))).quantize(CENT) + ZERO


# --- a payment ------------------------------------------------------------------------------------
def validate_payment(unit_known: bool, amount: Decimal | str | int | float | None, method: str | None, receipt_no: str | None) -> Decimal:
    """Check a payment before it is recorded; report every problem at once.

    ==========  ================  ============================================
    field       rule              when
    ==========  ================  ============================================
    unit_id     unknown_unit      the unit is not known (it has no fee account)
    amount      required          missing
    amount      decimal           not a number
    amount      positive_amount   zero or negative
    amount      max_amount        more than vocab.MAX_AMOUNT (what the ledger keeps)
    amount      max_2_decimals    more than two decimal places (yuan and fen)
    method      one_of            not one of vocab.PAYMENT_METHODS (cash, cheque, bank)
    receipt_no  required          blank (开具收费票据)
    ==========  ================  ============================================

    A payment larger than what is owed is *not* a problem: its excess is a prepayment
    (`prepaid_part`). Returns the amount as a `Decimal` with two places; raises `ValidationError`
    otherwise.
    """
    problems: list[Problem] = []
    if not unit_known:
        problems.append(Problem("unit_id", "unknown_unit", "no such unit in the register"))

    value: Decimal | None = None
    if blank(amount):
        problems.append(Problem("amount", "required", "give the amount paid"))
    elif isinstance(amount, bool):
        problems.append(Problem("amount", "decimal", "amount as a number, e.g. 1234.50"))
    else:
        try:
            value = Decimal(str(amount).strip())
            if not value.is_finite():
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            value = None
            problems.append(Problem("amount", "decimal", "amount as a number, e.g. 1234.50"))
    if value is not None:
        if value <= 0:
            problems.append(Problem("amount", "positive_amount", "a payment is a positive amount"))
        if value > MAX_AMOUNT:
            problems.append(Problem("amount", "max_amount", f"a payment is at most {MAX_AMOUNT:,}"))
        elif value.copy_abs() <= MAX_AMOUNT and value != value.quantize(CENT):
            problems.append(Problem("amount", "max_2_decimals", "at most two decimal places (元.角分)"))

    if not isinstance(method, str) or method not in PAYMENT_METHODS:
        problems.append(Problem("method", "one_of", "method must be one of: " + ", ".join(PAYMENT_METHODS.codes)))
    if blank(receipt_no):
        problems.append(Problem("receipt_no", "required", "give the receipt number (收费票据号)"))

    if problems:
        raise ValidationError(problems)
    assert value is not None
    return value.quantize(CENT)


def duplicate_receipt(receipt_no: str) -> ValidationError:
    """A receipt (收费票据) is recorded once: the same number again is refused, whatever its amount."""
    return ValidationError.one("receipt_no", "duplicate_receipt",
                               f"receipt {receipt_no} is already recorded; a payment is recorded once")


def check_receipt_unused(receipt_no: str, already_recorded: bool) -> None:
    """ValidationError (receipt_no, duplicate_receipt) when the receipt is already recorded."""
    if already_recorded:
        raise duplicate_receipt(receipt_no)


def payment_received(payment) -> Event:
    """``payment.received`` for a recorded payment (a `Payment` or its stored row)."""
    return Event("payment.received", {
        "payment_id": payment.payment_id, "party_id": payment.party_id, "unit_id": payment.unit_id,
        "estate": payment.estate, "amount": money(payment.amount), "method": payment.method, "receipt_no": payment.receipt_no,
        "matched_bank_slip": None, "prepaid_amount": money(payment.prepaid_amount),
    })


# --- receipts, channels, cheques (收费票据; 支票; 微信/支付宝) ----------------------------------------------
#: The number series of the receipts billing issues itself (收费票据) when no pre-printed number is given.
RECEIPT_SERIES = "RC"
#: Channels whose payments carry their own transaction number, unique per channel (交易单号).
NEEDS_TXN = ("wechat", "alipay")
#: A cheque is presented within 10 days of its date (《票据法》 第九十一条: 支票的持票人应当自出票日起十日内提示付款).
CHEQUE_VALID_DAYS = 10


def check_channel(method: str, data: dict, amount: Decimal, today) -> None:
    """The channel's own rules, every problem at once (after `validate_payment` passed):

    ============  =====================  ===============================================
    field         rule                   when
    ============  =====================  ===============================================
    txn_no        required               WeChat Pay / Alipay without its transaction number
    cheque_no     required               a cheque without its number (txn_no or cheque_no)
    cheque_date   required               a cheque without its date (出票日期)
    cheque_date   post_dated             a cheque dated after today (远期支票)
    cheque_date   cheque_expired         a cheque older than 10 days (提示付款期已过)
    cheque_amount amount_mismatch        the cheque's amount (大小写金额) is not the payment's
    seal_checked  seal_not_checked       the cashier did not confirm the seal (印鉴) matches
    ============  =====================  ===============================================
    """
    problems: list[Problem] = []
    if method in NEEDS_TXN and blank(data.get("txn_no")):
        problems.append(Problem("txn_no", "required", "give the WeChat Pay / Alipay transaction number (交易单号)"))
    if method == "cheque":
        if blank(data.get("txn_no")):
            problems.append(Problem("cheque_no", "required", "give the cheque's number (支票号码)"))
        drawn = data.get("cheque_date")
        if drawn is None:
            problems.append(Problem("cheque_date", "required", "give the cheque's date (出票日期)"))
        elif drawn > today:
            problems.append(Problem("cheque_date", "post_dated", "a post-dated cheque is not taken (远期支票)"))
        elif (today - drawn).days > CHEQUE_VALID_DAYS:
            problems.append(Problem("cheque_date", "cheque_expired",
                                    f"a cheque is presented within {CHEQUE_VALID_DAYS} days of its date"))
        written = data.get("cheque_amount")
        try:
            written_value = None if blank(written) else Decimal(str(written).strip())
        except (InvalidOperation, ValueError):
            written_value = None
        if written_value is None or written_value != amount:
            problems.append(Problem("cheque_amount", "amount_mismatch",
                                    "the cheque's amount must be the payment's amount (大小写一致)"))
        if data.get("seal_checked") is not True:
            problems.append(Problem("seal_checked", "seal_not_checked",
                                    "confirm the seal (印鉴) matches the drawer's specimen"))
    if problems:
        raise ValidationError(problems)


def duplicate_txn(method: str, txn_no: str) -> ValidationError:
    return ValidationError.one("txn_no", "duplicate_transaction",
                               f"{method} transaction {txn_no} is already recorded; a transaction pays once")


# --- allocation (冲销: which charges a payment pays) -----------------------------------------------------
@dataclass
class OpenItem:
    """What is left to pay of one charge."""

    charge_id: int
    unit_id: str
    period: str
    item: str
    amount: Decimal  # the charge
    open: Decimal  # what is left of it


def open_items(charges, payments, allocations) -> list[OpenItem]:
    """One account's charges with what is left of each, oldest first (period, then id).

    Allocations (`charge_id`, `payment_id`, `amount`) settle the charges they name. A payment's money
    not allocated there: when the payment names its period and item (the monthly bank transfers
    recorded before allocations were kept; a reversal names those of the payment it reverses) it
    settles that period's charges of that item first; the rest (prepayments, counter payments
    against the balance) settles the oldest charges still open, as the dunning notice counts them."""
    allocated_to: dict[int, Decimal] = {}
    allocated_by: dict[str, Decimal] = {}
    for a in allocations:
        allocated_to[a.charge_id] = allocated_to.get(a.charge_id, Decimal("0")) + Decimal(a.amount)
        key = getattr(a, "payment_id", None)
        allocated_by[key] = allocated_by.get(key, Decimal("0")) + Decimal(a.amount)
    free = -allocated_by.pop(None, Decimal("0"))
    directed: dict[tuple[str, str], Decimal] = {}
    for p in payments:
        rest = Decimal(p.amount) - allocated_by.get(getattr(p, "payment_id", None), Decimal("0"))
        period, item = getattr(p, "period", None), getattr(p, "item", None)
        if period and item:
            directed[(period, item)] = directed.get((period, item), Decimal("0")) + rest
        else:
            free += rest
    ordered = sorted(charges, key=lambda c: (c.period, c.id))
    left_of = {c.id: Decimal(c.amount) - allocated_to.get(c.id, Decimal("0")) for c in ordered}
    for (period, item), amount in directed.items():
        for c in ordered:
            if amount <= 0:
                break
            if (c.period, c.item) == (period, item) and left_of[c.id] > 0:
                used = min(amount, left_of[c.id])
                left_of[c.id] -= used
                amount -= used
        free += amount  # beyond the named charges (or a net reversal): the oldest open ones
    out = []
    for c in ordered:
        left = left_of[c.id]
        if free > 0 and left > 0:
            used = min(free, left)
            left, free = left - used, free - used
        out.append(OpenItem(c.id, c.unit_id, c.period, c.item, Decimal(c.amount).quantize(CENT), left.quantize(CENT)))
    return out


def allocate(items: list[OpenItem], amount: Decimal, chosen: list[int] | None = None) -> tuple[list[tuple[int, Decimal]], Decimal]:
    """Allocate a payment of `amount` to open charges: those the cashier `chosen` first, in the
    order given, then the oldest open ones. Returns ([(charge_id, amount)], the part left over: a
    prepayment). ValidationError (charge_ids, not_open) when a chosen charge is not an open charge
    of this account."""
    by_id = {i.charge_id: i for i in items}
    chosen = list(dict.fromkeys(chosen or []))
    wrong = [c for c in chosen if c not in by_id or by_id[c].open <= 0]
    if wrong:
        raise ValidationError.one("charge_ids", "not_open",
                                  "not an open charge of this unit: " + ", ".join(map(str, wrong)))
    order = [by_id[c] for c in chosen] + [i for i in items if i.charge_id not in chosen]
    left, out = Decimal(amount), []
    for item in order:
        if left <= 0:
            break
        if item.open <= 0:
            continue
        part = min(left, item.open)
        out.append((item.charge_id, part.quantize(CENT)))
        left -= part
    return out, left.quantize(CENT) + ZERO


# --- reversal (红冲) -------------------------------------------------------------------------------
def check_reversible(payment, already_reversed: bool) -> None:
    """A payment is reversed by a new, negative entry, once; a reversal itself is not reversed.
    Conflict payment_id/already_reversed, payment_id/is_reversal."""
    from propdesk.errors import Conflict

    if payment.reverses is not None or Decimal(payment.amount) < 0:
        raise Conflict("a reversal is not reversed again; record the payment anew",
                       field="payment_id", rule="is_reversal")
    if already_reversed:
        raise Conflict(f"payment {payment.receipt_no} is already reversed", field="payment_id", rule="already_reversed")


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ("", "拾", "佰", "仟")
_GROUPS = ("", "万", "亿", "万亿")


def _yuan_words(n: int) -> str:
    digits, out, zero = str(n), "", False
    for i, ch in enumerate(digits):
        pos, d = len(digits) - 1 - i, int(ch)
        if d == 0:
            zero = True
        else:
            if zero:
                out += "零"
                zero = False
            out += _DIGITS[d] + _UNITS[pos % 4]
        if pos % 4 == 0 and pos > 0 and any(c != "0" for c in digits[max(0, i - 3):i + 1]):
            out += _GROUPS[pos // 4]
    return out


def amount_in_words(amount) -> str:
    """The amount in Chinese capitals as a receipt writes it (人民币大写): 1234.50 -> 壹仟贰佰叁拾肆元伍角整,
    1005.07 -> 壹仟零伍元零柒分; a reversal's negative amount is 负..."""
    value = Decimal(amount).quantize(CENT)
    sign = "负" if value < 0 else ""
    yuan, fen = divmod(int(abs(value) * 100), 100)
    if yuan == 0 and fen == 0:
        return "零元整"
    words = _yuan_words(yuan) + "元" if yuan else ""
    jiao, f = divmod(fen, 10)
    if fen == 0:
        return sign + words + "整"
    tail = (_DIGITS[jiao] + "角") if jiao else ("零" if words else "")
    tail += (_DIGITS[f] + "分") if f else "整"
    return sign + words + tail
