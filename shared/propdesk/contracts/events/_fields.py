"""Field types the event contracts share."""
from __future__ import annotations

from marshmallow import fields, validate

MONEY = validate.Regexp(r"^-?\d+\.\d{2}$", error="money as a string with two decimals, e.g. 1234.50")


class Money(fields.String):
    """An amount in yuan as a string with two decimals ("1234.50")."""

    def __init__(self, **kwargs):
        super().__init__(validate=MONEY, **kwargs)


class Estate(fields.String):
    """The estate (管理处) a record belongs to: a code of `vocab.ESTATES`. Added to contracts in
    place, so optional: an event announced before estates were recorded carries none (None)."""

    def __init__(self, **kwargs):
        from propdesk.contracts.vocab import ESTATES

        kwargs.setdefault("load_default", None)
        kwargs.setdefault("allow_none", True)
        super().__init__(validate=validate.OneOf(ESTATES.codes), **kwargs)
