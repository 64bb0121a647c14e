"""Fault drills on the whole system (issue #2 §5): kill -9 of any one service in the middle of a
move-out, a broker restart mid-flow. Every case still completes, exactly once.

The broker restart runs against a private RabbitMQ node (propdesk.testing.private_broker), never
the shared broker on 5672 that other test runs and a developer's `make run` are using."""
from __future__ import annotations

import os
import signal
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from propdesk.testing.private_broker import private_broker
from propdesk.testing.system import running_system
from tests.helpers import wait_for
from tests.system.test_move_out import ENGINEER, FRONT_DESK, GUARD, cut_supply

pytestmark = [pytest.mark.system, pytest.mark.fault]

WORKERS = ["residents", "tickets", "billing", "access", "notify", "reports"]


def paid_up_leased_units(rpc, n):
    units = []
    for u in rpc.residents.list_units(leased_only=True):
        if Decimal(rpc.billing.get_balance(u["unit_id"])["outstanding"]) <= 0:
            units.append(u)
        if len(units) == n:
            return units
    raise AssertionError(f"demo data has fewer than {n} paid-up leased units")


def start_cases(rpc, units):
    return [rpc.residents.request_move_out(
        request={"unit_id": u["unit_id"], "tenant_party_id": u["tenant_party_id"],
                 "exit_date": (date.today() + timedelta(days=5)).isoformat(),
                 "owner_consent_ref": f"consent-{u['unit_id']}", "fitout_disposition": "leave_to_owner"},
        actor=FRONT_DESK)["move_out_id"] for u in units]


def finish_cases(rpc, move_out_ids):
    for mo in move_out_ids:
        wait_for(lambda: _opened(rpc, mo), timeout=60, what=f"inspection work order for {mo}")
        rpc.tickets.record_inspection(request={"move_out_id": mo, "passed": True, "defects": []}, actor=ENGINEER)
        cut_supply(rpc, mo)  # metered units: the fee check waits for the final readings
    for mo in move_out_ids:
        slip = wait_for(lambda: rpc.residents.get_move_out(mo)["release_slip_no"], timeout=60,
                        what=f"release slip for {mo}")
        rpc.access.release_at_gate(request={"slip_no": slip}, actor=GUARD)
    for mo in move_out_ids:
        wait_for(lambda: rpc.residents.get_move_out(mo)["state"] == "GOODS_RELEASED", timeout=60,
                 what=f"goods released for {mo}")


def _opened(rpc, mo):
    try:
        return rpc.tickets.get_inspection(mo)
    except Exception:
        return None


def released_timeline(rpc, mo):
    timeline = rpc.reports.timeline(mo)
    return timeline if any(e["event_type"] == "release_slip.released" for e in timeline) else None


def assert_exactly_once(rpc, move_out_ids):
    slips = Counter(s["move_out_id"] for s in rpc.access.list_release_slips(None))
    for mo in move_out_ids:
        assert slips[mo] == 1, f"{mo} has {slips[mo]} release slips"
        timeline = wait_for(lambda: released_timeline(rpc, mo), timeout=60, what=f"timeline of {mo}")
        types = Counter(e["event_type"] for e in timeline)
        for t in ("move_out.requested", "unit.supply_cut", "move_out.release_approved", "release_slip.issued",
                  "release_slip.released"):
            assert types[t] == 1, (mo, t, types)


@pytest.mark.parametrize("victim", WORKERS)
def test_kill_9_of_a_service_mid_move_out_loses_nothing_and_duplicates_nothing(system, rpc, victim):
    units = paid_up_leased_units(rpc, 3)
    cases = start_cases(rpc, units)
    old_pid = system.pid(victim)
    os.kill(old_pid, signal.SIGKILL)
    wait_for(lambda: system.pid(victim) not in (None, old_pid) and system.healthy(
        next(c for c in system.children if c.name == victim)), timeout=60, what=f"{victim} to be restarted")
    finish_cases(rpc, cases)
    assert_exactly_once(rpc, cases)


@pytest.fixture
def private_system(tmp_path):
    """The whole system on a private RabbitMQ node of its own, which the test may restart."""
    with private_broker() as broker:
        env = {"PROPDESK_AMQP_URI": broker.amqp_uri, "PROPDESK_RABBIT_API": broker.rabbit_api,
               "PROPDESK_DATA_DIR": str(tmp_path / "var"), "PROPDESK_RETRY_DELAYS_MS": "150,300",
               "PROPDESK_RELAY_POLL_S": "0.2"}
        with running_system(env) as sup:
            yield broker, sup


def test_broker_restart_mid_flow_loses_nothing(private_system):
    broker, _ = private_system
    with ClusterRpcProxy({"AMQP_URI": broker.amqp_uri}, timeout=30) as rpc:
        units = paid_up_leased_units(rpc, 3)
        cases = start_cases(rpc, units)
    broker.stop_app()
    broker.start_app()
    with ClusterRpcProxy({"AMQP_URI": broker.amqp_uri}, timeout=60) as rpc:
        finish_cases(rpc, cases)
        assert_exactly_once(rpc, cases)
