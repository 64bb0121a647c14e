"""The office's shared vocabulary, defined once: states, statuses, methods, limits, and their words.

The departments decide with these codes (their domains import them); the gateway, reports and the
desk read the same codes and labels from here, never a copy. A label says what is true in the
office's words, zh-CN first: FEES_CHECKED means "finance's fee check is in", which may well say
fees are outstanding, so it never reads as "paid".

A `Terms` is an ordered mapping code -> `Term(zh, en)`; ``terms.codes`` keeps the order (for a state
machine: least to most advanced), ``terms.label(code, "zh")`` is what a person reads.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Term:
    code: str
    zh: str
    en: str

    def label(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh


class Terms:
    """An ordered vocabulary: ``"A" in terms``, ``terms.codes``, ``terms.label("A", "en")``."""

    def __init__(self, *terms: Term):
        self._terms = {t.code: t for t in terms}
        self.codes: tuple[str, ...] = tuple(self._terms)

    def __contains__(self, code) -> bool:
        return code in self._terms

    def __iter__(self):
        return iter(self._terms.values())

    def __getitem__(self, code: str) -> Term:
        return self._terms[code]

    def label(self, code: str, lang: str = "zh") -> str:
        term = self._terms.get(code)
        return term.label(lang) if term else code

    def rank(self, code: str | None) -> int:
        return self.codes.index(code) if code in self._terms else 0

    def as_dict(self) -> dict[str, dict[str, str]]:
        return {t.code: {"zh": t.zh, "en": t.en} for t in self}


# --- the tenant move-out (租户撤场, domain.md §2.6) -----------------------------------------------
#: The states of a move-out case, least to most advanced. WITHDRAWN ends a case before release
#: (the desk withdraws it with a reason); ARCHIVED ends a completed one. (§2.6 also names
#: METERS_READ_AND_CUT and DEPOSIT_REFUND: engineering's and finance's records, not part of the
#: release guard, so not case states.)
MOVE_OUT_STATES = Terms(
    Term("OWNER_CONSENT_PENDING", "待业主书面同意", "Owner's written consent pending"),
    Term("APPLICATION_ACCEPTED", "申请已受理", "Application accepted"),
    Term("DEFECTS_FOUND", "验收发现问题", "Defects found"),
    Term("INSPECTION_PASSED", "验收通过", "Inspection passed"),
    Term("FEES_CHECKED", "验收通过，费用已核查", "Inspection passed, fee check in"),
    Term("RELEASE_APPROVED", "已批准放行", "Release approved"),
    Term("GOODS_RELEASED", "物品已放行", "Goods released"),
    Term("ARCHIVED", "已归档", "Archived"),
    Term("WITHDRAWN", "已撤回", "Withdrawn"),
)
#: States in which a case is over: a unit may start a new move-out.
MOVE_OUT_CLOSED = ("ARCHIVED", "WITHDRAWN")
#: States from which the desk may still withdraw a case (before release is approved).
MOVE_OUT_WITHDRAWABLE = ("OWNER_CONSENT_PENDING", "APPLICATION_ACCEPTED", "DEFECTS_FOUND",
                         "INSPECTION_PASSED", "FEES_CHECKED")

#: How the tenant's fit-out is treated, agreed with the owner in writing (与客户协商对单元内装修情况的处理意见 [000]).
FITOUT_DISPOSITIONS = Terms(
    Term("restore", "恢复原状", "Restore to the handover condition"),
    Term("leave_to_owner", "装修移交客户", "Leave the fit-out to the owner"),
    Term("agreed_with_owner", "按与客户协议处理", "As separately agreed with the owner"),
)

INSPECTION_RESULTS = Terms(
    Term("pending", "待验收", "Inspection pending"),
    Term("passed", "验收通过", "Passed"),
    Term("defects_found", "发现问题", "Defects found"),
)

FEE_STATUSES = Terms(
    Term("pending", "待财务核查", "Fee check pending"),
    Term("cleared", "费用已结清", "Fees cleared"),
    Term("outstanding", "尚有欠费", "Fees outstanding"),
)

#: An inspection work order's status (工程维修单), tickets.
WORK_ORDER_STATUSES = Terms(
    Term("open", "待验收", "Open"),
    Term("passed", "验收通过", "Passed"),
    Term("defects_found", "发现问题", "Defects found"),
    Term("cancelled", "已取消", "Cancelled"),
)
#: A work order engineering still has to inspect (open, or a re-inspection after defects).
WORK_ORDER_UNFINISHED = ("open", "defects_found")

#: A release slip's status (物品放行条): still at the desk, or the goods went out at the gate.
SLIP_STATUSES = Terms(
    Term("issued", "已开具", "Issued"),
    Term("released", "已放行", "Released"),
)

#: An outbound message's status; "failed" is retried until its last attempt.
MESSAGE_STATUSES = Terms(
    Term("pending", "待发送", "Pending"),
    Term("sent", "已发送", "Sent"),
    Term("failed", "发送失败", "Failed"),
)

# --- money (billing) ------------------------------------------------------------------------------
PAYMENT_METHODS = Terms(
    Term("cash", "现金", "Cash"),
    Term("cheque", "支票", "Cheque"),
    Term("bank", "银行转账", "Bank transfer"),
)
#: The largest amount one payment or charge may carry (yuan); money is exact to the fen.
MAX_AMOUNT = Decimal("9999999999.99")
MONEY_PLACES = 2

# --- staff (who is acting; services/staff) -------------------------------------------------------------
#: The estates (管理处) the property company runs; every unit belongs to one, and staff work for one
#: or more (issue #8 §1). The demo has two: the residential estate of buildings 1-3 and the office park.
ESTATES = Terms(
    Term("E1", "阳光花园", "Sunshine Garden (residential, buildings 1-3)"),
    Term("E2", "万通中心", "Wantong Centre (office park)"),
)

#: The department a staff account belongs to (domain.md §1.1); what they may do is their roles
#: (`propdesk.policy.ROLES`), not this.
STAFF_DEPARTMENTS = Terms(
    Term("customer_service", "客服部", "Customer service"),
    Term("management_office", "管理处", "Management office"),
    Term("engineering", "工程部", "Engineering"),
    Term("security", "保安部", "Security"),
    Term("finance", "财务部", "Finance"),
    Term("administration", "系统管理", "System administration"),
)
