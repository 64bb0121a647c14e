"""Two processes of every department (`propdesk run --scale`, issue #12 §2): competing consumers on
the SQLite default. A handful of move-outs driven to the gate, each with exactly-once effects:
one release slip, one ``release_slip.issued`` in the reports' timeline (every event of the case
once), each notification stored and sent once, nothing dead-lettered.

Its own `system` (the root fixture plus `scale`): every department and notify/reports twice;
the gateway and staff, which no step here uses, are not started (fewer processes to start on CI's
two cores)."""
from __future__ import annotations

import os
from collections import Counter
from datetime import timedelta
from urllib.parse import quote, urlparse

import pytest
import requests
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import create_engine, text

from propdesk import demo
from propdesk.chassis import dlq
from propdesk.chassis.calendar import office_today
from propdesk.testing.system import running_system
from tests.helpers import wait_for
from tests.system.test_move_out import cut_supply

pytestmark = pytest.mark.system

SCALE = {name: 2 for name in ("residents", "tickets", "billing", "access", "notify", "reports")}
CASES = 4
FRONT_DESK = {"id": "fd-wang", "role": "front_desk"}
ENGINEER = {"id": "eng-li", "role": "engineering"}
GUARD = {"id": "sec-chen", "role": "security"}
EXPECTED = ("move_out.requested", "move_out.inspection_opened", "billing.clearance_confirmed",
            "move_out.inspection_completed", "unit.supply_cut", "move_out.release_approved", "release_slip.issued",
            "release_slip.released")


@pytest.fixture
def scaled(propdesk_env, tmp_path):
    env = {"PROPDESK_CLOCK_FILE": str(tmp_path / "clock"), "PROPDESK_DEADLINE_SWEEP_S": "0.5"}
    with running_system(env, ready_timeout=180, scale=SCALE, services=sorted(SCALE)) as sup:
        with ClusterRpcProxy({"AMQP_URI": propdesk_env.amqp_uri}, timeout=30) as rpc:
            yield sup, rpc, propdesk_env


def clear_units(n: int) -> list[dict]:
    """Let residential flats that owe nothing (billing clears them once their meters are read)."""
    owing = demo.outstanding_by_unit()
    return [u for u in demo.units() if u["tenant_party_id"] and u["kind"] == "residential"
            and u["unit_id"] not in owing and u["unit_id"] != demo.DEMO_ARREARS_UNIT][:n]


def consumers(settings) -> dict[str, int]:
    api = urlparse(settings.rabbit_api)
    vhost = urlparse(settings.amqp_uri).path[1:] or "/"
    base = f"{api.scheme}://{api.hostname}:{api.port or 15672}"
    got = requests.get(f"{base}/api/queues/{quote(vhost, safe='')}", auth=(api.username or "guest",
                                                                          api.password or "guest"), timeout=10)
    got.raise_for_status()
    return {q["name"]: q.get("consumers", 0) for q in got.json()}


def test_two_processes_of_every_department_release_each_move_out_once(scaled):
    sup, rpc, settings = scaled
    assert Counter(c.name for c in sup.children) == SCALE
    assert len({c.port for c in sup.children}) == len(sup.children)
    assert all(os.path.exists(c.log_path) for c in sup.children)
    # each handler queue (`<service>.<handler>`) of a scaled service has both processes consuming it
    # (the management API counts consumers a few seconds late)
    def both_consume():
        queues = consumers(settings)
        mine = {q: n for q, n in queues.items() if q.split(".", 1)[0] in SCALE}
        return mine if mine and all(n == 2 for n in mine.values()) else None

    handler_queues = wait_for(both_consume, timeout=30, interval=1, what="two consumers on every handler queue")
    assert {q.split(".", 1)[0] for q in handler_queues} == set(SCALE)

    units = clear_units(CASES)
    exit_date = (office_today() + timedelta(days=3)).isoformat()
    cases = [rpc.residents.request_move_out(request={
        "unit_id": u["unit_id"], "tenant_party_id": u["tenant_party_id"], "exit_date": exit_date,
        "owner_consent_ref": "业主书面同意函 2026-117", "fitout_disposition": "restore"}, actor=FRONT_DESK)["move_out_id"]
        for u in units]

    def opened(mo):
        try:
            return rpc.tickets.get_inspection(mo)
        except Exception:  # NotFound until tickets has handled move_out.requested
            return None

    for mo in cases:
        wait_for(lambda: opened(mo), what=f"{mo}'s inspection")
        rpc.tickets.record_inspection(request={"move_out_id": mo, "passed": True, "defects": []}, actor=ENGINEER)
        cut_supply(rpc, mo)  # metered flats: the fee check waits for the final readings
    slips = {}
    for mo in cases:
        slips[mo] = wait_for(lambda: rpc.residents.get_move_out(mo)["release_slip_no"], what=f"{mo}'s slip")
        rpc.access.release_at_gate(request={"slip_no": slips[mo]}, actor=GUARD)
    for mo in cases:
        wait_for(lambda: rpc.residents.get_move_out(mo)["state"] == "GOODS_RELEASED", what=f"{mo} released")

    # one release slip per move-out, released once
    issued = [s for s in rpc.access.list_release_slips() if s.get("move_out_id") in cases]
    assert sorted(s["move_out_id"] for s in issued) == sorted(cases), issued
    assert {s["slip_no"] for s in issued} == set(slips.values())
    # every event of each case once in the reports' timeline (two reports processes, one timeline)
    for mo in cases:
        types = wait_for(lambda: (t := [e["event_type"] for e in rpc.reports.timeline(mo)])
                         and set(EXPECTED) <= set(t) and t, what=f"{mo}'s timeline")
        assert {e: types.count(e) for e in EXPECTED} == {e: 1 for e in EXPECTED}, (mo, types)
    assert rpc.reports.move_out_counts()["by_state"].get("GOODS_RELEASED") == CASES

    # each notification stored once, sent once (two notify processes sharing the messages)
    def all_sent():
        found = [m for mo in cases for m in rpc.notify.list_messages(correlation_id=mo)]
        return found if found and all(m["status"] == "sent" for m in found) else None

    messages = wait_for(all_sent, timeout=60, what="every notification sent")  # a retry is 5 s away
    keys = Counter((m["event_id"], m["recipient_role"], m["channel"]) for m in messages)
    assert all(n == 1 for n in keys.values()), keys
    notify_db = create_engine(settings.db_url("notify"))
    try:
        with notify_db.connect() as c:
            told = Counter(c.execute(text("SELECT correlation_id FROM outbox WHERE event_type = 'notification.sent'"))
                           .scalars())
    finally:
        notify_db.dispose()
    assert {mo: told[mo] for mo in cases} == {mo: sum(1 for m in messages if m["correlation_id"] == mo)
                                              for mo in cases}
    # nothing dead-lettered, no process restarted
    assert dlq.list_messages(settings.amqp_uri) == []
    assert [c.label for c in sup.children if c.restarts] == []
