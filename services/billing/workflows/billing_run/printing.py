"""The printable 《缴费通知单》 and 《催款通知单》: PDF with the Chinese text's font embedded (WeasyPrint
renders HTML with the system's Noto Sans CJK, Debian's fonts-noto-cjk; only the glyphs used are
embedded, so the PDF prints the same anywhere). Conventions §2b: reportlab's CJK fonts are not
embedded, WeasyPrint's are.

A machine without a CJK font would print empty boxes (豆腐块): that is refused loudly
(`MissingCJKFont`, a fault the operator fixes with ``apt-get install fonts-noto-cjk``), never printed.
"""
from __future__ import annotations

import functools
import subprocess
from datetime import datetime
from decimal import Decimal

from jinja2 import Environment

from propdesk.chassis.calendar import OFFICE_TZ
from propdesk.contracts.vocab import ESTATES, FEE_BASES, FEE_ITEMS

FONT_FAMILY = "Noto Sans CJK SC"

_STYLE = """
@page { size: A4; margin: 18mm 16mm; }
body { font-family: "Noto Sans CJK SC", sans-serif; font-size: 10.5pt; color: #000; }
h1 { text-align: center; font-size: 18pt; letter-spacing: 6pt; margin: 0 0 4mm; }
.org { text-align: center; margin-bottom: 6mm; }
table { width: 100%; border-collapse: collapse; margin: 3mm 0; }
th, td { border: 0.6pt solid #000; padding: 1.6mm 2mm; }
th { background: #eee; font-weight: bold; }
td.num { text-align: right; }
.meta td { border: none; padding: 0.8mm 0; }
.total td { font-weight: bold; }
.sign { margin-top: 14mm; width: 100%; }
.sign td { border: none; padding-top: 10mm; }
.note { margin-top: 6mm; font-size: 9pt; }
"""

_FEE_NOTICE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>{{ style | safe }}</style></head><body>
<h1>缴费通知单</h1>
<div class="org">{{ estate }}管理处</div>
<table class="meta">
<tr><td>通知单号:{{ n.notice_no or "(草稿)" }}</td><td>计费月份:{{ n.period }}</td></tr>
<tr><td>单元:{{ n.unit_id }}</td><td>缴费人:{{ n.payer_party_id or "" }}</td></tr>
<tr><td>开具日期:{{ issued or "" }}</td><td></td></tr>
</table>
<table>
<tr><th>收费项目</th><th>月份</th><th>计费依据</th><th>数量</th><th>单价(元)</th><th>金额(元)</th></tr>
{% for x in n.lines %}<tr><td>{{ item(x.item) }}</td><td>{{ x.period }}</td><td>{{ basis(x.basis) }}{% if x.description %}({{ x.description }}){% endif %}</td>
<td class="num">{{ x.quantity or "" }}</td><td class="num">{{ x.unit_price or "" }}</td><td class="num">{{ x.amount }}</td></tr>
{% endfor %}
<tr class="total"><td colspan="5">本期应缴合计</td><td class="num">{{ n.amount }}</td></tr>
<tr><td colspan="5">往期欠费</td><td class="num">{{ n.arrears_before }}</td></tr>
<tr class="total"><td colspan="5">应缴总额</td><td class="num">{{ total }}</td></tr>
</table>
<p class="note">请于收到本通知后及时缴纳。如有疑问,请与管理处财务联系。</p>
<table class="sign"><tr><td>签收人:______________</td><td>签收日期:______________</td><td>送达人:______________</td></tr></table>
</body></html>"""

_DUNNING = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>{{ style | safe }}</style></head><body>
<h1>催款通知单</h1>
<div class="org">{{ estate }}管理处</div>
<table class="meta">
<tr><td>通知单号:{{ d.dunning_no }}</td><td>单元:{{ d.unit_id }}</td></tr>
<tr><td>缴费人:{{ d.payer_party_id or "" }}</td><td>开具日期:{{ issued }}</td></tr>
</table>
<p>贵户尚欠以下月份费用:{{ d.periods | join("、") }},合计人民币 <b>{{ d.amount_due }}</b> 元。请于收到本通知后尽快缴纳。</p>
<table class="sign"><tr><td>签收人:______________</td><td>签收日期:______________</td><td>送达人:______________</td></tr></table>
</body></html>"""

_ENV = Environment(autoescape=True)


class MissingCJKFont(RuntimeError):
    """No Chinese font on this machine: a PDF would print empty boxes."""


@functools.lru_cache(maxsize=1)
def _cjk_font_installed() -> bool:
    try:
        out = subprocess.run(["fc-list", f":family={FONT_FAMILY}", "family"], capture_output=True, text=True,
                             timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return FONT_FAMILY in out


def _pdf(html: str) -> bytes:
    if not _cjk_font_installed():
        raise MissingCJKFont(f"the font {FONT_FAMILY!r} is not installed (Debian: apt-get install fonts-noto-cjk)")
    import weasyprint  # heavy: imported when a notice is printed, not when the service starts

    return weasyprint.HTML(string=html).write_pdf()


def _day(value) -> str:
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(OFFICE_TZ).strftime("%Y年%m月%d日")


def fee_notice_pdf(notice: dict) -> bytes:
    """The 《缴费通知单》 of a notice as `get_fee_notice` answers it."""
    total = Decimal(notice["amount"]) + Decimal(notice["arrears_before"])
    html = _ENV.from_string(_FEE_NOTICE).render(
        style=_STYLE, n=notice, estate=ESTATES.label(notice["estate"]), issued=_day(notice.get("issued_at")),
        total=f"{total:.2f}", item=FEE_ITEMS.label, basis=FEE_BASES.label)
    return _pdf(html)


def dunning_notice_pdf(dunning: dict) -> bytes:
    """The 《催款通知单》 of a dunning notice as `get_dunning_notice` answers it."""
    html = _ENV.from_string(_DUNNING).render(style=_STYLE, d=dunning, estate=ESTATES.label(dunning["estate"]),
                                             issued=_day(dunning.get("issued_at")))
    return _pdf(html)
