"""The gate (门岗): a guard scans a release slip's QR code with a phone, or types its number, sees
the goods line by line, and releases them (ticking the large and valuable lines checked) or
refuses them with the reason. Nothing is decided here: access says whether the token is genuine
and the slip unused (`verify_slip_token`; a typed number: `check_release_slip`), and gives or refuses the release (`release_at_gate`,
`refuse_at_gate`: security only, the department checks)."""
from __future__ import annotations

import re

from propdesk.errors import ValidationError

#: A slip number as the guard types it (RS-20261130-0001).
SLIP_NO = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,31}")
#: Why a genuine slip cannot be used now, in the guard's words (access's reasons).
WHY_NOT = {
    "forged": ("放行条无效（伪造或被改动）", "Not a genuine slip (forged or altered)"),
    "unknown_slip": ("查无此放行条", "No such slip"),
    "released_once": ("已放行过，放行条只能使用一次", "Already released: a slip is used once"),
    "used_once": ("已使用（放行或拒绝），放行条只能使用一次", "Already used: a slip is used once"),
    "not_valid": ("放行条已作废", "The slip is no longer valid"),
    "issued": ("放行条尚未签发（待业主确认、财务核费或经理会签）",
               "Not issued yet (waiting for the owner, the fee check or the manager's countersignature)"),
}


def why_not(reason: str | None, lang: str) -> str:
    zh, en = WHY_NOT.get(reason or "", (reason or "", reason or ""))
    return en if lang == "en" else zh


def look_up(view, token: str | None, slip_no: str | None) -> dict | None:
    """The check of a scanned token, or of a typed number (the same shape): None when neither."""
    if token:
        return view.remote.call("access", "verify_slip_token", token[:512])
    if slip_no:
        slip_no = slip_no.strip().upper()
        if not SLIP_NO.fullmatch(slip_no):
            raise ValidationError.one("slip_no", "format", "a slip number such as RS-20261130-0001")
        return view.remote.call("access", "check_release_slip", slip_no)
    return None


def checked_lines(form) -> list[int]:
    """The line numbers the guard ticked (large and valuable goods checked)."""
    out = []
    for value in form.getlist("checked"):
        if value.isdigit() and len(value) < 4:
            out.append(int(value))
    return sorted(set(out))
