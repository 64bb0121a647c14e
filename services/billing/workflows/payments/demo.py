"""Demo rows of the payments side (issue #10 §3-§4) so the desk shows a living ledger:

- older arrears on two units already owing (3-2-1101: 2025-10 and 2026-04; 2-2-1504: 2026-07), so
  the arrears report has every age band (the month's, 1-30, 31-90, 91-180, 181-365 days, over a year);
- a WeChat Pay payment taken on the wrong unit and its reversal (红冲), net nothing;
- the office's November bank statement (招商银行, E1) with one line no notice matches, waiting in
  the cashier's unmatched queue;
- deposits held: two renovation deposits, a tenant deposit, a key deposit whose refund is requested.

Numbers end in 9xxx so they never meet the chassis numbering of the same day."""
from __future__ import annotations

import hashlib
from datetime import date, datetime, timezone
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from propdesk_services.billing.workflows.bank_statements.models import BankLine, BankStatement
from propdesk_services.billing.workflows.deposits.models import Deposit
from propdesk_services.billing.workflows.payments.models import Charge, Payment

LOADED = "payments demo already loaded"
#: the older unpaid charges the demo adds: (unit, estate, period, amount)
OLD_ARREARS = (("3-2-1101", "E1", "2025-10", Decimal("163.45")), ("3-2-1101", "E1", "2026-04", Decimal("163.45")),
               ("2-2-1504", "E1", "2026-07", Decimal("130.40")))
#: payments the demo adds (a payment and its reversal)
PAYMENTS = 2


def _at(y, m, d, h=2) -> datetime:
    return datetime(y, m, d, h, 0, tzinfo=timezone.utc)


def load(session: Session) -> str:
    if session.scalar(select(Deposit.deposit_id).limit(1)) is not None:
        return LOADED
    session.add_all(Charge(unit_id=u, estate=e, period=p, item="property_fee", amount=a) for u, e, p, a in OLD_ARREARS)
    session.add_all([
        Payment(payment_id="PAY-DEMO-WX-1", unit_id="1-1-1002", estate="E1", party_id=None, amount=Decimal("196.30"),
                method="wechat", receipt_no="RC-20261128-9001", received_at=_at(2026, 11, 28), recorded_by="demo",
                period=None, item=None, prepaid_amount=Decimal("196.30"), txn_no="4200002026112800019001",
                note=None),
        Payment(payment_id="PAY-DEMO-WX-1R", unit_id="1-1-1002", estate="E1", party_id=None, amount=Decimal("-196.30"),
                method="wechat", receipt_no="RC-20261128-9002", received_at=_at(2026, 11, 28, 3), recorded_by="demo",
                period=None, item=None, prepaid_amount=Decimal("-196.30"), reverses="PAY-DEMO-WX-1",
                note="收错单元(应为1-1-1003),红冲后重收"),
    ])
    session.add(BankStatement(statement_id="BS-DEMO-E1-1", statement_no="BS-20261128-9001", estate="E1",
                              bank_format="cmb", filename="招商银行交易明细_20261101-20261127.csv",
                              imported_by="demo", imported_at=_at(2026, 11, 28), credit_lines=1, new_lines=1,
                              repeated_lines=0, matched_lines=0, unmatched_lines=1))
    session.add(BankLine(line_id="BL-DEMO-1", line_hash=hashlib.sha256(b"demo-bank-line-1").hexdigest(),
                         statement_id="BS-DEMO-E1-1", estate="E1", value_date=date(2026, 11, 27),
                         amount=Decimal("1000.00"), payer_name="刘某某", payer_account="6222021234567890",
                         reference="物业费", serial="G2026112700123", state="unmatched", reason="no_candidate"))
    deposits = [("DP-20260915-9001", "1-1-1201", "E1", "renovation", "3000.00", "held", "王先生", "厨房卫生间改造"),
                ("DP-20261103-9002", "2-1-901", "E1", "renovation", "2000.00", "held", "李女士", "更换地板"),
                ("DP-20260801-9003", "T1-31F", "E2", "tenant", "12000.00", "held", "万通科技有限公司", "租赁押金"),
                ("DP-20250601-9004", "1-2-501", "E1", "key", "100.00", "refund_requested", "陈先生", "门禁卡/钥匙")]
    for no, unit, estate, kind, amount, state, payer, purpose in deposits:
        received = _at(int(no[3:7]), int(no[7:9]), int(no[9:11]))
        session.add(Deposit(deposit_id=f"DEP-{no}", deposit_no=no, unit_id=unit, estate=estate, kind=kind, state=state,
                            payer_name=payer, amount=Decimal(amount), method="cash", receipt_no=no,
                            received_at=received, received_by="demo", purpose=purpose,
                            applicant_name=payer if state == "refund_requested" else None,
                            refund_reason="迁出,退还钥匙" if state == "refund_requested" else None,
                            requested_by="demo" if state == "refund_requested" else None,
                            requested_at=_at(2026, 11, 27) if state == "refund_requested" else None))
    session.flush()
    return (f"{len(OLD_ARREARS)} older unpaid charges, a payment and its reversal, 1 unmatched bank line, "
            f"{len(deposits)} deposits")
