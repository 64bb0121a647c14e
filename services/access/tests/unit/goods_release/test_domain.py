"""The desk's release slips, pure rules (物品放行条, domain.md §2.7): the steps each variant waits for,
in order; masking; the gate; the valid-slip test of the KPI."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

import pytest

from propdesk.errors import Conflict, ValidationError
from propdesk_services.access.workflows.goods_release import domain

AT = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)


@dataclass
class Slip:
    slip_no: str = "FX-20261130-0001"
    unit_id: str = "1-1-401"
    estate: str = "E1"
    move_out_id: str | None = None
    variant: str = "owner"
    moving: bool = False
    state: str = "ISSUED"
    applicant_type: str = "owner"
    signatures: list = field(default_factory=list)
    issued_at: datetime | None = None
    released_at: datetime | None = None
    released_by: str | None = None
    refusal_reason: str | None = None
    clearance_ref: str | None = None
    goods: list = field(default_factory=list)
    token_nonce: str | None = None


@pytest.mark.parametrize("variant, moving, steps", [
    ("owner", False, []),
    ("owner", True, ["FEE_CLEARANCE"]),
    ("non_owner", False, ["OWNER_CONFIRMATION"]),
    ("non_owner", True, ["OWNER_CONFIRMATION", "FEE_CLEARANCE"]),
    ("contractor", False, []),
    ("no_specimen", False, ["COUNTERSIGNATURE"]),
    ("no_specimen", True, ["FEE_CLEARANCE", "COUNTERSIGNATURE"]),
])
def test_each_variant_waits_for_its_steps_in_order(variant, moving, steps):
    assert domain.steps(variant, moving) == steps


def test_personal_numbers_are_kept_masked():
    assert domain.masked_number("11010519491231002X") == "110105********002X"
    assert domain.masked_number("13812345678") == "138****5678"
    assert domain.masked_number("E12345678") == "*****5678"
    assert domain.masked_number("123") == "***"
    assert domain.masked_number("  ") is None


def test_goods_text_flags_large_and_valuable_lines():
    lines = domain.goods_lines([{"description": " 冰箱 ", "quantity": 1, "large": True},
                                {"description": "首饰盒", "quantity": 2, "valuable": True},
                                {"description": "纸箱", "quantity": 5}])
    assert domain.goods_text(lines) == ["冰箱 ×1 [大件 large]", "首饰盒 ×2 [贵重 valuable]", "纸箱 ×5"]
    assert domain.flagged_lines(lines) == [1, 2]


def test_an_unknown_variant_is_refused():
    with pytest.raises(ValidationError) as info:
        domain.validate_request({"variant": "move_out", "items": [{"description": "x", "quantity": 1}]})
    assert ("variant", "one_of") in {(p.field, p.rule) for p in info.value.problems}


def test_the_gate_uses_a_slip_once():
    slip = Slip()
    domain.release(slip, [], "guard-07", [], AT)
    assert (slip.state, slip.released_by) == ("RELEASED", "guard-07")
    with pytest.raises(Conflict) as info:
        domain.refuse(slip, "guard-07", "x", AT)
    assert info.value.rule == "released_once"
    refused = Slip()
    domain.refuse(refused, "guard-07", "物品不符", AT)
    with pytest.raises(Conflict) as info:
        domain.release(refused, [], "guard-07", [], AT)
    assert info.value.rule == "used_once"
    for state, rule in (("REJECTED", "not_valid"), ("CANCELLED", "not_valid"), ("FEE_CLEARANCE", "issued")):
        with pytest.raises(Conflict) as info:
            domain.check_usable(Slip(state=state))
        assert info.value.rule == rule


def test_a_valid_slip_has_every_signature_its_variant_needs():
    def released(**kw):
        return Slip(issued_at=AT, released_at=AT, state="RELEASED", **kw)

    assert domain.valid_slip(released(signatures=[{"as": "owner"}, {"as": "front_desk"}]))
    assert not domain.valid_slip(released(signatures=[{"as": "owner"}]))
    assert not domain.valid_slip(released(variant="no_specimen",
                                          signatures=[{"as": "client"}, {"as": "front_desk"}]))
    assert domain.valid_slip(released(variant="no_specimen",
                                      signatures=[{"as": "client"}, {"as": "front_desk"}, {"as": "manager"}]))
    assert not domain.valid_slip(released(moving=True, signatures=[{"as": "owner"}, {"as": "front_desk"}]))
    assert domain.valid_slip(released(variant="move_out", clearance_ref="evt-1"))
    assert not domain.valid_slip(Slip(issued_at=None, released_at=AT))


def test_what_each_state_allows():
    assert domain.next_commands(Slip(state="COUNTERSIGNATURE")) == ["countersign_release_slip", "cancel_release_slip"]
    assert domain.next_commands(Slip(state="ISSUED", variant="move_out")) == ["release_at_gate", "refuse_at_gate"]
    assert domain.next_commands(Slip(state="RELEASED")) == []
