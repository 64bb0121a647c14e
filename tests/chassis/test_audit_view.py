"""``list_audit`` over the real broker (chassis/audit_view.py; its rules are tests/unit/test_audit_view.py's):
a department answers its audit trail over RPC with the address the command came from, to a CS
manager, and refuses a front desk by role and rule."""
from __future__ import annotations

import pytest
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from propdesk import demo, plugins

BillingService = plugins.service_classes(["billing"])["billing"]


def test_a_department_answers_its_audit_trail_over_rpc_to_a_manager_only(start_service, propdesk_env):
    start_service(BillingService)
    engine = create_engine(propdesk_env.db_url("billing"))
    with Session(engine) as s:
        BillingService.load_demo(s)
        s.commit()
    engine.dispose()
    cashier = {"id": "cashier", "role": "cashier", "estates": ["E1"], "address": "198.51.100.7"}
    with ClusterRpcProxy({"AMQP_URI": propdesk_env.amqp_uri}, timeout=30) as rpc:
        rpc.billing.record_payment({"unit_id": demo.DEMO_ARREARS_UNIT, "amount": "10.00", "method": "cash",
                                    "receipt_no": "R-AUDIT-1"}, cashier)
        (row,) = rpc.billing.list_audit(action="payment.*", limit=10,
                                        actor={"id": "cs_manager", "role": "cs_manager", "estates": ["E1"]})
        assert (row["service"], row["action"], row["actor"], row["address"]) == (
            "billing", "payment.record", {"id": "cashier", "role": "cashier"}, "198.51.100.7")
        assert row["details"]["receipt_no"] == "R-AUDIT-1"
        with pytest.raises(RemoteError) as refused:
            rpc.billing.list_audit(actor={"id": "front_desk", "role": "front_desk", "estates": ["E1"]})
        assert refused.value.exc_type == "Forbidden" and '"rule": "role_not_allowed"' in refused.value.value
