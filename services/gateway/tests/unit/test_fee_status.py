"""What a move-out's fee check waits for, said the same by the desk's case page and by
``GET /api/move-outs/{id}`` (`fee_status`, vocab.FEE_STATUSES; one rule, `gateway.fees`): 待抄表
before the supply cut, 抄表待复核 while a final reading of this move-out is held, 待财务核查 for the
finance check, billing's answer once given; the API keeps residents' plain `fees` beside it and
documents the field. Both over the same in-process fake departments through the real `Remote`."""
from __future__ import annotations

import pytest

from propdesk.contracts.vocab import FEE_STATUSES
from propdesk_services.gateway import api, fees, schemas
from propdesk_services.gateway.errors import ServiceUnavailable
from propdesk_services.gateway.remote import Remote
from propdesk_services.gateway.service import _spec

from .desk import departments as fake
from .desk.test_views import calls, view  # noqa: F401 (fixture)

CUT = "2026-11-30T02:00:00+00:00"  # 10:00 in Beijing: office day 2026-11-30
CASE_ID = fake.CASE["move_out_id"]


def api_case(calls) -> dict:
    status, case = api.get_move_out(Remote(fake.departments(calls), 5.0), None, CASE_ID)
    assert status == 200
    return case


def desk_status(calls) -> str:
    return view(calls, "front_desk").move_out(CASE_ID)["fee_status"]


def readings_asked(calls) -> list[dict]:
    return [kwargs for service, method, _, kwargs in calls if (service, method) == ("billing", "list_meter_readings")]


def final(**changes) -> dict:
    """A final (move-out) water reading of the unit, read on the cut's office day."""
    return {**fake.reading("water", "2026-11", "90.00", source="final"), "read_on": "2026-11-30", **changes}


@pytest.mark.parametrize("changes, readings, status", [
    ({"fees": "pending"}, [], "awaiting_meters"),
    ({"fees": "pending", "supply_cut_at": CUT}, [], "pending"),
    ({"fees": "pending", "supply_cut_at": CUT}, [final(state="held")], "readings_held"),
    ({"fees": "pending", "supply_cut_at": CUT}, [final(state="held", move_out_id=CASE_ID)], "readings_held"),
    # an earlier move-out's final reading still held, a monthly reading held: not this check's wait
    ({"fees": "pending", "supply_cut_at": CUT}, [final(state="held", move_out_id="MO-20250101-0001")], "pending"),
    ({"fees": "pending", "supply_cut_at": CUT}, [final(state="held", read_on="2025-06-30")], "pending"),
    ({"fees": "pending", "supply_cut_at": CUT}, [fake.reading("water", "2026-11", "90.00", state="held")], "pending"),
    ({"fees": "pending", "supply_cut_at": CUT}, [final(state="accepted")], "pending"),
    ({"fees": "outstanding"}, [], "outstanding"),
    ({"fees": "cleared", "supply_cut_at": CUT}, [final(state="held")], "cleared"),
    ({"fees": "pending", "state": "WITHDRAWN"}, [], "pending"),
    ({"fees": "pending", "state": "OWNER_CONSENT_PENDING"}, [], "pending"),
])
def test_the_api_answers_the_fee_status_the_desk_shows(calls, monkeypatch, changes, readings, status):
    for key, value in changes.items():
        monkeypatch.setitem(fake.CASE, key, value)
    monkeypatch.setattr(fake, "READINGS", readings)
    case = api_case(calls)
    assert case["fee_status"] == status
    assert schemas.CaseDetailSchema().fields["fee_status"].deserialize(status) == status  # as documented
    assert case["fees"] == changes["fees"]  # residents' plain value, unchanged
    asked_by_api = readings_asked(calls)
    calls.clear()
    assert desk_status(calls) == status
    # billing's readings are asked only when they decide it (a pending check after the cut), by the
    # API as by the desk, for the case's unit
    needed = changes["fees"] == "pending" and "supply_cut_at" in changes and "state" not in changes
    assert asked_by_api == readings_asked(calls) == ([{"unit_id": "1-1-702"}] if needed else [])


def test_billing_not_answering_the_readings_leaves_the_finance_check_and_names_billing(calls, monkeypatch):
    monkeypatch.setitem(fake.CASE, "fees", "pending")
    monkeypatch.setitem(fake.CASE, "supply_cut_at", CUT)
    monkeypatch.setattr(fake, "READINGS", ServiceUnavailable("billing", "down"))
    case = api_case(calls)
    assert case["fee_status"] == "pending" and case["fees"] == "pending"
    billing = [u for u in case["unavailable"] if u["service"] == "billing"]
    assert [u["error"] for u in billing] == ["unavailable"]
    assert case["balance"] is not None  # billing's balance answered: only the readings are missing
    calls.clear()
    page = view(calls, "front_desk").move_out(CASE_ID)
    assert page["fee_status"] == "pending" and "billing" in page["unavailable"]


def test_the_rule_is_the_gateways_one_function(monkeypatch, calls):
    """The desk and the API both say what `fees.fee_status` answers (one rule, not two copies)."""
    seen = []

    def said(case, readings=None):
        seen.append(case["move_out_id"])
        return "readings_held"

    monkeypatch.setattr(fees, "fee_status", said)
    assert api_case(calls)["fee_status"] == "readings_held"
    assert desk_status(calls) == "readings_held"
    assert seen == [CASE_ID, CASE_ID]


def test_the_openapi_document_describes_the_fee_status_beside_fees():
    case = _spec()["components"]["schemas"]["CaseDetail"]["properties"]
    assert case["fee_status"]["enum"] == list(FEE_STATUSES.codes)
    assert "待抄表" in case["fee_status"]["description"] and "抄表待复核" in case["fee_status"]["description"]
    assert case["fees"]["type"] == "string"  # kept for the systems that read it
    operation = _spec()["paths"]["/api/move-outs/{move_out_id}"]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CaseDetail"}
