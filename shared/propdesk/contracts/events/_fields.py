"""Field types the event contracts share."""
from __future__ import annotations

from marshmallow import fields, validate

MONEY = validate.Regexp(r"^-?\d+\.\d{2}$", error="money as a string with two decimals, e.g. 1234.50")


class Money(fields.String):
    """An amount in yuan as a string with two decimals ("1234.50")."""

    def __init__(self, **kwargs):
        super().__init__(validate=MONEY, **kwargs)
