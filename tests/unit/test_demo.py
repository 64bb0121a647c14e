"""The demo data set (domain.md §6) is consistent, deterministic and shows what it claims."""
from __future__ import annotations

import re
from collections import Counter
from datetime import date
from decimal import Decimal

from propdesk import demo
from propdesk_services.billing.workflows.payments.domain import Charge, Payment, outstanding, validate_payment
from propdesk_services.residents.workflows.move_out.domain import validate_move_out_request
from propdesk_services.residents.workflows.register.domain import Party, Unit

RESIDENTIAL_ID = re.compile(r"^(?P<b>[1-3])-(?P<s>[12])-(?P<floor>[1-9]|1[0-8])(?P<room>0[1-4])$")
OFFICE_ID = re.compile(r"^T1-(?P<floor>\d{2})F$")


def by_id(rows, key):
    return {r[key]: r for r in rows}


def balance(unit_id: str) -> Decimal:
    return outstanding(
        [Charge(**c) for c in demo.charges() if c["unit_id"] == unit_id],
        [Payment(**p) for p in demo.payments() if p["unit_id"] == unit_id],
    )


def test_deterministic():
    assert demo.units() == demo.units()
    assert demo.parties() == demo.parties()
    assert demo.charges() == demo.charges()
    assert demo.payments() == demo.payments()
    assert demo.open_repairs() == demo.open_repairs()


def test_fresh_lists_each_call():
    first = demo.units()
    first[0]["tenant_party_id"] = "changed"
    assert demo.units()[0]["tenant_party_id"] != "changed"


def test_unit_ids_follow_the_seed_format_and_are_unique():
    units = demo.units()
    ids = [u["unit_id"] for u in units]
    assert len(ids) == len(set(ids))
    for u in units:
        m = RESIDENTIAL_ID.match(u["unit_id"]) if u["kind"] == "residential" else OFFICE_ID.match(u["unit_id"])
        assert m, u["unit_id"]
        assert int(m["floor"]) == u["floor"]
        if u["kind"] == "residential":
            assert u["building"] == m["b"]
        else:
            assert u["building"] == "T1"
        assert u["area_m2"] > 0
        Unit(**{k: u[k] for k in ("unit_id", "building", "kind", "owner_party_id", "tenant_party_id")})


def test_layout():
    ids = {u["unit_id"] for u in demo.units()}
    assert {f"1-1-{f}{r:02d}" for f in range(1, 19) for r in range(1, 5)} <= ids  # a full stair, up to 1-1-1804
    assert {u["unit_id"].split("-")[0] for u in demo.units() if u["kind"] == "residential"} == {"1", "2", "3"}
    assert {tuple(i.split("-")[:2]) for i in ids if RESIDENTIAL_ID.match(i)} == {(b, s) for b in "123" for s in "12"}
    assert set(demo.SEED_NAMED_UNITS) <= ids
    for named in ("1-1-401", "1-1-402", "1-2-1503", "3-2-502", "3-2-902", "1-1-502", "1-1-602", "1-1-1202", "1-1-1804", "1-1-901", "1-2-1101", "1-2-1102"):
        assert named in ids
    assert {"T1-24F", "T1-31F", "T1-32F", "T1-33F", "T1-34F", "T1-35F"} <= ids


def test_every_unit_and_repair_is_in_an_estate_the_flats_e1_the_tower_e2():
    from propdesk.contracts.vocab import ESTATES

    for u in demo.units():
        assert u["estate"] == ("E2" if u["kind"] == "office" else "E1") == demo.estate_of(u["unit_id"])
        assert u["estate"] in ESTATES
    assert {r["estate"] for r in demo.open_repairs()} == {"E1"}  # every demo repair is in the flats
    assert demo.estate_of(None) is None


def test_every_party_reference_resolves_with_the_right_role():
    parties = by_id(demo.parties(), "party_id")
    assert len(parties) == len(demo.parties())  # unique ids
    for p in demo.parties():
        Party(**p)
        assert p["name"] and p["phone"].isdigit()
    for u in demo.units():
        assert parties[u["owner_party_id"]]["role"] == "OWNER"
        if u["tenant_party_id"] is not None:
            assert parties[u["tenant_party_id"]]["role"] == "TENANT"
    referenced = {u["owner_party_id"] for u in demo.units()} | {u["tenant_party_id"] for u in demo.units() if u["tenant_party_id"]}
    assert referenced == set(parties)  # no orphan parties either


def test_owners_and_tenants_mix():
    units = demo.units()
    leased = [u for u in units if u["tenant_party_id"]]
    assert 0 < len(leased) < len(units)
    assert any(u["kind"] == "office" and u["tenant_party_id"] for u in units)
    assert any(u["kind"] == "office" and not u["tenant_party_id"] for u in units)
    names = Counter(p["name"] for p in demo.parties() if p["role"] == "TENANT" and p["party_id"].startswith("TEN-T1"))
    assert all(n.endswith(("公司", "(特殊普通合伙)")) for n in names)


def test_charges_are_rate_times_area_for_both_periods():
    units = by_id(demo.units(), "unit_id")
    charges = demo.charges()
    assert Counter(c["period"] for c in charges) == {p: len(units) for p in demo.PERIODS}
    for c in charges:
        u = units[c["unit_id"]]
        rate = demo.OFFICE_RATE if u["kind"] == "office" else demo.RESIDENTIAL_RATE
        assert c["amount"] == (u["area_m2"] * rate).quantize(Decimal("0.01"))
        assert c["item"] == "property_fee"
        Charge(**c)


def test_payments_are_valid_and_refer_to_charges():
    charged = {(c["unit_id"], c["period"]): c["amount"] for c in demo.charges()}
    receipts = [p["receipt_no"] for p in demo.payments()]
    assert len(receipts) == len(set(receipts))
    for p in demo.payments():
        assert (p["unit_id"], p["period"]) in charged
        assert p["amount"] <= charged[(p["unit_id"], p["period"])]
        assert validate_payment(True, p["amount"], p["method"], p["receipt_no"]) == p["amount"]
        Payment(**p)
    assert {p["method"] for p in demo.payments()} == {"cash", "cheque", "bank"}
    assert len(demo.payments()) > 0.9 * len(demo.charges())  # most are paid


def test_a_handful_in_arrears_some_of_them_leased():
    units = by_id(demo.units(), "unit_id")
    owing = {u: balance(u) for u in units if balance(u) > 0}
    assert owing == demo.outstanding_by_unit()
    assert 3 <= len(owing) <= 12
    assert set(owing) == set(demo.ARREARS) | set(demo.PART_PAID)
    assert sum(1 for u in owing if units[u]["tenant_party_id"]) >= 2


def test_demo_happy_unit_is_leased_and_paid_up():
    u = by_id(demo.units(), "unit_id")[demo.DEMO_HAPPY_UNIT]
    assert u["tenant_party_id"] == demo.DEMO_HAPPY_TENANT
    assert balance(demo.DEMO_HAPPY_UNIT) == Decimal("0.00")
    unit = Unit(**{k: u[k] for k in ("unit_id", "building", "kind", "owner_party_id", "tenant_party_id")})
    validate_move_out_request(unit, demo.DEMO_HAPPY_TENANT, date(2026, 11, 30), "客户同意函", "restore", date(2026, 11, 22))


def test_demo_arrears_unit_is_leased_and_owes():
    u = by_id(demo.units(), "unit_id")[demo.DEMO_ARREARS_UNIT]
    assert u["tenant_party_id"] == demo.DEMO_ARREARS_TENANT
    assert balance(demo.DEMO_ARREARS_UNIT) == demo.DEMO_ARREARS_AMOUNT > 0


def test_open_repairs():
    ids = {u["unit_id"] for u in demo.units()}
    repairs = demo.open_repairs()
    assert len({r["repair_id"] for r in repairs}) == len(repairs)
    for r in repairs:
        assert r["unit_id"] is None or r["unit_id"] in ids
        assert r["category"] in demo.REPAIR_CATEGORIES
        assert r["responsible"] in demo.RESPONSIBLE_PARTIES
        assert r["status"] == "open" and re.match(r"^\d{4}-\d{2}-\d{2}$", r["reported_on"])
    wall = [r for r in repairs if r["unit_id"] == "1-1-401"]
    assert wall and wall[0]["category"] == "土建" and "墙面裂缝" in wall[0]["summary"]
    assert any(r["unit_id"] is None for r in repairs)  # the pump room
