"""The office's words for what the desk shows: the timeline's lines, who did it, the actions'
titles, what a case waits for. Vocabulary labels come from `propdesk.contracts.vocab`; the rest
are gettext messages (N_ marks them; `gettext(lang, ...)` says them).

A timeline line names people (staff names from the staff service) and departments in the
office's words (工程部, 财务部), never a role code or a service name.
"""
from __future__ import annotations

import re

from propdesk.contracts.vocab import (
    FEE_STATUSES, INSPECTION_RESULTS, MESSAGE_STATUSES, METER_KINDS, MOVE_OUT_STATES, PAYMENT_METHODS, SLIP_STATUSES,
    STAFF_DEPARTMENTS, UTILITIES,
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
    if event_type == "unit.supply_cut":
        readings = "; ".join(f"{METER_KINDS.label(r.get('meter'), lang)} {r.get('reading')}"
                             for r in p.get("final_readings") or [])
        return t("Meters read (%(readings)s) and supply cut: %(utilities)s", readings=readings or "-",
                 utilities=", ".join(UTILITIES.label(u, lang) for u in p.get("utilities") or []))
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


# --- the work queues (the home page) --------------------------------------------------------------
#: A queue item's ``note`` code -> what the desk says beside its detail; the note's other keys fill
#: the message's %(...)s. A department's code not here shows as the code.
QUEUE_NOTES = {
    # billing's held meter readings: a later month's reading exists, the reading can only be set aside
    "meter_reading.passed": N_("The meter has a later reading (%(period)s): set it aside as superseded"),
}


def queue_note(note, lang: str) -> str:
    """A queue item's ``note`` ({code, ...values}) in the person's language; "" for none."""
    if not isinstance(note, dict) or not note.get("code"):
        return ""
    code = str(note["code"])
    values = {k: mask_text(str(v)) for k, v in note.items() if k != "code"}
    if code not in QUEUE_NOTES:
        return code
    try:
        return gettext(lang, QUEUE_NOTES[code]) % values
    except (KeyError, TypeError, ValueError):  # a department's note without the values the words name
        return code


# --- the audit trail (the /audit page) ------------------------------------------------------------
#: An audit row's action -> the office's words (a state of the vocabulary where one says it:
#: `AUDIT_ACTION_STATES`). An action not here shows its code.
AUDIT_ACTIONS = {
    "payment.record": N_("Payment recorded"),
    "clearance.check": N_("Fee clearance checked"),
    "clearance.recheck": N_("Fee clearance checked again"),
    "clearance.confirm": N_("Fees cleared"),
    "clearance.withdraw": N_("Fee clearance closed (move-out withdrawn)"),
    "clearance.final_readings": N_("Final meter readings billed"),
    "clearance.readings_held": N_("Fee clearance waits: a final reading is held for review"),
    "clearance.redecide": N_("Fee clearance decided again after the final readings"),
    "release_hold.open": N_("Release hold opened"),
    "release_hold.fees_cleared": N_("Release hold: fees cleared"),
    "release_hold.fees_outstanding": N_("Release hold: fees outstanding"),
    "release_hold.approve": N_("Release approved"),
    "release_hold.withdraw": N_("Release hold dropped (move-out withdrawn)"),
    "release_slip.issue": N_("Release slip issued"),
    "release_slip.release": N_("Goods released at the gate"),
    "work_order.open": N_("Inspection work order opened"),
    "work_order.inspect": N_("Unit inspection recorded"),
    "work_order.cancel": N_("Inspection work order cancelled"),
    "work_order.supply_cut": N_("Meters read and supply cut"),
    "message.queue": N_("Message queued"),
    "move_out.requested": N_("Move-out application registered"),
    "move_out.accept": N_("Move-out application accepted"),
    "move_out.state": N_("Move-out state changed"),
    "move_out.inspection_recorded": N_("Inspection result recorded on the case"),
    "move_out.clearance_recorded": N_("Fee clearance recorded on the case"),
    "move_out.supply_cut_recorded": N_("Meter reading and supply cut recorded on the case"),
    "move_out.release_slip_issued": N_("Release slip recorded on the case"),
    "move_out.goods_released": N_("Goods release recorded on the case"),
    "move_out.completed": N_("Case archived, exit reported to the owner"),
    "move_out.conflict": N_("Conflicting news on the case"),
    "staff.signed_in": N_("Signed in"),
    "staff.sign_in_failed": N_("Sign-in failed"),
    "staff.locked_out": N_("Locked out after failed sign-ins"),
    "staff.signed_out": N_("Signed out"),
    "staff.password_changed": N_("Password changed"),
    "staff.password_change_failed": N_("Password change failed"),
    "staff.added": N_("Staff account added"),
    "staff.disabled": N_("Staff account disabled"),
    "staff.disable_unchanged": N_("Staff account already disabled"),
    "staff.password_reset": N_("Password reset"),
    "staff.roles_set": N_("Roles set"),
    "staff.roles_unchanged": N_("Roles unchanged"),
    "api_token.created": N_("API token created"),
    "api_token.revoked": N_("API token revoked"),
    "api_token.revoke_unchanged": N_("API token already revoked"),
    # the departments' other actions
    "bank_line.book": N_("Bank line booked as a payment on a unit"),
    "bank_line.dismiss": N_("Bank line set aside as no fee payment"),
    "bank_line.reopen": N_("Bank line back in the cashier's queue (its payment reversed)"),
    "bank_statement.import": N_("Bank statement imported"),
    "billed_unit.set": N_("Unit's billing basis set"),
    "billing_run.drafted": N_("Fee notices drafted"),
    "billing_run.dunned": N_("Dunning notices drawn up"),
    "billing_run.issue": N_("Billing run issued"),
    "billing_run.issued": N_("Fee notices issued"),
    "billing_run.redraft": N_("Billing run drafted again"),
    "billing_run.review": N_("Billing run reviewed"),
    "billing_run.start": N_("Billing run started"),
    "charge.one_off": N_("One-off charge added"),
    "charge.repair": N_("Paid repair charged to the fee account"),
    "complaint.amend": N_("Complaint record corrected"),
    "complaint.apology_letter": N_("Apology letter recorded on the complaint"),
    "complaint.close": N_("Complaint closed and filed"),
    "complaint.escalate": N_("Complaint escalated"),
    "complaint.explain": N_("Complaint explained or referred"),
    "complaint.handling": N_("Complaint investigated, measures under way"),
    "complaint.measures": N_("Complaint handling measures decided"),
    "complaint.progress_notice": N_("Progress notice sent to the complainant"),
    "complaint.register": N_("Complaint registered"),
    "complaint.reply": N_("Complainant told the result"),
    "complaint.result": N_("Complaint handling result reported back"),
    "complaint.return_visit": N_("Return visit result recorded on the complaint"),
    "complaint.return_visit_ignored": N_("Return visit changed nothing on the complaint"),
    "complaint.root_cause_review": N_("Root cause of the complaint reviewed"),
    "complaint.second_complaint": N_("Second complaint on the same matter, reopened"),
    "complaint.triage": N_("Complaint triaged"),
    "complaint.void": N_("Complaint voided"),
    "contact.answered": N_("Inquiry answered and closed"),
    "contact.closed": N_("Procedure done, contact closed"),
    "contact.handed_over": N_("Contact handed over to another staff member"),
    "contact.registered": N_("Call or visit registered"),
    "contact.repeat_call": N_("Repeat call on an earlier contact"),
    "contact.reply_arranged": N_("Expert reply arranged for the inquiry"),
    "contact.ticket_linked": N_("Contact linked to its ticket"),
    "deposit.deduct": N_("Deduction made from the deposit"),
    "deposit.refund": N_("Deposit refunded"),
    "deposit.refund_requested": N_("Deposit refund requested"),
    "deposit.take": N_("Deposit taken"),
    "dunning_notice.deliver": N_("Dunning notice delivered"),
    "fee_notice.deliver": N_("Fee notice delivered"),
    "fee_schedule.set": N_("Fee schedule set"),
    "key.custody": N_("Key custody handed over"),
    "key.entrust": N_("Key entrusted to the office"),
    "key.loan": N_("Key lent"),
    "key.register": N_("Key registered in the office's custody"),
    "key.return": N_("Key returned"),
    "key.withdraw": N_("Key given back to its owner"),
    "lost_item.hand_to_finance": N_("Lost item handed to finance"),
    "lost_item.hand_to_police": N_("Lost item handed to the police"),
    "lost_item.publicise": N_("Lost item publicised"),
    "lost_item.refuse_claim": N_("Claim for a lost item refused"),
    "lost_item.register": N_("Lost item registered"),
    "lost_item.return": N_("Lost item returned to its claimant"),
    "lost_item.unclaimed": N_("Lost item unclaimed after 3 months"),
    "mail.collect": N_("Mail collected"),
    "mail.register": N_("Mail registered"),
    "meter_reading.accept": N_("Held meter reading accepted"),
    "meter_reading.bill_final": N_("Final meter reading billed"),
    "meter_reading.correct": N_("Meter reading corrected"),
    "meter_reading.import": N_("Meter readings imported"),
    "meter_reading.record": N_("Meter reading recorded"),
    "meter_reading.supersede": N_("Held meter reading set aside: superseded by a later reading"),
    "pass.expire": N_("Pass expired"),
    "pass.issue_construction": N_("Construction pass issued"),
    "pass.issue_resident": N_("Resident pass issued"),
    "pass.return": N_("Pass handed back"),
    "pass.revoke": N_("Pass revoked"),
    "payment.reverse": N_("Payment reversed"),
    "release_slip.cancel": N_("Release slip cancelled"),
    "release_slip.countersign": N_("Release slip countersigned"),
    "release_slip.fees_cleared": N_("Release slip: finance found the fees cleared"),
    "release_slip.fees_outstanding": N_("Release slip waits: finance found fees outstanding"),
    "release_slip.owner_confirmed": N_("Owner confirmed the release slip by phone"),
    "release_slip.owner_refused": N_("Owner refused the release slip by phone"),
    "release_slip.refuse": N_("Goods refused at the gate"),
    "release_slip.request": N_("Release slip requested"),
    "repair.acceptance": N_("Repair checked on the patrol"),
    "repair.complete": N_("Repair completed, work order returned"),
    "repair.consent": N_("Owner's answer on the repair charge recorded"),
    "repair.dispatch": N_("Repair work order dispatched"),
    "repair.dispute": N_("Repair disputed"),
    "repair.dispute_resolve": N_("Repair dispute resolved"),
    "repair.follow_up_settle": N_("Developer's follow-up of the repair done"),
    "repair.liaison_close": N_("Repair closed with a liaison note to the developer"),
    "repair.order_cancel": N_("Mismatched work order cancelled"),
    "repair.order_reissue": N_("Work order reissued"),
    "repair.price": N_("Paid repair priced"),
    "repair.quote_request": N_("Quote requested from engineering"),
    "repair.rate": N_("Owner's rating of the repair recorded"),
    "repair.report": N_("Repair reported"),
    "repair.reschedule": N_("Repair rescheduled"),
    "repair.return_visit": N_("Return visit result recorded on the repair"),
    "repair.start": N_("Repair started"),
    "return_visit.cancel": N_("Return visit cancelled"),
    "return_visit.explain": N_("Explained to the owner, next return visit booked"),
    "return_visit.plan": N_("Return visit planned"),
    "return_visit.record": N_("Return visit result recorded"),
    "return_visit.rectified": N_("Rectification done, return visit closed"),
    "return_visit.rectify_order": N_("Rectification ordered after the return visit"),
    "return_visit.reschedule": N_("Return visit rescheduled"),
    "return_visit_round.start": N_("Regular return visits started"),
    "return_visit_round.stop": N_("Regular return visits stopped"),
    "staff.enable_unchanged": N_("Staff account already enabled"),
    "staff.enabled": N_("Staff account enabled again"),
    "staff.estates_set": N_("Estates set"),
    "staff.estates_unchanged": N_("Estates unchanged"),
    "staff.sessions_purged": N_("Ended sessions purged"),
    "stored_item.collect": N_("Stored item collected"),
    "stored_item.contact": N_("Depositor contacted about an overdue item"),
    "stored_item.overdue": N_("Stored item overdue"),
    "stored_item.store": N_("Item stored"),
    "visitor.register": N_("Visitor registered"),
    "visitor.sign_out": N_("Visitor signed out"),
    # the chassis' own (every department): a time limit swept past unmet (propdesk.chassis.deadlines)
    "deadline.breached": N_("Time limit passed unmet"),
}
#: Actions the vocabulary names as the state they lead to (vocab.MOVE_OUT_STATES).
AUDIT_ACTION_STATES = {"move_out.release_approved": "RELEASE_APPROVED", "move_out.withdrawn": "WITHDRAWN",
                       "move_out.archived": "ARCHIVED"}
#: An audit row's record type -> the office's word (a department's record kind in the words of its
#: ``messages.RECORDS`` title where it has one). Every record type a department audits, directly or
#: through a time limit the chassis audits when it passes (``set_deadline``), must be here: a unit
#: test scans for them (tests/unit/desk/test_audit_words.py).
RECORD_TYPES = {
    "move_out": N_("Move-out"), "payment": N_("Payment"), "clearance": N_("Fee clearance"),
    "release_hold": N_("Release hold"), "release_slip": N_("Release slip"), "work_order": N_("Work order"),
    "message": N_("Message"), "staff": N_("Staff account"), "api_token": N_("API token"),
    "command": N_("Command"), "unit": N_("Unit"), "party": N_("Party"),
    # finance (billing)
    "billing_run": N_("Billing run"), "fee_notice": N_("Fee notice"), "dunning_notice": N_("Dunning notice"),
    "fee_schedule": N_("Fee schedule"), "billed_unit": N_("Unit billing basis"), "charge": N_("Charge"),
    "meter_reading": N_("Meter reading"), "meter_import": N_("Meter reading import file"),
    "bank_statement": N_("Bank statement"), "bank_line": N_("Bank line"), "deposit": N_("Deposit"),
    # engineering and the front desk (tickets)
    "repair": N_("Repair"), "contact": N_("Contact"), "complaint": N_("Complaint"),
    "return_visit": N_("Return visit"), "return_visit_round": N_("Round of return visits"),
    # security (access)
    "key": N_("Key"), "key_loan": N_("Key loan"), "pass": N_("Pass"), "visitor": N_("Visitor"),
    "lost_item": N_("Found item"), "stored_item": N_("Stored item"), "mail": N_("Mail and parcels"),
    # staff
    "staff_session": N_("Sign-in session"),
}


def audit_action(service: str, action: str, object_type: str, object_id: str, lang: str) -> str:
    """What an audit row says was done, in the office's words (the code when there are none)."""
    if action in AUDIT_ACTIONS:
        return gettext(lang, AUDIT_ACTIONS[action])
    if action in AUDIT_ACTION_STATES:
        return MOVE_OUT_STATES.label(AUDIT_ACTION_STATES[action], lang)
    if action.startswith("message.") and action[len("message."):] in MESSAGE_STATUSES:
        return gettext(lang, "Message: %(status)s", status=MESSAGE_STATUSES.label(action[len("message."):], lang))
    if action == "refused":
        svc, _, command = (object_id or "").partition(".")
        what = action_title(svc, command, None, lang) if command else object_id
        return gettext(lang, "Refused: %(action)s", action=what)
    if object_type == "command":  # a command whose handler audited nothing named itself
        title = ACTION_TITLES.get(f"{service}.{action}")
        return gettext(lang, title) if title else action
    return action


def record_type(code: str, lang: str) -> str:
    return gettext(lang, RECORD_TYPES[code]) if code in RECORD_TYPES else code


def service_words(service: str, lang: str) -> str:
    """A department as the office names it (客服部, 工程部, ...); the service name when unknown."""
    dept = DEPARTMENT_OF_SERVICE.get(service)
    if dept and service != "gateway":
        return department(dept, lang)
    return gettext(lang, SERVICE_WORDS[service]) if service in SERVICE_WORDS else service


def audit_who(actor: dict | None, service: str, names: dict, lang: str) -> str:
    """Who acted on an audit row: the person's name, an API token, the department acting on its
    own, or nobody signed in yet (a sign-in attempt)."""
    actor = actor or {}
    staff_id, role = actor.get("id") or "", actor.get("role")
    if role == "anonymous":
        return gettext(lang, "Not signed in")
    if role != "system" and staff_id.startswith("token:"):
        return gettext(lang, "API token %(name)s", name=staff_id[len("token:"):])
    if role != "system" and staff_id.startswith("cli:"):
        return gettext(lang, "Command line (%(user)s)", user=staff_id[len("cli:"):])
    return acting(actor, service, names, lang)
