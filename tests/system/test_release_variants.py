"""Every goods release slip the desk fills in, end to end through the real services (物品放行条,
domain.md §2.7, [004 WI/FW-020], issue #11 §1 and §5). The tenant move-out's slip is
tests/system/test_move_out.py's.

One running system for all of them (a system costs its start-up): each slip is created at the
counter, verified by the guard by its signed QR token, released or refused at the gate, refused a
second use, and a forged token is refused:

- owner: through the gateway's JSON API (the front desk signed in), and the guard's phone page
  (``/gate/scan?t=<token>``: the goods listed, Release ticking the large line, then "used");
- non-owner (tenant with the owner's letter): the owner confirms by phone, the guard refuses the
  goods with the reason; an agent's slip filled in on the desk's form, whose owner refuses on the
  phone (the desk's action form): REJECTED with the reason, no code;
- contractor: the renovation's responsible person signs; released;
- moving (many items): fees outstanding keep the slip from being issued (no code, the gate
  refuses it) until Finance records them paid (the cashier on the desk's action form); the slip
  prints (物品搬出放行单 QR-005FW);
- no signature or seal specimen on file: the carrier's ID, the front desk's and the manager's
  signatures (the handler may not countersign); the valuable and large lines checked at the gate.

The KPI (valid release-slip collection rate) counts them, and every slip's events left access
through its outbox exactly once.
"""
from __future__ import annotations

import json
import re

import pytest
import requests
from itsdangerous import URLSafeSerializer
from nameko.exceptions import RemoteError

from propdesk_services.access.workflows.goods_release import qr
from propdesk_services.gateway.tests.signing_in import signed_in
from tests.helpers import collector, events_in, wait_for

pytestmark = pytest.mark.system

DESK = {"id": "fd-wang", "role": "front_desk", "estates": ["E1"]}
MANAGER = {"id": "mgr-zhao", "role": "cs_manager", "estates": ["E1"]}
CASHIER = {"id": "cash-sun", "role": "cashier", "estates": ["E1"]}
GUARD = {"id": "guard-07", "role": "security", "estates": ["E1"]}
ID_NO = "11010519491231002X"  # a valid resident ID number
EVENTS = ("release_slip.requested", "release_slip.issued", "release_slip.released", "release_slip.refused",
          "release_slip.rejected")


def slip_request(variant: str, unit_id: str, items: list[dict], **kw) -> dict:
    req = {"variant": variant, "unit_id": unit_id, "applicant_name": "王业主", "id_type": "resident_id",
           "id_number": ID_NO, "identity_checked": True, "applicant_signed": True, "items": items}
    return {**req, **kw}


def refused(call, *args, **kwargs) -> tuple[str, set[tuple[str, str]]]:
    """(exception class, {(field, rule)}) of a command or query refused over RPC."""
    with pytest.raises(RemoteError) as err:
        call(*args, **kwargs)
    value = json.loads(err.value.value)
    problems = value if isinstance(value, list) else [value]
    return err.value.exc_type, {(p["field"], p["rule"]) for p in problems}


def forgeries(token: str, slip_no: str, office_key: bytes) -> list[str]:
    """Tokens a forger could make: one character of a genuine token changed, the slip's number
    signed with another key, and the number signed with the office's own key but not this slip's
    nonce (a copied number, as if a slip were made up)."""
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    other_key = URLSafeSerializer(b"not-the-office-key-" + b"x" * 32, salt=qr.SALT).dumps({"s": slip_no, "n": "0" * 32})
    copied = qr.make_token(slip_no, "0" * 32, key=office_key)
    return [flipped, other_key, copied, "FX-20261130-0001"]


def gate_page(session, base: str, token: str) -> tuple[str, str, str]:
    """(data-genuine, data-usable, page) of the guard's phone page for a scanned token."""
    r = session.get(f"{base}/gate/scan", params={"t": token}, timeout=30)
    assert r.status_code == 200, r.text[:800]
    found = re.search(r'id="gate-slip" data-genuine="(\w+)" data-usable="(\w+)"', r.text)
    assert found, r.text[:2000]
    return found.group(1), found.group(2), r.text


def hidden(page: str, form_id: str, name: str) -> str:
    form = re.search(rf'<form[^>]*id="{form_id}"[^>]*>(.*?)</form>', page, re.DOTALL)
    assert form, page[:2000]
    value = re.search(rf'name="{name}" value="([^"]*)"', form.group(1))
    assert value, form.group(1)[:1000]
    return value.group(1)


def test_every_desk_variant_from_the_counter_to_the_gate(rpc, gateway_url, propdesk_env):
    a, base = rpc.access, gateway_url
    bus = collector(propdesk_env.amqp_uri, *EVENTS)
    office_key = propdesk_env.signing_key()
    kpi_before = a.release_slip_kpi(actor={**MANAGER, "estates": ["E1", "E2"]})  # the demo's slips

    def token_of(slip_no: str) -> str:
        return a.release_slip_qr(slip_no, actor=GUARD)["token"]

    def check(token: str) -> dict:
        return a.verify_slip_token(token, actor=GUARD)

    def forged_ones_refused(token: str, slip_no: str) -> None:
        for fake in forgeries(token, slip_no, office_key):
            seen = check(fake)
            assert (seen["genuine"], seen["usable"], seen["slip"]) == (False, False, None), (fake, seen)
            assert seen["reason"] in ("forged", "unknown_slip"), seen

    # --- owner, through the API and the guard's phone ------------------------------------------------
    desk = wait_for(lambda: _session(base, "front_desk"), timeout=60, interval=0.5, what="the front desk signed in")
    guard = _session(base, "security")
    r = desk.post(f"{base}/api/access/commands/request_goods_release", timeout=30, json=slip_request(
        "owner", "1-2-1503", [{"description": "钢琴", "quantity": 1, "large": True},
                              {"description": "纸箱", "quantity": 4}], owner_record_checked=True))
    assert r.status_code == 201, r.text
    owner = r.json()
    assert owner["state"] == "ISSUED" and r.headers["Location"] == f"/api/access/release_slip/{owner['slip_no']}"
    assert [s["as"] for s in owner["signatures"]] == ["owner", "front_desk"]
    token = desk.get(f"{base}/api/access/queries/release_slip_qr", params={"slip_no": owner["slip_no"]},
                     timeout=30).json()["token"]
    assert owner["slip_no"] not in token  # the code carries a signed token, not the number to type
    genuine, usable, page = gate_page(guard, base, token)
    assert (genuine, usable) == ("yes", "yes") and "钢琴" in page and owner["slip_no"] in page
    # Release without ticking the piano (a large line): refused at the page, nothing changes
    form = {"csrf_token": hidden(page, "gate-release", "csrf_token"), "slip_no": owner["slip_no"], "t": token,
            "idempotency_key": hidden(page, "gate-release", "idempotency_key")}
    r = guard.post(f"{base}/gate/release", data=form, timeout=30, allow_redirects=False)
    assert r.status_code == 400 and 'id="gate-problem"' in r.text
    assert a.get_release_slip(owner["slip_no"], actor=GUARD)["state"] == "ISSUED"
    r = guard.post(f"{base}/gate/release", data={**form, "checked": "1",
                                                 "idempotency_key": form["idempotency_key"] + "-2"},
                   timeout=30, allow_redirects=False)
    assert r.status_code == 303 and "done=released" in r.headers["Location"], r.text[:800]
    assert a.get_release_slip(owner["slip_no"], actor=GUARD)["state"] == "RELEASED"
    genuine, usable, page = gate_page(guard, base, token)  # scanned again: genuine, used
    assert (genuine, usable) == ("yes", "no") and 'id="release"' not in page
    r = guard.post(f"{base}/api/access/commands/release_at_gate", json={"slip_no": owner["slip_no"],
                                                                          "checked_items": [1]}, timeout=30)
    assert r.status_code == 409 and r.json()["rule"] == "released_once", r.text
    for fake in forgeries(token, owner["slip_no"], office_key)[:2]:
        assert gate_page(guard, base, fake)[:2] == ("no", "no")
    r = guard.get(f"{base}/api/access/queries/verify_slip_token", params={"token": token[:-2] + "zz"}, timeout=30)
    assert r.status_code == 200 and r.json()["genuine"] is False, r.text
    forged_ones_refused(token, owner["slip_no"])

    # --- non-owner: the owner phoned and confirms; the guard refuses the goods --------------------
    tenant = a.request_goods_release(slip_request(
        "non_owner", "1-2-1504", [{"description": "电视机", "quantity": 1, "valuable": True}],
        applicant_name="李租户", applicant_role="tenant", authorisation_ref="委托书 2026-051", owner_name="张业主",
        owner_phone="13812345678"), DESK)
    assert tenant["state"] == "OWNER_CONFIRMATION"
    assert refused(a.release_slip_qr, tenant["slip_no"], actor=GUARD) == ("Conflict", {("slip_no", "issued")})
    assert refused(a.release_at_gate, {"slip_no": tenant["slip_no"], "checked_items": [1]}, GUARD) == \
        ("Conflict", {("slip_no", "issued")})
    confirmed = a.confirm_owner_authorisation({"slip_no": tenant["slip_no"], "confirmed": True}, DESK)
    assert confirmed["state"] == "ISSUED" and "owner_by_phone" in [s["as"] for s in confirmed["signatures"]]
    token = token_of(tenant["slip_no"])
    assert check(token)["usable"] is True
    assert refused(a.refuse_at_gate, {"slip_no": tenant["slip_no"], "reason": "x"}, DESK)[0] == "Forbidden"
    spent = a.refuse_at_gate({"slip_no": tenant["slip_no"], "reason": "电视机型号与放行条不符"}, GUARD)
    assert (spent["state"], spent["refusal_reason"]) == ("REFUSED", "电视机型号与放行条不符")
    assert (check(token)["genuine"], check(token)["reason"]) == (True, "used_once")
    assert refused(a.release_at_gate, {"slip_no": tenant["slip_no"], "checked_items": [1]}, GUARD) == \
        ("Conflict", {("slip_no", "used_once")})
    assert refused(a.refuse_at_gate, {"slip_no": tenant["slip_no"], "reason": "again"}, GUARD) == \
        ("Conflict", {("slip_no", "used_once")})
    forged_ones_refused(token, tenant["slip_no"])

    # --- non-owner: the owner refuses on the phone -> rejected with the reason (through the desk's forms)
    r = desk_form(desk, base, "/records/access/release_slip/new/request_goods_release", {
        "variant": "non_owner", "unit_id": "1-2-1505", "applicant_name": "赵中介", "applicant_role": "agent",
        "id_type": "resident_id", "id_number": ID_NO, "identity_checked": "true", "applicant_signed": "true",
        "authorisation_ref": "委托书 2026-052", "owner_name": "钱业主", "owner_phone": "13912345678",
        "items-0-description": "冰箱", "items-0-quantity": "1", "items-0-large": "true"})
    assert r.status_code == 303, r.text[:2000]
    agent = a.get_release_slip(r.headers["Location"].split("?")[0].rsplit("/", 1)[1], actor=GUARD)
    assert agent["state"] == "OWNER_CONFIRMATION" and agent["lines"][0]["description"] == "冰箱"
    confirm = f"/records/access/release_slip/{agent['slip_no']}/actions/confirm_owner_authorisation"
    r = desk_form(desk, base, confirm, {"confirmed": "false"})
    assert r.status_code == 400 and agent["state"] == a.get_release_slip(agent["slip_no"], actor=GUARD)["state"]
    r = desk_form(desk, base, confirm, {"confirmed": "false", "reason": "业主未委托他人搬运物品"})
    assert r.status_code == 303, r.text[:2000]
    rejected = a.get_release_slip(agent["slip_no"], actor=GUARD)
    assert (rejected["state"], rejected["closed_reason"]) == ("REJECTED", "业主未委托他人搬运物品")
    assert refused(a.release_slip_qr, agent["slip_no"], actor=GUARD)[1] == {("slip_no", "issued")}
    assert refused(a.release_at_gate, {"slip_no": agent["slip_no"], "checked_items": [1]}, GUARD) == \
        ("Conflict", {("slip_no", "not_valid")})

    # --- contractor: the renovation's responsible person signs --------------------------------------
    builder = a.request_goods_release(slip_request(
        "contractor", "2-1-1203", [{"description": "废旧木料", "quantity": 12}], applicant_name="赵负责人",
        renovation_ref="ZX-20261101-0003", responsible_person_checked=True), DESK)
    assert builder["state"] == "ISSUED" and builder["responsible_person"] == "赵负责人"
    assert [s["as"] for s in builder["signatures"]] == ["responsible_person", "front_desk"]
    token = token_of(builder["slip_no"])
    seen = check(token)
    assert (seen["genuine"], seen["usable"]) == (True, True)
    assert [line["description"] for line in seen["slip"]["lines"]] == ["废旧木料"]
    assert a.release_at_gate({"slip_no": builder["slip_no"]}, GUARD)["status"] == "released"
    assert refused(a.release_at_gate, {"slip_no": builder["slip_no"]}, GUARD) == \
        ("Conflict", {("slip_no", "released_once")})
    assert check(token)["reason"] == "released_once"
    forged_ones_refused(token, builder["slip_no"])

    # --- moving, many items: no slip while fees are outstanding -----------------------------------
    mover = a.request_goods_release(slip_request(
        "owner", "1-3-802", [{"description": "沙发", "quantity": 1, "large": True},
                             {"description": "纸箱", "quantity": 20}], moving=True, owner_record_checked=True), DESK)
    assert mover["state"] == "FEE_CLEARANCE"
    assert refused(a.record_fee_clearance, {"slip_no": mover["slip_no"], "cleared": True, "clearance_ref": "R"},
                   DESK)[0] == "Forbidden"
    cashier = _session(base, "cashier")  # Finance checks the fees on the desk's action form
    fees = f"/records/access/release_slip/{mover['slip_no']}/actions/record_fee_clearance"
    r = desk_form(cashier, base, fees, {"cleared": "false", "clearance_ref": "余额单 2026-11",
                                        "outstanding_amount": "1280.50"})
    assert r.status_code == 303, r.text[:2000]
    owed = a.get_release_slip(mover["slip_no"], actor=GUARD)
    assert (owed["state"], owed["fees_outstanding"]) == ("FEE_CLEARANCE", "1280.50")
    assert refused(a.release_slip_qr, mover["slip_no"], actor=GUARD)[1] == {("slip_no", "issued")}
    assert refused(a.release_at_gate, {"slip_no": mover["slip_no"], "checked_items": [1]}, GUARD) == \
        ("Conflict", {("slip_no", "issued")})
    r = desk_form(cashier, base, fees, {"cleared": "true", "clearance_ref": "收据 SJ-20261130-0042"})
    assert r.status_code == 303, r.text[:2000]
    paid = a.get_release_slip(mover["slip_no"], actor=GUARD)
    assert paid["state"] == "ISSUED" and paid["fees_outstanding"] is None
    # the printed slip (物品搬出放行单 QR-005FW): its fields in the office's words, the signature lines
    r = desk.get(f"{base}/records/access/release_slip/{mover['slip_no']}/print", timeout=30)
    assert r.status_code == 200 and "QR-005FW" in r.text and "保安放行" in r.text
    assert "沙发" in r.text and "核费依据" in r.text and "收据 SJ-20261130-0042" in r.text
    token = token_of(mover["slip_no"])
    assert check(token)["usable"] is True
    assert a.release_at_gate({"slip_no": mover["slip_no"], "checked_items": [1]}, GUARD)["status"] == "released"
    assert refused(a.release_at_gate, {"slip_no": mover["slip_no"], "checked_items": [1]}, GUARD)[1] == \
        {("slip_no", "released_once")}
    forged_ones_refused(token, mover["slip_no"])

    # --- no signature or seal specimen on file: two IDs, two signatures ----------------------------
    firm = a.request_goods_release(slip_request(
        "no_specimen", "T1-12-05", [{"description": "服务器", "quantity": 2, "valuable": True},
                                    {"description": "文件柜", "quantity": 3, "large": True}],
        applicant_name="某贸易公司 钱经理", id_type="business_licence", id_number="91110105MA01ABCD12",
        carrier_name="孙师傅", carrier_id_type="resident_id", carrier_id_number=ID_NO, goods_checked=True),
        {**DESK, "estates": ["E2"]})
    assert firm["state"] == "COUNTERSIGNATURE" and firm["carrier_id_number"] == "110105********002X"
    e2 = {"estates": ["E2"]}
    guard_e2 = {**GUARD, **e2}
    assert refused(a.release_at_gate, {"slip_no": firm["slip_no"], "checked_items": [1, 2]}, guard_e2) == \
        ("Conflict", {("slip_no", "issued")})  # the second signature missing: not a slip yet
    assert refused(a.countersign_release_slip, {"slip_no": firm["slip_no"]}, {**DESK, **e2})[0] == "Forbidden"
    assert refused(a.countersign_release_slip, {"slip_no": firm["slip_no"]},
                   {**MANAGER, **e2, "id": "fd-wang"}) == ("Conflict", {("actor", "second_signatory")})
    signed = a.countersign_release_slip({"slip_no": firm["slip_no"]}, {**MANAGER, **e2})
    assert signed["state"] == "ISSUED"
    assert [s["as"] for s in signed["signatures"]] == ["client", "front_desk", "manager"]
    token = a.release_slip_qr(firm["slip_no"], actor=guard_e2)["token"]
    assert check(token)["reason"] == "unknown_slip"  # the residential estate's guard: another estate's slip
    assert a.verify_slip_token(token, actor=guard_e2)["usable"] is True
    assert refused(a.release_at_gate, {"slip_no": firm["slip_no"], "checked_items": [1]}, guard_e2) == \
        ("ValidationError", {("checked_items", "flagged_items_checked")})
    assert a.release_at_gate({"slip_no": firm["slip_no"], "checked_items": [1, 2]}, guard_e2)["status"] == "released"
    assert refused(a.refuse_at_gate, {"slip_no": firm["slip_no"], "reason": "late"}, guard_e2) == \
        ("Conflict", {("slip_no", "released_once")})
    assert a.verify_slip_token(token, actor=guard_e2)["reason"] == "released_once"

    # --- the register and the KPI: four releases, all of valid slips ----------------------------------
    kpi = a.release_slip_kpi(actor={**MANAGER, "estates": ["E1", "E2"]})
    added = {k: kpi[k] - kpi_before[k] for k in ("releases", "valid_slips_collected", "issued", "refused",
                                                 "rejected", "waiting")}
    assert added == {"releases": 4, "valid_slips_collected": 4, "issued": 5, "refused": 1, "rejected": 1,
                     "waiting": 0}, (kpi_before, kpi)
    assert kpi["collection_rate"] == "100.00", kpi  # every released slip was a valid one

    # every slip's events left access through its outbox, exactly once each
    slips = {owner["slip_no"]: ["requested", "issued", "released"],
             tenant["slip_no"]: ["requested", "issued", "refused"],
             agent["slip_no"]: ["requested", "rejected"],
             builder["slip_no"]: ["requested", "issued", "released"],
             mover["slip_no"]: ["requested", "issued", "released"],
             firm["slip_no"]: ["requested", "issued", "released"]}
    total = sum(len(v) for v in slips.values())

    def ours() -> list[dict]:
        return [e for e in events_in(propdesk_env.amqp_uri, bus) if e["correlation_id"] in slips]

    seen = wait_for(lambda: len(e := ours()) >= total and e, what="every slip's events on the bus")
    by_slip: dict[str, list[str]] = {}
    for envelope in seen:
        by_slip.setdefault(envelope["correlation_id"], []).append(envelope["event_type"].split(".", 1)[1])
    assert {k: sorted(v) for k, v in by_slip.items()} == {k: sorted(v) for k, v in slips.items()}


def desk_form(session, base: str, path: str, fields: dict) -> requests.Response:
    """A desk form filled in and sent as a browser does (its page first, for the CSRF token and the
    form's idempotency key); the answer not followed (303 when done, 400 with the problems)."""
    page = session.get(base + path, timeout=30)
    assert page.status_code == 200, page.text[:1000]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text)
    data = {"csrf_token": token.group(1), **({"idempotency_key": key.group(1)} if key else {}), **fields}
    return session.post(base + path, data=data, timeout=30, allow_redirects=False)


def _session(base: str, username: str) -> requests.Session | None:
    try:
        session = signed_in(base, username)
    except (AssertionError, requests.RequestException):
        return None
    return session if session.get(base + "/api/units", timeout=30).status_code == 200 else None
