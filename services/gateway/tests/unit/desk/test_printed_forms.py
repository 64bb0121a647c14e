"""The paper forms the generic print view makes of a real department's records (access's 物品搬出放行单
QR-005FW on the harness, demo data): the QR code the guard scans printed on an issued slip (the
kind's ``qr`` query) and none on a slip not yet issued; rows of a record (goods item by item, the
signatures) drawn as tables with their columns' labels, on the record page and the paper form."""
from __future__ import annotations

import re

import pytest

from propdesk import plugins
from propdesk.chassis.clock import FakeClock
from propdesk.testing.fake import ServiceHarness
from propdesk_services.gateway import auth
from propdesk_services.gateway.desk import records
from propdesk_services.gateway.desk.views import DESCRIPTIONS, NAMES

from .test_records import SECRET
from .test_records_departments import Department, Desk, Staff


@pytest.fixture
def access():
    DESCRIPTIONS.clear()
    NAMES.clear()
    records.RECORDS.clear()
    cls = plugins.service_classes(["access"])["access"]
    return ServiceHarness(cls, clock=FakeClock(), demo=True)


@pytest.fixture
def desk(access):
    desk = Desk({"access": Department(access), "staff": Staff()})
    desk.keys = auth.Keys(SECRET)
    return desk


def _slip(access, state: str) -> dict:
    return next(s for s in access.query("find_release_slips") if s["state"] == state)


def _table(html: str, name: str) -> tuple[list[str], list[list[str]]]:
    table = html[html.index(f'data-rows="{name}"'):]
    table = table[:table.index("</table>")]
    heads = re.findall(r"<th>([^<]*)</th>", table)
    rows = [re.findall(r"<td>([^<]*)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1])]
    return heads, rows


def test_an_issued_slip_prints_the_code_the_guard_scans(access, desk):
    slip = _slip(access, "ISSUED")
    html = desk.get(f"/records/access/release_slip/{slip['slip_no']}/print", staff="front_desk").get_data(as_text=True)
    code = re.search(r'<img class="slip-qr" id="paper-qr" src="([^"]+)"', html)
    assert code is not None
    assert code.group(1) == access.query("release_slip_qr", slip["slip_no"])["data_uri"]
    assert "物品搬出放行单 QR-005FW" in html


def test_a_slip_not_issued_yet_prints_without_a_code(access, desk):
    slip = _slip(access, "OWNER_CONFIRMATION")
    r = desk.get(f"/records/access/release_slip/{slip['slip_no']}/print", staff="front_desk")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="paper-form"' in html and 'id="paper-qr"' not in html


@pytest.mark.parametrize("page", ["", "/print"])
def test_goods_and_signatures_are_tables_with_labelled_columns(access, desk, page):
    slip = _slip(access, "ISSUED")
    got = access.query("get_release_slip", slip["slip_no"])
    html = desk.get(f"/records/access/release_slip/{slip['slip_no']}{page}", staff="front_desk",
                    lang="en").get_data(as_text=True)
    heads, rows = _table(html, "lines")
    assert heads == ["Line", "Item", "Quantity", "Large", "Valuable"]
    assert [r[1] for r in rows] == [line["description"] for line in got["lines"]]
    assert [r[2] for r in rows] == [str(line["quantity"]) for line in got["lines"]]
    heads, rows = _table(html, "signatures")
    assert "Signed as" in heads and len(rows) == len(got["signatures"])
    assert "line: 1" not in html and "description:" not in html
