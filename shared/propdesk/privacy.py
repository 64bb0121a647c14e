"""Personal numbers kept out of lists, logs, events, audit details and metrics.

A resident ID number (居民身份证号: 17 digits and a check digit, ``\\d{17}[\\dXx]``, valid by ISO 7064
MOD 11-2) and a mobile phone number (``1[3-9]`` and nine digits) are masked wherever they would
travel beyond the record they belong to, including inside free text: an ID number typed into a
consent reference or a defect note is masked in the event, the list, the log line and the audit
row; the record's own page shows what was typed, to the roles that need it.

    mask_text("身份证 11010519491231002X，电话 13812345678")
    -> "身份证 110105********002X，电话 138****5678"

Masking keeps enough to recognise a number a person has in hand (region and birth-year digits are
dropped, the last four kept), and never touches a digit run that is not such a number (a work order
``WO-20261122-0001``, an amount, a 16-digit bank reference).
"""
from __future__ import annotations

import re

_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9A-Za-z])(1[3-9]\d{9})(?![0-9A-Za-z])")  # not inside a hex id (a uuid's digits)
_ELEVEN_DIGITS = re.compile(r"\d{11}")  # in every number either pattern masks: text without it is left as it is
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def valid_id_number(value: str) -> bool:
    """Whether `value` is an 18-character resident ID number with a valid check digit."""
    if len(value) != 18 or not value[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _WEIGHTS))
    return _CHECK[total % 11] == value[17].upper()


def _mask_id(match: re.Match) -> str:
    number = match.group(1)
    return number[:6] + "*" * 8 + number[-4:] if valid_id_number(number) else number


def _mask_mobile(match: re.Match) -> str:
    number = match.group(1)
    return number[:3] + "****" + number[-4:]


def mask_text(text: str) -> str:
    """`text` with every valid ID number and mobile number in it masked."""
    if not text or len(text) < 11 or not _ELEVEN_DIGITS.search(text):
        return text
    return _MOBILE.sub(_mask_mobile, _ID_NUMBER.sub(_mask_id, text))


class Masked(list):
    """A list (as JSON) whose personal numbers are already masked: `mask` returns it as it is, so an
    answer masked by its department is not walked again by the chassis (bench T1). Made by code
    that put every string of it through `mask_text` (a department's fast list dump,
    services/tickets/dumping.py); add nothing to it afterwards."""

    __slots__ = ()


def mask(value):
    """`value` (a string, or dicts and lists of them, as JSON) with every personal number masked."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: mask(v) for k, v in value.items()}
    if isinstance(value, Masked):
        return value
    if isinstance(value, (list, tuple)):
        return [mask(v) for v in value]
    return value
