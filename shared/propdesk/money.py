"""Money, one way: amounts are `Decimal` yuan (元) to the cent.

- `money(x)` is the wire form every event and RPC answer carries: ``"1234.50"`` (never ``"-0.00"``).
- `yuan(x)` is the office-readable form for messages and desk texts: ``"¥1,234.50"``.
Plain Python, so pure domain modules may use it.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

CENT = Decimal("0.01")


def money(amount) -> str:
    """``Decimal("1234.5")`` -> ``"1234.50"``; zero is always ``"0.00"``."""
    value = Decimal(amount).quantize(CENT)
    return str(value if value != 0 else CENT * 0)


def yuan(amount) -> str:
    """``"1234.5"`` -> ``"¥1,234.50"``; a value that is not a number is shown as given."""
    try:
        return f"¥{Decimal(str(amount)).quantize(CENT):,}"
    except (InvalidOperation, ValueError):
        return f"¥{amount}"
