"""Matching a bank line to an open fee notice, and a line's identity across imports (pure)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from propdesk.errors import ValidationError
from propdesk_services.billing.workflows.bank_statements import domain, files
from propdesk_services.billing.workflows.bank_statements.domain import Candidate

A = Candidate("n1", "FN-20261120-0001", "1-1-101", D("819.69"), D("0"), date(2026, 11, 20))
B = Candidate("n2", "FN-20261120-0002", "1-1-702", D("651.72"), D("392.60"), date(2026, 11, 20))
C = Candidate("n3", "FN-20261120-0003", "3-1-1502", D("651.72"), D("0"), date(2026, 11, 20))


def line(amount, day=date(2026, 11, 22), reference=None):
    return {"amount": D(amount), "value_date": day, "reference": reference}


def test_amount_and_date_of_exactly_one_notice_match():
    assert domain.match(line("819.69"), [A, B, C]) == (A, None)


def test_the_whole_amount_asked_matches_too():
    assert domain.match(line("1044.32"), [A, B, C]) == (B, None)


def test_a_payment_before_the_notice_or_long_after_does_not_match():
    assert domain.match(line("819.69", date(2026, 11, 19)), [A]) == (None, "no_candidate")
    assert domain.match(line("819.69", date(2027, 2, 18)), [A]) == (A, None)  # 90 days
    assert domain.match(line("819.69", date(2027, 2, 19)), [A]) == (None, "no_candidate")


def test_several_notices_of_the_amount_are_ambiguous_unless_the_reference_names_the_unit():
    assert domain.match(line("651.72"), [A, B, C]) == (None, "ambiguous")
    assert domain.match(line("651.72", reference="物业费 3-1-1502 十一月"), [A, B, C]) == (C, None)
    # 13-1-1502 is not 3-1-1502
    assert domain.match(line("651.72", reference="13-1-1502"), [A, B, C]) == (None, "ambiguous")


def test_a_named_notice_decides_and_must_fit():
    assert domain.match(line("651.72", reference="缴费 FN-20261120-0003"), [A, B, C]) == (C, None)
    assert domain.match(line("100.00", reference="FN-20261120-0003"), [A, B, C]) == (None, "named_notice_differs")
    assert domain.match(line("819.69", reference="FN-20261120-0003"), [A, B, C]) == (None, "named_notice_differs")


def test_a_line_is_known_by_its_serial_or_its_place_among_identical_lines():
    one = {"value_date": date(2026, 11, 22), "amount": D("10"), "payer_name": "李四", "payer_account": None,
           "reference": None, "serial": None}
    assert domain.occurrences([one, dict(one), {**one, "amount": D("11")}]) == [0, 1, 0]
    h0, h1 = domain.line_hash("E1", "cmb", one, 0), domain.line_hash("E1", "cmb", one, 1)
    assert h0 != h1 and h0 == domain.line_hash("E1", "cmb", dict(one), 0)
    with_serial = {**one, "serial": "G123"}
    assert domain.line_hash("E1", "cmb", with_serial, 0) == domain.line_hash("E1", "cmb", with_serial, 5)
    assert domain.line_hash("E2", "cmb", one, 0) != h0


CMB = ("招商银行交易明细\n账号: 7559xxxxxxxx0101,币种: 人民币\n"
       "交易日,交易时间,起息日,交易类型,借方金额,贷方金额,余额,摘要,流水号,业务参考号,收/付方名称,收/付方帐号\n"
       "20261122,10:01:02,20261122,汇入,,819.69,10819.69,物业费,G0001,,王五,6222000011112222\n"
       "20261122,11:00:00,20261122,转出,500.00,,10319.69,手续费,G0002,,,\n")


def test_the_cmb_export_is_read_with_its_preamble_and_debits_skipped():
    layout, lines, debits = files.read_statement("cmb.csv", CMB.encode("gb18030"))
    assert (layout, debits) == ("cmb", 1)
    assert lines == [{"value_date": date(2026, 11, 22), "amount": D("819.69"), "payer_name": "王五",
                      "payer_account": "6222000011112222", "reference": "物业费", "serial": "G0001", "row": 4}]


def test_an_unknown_layout_or_a_bad_line_is_refused():
    with pytest.raises(ValidationError) as err:
        files.read_statement("x.csv", b"a,b,c\n1,2,3\n")
    assert err.value.problems[0].rule == "unknown_layout"
    with pytest.raises(ValidationError) as err:
        files.read_statement("x.csv", "日期,金额\n2026-11-22,abc\n".encode())
    assert err.value.problems[0].rule == "bad_line"
    with pytest.raises(ValidationError) as err:
        files.read_statement("x.pdf", b"")
    assert err.value.problems[0].rule == "file_type"
    with pytest.raises(ValidationError) as err:
        files.decode_content("***", "base64")
    assert err.value.problems[0].rule == "base64"
