"""Who may do what: one policy table (role x command), deny by default (domain.md §1.1).

Every command of every department is a row here, named ``<service>.<command>``, with the roles
that may give it. The department enforces it (the chassis `Command` entrypoint checks it before
anything else, so it is the rule of record); the gateway reads the same table to show only the
actions a person may take. A command with no row is refused to everyone: adding a command to a
service's `messages.COMMANDS` without a row here cannot be used by anyone, and
`tests/unit/test_policy.py` fails until the row is written.

The roles are the office's (domain.md §1.1). Their codes are what `actor.role` carries.
"""
from __future__ import annotations

from propdesk.errors import Forbidden

#: Staff roles (domain.md §1.1): code -> (zh-CN, en).
ROLES: dict[str, tuple[str, str]] = {
    "front_desk": ("前台", "front desk"),
    "cs_assistant": ("客服助理", "CS assistant"),
    "area_assistant": ("分管助理", "assistant in charge of an area"),
    "cs_specialist": ("客服专员", "CS specialist"),
    "senior_cs": ("高级客服专员", "senior CS specialist"),
    "cs_supervisor": ("客服主管", "CS supervisor"),
    "cs_manager": ("客服部经理", "CS manager"),
    "director": ("管理处主任", "management-office director"),
    "engineering": ("工程部", "engineering"),
    "security": ("保安部", "security"),
    "finance_supervisor": ("财务主管", "finance supervisor"),
    "cashier": ("出纳", "cashier"),
    "counter_staff": ("收费员", "counter staff"),
    "admin": ("系统管理员", "administrator"),
    "owner_app": ("业主APP（系统接口）", "owner APP (an API token of another system)"),
}

#: Roles only an API token acts as (another system), never a staff account: the owner APP may
#: submit and rate repairs and nothing else, and reads personal numbers masked.
API_ONLY_ROLES: frozenset[str] = frozenset({"owner_app"})

#: The role a service acting on its own carries (timers, event handlers); never a staff member's.
SYSTEM_ROLE = "system"

CUSTOMER_SERVICE = frozenset({"front_desk", "cs_assistant", "cs_supervisor", "cs_manager"})
CS_SUPERVISORS = frozenset({"cs_supervisor", "cs_manager"})
#: Everyone at the CS desk who receives calls and visits (tickets' contact log, domain.md §1.1)
CONTACT_DESK = frozenset({"front_desk", "cs_assistant", "area_assistant", "cs_specialist", "senior_cs",
                          "cs_supervisor", "cs_manager", "director"})

#: Who makes and records return visits (回访, domain.md §2.4): the service centre's front desk (its
#: 7-day phone visits [004 WI/FW-017]) and customer service from assistant to manager
RETURN_VISIT_DESK = frozenset({"front_desk", "cs_assistant", "area_assistant", "cs_specialist", "senior_cs",
                               "cs_supervisor", "cs_manager"})
#: Who decides what follows a dissatisfied visit, cancels a visit and sets the rounds of visits
RETURN_VISIT_LEADERSHIP = frozenset({"cs_supervisor", "cs_manager", "director"})

#: repairs (报修, domain.md §2.2): the desk that enters and dispatches them, supervisors and up (re-issue
#: a mismatched order, settle disputes, liaison notes), the owner APP's token (front_desk, as the desk)
REPAIR_DESK = frozenset({"front_desk", "cs_assistant", "area_assistant", "cs_supervisor", "cs_manager"})
REPAIR_SUPERVISORS = frozenset({"cs_supervisor", "cs_manager", "director"})
REPAIR_APP = frozenset({"owner_app", "front_desk", "cs_assistant", "cs_supervisor", "cs_manager"})

#: Who takes and works complaints at the service centre (投诉, domain.md §2.3: logged centrally)
COMPLAINT_DESK = frozenset({"front_desk", "cs_assistant", "area_assistant", "cs_specialist", "senior_cs",
                            "cs_supervisor", "cs_manager"})
#: Who reviews complaints and answers for them in the management office's name
COMPLAINT_LEADERSHIP = frozenset({"cs_supervisor", "cs_manager", "director"})

#: ``<service>.<command>`` -> the roles that may give it. Deny by default: absent = nobody.
POLICY: dict[str, frozenset[str]] = {
    # residents: the tenant move-out (租户撤场, domain.md §2.6)
    "residents.request_move_out": CUSTOMER_SERVICE,
    # withdrawn before release by the desk that registered it (front desk and customer service)
    "residents.withdraw_move_out": CUSTOMER_SERVICE,
    # CS files every exit document and reports the exit to the owner (ARCHIVED)
    "residents.archive_move_out": CUSTOMER_SERVICE,
    # tickets: engineering records its unit inspection (单元验收移交记录表)
    "tickets.record_inspection": frozenset({"engineering"}),
    # tickets: engineering reads the meters as of the exit and cuts the supply (METERS_READ_AND_CUT)
    "tickets.record_supply_cut": frozenset({"engineering"}),
    # tickets: the contact log (来电来访登记, §2.1). Whoever receives a call or visit registers it
    # (front desk, CS assistants on patrol, specialists, supervisors, the manager, the director);
    # answering, closing and handing one over is for its owner (首问负责制) or a CS supervisor and
    # above: the domain checks that per contact (contact_id/first_contact_owner)
    "tickets.register_contact": CONTACT_DESK,
    "tickets.answer_contact": CONTACT_DESK,
    "tickets.arrange_reply": CONTACT_DESK,
    "tickets.close_contact": CONTACT_DESK,
    "tickets.hand_over_contact": CONTACT_DESK,
    # tickets: repairs (报修) and engineering work orders (工程维修单 QR-001FW, domain.md §2.2)
    "tickets.report_repair": REPAIR_DESK,
    # the owner APP through the JSON API: its API token acts as front_desk (docs/workflows/tickets-repairs.md)
    "tickets.submit_app_repair": REPAIR_APP,
    "tickets.rate_repair": REPAIR_APP,
    "tickets.request_quote": REPAIR_DESK,
    # a price-list item by the desk; an item not on the list is quoted by engineering (the domain's rule)
    "tickets.price_repair": REPAIR_DESK | {"engineering"},
    "tickets.record_consent": REPAIR_DESK,
    "tickets.dispatch_repair": REPAIR_DESK,
    "tickets.reschedule_repair": REPAIR_DESK | {"engineering"},
    "tickets.start_repair": frozenset({"engineering"}),
    "tickets.complete_repair": frozenset({"engineering"}),
    # the 分管助理 confirms a mismatch; only supervisor level or above re-issues (an assistant is refused)
    "tickets.cancel_mismatched_order": frozenset({"area_assistant", "cs_supervisor", "cs_manager"}),
    "tickets.reissue_work_order": REPAIR_SUPERVISORS,
    # CS acceptance on the next patrol (the assistant; the front desk enters it)
    "tickets.record_acceptance": frozenset({"front_desk", "cs_assistant", "area_assistant", "senior_cs",
                                            "cs_supervisor"}),
    "tickets.dispute_repair": REPAIR_DESK | {"engineering"},
    "tickets.resolve_dispute": REPAIR_SUPERVISORS,
    # a manager visits, photographs, sends the 工作联系单 and closes with the owner's permission
    "tickets.close_with_liaison": REPAIR_SUPERVISORS,
    "tickets.settle_follow_up": REPAIR_SUPERVISORS,
    # tickets: return visits (回访 QR-003FW, §2.4; docs/workflows/tickets-return-visits.md). The desk
    # plans, reschedules and records visits and confirms a rectification done; a supervisor or above
    # orders the rectification of a dissatisfied visit or has it explained with the next visit booked,
    # cancels a visit, and starts or stops a round of visits (every 7 days by phone; monthly)
    "tickets.plan_return_visit": RETURN_VISIT_DESK,
    "tickets.reschedule_return_visit": RETURN_VISIT_DESK,
    "tickets.record_return_visit": RETURN_VISIT_DESK,
    "tickets.confirm_rectification": RETURN_VISIT_DESK,
    "tickets.order_rectification": RETURN_VISIT_LEADERSHIP,
    "tickets.explain_return_visit": RETURN_VISIT_LEADERSHIP,
    "tickets.cancel_return_visit": RETURN_VISIT_LEADERSHIP,
    "tickets.start_return_visit_round": RETURN_VISIT_LEADERSHIP,
    "tickets.stop_return_visit_round": RETURN_VISIT_LEADERSHIP,
    # tickets: complaints (投诉 QR-002FW, §2.3). The service centre logs, triages and works them; a
    # major complaint goes to the management-office director, who alone records its handling (the
    # domain checks that per complaint: actor.role/major_handled_by_director); the root-cause review
    # of a 二次投诉 and the apology letter in the office's name are for supervisors and above; a
    # complaint is voided (never deleted) by a supervisor; whoever a complaint is about may give no
    # command on it (actor.id/complained_about_may_not_edit)
    "tickets.register_complaint": COMPLAINT_DESK | {"director"},
    "tickets.triage_complaint": COMPLAINT_DESK,
    "tickets.set_complaint_measures": COMPLAINT_DESK,
    "tickets.escalate_complaint": COMPLAINT_DESK,
    "tickets.record_complaint_handling": COMPLAINT_DESK | {"director"},
    "tickets.report_complaint_result": COMPLAINT_DESK | {"director"},
    "tickets.reply_to_complainant": COMPLAINT_DESK | {"director"},
    "tickets.explain_complaint": COMPLAINT_DESK,
    "tickets.send_progress_notice": COMPLAINT_DESK | {"director"},
    "tickets.record_second_complaint": COMPLAINT_DESK | {"director"},
    "tickets.review_complaint_cause": COMPLAINT_LEADERSHIP,
    "tickets.close_complaint": COMPLAINT_DESK | {"director"},
    "tickets.record_apology_letter": COMPLAINT_LEADERSHIP,
    "tickets.amend_complaint": COMPLAINT_DESK,
    "tickets.void_complaint": CS_SUPERVISORS | {"director"},
    # billing: a payment is taken at the front-desk counter or by the cashier (收费, domain.md §1.1)
    "billing.record_payment": frozenset({"cashier", "counter_staff", "front_desk"}),
    # billing: the monthly fee cycle (domain.md §2.5; docs/workflows/billing-cycle.md). Fee standards
    # come from the management contract: only finance's supervisor sets them (§1.3: CS may not)
    "billing.set_fee_schedule": frozenset({"finance_supervisor"}),
    "billing.set_billed_unit": frozenset({"finance_supervisor"}),
    # meter readings: engineering reads the meters; finance enters or imports them too
    "billing.record_meter_reading": frozenset({"engineering", "cashier", "finance_supervisor"}),
    "billing.import_meter_readings": frozenset({"engineering", "cashier", "finance_supervisor"}),
    # a reading is corrected by whoever re-reads it or by the supervisor; accepting a held one is a review
    "billing.correct_meter_reading": frozenset({"engineering", "finance_supervisor"}),
    "billing.accept_meter_reading": frozenset({"finance_supervisor"}),
    # a held reading the meter has since passed is set aside (superseded) by the same review
    "billing.supersede_meter_reading": frozenset({"finance_supervisor"}),
    # the billing run: finance starts and redrafts it, the supervisor reviews it (25th), the cashier
    # issues the notices (by the 26th), CS delivers each and gets it signed
    "billing.start_billing_run": frozenset({"finance_supervisor", "cashier"}),
    "billing.redraft_billing_run": frozenset({"finance_supervisor", "cashier"}),
    "billing.review_billing_run": frozenset({"finance_supervisor"}),
    "billing.issue_billing_run": frozenset({"cashier"}),
    "billing.confirm_notice_delivery": frozenset({"front_desk", "cs_assistant", "cs_specialist", "senior_cs",
                                                  "cs_supervisor", "cs_manager"}),
    # a one-off fee (一次性收费) is finance's: the supervisor or the cashier
    "billing.add_one_off_charge": frozenset({"finance_supervisor", "cashier"}),
    # the dunning notice (催款通知单) is issued by the timer; CS delivers it and gets it signed
    "billing.confirm_dunning_delivery": frozenset({"front_desk", "cs_assistant", "cs_specialist", "senior_cs",
                                                   "cs_supervisor", "cs_manager"}),
    # (end of billing's fee-cycle rows)
    # billing: payments, bank statements, deposits (issue #10 §3-§4; docs/workflows/billing-payments.md).
    # A reversal (红冲) is the cashier's or the supervisor's, never the counter's; the cashier imports
    # the bank statement and works its unmatched lines; deposits are taken at the counter too, the
    # refund application (退还押金申请表) is handed in at the CS desk, deductions are assessed by
    # finance's supervisor or the cashier, the money goes back through the cashier
    "billing.reverse_payment": frozenset({"cashier", "finance_supervisor"}),
    "billing.import_bank_statement": frozenset({"cashier", "finance_supervisor"}),
    "billing.book_bank_line": frozenset({"cashier", "finance_supervisor"}),
    "billing.dismiss_bank_line": frozenset({"cashier", "finance_supervisor"}),
    "billing.take_deposit": frozenset({"cashier", "counter_staff"}),
    "billing.request_deposit_refund": frozenset({"cashier", "counter_staff", "front_desk", "cs_assistant"}),
    "billing.deduct_from_deposit": frozenset({"cashier", "finance_supervisor"}),
    "billing.refund_deposit": frozenset({"cashier"}),
    # access: security checks the goods against the slip at the gate (物品放行)
    "access.release_at_gate": frozenset({"security"}),
    # access: goods release slips filled in at the desk (物品放行条, domain.md §2.7): the front desk
    # verifies and signs them [000]; Finance checks the fees of a moving slip (WI/FW-020); the
    # department manager or the director co-signs a slip without a specimen on file [000]; security
    # refuses goods at the gate
    "access.request_goods_release": CUSTOMER_SERVICE,
    "access.confirm_owner_authorisation": CUSTOMER_SERVICE,
    "access.record_fee_clearance": frozenset({"finance_supervisor", "cashier", "counter_staff"}),
    "access.countersign_release_slip": frozenset({"cs_manager", "director"}),
    "access.cancel_release_slip": CUSTOMER_SERVICE,
    "access.refuse_at_gate": frozenset({"security"}),
    # access: keys (钥匙, domain.md §2.8): the designated CS custodian keeps the key board and the
    # loan register (钥匙领用登记表, QR-006FW/QR-007FW); the front desk and customer service register,
    # lend, take back and give back keys
    "access.register_key": CUSTOMER_SERVICE,
    "access.entrust_key": CUSTOMER_SERVICE,
    "access.loan_key": CUSTOMER_SERVICE,
    "access.return_key": CUSTOMER_SERVICE,
    "access.withdraw_key": CUSTOMER_SERVICE,
    "access.hand_over_key_custody": CUSTOMER_SERVICE | {"cs_manager", "director"},
    # access: the counter's registers (domain.md §2.9-§2.12): the front desk and customer service keep
    # them; security issues nothing but collects or revokes a pass and registers visitors at the gate
    "access.issue_construction_pass": CUSTOMER_SERVICE,
    "access.issue_resident_pass": CUSTOMER_SERVICE,
    "access.return_pass": CUSTOMER_SERVICE | {"security"},
    "access.revoke_pass": CUSTOMER_SERVICE | {"security"},
    "access.register_visitor": CUSTOMER_SERVICE | {"security"},
    "access.sign_out_visitor": CUSTOMER_SERVICE | {"security"},
    "access.register_lost_item": CUSTOMER_SERVICE | {"security"},
    "access.hand_lost_item_to_police": CUSTOMER_SERVICE | {"security"},
    "access.publicise_lost_item": CUSTOMER_SERVICE,
    "access.return_lost_item": CUSTOMER_SERVICE,
    "access.refuse_lost_item_claim": CUSTOMER_SERVICE,
    "access.hand_lost_item_to_finance": CUSTOMER_SERVICE | {"finance_supervisor", "cashier"},
    "access.deposit_item": CUSTOMER_SERVICE,
    "access.collect_stored_item": CUSTOMER_SERVICE,
    "access.register_mail": CUSTOMER_SERVICE | {"security"},
    "access.collect_mail": CUSTOMER_SERVICE | {"security"},
    "access.record_depositor_contacted": CUSTOMER_SERVICE,
    # staff: accounts (admin)
    "staff.add_staff": frozenset({"admin"}),
    "staff.disable_staff": frozenset({"admin"}),
    "staff.enable_staff": frozenset({"admin"}),
    "staff.set_estates": frozenset({"admin"}),
    "staff.reset_password": frozenset({"admin"}),
    "staff.set_roles": frozenset({"admin"}),
    # staff: API tokens (admin)
    "staff.create_api_token": frozenset({"admin"}),
    "staff.revoke_api_token": frozenset({"admin"}),
    # (staff.sign_in, sign_out and change_password are public commands: no row, see chassis.workflow)
}


#: The rule a refusal names (with the role and the policy row in its message).
RULE = "role_not_allowed"


def action(service: str, command: str) -> str:
    return f"{service}.{command}"


def roles_for(service: str, command: str) -> frozenset[str]:
    """The roles that may give `command` to `service` (empty: nobody)."""
    return POLICY.get(action(service, command), frozenset())


def allows(role: str, service: str, command: str) -> bool:
    return role in roles_for(service, command)


def check(role: str, service: str, command: str) -> None:
    """Forbidden naming the role and the rule unless `role` may give the command."""
    allowed = roles_for(service, command)
    if role in allowed:
        return
    if not allowed:
        raise Forbidden(f"no role may {action(service, command)} (no row in the policy table: deny by default)",
                        field="actor.role", rule=RULE)
    raise Forbidden(f"role {role} may not {action(service, command)}; allowed: {', '.join(sorted(allowed))}",
                    field="actor.role", rule=RULE)


#: The reads not every signed-in person may make: ``<query>`` (a query every department answers)
#: -> the roles that may ask it. Any other read is open to whoever is signed in. The department
#: checks it when the caller says who asks (`actor=`), and the desk shows the page only to these.
READS: dict[str, frozenset[str]] = {
    # the audit trail (chassis/audit_view.py): who did what to which record, when, from where
    "list_audit": frozenset({"cs_manager", "director", "admin"}),
}


#: The roles that see personal numbers (身份证 ID numbers, mobile numbers) in full on a record:
#: customer service and the office's management, who identify owners, tenants and claimants, and
#: security, who check IDs at the gate. Everyone else (engineering, finance, admin) reads them
#: masked, like every list, event and log line (`propdesk.privacy`). The department applies it to
#: every answer given to a person (`chassis.workflow.run_query`). (inferred: issue #8 §1)
PERSONAL_NUMBERS: frozenset[str] = frozenset({
    "front_desk", "cs_assistant", "area_assistant", "cs_specialist", "senior_cs", "cs_supervisor",
    "cs_manager", "director", "security"})


def sees_personal_numbers(role: str | None) -> bool:
    return role in PERSONAL_NUMBERS


def may_read(role: str | None, query: str) -> bool:
    roles = READS.get(query)
    return roles is None or role in roles


def check_read(role: str | None, query: str) -> None:
    """Forbidden naming the role and the rule unless `role` may ask `query` (`READS`)."""
    if not may_read(role, query):
        raise Forbidden(f"role {role or '(none)'} may not read {query}; allowed: {', '.join(sorted(READS[query]))}",
                        field="actor.role", rule=RULE)


def allowed_commands(role: str) -> list[str]:
    """Every ``<service>.<command>`` the role may give (for the desk)."""
    return sorted(name for name, roles in POLICY.items() if role in roles)
