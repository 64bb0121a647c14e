"""The gate (门岗) on the guard's phone (desk/gate.py): the real access department on the harness
behind the desk's real routes. A scanned token opens the slip with its goods; security releases
(ticking the large and valuable lines) or refuses with a reason; a used slip, a forged token and a
typed number answer in words; the front desk sees the slip but not the buttons; the printed slip
carries the QR code."""
from __future__ import annotations

import re

import pytest

from propdesk import plugins
from propdesk.chassis.clock import FakeClock
from propdesk.testing.fake import ServiceHarness
from propdesk_services.gateway.desk import records
from propdesk_services.gateway.desk.views import DESCRIPTIONS, NAMES

from .test_records import Desk
from .test_records_departments import Department, Staff

DESK = {"id": "front_desk", "role": "front_desk", "estates": ["E1"]}
ID_NO = "11010519491231002X"


@pytest.fixture
def access():
    DESCRIPTIONS.clear()
    NAMES.clear()
    records.RECORDS.clear()
    # the department as the gateway finds it (its plugin), never imported by name
    return ServiceHarness(plugins.service_classes(["access"])["access"], clock=FakeClock(), demo=True)


@pytest.fixture
def desk(access):
    return Desk({"access": Department(access), "staff": Staff()})


def issued_slip(access) -> tuple[str, str]:
    slip = access.command("request_goods_release", {
        "variant": "owner", "unit_id": "1-1-401", "applicant_name": "王业主", "id_type": "resident_id",
        "id_number": ID_NO, "identity_checked": True, "owner_record_checked": True, "applicant_signed": True,
        "items": [{"description": "冰箱", "quantity": 1, "large": True},
                  {"description": "纸箱", "quantity": 3}]}, DESK)
    token = access.query("release_slip_qr", slip["slip_no"])["token"]
    return slip["slip_no"], token


def text(r) -> str:
    return r.get_data(as_text=True)


def test_a_scanned_slip_shows_its_goods_and_security_releases_it(access, desk):
    slip_no, token = issued_slip(access)
    r = desk.get(f"/gate/scan?t={token}", staff="security")
    html = text(r)
    assert r.status_code == 200 and 'data-usable="yes"' in html and slip_no in html
    assert "冰箱 × 1" in html and "纸箱 × 3" in html and 'id="release"' in html and 'id="refuse"' in html
    # the large line must be ticked: the department refuses otherwise, said on the page, nothing changed
    r = desk.post("/gate/release", {"slip_no": slip_no, "t": token, "idempotency_key": "k-1"}, staff="security")
    assert r.status_code == 400 and 'id="gate-problem"' in text(r)
    assert access.query("get_release_slip", slip_no)["state"] == "ISSUED"
    r = desk.post("/gate/release", {"slip_no": slip_no, "t": token, "checked": "1", "idempotency_key": "k-2"},
                  staff="security")
    assert r.status_code == 303 and r.headers["Location"].endswith("&done=released")
    assert access.query("get_release_slip", slip_no)["state"] == "RELEASED"
    again = text(desk.get(r.headers["Location"], staff="security"))
    assert 'id="gate-done"' in again and 'data-usable="no"' in again and 'id="release"' not in again


def test_security_refuses_with_a_reason(access, desk):
    slip_no, token = issued_slip(access)
    r = desk.post("/gate/refuse", {"slip_no": slip_no, "t": token, "reason": "货物与放行条不符",
                                   "idempotency_key": "k-3"}, staff="security")
    assert r.status_code == 303 and r.headers["Location"].endswith("&done=refused")
    assert access.query("get_release_slip", slip_no)["state"] == "REFUSED"


def test_a_forged_token_and_a_typed_number(access, desk):
    slip_no, token = issued_slip(access)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    html = text(desk.get(f"/gate/scan?t={forged}", staff="security"))
    assert 'data-genuine="no"' in html and "放行条无效" in html and 'id="release"' not in html
    html = text(desk.get(f"/gate?slip={slip_no.lower()}", staff="security", lang="en"))
    assert 'data-usable="yes"' in html and "Genuine and unused" in html
    html = text(desk.get("/gate?slip=RS-19990101-0001", staff="security", lang="en"))
    assert 'data-genuine="no"' in html and "No such slip" in html


@pytest.mark.parametrize("state, words", [
    ("OWNER_CONFIRMATION", "Not issued yet"), ("FEE_CLEARANCE", "Not issued yet"), ("RELEASED", "Already released"), ("REFUSED", "Already used"),
    ("REJECTED", "no longer valid"), ("CANCELLED", "no longer valid")])
def test_a_typed_number_says_why_the_slip_cannot_be_used(access, desk, state, words):
    """A typed number is checked by access as a scan is (its reason in the guard's words): a slip
    still waiting for the owner or a countersignature is "not issued yet", not "already used"."""
    slip = next(s for s in access.query("find_release_slips") if s["state"] == state and s["estate"] == "E1")
    html = text(desk.get(f"/gate?slip={slip['slip_no']}", staff="security", lang="en"))
    assert 'data-usable="no"' in html and words in html and 'id="release"' not in html


def test_the_front_desk_sees_the_slip_but_only_security_acts(access, desk):
    slip_no, token = issued_slip(access)
    html = text(desk.get(f"/gate/scan?t={token}", staff="front_desk"))
    assert 'data-usable="yes"' in html and 'id="release"' not in html and 'id="nav-gate"' not in html
    r = desk.post("/gate/release", {"slip_no": slip_no, "t": token, "checked": "1", "idempotency_key": "k-4"},
                  staff="front_desk")
    assert r.status_code == 403 and access.query("get_release_slip", slip_no)["state"] == "ISSUED"
    assert 'id="nav-gate"' in text(desk.get("/gate", staff="security"))


def test_the_qr_code_carries_a_signed_token_not_a_guessable_number(access):
    slip_no, token = issued_slip(access)
    assert slip_no not in token and len(token) > 40
    assert access.query("release_slip_qr", slip_no)["data_uri"].startswith("data:image/svg+xml")
    assert re.fullmatch(r"[A-Za-z0-9_.:-]+", token)


# --- a list of rows on a form: goods item by item (the desk's slips of every variant) ----------------
def test_the_front_desk_issues_an_owners_slip_listing_goods_row_by_row(access, desk):
    path = "/records/access/release_slip/new/request_goods_release"
    html = text(desk.get(path))
    assert 'data-rows="items"' in html and 'name="items-0-description"' in html and 'name="items-3-large"' in html
    form = {"variant": "owner", "unit_id": "1-1-401", "applicant_name": "王业主", "id_type": "resident_id",
            "id_number": ID_NO, "identity_checked": "true", "owner_record_checked": "true",
            "applicant_signed": "true", "idempotency_key": "k-rows",
            "items-0-description": "冰箱", "items-0-quantity": "1", "items-0-large": "true",
            "items-1-description": "纸箱", "items-1-quantity": "3"}
    r = desk.post(path, form)
    assert r.status_code == 303, text(r)[:2000]
    slip_no = r.headers["Location"].split("/")[-1].split("?")[0]
    lines = access.query("get_release_slip", slip_no)["lines"]
    assert [(g["description"], g["quantity"], g["large"]) for g in lines] == [("冰箱", 1, True), ("纸箱", 3, False)]


def test_a_bad_row_is_shown_at_the_table_and_the_rows_come_back_as_typed(access, desk):
    path = "/records/access/release_slip/new/request_goods_release"
    form = {"variant": "owner", "unit_id": "1-1-401", "applicant_name": "王业主", "id_type": "resident_id",
            "id_number": ID_NO, "identity_checked": "true", "owner_record_checked": "true",
            "applicant_signed": "true", "idempotency_key": "k-bad",
            "items-0-description": "冰箱", "items-0-quantity": "一台"}
    r = desk.post(path, form)
    html = text(r)
    assert r.status_code == 400
    err = re.search(r'<span class="err" data-for="items"[^>]*>([^<]+)</span>', html)
    assert err and err.group(1).strip()
    assert 'value="一台"' in html and 'value="冰箱"' in html
