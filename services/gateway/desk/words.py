"""The office's words for what the desk shows: the timeline's lines, who did it, the actions'
titles, what a case waits for. Vocabulary labels come from `propdesk.contracts.vocab`; the rest
are gettext messages (N_ marks them; `gettext(lang, ...)` says them).

A timeline line names people (staff names from the staff service) and departments in the
office's words (工程部, 财务部), never a role code or a service name.
"""
from __future__ import annotations

import re

from propdesk.contracts.vocab import (
    FEE_STATUSES, INSPECTION_RESULTS, MESSAGE_STATUSES, MOVE_OUT_STATES, PAYMENT_METHODS, SLIP_STATUSES,
    STAFF_DEPARTMENTS,
)
from propdesk.money import yuan
from propdesk.privacy import mask_text
from propdesk_services.gateway.desk.i18n import N_, gettext

#: Which department of the office a service acts as when no person did (an event handler, a timer).
DEPARTMENT_OF_SERVICE = {
    "residents": "customer_service", "tickets": "engineering", "billing": "finance", "access": "security",
    "staff": "administration", "gateway": "customer_service",
}
SERVICE_WORDS = {"notify": N_("Notification centre"), "reports": N_("Reports")}

#: ``<service>.<command>`` -> the action's title (a new command without one shows its schema's doc).
ACTION_TITLES = {
    "residents.request_move_out": N_("Register a move-out application"),
    "residents.withdraw_move_out": N_("Withdraw the move-out"),
    "residents.archive_move_out": N_("Archive the case"),
    "tickets.record_inspection": N_("Record the unit inspection"),
    "billing.record_payment": N_("Take a payment"),
    "access.release_at_gate": N_("Release the goods at the gate"),
    "staff.add_staff": N_("Add a staff account"),
    "staff.disable_staff": N_("Disable the account"),
    "staff.reset_password": N_("Reset the password"),
    "staff.set_roles": N_("Set the roles"),
    "staff.create_api_token": N_("Create an API token"),
    "staff.revoke_api_token": N_("Revoke the API token"),
}
#: Buttons that end something get a warning colour.
DANGEROUS = {"residents.withdraw_move_out", "staff.disable_staff", "staff.revoke_api_token"}


def action_title(service: str, command: str, spec: dict | None, lang: str) -> str:
    label = (spec or {}).get("label")
    if isinstance(label, dict) and label.get(lang):
        return label[lang]
    msgid = ACTION_TITLES.get(f"{service}.{command}")
    if msgid:
        return gettext(lang, msgid)
    return ((spec or {}).get("doc") or command).split("\n")[0]


def department(code: str | None, lang: str) -> str:
    return STAFF_DEPARTMENTS.label(code, lang) if code in STAFF_DEPARTMENTS else ""


def acting(actor: dict | None, producer: str | None, names: dict, lang: str) -> str:
    """Who did it, as a person reads it: the staff member's name (with their department when
    known), or the department a service acted for."""
    actor = actor or {}
    staff_id, role = actor.get("id"), actor.get("role")
    if role and role not in ("system", "anonymous") and staff_id:
        person = names.get(staff_id)
        if person:
            return person
        return gettext(lang, "Staff %(id)s", id=staff_id)
    dept = DEPARTMENT_OF_SERVICE.get(producer or "")
    if dept:
        return gettext(lang, "%(department)s (automatic)", department=department(dept, lang))
    words = SERVICE_WORDS.get(producer or "")
    return gettext(lang, words) if words else gettext(lang, "The system")


def _person(staff_id, names: dict, lang: str) -> str:
    return names.get(staff_id) or (gettext(lang, "Staff %(id)s", id=staff_id) if staff_id else "")


def event_line(event_type: str, p: dict, names: dict, lang: str) -> str:
    """One line saying what happened, in the office's words (personal numbers masked)."""
    t = lambda msgid, **v: gettext(lang, msgid, **v)  # noqa: E731
    if event_type == "move_out.requested":
        return t("Move-out application accepted for %(unit)s, exit date %(date)s", unit=p.get("unit_id"),
                 date=p.get("exit_date"))
    if event_type == "move_out.inspection_opened":
        return t("Inspection work order %(no)s opened", no=p.get("work_order_no"))
    if event_type == "move_out.inspection_completed":
        if p.get("passed"):
            return t("Unit inspection passed (work order %(no)s)", no=p.get("work_order_no"))
        return t("Defects found: %(defects)s (breach notice %(notice)s)", defects="；".join(p.get("defects") or []),
                 notice=p.get("breach_notice_id") or "-")
    if event_type == "billing.clearance_confirmed":
        return FEE_STATUSES.label("cleared", lang)
    if event_type == "billing.clearance_failed":
        return t("%(status)s: %(amount)s", status=FEE_STATUSES.label("outstanding", lang),
                 amount=yuan(p.get("outstanding_amount")))
    if event_type == "payment.received":
        return t("Payment of %(amount)s received (%(method)s), receipt %(receipt)s", amount=yuan(p.get("amount")),
                 method=PAYMENT_METHODS.label(p.get("method"), lang), receipt=p.get("receipt_no"))
    if event_type == "move_out.release_approved":
        return MOVE_OUT_STATES.label("RELEASE_APPROVED", lang)
    if event_type == "release_slip.issued":
        return t("Release slip %(no)s issued", no=p.get("slip_id"))
    if event_type == "release_slip.released":
        return t("Goods released at the gate on slip %(no)s, checked by %(guard)s", no=p.get("slip_id"),
                 guard=_person(p.get("guard_id"), names, lang))
    if event_type == "move_out.withdrawn":
        return t("Move-out withdrawn: %(reason)s", reason=p.get("reason") or "-")
    if event_type == "move_out.completed":
        return t("Case archived, exit reported to the owner")
    if event_type == "notification.sent":
        status = MESSAGE_STATUSES.label(p.get("status"), lang)
        status = status.lower() if lang == "en" else status
        return t("Message %(status)s: %(subject)s", status=status, subject=p.get("subject") or "")
    ids = ", ".join(str(v) for k, v in p.items() if (k.endswith("_id") or k.endswith("_no")) and v)
    return t("Recorded: %(what)s", what=ids or event_type)


def timeline(events: list[dict], names: dict, lang: str) -> list[dict]:
    """The case's events as lines: when, who, what (newest last, as reports answers them)."""
    return [{"event_type": e.get("event_type"), "at": e.get("occurred_at"),
             "who": acting(e.get("actor"), e.get("producer"), names, lang),
             "what": mask_text(event_line(e.get("event_type") or "", e.get("payload") or {}, names, lang))}
            for e in events]


_PAREN = re.compile(r"^(?P<en>.*?)\s*\((?P<zh>[^()]*[\u4e00-\u9fff][^()]*)\)\s*$")
_AMOUNT = re.compile(r"¥[\d,]+\.\d{2}")


def waiting(texts: list[str], lang: str) -> list[str]:
    """What a case waits for, from residents' lines ("engineering inspection (单元验收)"): in
    English as given, in Chinese the office term with any amount or slip number in the line.
    (residents answers these lines in both languages at once; the desk shows one.)"""
    out = []
    for text in texts or ():
        m = _PAREN.match(text)
        if m is None or lang == "en":
            out.append(m.group("en") if m else text)
            continue
        extra = " ".join(_AMOUNT.findall(m.group("en")) + re.findall(r"\b[A-Z]{2}-\d{8}-\d{4}\b", m.group("en")))
        out.append(f"{m.group('zh')} {extra}".strip())
    return out


def inspection_words(code, lang):
    return INSPECTION_RESULTS.label(code, lang) if code else ""


def slip_words(code, lang):
    return SLIP_STATUSES.label(code, lang) if code else ""
