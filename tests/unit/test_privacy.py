"""Personal numbers (ID and mobile numbers) are masked, in free text too, and nothing else is."""
from __future__ import annotations

from propdesk.privacy import mask, mask_text, valid_id_number


def test_a_valid_id_number_is_masked_and_an_invalid_one_is_left_alone():
    assert valid_id_number("11010519491231002X") and valid_id_number("11010519491231002x")
    assert not valid_id_number("110105194912310021")  # wrong check digit
    assert mask_text("客户同意函 身份证11010519491231002X") == "客户同意函 身份证110105********002X"
    assert mask_text("ref 110105194912310021") == "ref 110105194912310021"


def test_mobile_numbers_are_masked_inside_text_and_other_numbers_are_not():
    assert mask_text("租户电话13812345678请回电") == "租户电话138****5678请回电"
    for untouched in ("WO-20261122-0001", "1234.50", "6222021234567890123", "MO-20261130-0001", "12812345678"):
        assert mask_text(untouched) == untouched


def test_mask_walks_json():
    data = {"defects": ["门锁损坏，联系13812345678"], "n": 3, "ok": True,
            "who": {"id_no": "11010519491231002X"}}
    assert mask(data) == {"defects": ["门锁损坏，联系138****5678"], "n": 3, "ok": True,
                          "who": {"id_no": "110105********002X"}}


def test_the_digits_inside_an_id_are_not_a_phone_number():
    """An event or correlation id (hex) can hold eleven digits that look like a mobile number; it
    is an id, not a number to mask (it would no longer name its record)."""
    assert mask_text("a6f14344097052e8b31231441a469c27") == "a6f14344097052e8b31231441a469c27"
    assert mask_text("电话13912345678，") == "电话139****5678，"


def test_a_list_masked_once_is_not_walked_again():
    """`mask` passes a list marked `Masked` through (a department's list is not masked a second time
    by the chassis), and masks anything else around it."""
    from propdesk.privacy import Masked

    rows = Masked(mask([{"phone": "13812345678", "n": 1}]))
    assert rows == [{"phone": "138****5678", "n": 1}]
    assert mask(rows) is rows
    assert mask({"rows": rows, "note": "电话13912345678"}) == {"rows": rows, "note": "电话139****5678"}


def test_nothing_to_mask_is_returned_as_it_is():
    assert mask_text("") == "" and mask_text(None) is None and mask_text("电话1381234567") == "电话1381234567"
