"""Release slips filled in at the desk, every variant, on the fake unit of work (物品放行条, domain.md
§2.7, [004 WI/FW-020], [000]): owner, non-owner (the owner phoned: confirms or refuses), contractor,
moving (fees first), no specimen on file (two signatures); the gate (release once, large and valuable
lines checked, refusal with the reason); the QR token (genuine, unused, forged); the KPI; the queues;
the move-out's slip in the same register. Each refusal changes nothing."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, inspect, select, table

from propdesk.chassis.clock import FakeClock
from propdesk.contracts.envelope import Actor
from propdesk.contracts.vocab import RELEASE_VARIANTS
from propdesk.errors import Conflict, Forbidden, NotFound, ValidationError
from propdesk.testing.fake import ServiceHarness
from propdesk_services.access.service import AccessService
from propdesk_services.access.workflows.goods_release import qr

T0 = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)  # 10:00 at the property, office day 2026-11-30
DESK = {"id": "fd-wang", "role": "front_desk", "estates": ["E1"]}
DESK2 = {"id": "fd-li", "role": "front_desk", "estates": ["E1"]}
MANAGER = {"id": "mgr-zhao", "role": "cs_manager", "estates": ["E1"]}
DIRECTOR = {"id": "dir-qian", "role": "director", "estates": ["E1"]}
CASHIER = {"id": "cash-sun", "role": "cashier", "estates": ["E1"]}
GUARD = {"id": "guard-07", "role": "security", "estates": ["E1"]}
GUARD_E2 = {"id": "guard-21", "role": "security", "estates": ["E2"]}
ID_NO = "11010519491231002X"  # a valid resident ID number (check digit X)


@pytest.fixture(autouse=True)
def slip_key(monkeypatch):
    monkeypatch.setenv("PROPDESK_SECRET_KEY", "unit-test-key-" + "k" * 32)


@pytest.fixture
def app() -> ServiceHarness:
    return ServiceHarness(AccessService, clock=FakeClock(T0))


def items(*extra) -> list[dict]:
    return [{"description": "书桌", "quantity": 1}, {"description": "纸箱", "quantity": 6}, *extra]


def owner_request(**kw) -> dict:
    req = {"variant": "owner", "unit_id": "1-1-401", "applicant_name": "王业主", "id_type": "resident_id",
           "id_number": ID_NO, "identity_checked": True, "owner_record_checked": True, "applicant_signed": True,
           "items": items()}
    return {**req, **kw}


def non_owner_request(**kw) -> dict:
    req = {"variant": "non_owner", "unit_id": "1-1-402", "applicant_name": "李租户", "applicant_role": "tenant",
           "id_type": "resident_id", "id_number": ID_NO, "identity_checked": True, "applicant_signed": True,
           "authorisation_ref": "委托书 2026-044", "owner_name": "张业主", "owner_phone": "13812345678",
           "items": items()}
    return {**req, **kw}


def contractor_request(**kw) -> dict:
    req = {"variant": "contractor", "unit_id": "2-1-1203", "applicant_name": "赵负责人", "id_type": "resident_id",
           "id_number": ID_NO, "identity_checked": True, "applicant_signed": True,
           "renovation_ref": "ZX-20261101-0003", "responsible_person_checked": True,
           "items": [{"description": "废旧木料", "quantity": 12}]}
    return {**req, **kw}


def no_specimen_request(**kw) -> dict:
    req = {"variant": "no_specimen", "unit_id": "1-2-1101", "applicant_name": "某贸易公司 钱经理",
           "id_type": "business_licence", "id_number": "91110105MA01ABCD12", "identity_checked": True,
           "applicant_signed": True, "carrier_name": "孙师傅", "carrier_id_type": "resident_id",
           "carrier_id_number": ID_NO, "goods_checked": True,
           "items": [{"description": "服务器", "quantity": 2, "valuable": True},
                     {"description": "文件柜", "quantity": 3, "large": True}]}
    return {**req, **kw}


def table_counts(app) -> dict[str, int]:
    with app.db.engine.connect() as conn:
        return {name: conn.scalar(select(func.count()).select_from(table(name)))
                for name in sorted(inspect(conn).get_table_names())}


def rules(exc_info) -> set[tuple[str, str]]:
    return {(p.field, p.rule) for p in exc_info.value.problems}


def types(app) -> list[str]:
    return [e.event_type for e in app.events()]


def refused_unchanged(app, exc, name, request, actor):
    before = table_counts(app)
    with pytest.raises(exc) as info:
        app.command(name, request, actor)
    after = table_counts(app)
    assert {k: v for k, v in after.items() if not k.startswith("audit_")} == {k: v for k, v in before.items() if not k.startswith("audit_")}
    return info


# --- owner ------------------------------------------------------------------------------------------
def test_an_owners_slip_is_issued_at_once_signed_by_the_owner_and_the_desk(app):
    slip = app.command("request_goods_release", owner_request(), DESK)
    assert slip["state"] == "ISSUED" and slip["variant"] == "owner" and slip["applicant_type"] == "owner"
    assert slip["slip_no"].startswith("FX-20261130-")
    assert slip["estate"] == "E1" and slip["move_out_id"] is None
    assert slip["id_number"] == "110105********002X"  # kept masked
    assert [(s["as"], s.get("name") or s.get("by")) for s in slip["signatures"]] == [
        ("owner", "王业主"), ("front_desk", "fd-wang")]
    assert [(l["line"], l["description"], l["quantity"]) for l in slip["lines"]] == [(1, "书桌", 1), (2, "纸箱", 6)]
    assert types(app) == ["release_slip.requested", "release_slip.issued"]
    issued = app.events("release_slip.issued")[0]
    assert issued.payload["goods"] == ["书桌 ×1", "纸箱 ×6"] and issued.payload["applicant_type"] == "owner"
    assert issued.correlation_id == slip["slip_no"]
    assert app.query("list_release_slips", "issued")[0]["slip_no"] == slip["slip_no"]


def test_an_owners_slip_needs_the_owner_record_checked_the_id_and_the_signature(app):
    info = refused_unchanged(app, ValidationError, "request_goods_release",
                             owner_request(owner_record_checked=False, identity_checked=False, applicant_signed=False,
                                           id_number=""), DESK)
    assert rules(info) == {("owner_record_checked", "owner_record_checked"), ("identity_checked", "identity_checked"),
                           ("applicant_signed", "signed"), ("id_number", "required")}


def test_goods_are_listed_item_by_item_with_quantities(app):
    info = refused_unchanged(app, ValidationError, "request_goods_release", owner_request(items=[]), DESK)
    assert rules(info) == {("items", "required")}
    with pytest.raises(ValidationError):  # the edge: a quantity of 0
        app.command("request_goods_release", owner_request(items=[{"description": "椅子", "quantity": 0}]), DESK)
    info = refused_unchanged(app, ValidationError, "request_goods_release",
                             owner_request(items=[{"description": "  ", "quantity": 1}]), DESK)
    assert rules(info) == {("items.0.description", "required")}


def test_another_variants_fields_are_not_kept_on_the_slip(app):
    # the desk's form offers every variant's fields: an owner's slip prints no letter, owner's phone,
    # renovation or carrier, a contractor's no letter
    owner = app.command("request_goods_release", owner_request(
        authorisation_ref="委托书 2026-099", owner_name="别人", owner_phone="13812345678",
        renovation_ref="ZX-1", carrier_name="孙师傅"), DESK)
    assert (owner["authorisation_ref"], owner["owner_phone"], owner["renovation_ref"], owner["carrier_name"]) == \
        (None, None, None, None)
    assert owner["owner_name"] == "王业主"  # the owner is the applicant
    builder = app.command("request_goods_release", contractor_request(authorisation_ref="委托书 2026-099",
                                                                      owner_name="张业主"), DESK)
    assert (builder["authorisation_ref"], builder["owner_name"], builder["renovation_ref"]) == \
        (None, None, "ZX-20261101-0003")
    tenant = app.command("request_goods_release", non_owner_request(renovation_ref="ZX-1"), DESK)
    assert (tenant["authorisation_ref"], tenant["owner_name"], tenant["renovation_ref"]) == \
        ("委托书 2026-044", "张业主", None)


def test_only_customer_service_fills_in_slips(app):
    refused_unchanged(app, Forbidden, "request_goods_release", owner_request(), GUARD)


def test_a_unit_of_another_estate_is_unknown(app):
    info = refused_unchanged(app, ValidationError, "request_goods_release", owner_request(unit_id="T1-24F"), DESK)
    assert rules(info) == {("unit_id", "unknown_unit")}


# --- non-owner ----------------------------------------------------------------------------------------
def test_a_non_owner_needs_the_owners_authorisation_letter(app):
    info = refused_unchanged(app, ValidationError, "request_goods_release",
                             non_owner_request(authorisation_ref=None, owner_phone="", applicant_role=None), DESK)
    assert rules(info) >= {("authorisation_ref", "authorisation_letter"), ("owner_phone", "required"),
                           ("applicant_role", "one_of")}


def test_the_owner_confirms_by_phone_then_the_slip_is_issued(app):
    slip = app.command("request_goods_release", non_owner_request(), DESK)
    assert slip["state"] == "OWNER_CONFIRMATION" and slip["issued_at"] is None and slip["applicant_type"] == "tenant"
    assert slip["owner_phone"] == "138****5678"
    assert app.query("allowed_actions", "release_slip", slip["slip_no"], "front_desk") == [
        "confirm_owner_authorisation", "cancel_release_slip"]
    with pytest.raises(Conflict) as info:  # not issued: the gate refuses it
        app.command("release_at_gate", {"slip_no": slip["slip_no"]}, GUARD)
    assert (info.value.field, info.value.rule) == ("slip_no", "issued")
    with pytest.raises(Conflict):  # no QR code before it is issued
        app.query("release_slip_qr", slip["slip_no"])
    assert app.query("list_release_slips", None) == []  # not an issued slip yet

    done = app.command("confirm_owner_authorisation", {"slip_no": slip["slip_no"], "confirmed": True}, DESK2)
    assert done["state"] == "ISSUED" and done["owner_confirmed_by"] == "fd-li"
    assert [s["as"] for s in done["signatures"]] == ["applicant", "front_desk", "owner_by_phone"]
    assert types(app) == ["release_slip.requested", "release_slip.issued"]
    with pytest.raises(Conflict) as info:
        app.command("confirm_owner_authorisation", {"slip_no": slip["slip_no"], "confirmed": True}, DESK)
    assert info.value.rule == "awaiting_owner_confirmation"


def test_the_owner_refuses_and_the_slip_is_rejected_with_the_reason(app):
    slip = app.command("request_goods_release", non_owner_request(applicant_role="agent"), DESK)
    info = refused_unchanged(app, ValidationError, "confirm_owner_authorisation",
                             {"slip_no": slip["slip_no"], "confirmed": False}, DESK)
    assert rules(info) == {("reason", "required")}
    done = app.command("confirm_owner_authorisation",
                       {"slip_no": slip["slip_no"], "confirmed": False, "reason": "业主称未委托任何人搬物品"}, DESK)
    assert done["state"] == "REJECTED" and done["closed_reason"] == "业主称未委托任何人搬物品"
    rejected = app.events("release_slip.rejected")[0].payload
    assert rejected == {"slip_id": slip["slip_no"], "unit_id": "1-1-402", "estate": "E1", "variant": "non_owner",
                        "applicant_type": "agent", "reason": "业主称未委托任何人搬物品", "rejected_by": "fd-wang"}
    assert "release_slip.issued" not in types(app)
    with pytest.raises(Conflict) as info:
        app.command("release_at_gate", {"slip_no": slip["slip_no"]}, GUARD)
    assert info.value.rule == "not_valid"


# --- contractor -----------------------------------------------------------------------------------------
def test_a_contractors_slip_is_signed_by_the_renovations_responsible_person(app):
    info = refused_unchanged(app, ValidationError, "request_goods_release",
                             contractor_request(responsible_person_checked=False, renovation_ref=None, moving=True),
                             DESK)
    assert rules(info) == {("responsible_person_checked", "responsible_person_checked"),
                           ("renovation_ref", "required"), ("moving", "not_for_contractor")}
    slip = app.command("request_goods_release", contractor_request(), DESK)
    assert slip["state"] == "ISSUED" and slip["responsible_person"] == "赵负责人"
    assert slip["applicant_type"] == "contractor"
    assert [s["as"] for s in slip["signatures"]] == ["responsible_person", "front_desk"]


# --- moving: fees first ------------------------------------------------------------------------------------
def test_a_moving_slip_waits_for_finances_fee_clearance(app):
    slip = app.command("request_goods_release", owner_request(moving=True), DESK)
    assert slip["state"] == "FEE_CLEARANCE"
    refused_unchanged(app, Forbidden, "record_fee_clearance",
                      {"slip_no": slip["slip_no"], "cleared": True, "clearance_ref": "R-1"}, DESK)
    info = refused_unchanged(app, ValidationError, "record_fee_clearance",
                             {"slip_no": slip["slip_no"], "cleared": False, "clearance_ref": "余额单 11-30"}, CASHIER)
    assert rules(info) == {("outstanding_amount", "positive_amount")}

    owed = app.command("record_fee_clearance", {"slip_no": slip["slip_no"], "cleared": False,
                                                "clearance_ref": "余额单 11-30", "outstanding_amount": "356.25"},
                       CASHIER)
    assert owed["state"] == "FEE_CLEARANCE" and owed["fees_outstanding"] == "356.25"  # no slip while fees are owed
    assert "release_slip.issued" not in types(app)

    paid = app.command("record_fee_clearance", {"slip_no": slip["slip_no"], "cleared": True,
                                                "clearance_ref": "收据 0012345"}, CASHIER)
    assert paid["state"] == "ISSUED" and paid["fees_outstanding"] is None and paid["clearance_ref"] == "收据 0012345"
    assert app.events("release_slip.issued")[0].payload["clearance_ref"] == "收据 0012345"


def test_a_non_owner_moving_is_confirmed_by_the_owner_then_cleared(app):
    slip = app.command("request_goods_release", non_owner_request(moving=True), DESK)
    assert slip["state"] == "OWNER_CONFIRMATION"
    with pytest.raises(Conflict) as info:  # fees are checked after the owner confirmed
        app.command("record_fee_clearance", {"slip_no": slip["slip_no"], "cleared": True, "clearance_ref": "R"},
                    CASHIER)
    assert info.value.rule == "awaiting_fee_clearance"
    assert app.command("confirm_owner_authorisation", {"slip_no": slip["slip_no"], "confirmed": True},
                       DESK)["state"] == "FEE_CLEARANCE"
    assert app.command("record_fee_clearance", {"slip_no": slip["slip_no"], "cleared": True, "clearance_ref": "R"},
                       CASHIER)["state"] == "ISSUED"


# --- no specimen on file: two signatures ---------------------------------------------------------------------
def test_no_specimen_needs_the_carriers_id_and_the_goods_checked(app):
    info = refused_unchanged(app, ValidationError, "request_goods_release",
                             no_specimen_request(carrier_id_number=None, carrier_name="", goods_checked=False), DESK)
    assert rules(info) == {("carrier_id_number", "carrier_identity"), ("carrier_name", "carrier_identity"),
                           ("goods_checked", "goods_checked")}


def test_no_specimen_is_countersigned_by_the_manager_or_director(app):
    slip = app.command("request_goods_release", no_specimen_request(), DESK)
    assert slip["state"] == "COUNTERSIGNATURE" and slip["carrier_id_number"] == "110105********002X"
    assert slip["id_number"] == "**************CD12"
    refused_unchanged(app, Forbidden, "countersign_release_slip", {"slip_no": slip["slip_no"]}, DESK2)
    queue = app.query("work_queues", actor=MANAGER)
    waiting = next(q for q in queue if q["key"] == "release_slips_countersignature")
    assert [i["id"] for i in waiting["items"]] == [slip["slip_no"]]

    done = app.command("countersign_release_slip", {"slip_no": slip["slip_no"]}, DIRECTOR)
    assert done["state"] == "ISSUED"
    assert [(s["as"], s.get("by")) for s in done["signatures"]][1:] == [("front_desk", "fd-wang"),
                                                                         ("manager", "dir-qian")]
    with pytest.raises(Conflict) as info:
        app.command("countersign_release_slip", {"slip_no": slip["slip_no"]}, MANAGER)
    assert info.value.rule == "awaiting_countersignature"


def test_the_handler_may_not_sign_twice(app):
    slip = app.command("request_goods_release", no_specimen_request(), MANAGER)  # the manager filled it in
    with pytest.raises(Conflict) as info:
        app.command("countersign_release_slip", {"slip_no": slip["slip_no"]}, MANAGER)
    assert (info.value.field, info.value.rule) == ("actor", "second_signatory")
    assert app.query("get_release_slip", slip["slip_no"])["state"] == "COUNTERSIGNATURE"


# --- the gate --------------------------------------------------------------------------------------------------
def test_large_and_valuable_lines_are_checked_before_release_and_a_slip_is_used_once(app):
    slip = app.command("request_goods_release", no_specimen_request(), DESK)
    app.command("countersign_release_slip", {"slip_no": slip["slip_no"]}, MANAGER)
    info = refused_unchanged(app, ValidationError, "release_at_gate",
                             {"slip_no": slip["slip_no"], "checked_items": [1]}, GUARD)
    assert rules(info) == {("checked_items", "flagged_items_checked")}
    refused_unchanged(app, Forbidden, "release_at_gate", {"slip_no": slip["slip_no"], "checked_items": [1, 2]}, DESK)

    out = app.command("release_at_gate", {"slip_no": slip["slip_no"], "checked_items": [1, 2]}, GUARD)
    assert out["status"] == "released" and out["released_by"] == "guard-07"
    released = app.events("release_slip.released")[0].payload
    assert released == {"slip_id": slip["slip_no"], "move_out_id": None, "unit_id": "1-2-1101", "estate": "E1",
                        "guard_id": "guard-07"}
    assert app.query("get_release_slip", slip["slip_no"])["state"] == "RELEASED"
    with pytest.raises(Conflict) as info:
        app.command("release_at_gate", {"slip_no": slip["slip_no"], "checked_items": [1, 2]}, GUARD)
    assert info.value.rule == "released_once"
    with pytest.raises(Conflict) as info:
        app.command("refuse_at_gate", {"slip_no": slip["slip_no"], "reason": "x"}, GUARD)
    assert info.value.rule == "released_once"


def test_security_refuses_with_the_reason_and_the_slip_is_spent(app):
    slip = app.command("request_goods_release", owner_request(), DESK)
    info = refused_unchanged(app, ValidationError, "refuse_at_gate", {"slip_no": slip["slip_no"]}, GUARD)
    assert rules(info) == {("reason", "required")}
    refused_unchanged(app, Forbidden, "refuse_at_gate", {"slip_no": slip["slip_no"], "reason": "x"}, DESK)
    out = app.command("refuse_at_gate", {"slip_no": slip["slip_no"], "reason": "多出一台冰箱,放行条未列"}, GUARD)
    assert out["state"] == "REFUSED" and out["refusal_reason"] == "多出一台冰箱,放行条未列"
    assert app.events("release_slip.refused")[0].payload["reason"] == "多出一台冰箱,放行条未列"
    with pytest.raises(Conflict) as info:  # used once: refused, it is not presented again
        app.command("release_at_gate", {"slip_no": slip["slip_no"]}, GUARD)
    assert info.value.rule == "used_once"
    assert app.query("list_release_slips", "issued") == []


def test_the_gate_of_another_estate_does_not_see_the_slip(app):
    slip = app.command("request_goods_release", owner_request(), DESK)
    refused_unchanged(app, NotFound, "release_at_gate", {"slip_no": slip["slip_no"]}, GUARD_E2)
    refused_unchanged(app, NotFound, "refuse_at_gate", {"slip_no": slip["slip_no"], "reason": "x"}, GUARD_E2)
    with pytest.raises(NotFound):
        app.query("get_release_slip", slip["slip_no"], actor=GUARD_E2)


def test_the_desk_cancels_a_slip_before_use_only(app):
    slip = app.command("request_goods_release", non_owner_request(), DESK)
    info = refused_unchanged(app, ValidationError, "cancel_release_slip", {"slip_no": slip["slip_no"]}, DESK)
    assert rules(info) == {("reason", "required")}
    done = app.command("cancel_release_slip", {"slip_no": slip["slip_no"], "reason": "申请人改期"}, DESK)
    assert done["state"] == "CANCELLED" and app.events("release_slip.cancelled")[0].payload["reason"] == "申请人改期"
    used = app.command("request_goods_release", owner_request(), DESK)
    app.command("release_at_gate", {"slip_no": used["slip_no"]}, GUARD)
    with pytest.raises(Conflict) as info:
        app.command("cancel_release_slip", {"slip_no": used["slip_no"], "reason": "x"}, DESK)
    assert info.value.rule == "not_used"


# --- the QR code -----------------------------------------------------------------------------------------------
def test_the_guard_scans_a_genuine_unused_slip_and_then_a_used_one(app):
    slip = app.command("request_goods_release", owner_request(), DESK)
    code = app.query("release_slip_qr", slip["slip_no"], actor=GUARD)
    assert code["media_type"] == "image/svg+xml" and code["data"].lstrip().startswith("<svg")
    assert code["data_uri"].startswith("data:image/svg+xml;base64,") and code["content"] == code["token"]
    assert slip["slip_no"] not in code["token"] or len(code["token"]) > 40  # not a guessable number
    png = app.query("release_slip_qr", slip["slip_no"], "png")
    assert png["data_uri"].startswith("data:image/png;base64,iVBOR")

    check = app.query("verify_slip_token", code["token"], actor=GUARD)
    assert (check["genuine"], check["usable"], check["reason"], check["slip_no"]) == (True, True, None, slip["slip_no"])
    assert [l["description"] for l in check["slip"]["lines"]] == ["书桌", "纸箱"]
    app.command("release_at_gate", {"slip_no": slip["slip_no"]}, GUARD)
    check = app.query("verify_slip_token", code["token"], actor=GUARD)
    assert (check["genuine"], check["usable"], check["reason"]) == (True, False, "released_once")


def test_a_forged_token_is_not_genuine(app):
    slip = app.command("request_goods_release", owner_request(), DESK)
    token = app.query("release_slip_qr", slip["slip_no"])["token"]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    other_key = qr.make_token(slip["slip_no"], "0" * 32, key=b"not-the-office-key-" + b"x" * 20)
    guessed_nonce = qr.make_token(slip["slip_no"], "0" * 32)  # signed right, but not this slip's nonce
    for forged in (tampered, other_key, guessed_nonce, slip["slip_no"], "x"):
        check = app.query("verify_slip_token", forged, actor=GUARD)
        assert (check["genuine"], check["usable"], check["slip"]) == (False, False, None), forged
    assert app.query("verify_slip_token", token, actor=GUARD_E2)["reason"] == "unknown_slip"  # another estate


def test_the_qr_code_opens_the_desks_gate_page_when_its_address_is_known(app, monkeypatch):
    monkeypatch.setenv(qr.DESK_URL_ENV, "https://desk.example.com/")
    slip = app.command("request_goods_release", owner_request(), DESK)
    code = app.query("release_slip_qr", slip["slip_no"])
    assert code["content"] == f"https://desk.example.com/gate/scan?t={code['token']}"


# --- the KPI and the queues ------------------------------------------------------------------------------------
def test_the_valid_release_slip_collection_rate_is_computed(app):
    assert app.query("release_slip_kpi")["collection_rate"] is None  # no releases yet
    a = app.command("request_goods_release", owner_request(), DESK)
    b = app.command("request_goods_release", contractor_request(), DESK)
    c = app.command("request_goods_release", owner_request(), DESK)
    app.command("request_goods_release", non_owner_request(), DESK)
    app.command("release_at_gate", {"slip_no": a["slip_no"]}, GUARD)
    app.command("release_at_gate", {"slip_no": b["slip_no"]}, GUARD)
    app.command("refuse_at_gate", {"slip_no": c["slip_no"], "reason": "物品不符"}, GUARD)
    kpi = app.query("release_slip_kpi", date(2026, 11, 30), date(2026, 11, 30))
    assert kpi == {"since": "2026-11-30", "until": "2026-11-30", "releases": 2, "valid_slips_collected": 2,
                   "collection_rate": "100.00", "issued": 3, "refused": 1, "rejected": 0, "cancelled": 0,
                   "waiting": 1}
    assert app.query("release_slip_kpi", date(2026, 12, 1), None)["releases"] == 0


def test_the_gate_queue_lists_issued_slips_oldest_first(app):
    a = app.command("request_goods_release", owner_request(), DESK)
    app.clock.advance(minutes=5)
    b = app.command("request_goods_release", contractor_request(), DESK)
    queues = {q["key"]: q for q in app.query("work_queues", actor=GUARD)}
    assert [i["id"] for i in queues["release_slips_at_gate"]["items"]] == [a["slip_no"], b["slip_no"]]
    item = queues["release_slips_at_gate"]["items"][0]
    assert item["record"] == "release_slip" and item["number"] == a["slip_no"] and "书桌 ×1" in item["detail"]
    # the variant as a field the desk says in the variant's words, not its Chinese label in the detail
    assert (item["title"], item["fields"]) == (f'{a["slip_no"]} 1-1-401', {"variant": "owner"})
    assert item["detail"].startswith("王业主 · ") and RELEASE_VARIANTS.label("owner") not in item["detail"]
    assert set(next(f for f in app.query("describe_records")["release_slip"]["fields"]
                    if f["name"] == "variant")["choice_labels"]) == set(RELEASE_VARIANTS.codes)
    assert "release_slips_countersignature" not in queues


def test_find_release_slips_filters(app):
    a = app.command("request_goods_release", owner_request(), DESK)
    b = app.command("request_goods_release", non_owner_request(), DESK)
    assert [s["slip_no"] for s in app.query("find_release_slips")] == [b["slip_no"], a["slip_no"]]
    assert [s["slip_no"] for s in app.query("find_release_slips", "OWNER_CONFIRMATION")] == [b["slip_no"]]
    assert [s["slip_no"] for s in app.query("find_release_slips", None, "owner")] == [a["slip_no"]]
    assert [s["slip_no"] for s in app.query("find_release_slips", q="李租户")] == [b["slip_no"]]
    assert app.query("find_release_slips", actor=GUARD_E2) == []


# --- the move-out's slip in the same register --------------------------------------------------------------------
RESIDENTS, BILLING = Actor("residents", "system"), Actor("billing", "system")


def move_out_slip(app, mo: str = "MO-20261130-0001") -> str:
    app.deliver(app.event("move_out.requested", {
        "move_out_id": mo, "unit_id": "1-1-303", "estate": "E1", "tenant_id": "TEN-1-1-303",
        "owner_id": "OWN-1-1-303", "owner_consent_doc": "客户同意函", "exit_date": "2026-12-05",
        "fitout_disposition": "restore"}, correlation_id=mo, actor=RESIDENTS, producer="residents"))
    app.deliver(app.event("billing.clearance_confirmed", {
        "unit_id": "1-1-303", "party_id": "TEN-1-1-303", "move_out_id": mo, "outstanding_amount": "0.00",
        "as_of": T0.isoformat()}, correlation_id=mo, actor=BILLING, producer="billing"))
    app.deliver(app.event("move_out.release_approved", {
        "move_out_id": mo, "unit_id": "1-1-303", "owner_written_opinion_ref": "客户书面意见"},
        correlation_id=mo, actor=RESIDENTS, producer="residents"))
    return app.query("get_release_hold", mo)["slip_no"]


def test_the_move_out_slip_is_in_the_register_with_a_qr_code(app):
    slip_no = move_out_slip(app)
    slip = app.query("get_release_slip", slip_no)
    assert (slip["variant"], slip["state"], slip["applicant_type"]) == ("move_out", "ISSUED", "tenant")
    assert slip["lines"][0]["description"].startswith("租户搬迁物品")
    token = app.query("release_slip_qr", slip_no)["token"]
    assert app.query("verify_slip_token", token)["usable"] is True
    assert app.query("allowed_actions", "release_slip", slip_no, "security") == ["release_at_gate", "refuse_at_gate"]
    with pytest.raises(Conflict) as info:
        app.command("cancel_release_slip", {"slip_no": slip_no, "reason": "x"}, DESK)
    assert info.value.rule == "move_out_slip"
    app.command("release_at_gate", {"slip_no": slip_no}, GUARD)
    assert app.query("get_release_slip", slip_no)["state"] == "RELEASED"
    assert app.events("release_slip.released")[0].payload["move_out_id"] == "MO-20261130-0001"
    kpi = app.query("release_slip_kpi")
    assert (kpi["releases"], kpi["valid_slips_collected"]) == (1, 1)


def test_a_refused_move_out_slip_is_not_released_afterwards(app):
    slip_no = move_out_slip(app)
    app.command("refuse_at_gate", {"slip_no": slip_no, "reason": "搬运物品含业主的空调"}, GUARD)
    assert app.events("release_slip.refused")[0].payload["move_out_id"] == "MO-20261130-0001"
    with pytest.raises(Conflict) as info:
        app.command("release_at_gate", {"slip_no": slip_no}, GUARD)
    assert info.value.rule == "used_once"
    assert "release_slip.released" not in types(app)


def test_a_repeated_submission_answers_the_first_slip(app):
    first = app.command("request_goods_release", owner_request(), DESK, idempotency_key="slip-7f3a9c2e-0001")
    again = app.command("request_goods_release", owner_request(), DESK, idempotency_key="slip-7f3a9c2e-0001")
    assert again == first and len(app.query("find_release_slips")) == 1


def test_every_command_has_a_form_with_labels_and_roles(app):
    forms = app.query("describe_commands")
    for name in ("request_goods_release", "confirm_owner_authorisation", "record_fee_clearance",
                 "countersign_release_slip", "cancel_release_slip", "refuse_at_gate", "register_key", "entrust_key",
                 "loan_key", "return_key", "withdraw_key", "hand_over_key_custody"):
        assert forms[name]["label"]["zh"] and forms[name]["roles"], name
        assert all(f["label"]["zh"] != f["name"] for f in forms[name]["fields"]), name
    described = app.query("describe_records")
    for kind in ("release_slip", "key", "key_loan"):
        names = [f["name"] for f in described[kind]["fields"]]
        assert set(described[kind]["columns"]) <= set(names), kind
