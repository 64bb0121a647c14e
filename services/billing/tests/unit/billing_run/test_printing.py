"""The printable notices: a PDF whose Chinese font is embedded (a subset of Noto Sans CJK), with
the notice's own words; another estate's notice is not printed."""
from __future__ import annotations

import base64
import re
import zlib

import pytest

from propdesk.errors import NotFound
from propdesk_services.billing.tests.unit.billing_run.support import harness, issued_run, notices
from propdesk_services.billing.tests.unit.cycle import CS, only
from propdesk_services.billing.workflows.billing_run import printing

pytestmark = pytest.mark.skipif(not printing._cjk_font_installed(),
                                reason="no CJK font on this machine (Debian: fonts-noto-cjk)")


def _objects(pdf: bytes) -> bytes:
    """The PDF with its compressed streams inflated (fonts are described inside object streams)."""
    out = [pdf]
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            out.append(zlib.decompress(m.group(1)))
        except zlib.error:
            pass
    return b"".join(out)


def test_a_fee_notice_prints_as_a_pdf_with_its_chinese_font_embedded():
    app = harness()
    run = issued_run(app)
    [n] = notices(app, run["run_id"], unit_id="1-1-101")
    out = app.query("print_fee_notice", n["notice_id"], actor=only(CS, "E1"))
    assert (out["filename"], out["content_type"]) == (f"{n['notice_no']}.pdf", "application/pdf")
    pdf = base64.b64decode(out["content_base64"])
    body = _objects(pdf)
    assert pdf.startswith(b"%PDF-") and b"/FontFile3" in body
    assert re.search(rb"/BaseFont\s*/[A-Z]{6}\+Noto-Sans-CJK-SC", body)  # a subset, embedded
    with pytest.raises(NotFound):
        app.query("print_fee_notice", n["notice_id"], actor=only(CS, "E2"))


def test_the_html_names_the_notices_lines_in_the_offices_words():
    notice = {"notice_no": "FN-20261120-0001", "period": "2026-11", "unit_id": "1-1-101", "estate": "E1",
              "payer_party_id": "OWN-1-1-101", "issued_at": "2026-11-20T02:00:00+00:00", "amount": "163.45",
              "arrears_before": "10.00", "lines": [{"item": "property_fee", "period": "2026-11", "basis": "per_area",
                                                   "description": None, "quantity": "65.3800",
                                                   "unit_price": "2.5000", "amount": "163.45"}]}
    html = printing._ENV.from_string(printing._FEE_NOTICE).render(
        style="", n=notice, estate="阳光花园", issued=printing._day(notice["issued_at"]), total="173.45",
        item=printing.FEE_ITEMS.label, basis=printing.FEE_BASES.label)
    for words in ("缴费通知单", "阳光花园管理处", "物业服务费", "按建筑面积×单价", "173.45", "2026年11月20日", "签收人"):
        assert words in html


def test_a_dunning_notice_prints():
    from datetime import datetime, timezone

    from propdesk_services.billing.tests.unit.billing_run.support import drive
    from propdesk_services.billing.tests.unit.cycle import CASHIER, SUPERVISOR

    app = harness(datetime(2026, 9, 20, 2, 0, tzinfo=timezone.utc))
    run = app.command("start_billing_run", {"period": "2026-09", "estate": "E2"}, SUPERVISOR)
    drive(app)
    app.command("review_billing_run", {"run_id": run["run_id"], "decision": "approve"}, SUPERVISOR)
    app.command("issue_billing_run", {"run_id": run["run_id"]}, CASHIER)
    drive(app)
    app.clock.set(datetime(2026, 10, 20, 16, 1, tzinfo=timezone.utc))
    app.tick("issue_dunning_notices")
    [d, *_] = app.query("list_dunning_notices", "2026-09", None, None)
    out = app.query("print_dunning_notice", d["dunning_id"])
    assert out["filename"] == f"{d['dunning_no']}.pdf" and base64.b64decode(out["content_base64"]).startswith(b"%PDF-")
