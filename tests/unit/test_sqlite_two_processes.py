"""Two processes of one service on one SQLite file (`propdesk run --scale residents=2`): each unit
of work begins with the database's write lock (`db.write_lock_first`), so a handler reads what it
then writes on. Inspection passed and fees cleared reach two residents processes at once; each
dwells on the case it read (inside its transaction). Without the lock both read the case before
either wrote, and the second wrote over the first: one fact lost, the release never approved."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

from sqlalchemy import func, select

from propdesk import demo
from propdesk.chassis.clock import FakeClock
from propdesk.chassis.db import make_engine
from propdesk.chassis.tables import ChassisBase, OutboxRow
from propdesk.contracts.envelope import Actor
from propdesk.testing.fake import ServiceHarness
from propdesk_services.residents.service import ResidentsService
from propdesk_services.residents.workflows.move_out import domain

#: One residents "process": its handler dwells 0.3 s on the case it read, then handles the event.
PROCESS = """
import json, os, sys, time
from propdesk.chassis.clock import FakeClock
from propdesk.chassis.db import make_engine
from propdesk.contracts.envelope import Envelope
from propdesk.testing.fake import ServiceHarness
from propdesk_services.residents.service import ResidentsService
from propdesk_services.residents.workflows.move_out import domain

url, name, body, go = sys.argv[1:5]
real = getattr(domain, name)
def dwelling(*args, **kwargs):
    time.sleep(0.3)  # inside the transaction, after the case was read
    return real(*args, **kwargs)
setattr(domain, name, dwelling)
app = ServiceHarness(ResidentsService, clock=FakeClock(), engine=make_engine(url))
event = Envelope.from_json_dict(json.loads(body))
print("ready", flush=True)
while not os.path.exists(go):  # both start together
    time.sleep(0.005)
print(json.dumps(app.deliver(event)))
"""


def test_two_processes_on_one_sqlite_file_both_land_their_facts(tmp_path):
    url = f"sqlite:///{tmp_path / 'residents.db'}"
    engine = make_engine(url)
    ChassisBase.metadata.create_all(engine)
    ResidentsService.db.metadata.create_all(engine)
    clock = FakeClock()
    app = ServiceHarness(ResidentsService, clock=clock, demo=True, engine=engine)
    case = app.command("request_move_out", {
        "unit_id": demo.DEMO_HAPPY_UNIT, "tenant_party_id": demo.DEMO_HAPPY_TENANT,
        "exit_date": (clock.today() + timedelta(days=7)).isoformat(), "owner_consent_ref": "客户同意函 2026-118",
        "fitout_disposition": "restore"}, {"id": "fd-wang", "role": "front_desk"})
    move_out_id = case["move_out_id"]
    inspected = app.event("move_out.inspection_completed", {
        "move_out_id": move_out_id, "work_order_no": "WO-20261122-0007", "unit_id": case["unit_id"],
        "passed": True, "defects": [], "breach_notice_id": None},
        correlation_id=move_out_id, actor=Actor("eng-zhao", "engineering"), producer="tickets")
    cleared = app.event("billing.clearance_confirmed", {
        "unit_id": case["unit_id"], "party_id": demo.DEMO_HAPPY_TENANT, "move_out_id": move_out_id,
        "outstanding_amount": "0.00", "as_of": clock.now().isoformat()},
        correlation_id=move_out_id, actor=Actor("fin-qian", "cashier"), producer="billing")

    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", PROCESS, url, name, json.dumps(event.to_json_dict()), str(go)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for name, event in (("record_inspection", inspected), ("record_clearance", cleared))]
    assert [p.stdout.readline().strip() for p in procs] == ["ready", "ready"]
    go.touch()
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err[-2000:] for _, err in outs]
    assert [json.loads(out) for out, _ in outs] == [["on_inspection_completed"], ["on_clearance"]]

    got = app.query("get_move_out", move_out_id)
    assert (got["inspection"], got["fees"], got["state"]) == ("passed", "cleared", domain.RELEASE_APPROVED)
    with engine.connect() as c:
        approved = c.scalar(select(func.count()).select_from(OutboxRow)
                            .where(OutboxRow.event_type == "move_out.release_approved"))
    assert approved == 1
