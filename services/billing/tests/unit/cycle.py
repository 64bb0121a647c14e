"""What the monthly fee cycle's unit tests share: the people acting (by role, domain.md §1.1)."""
from __future__ import annotations

SUPERVISOR = {"id": "fin-sup", "role": "finance_supervisor"}
CASHIER = {"id": "fin-cash", "role": "cashier"}
COUNTER = {"id": "fin-counter", "role": "counter_staff"}
ENGINEER = {"id": "eng-01", "role": "engineering"}
CS = {"id": "cs-01", "role": "cs_assistant"}
FRONT_DESK = {"id": "fd-01", "role": "front_desk"}


def only(actor: dict, *estates: str) -> dict:
    return {**actor, "estates": list(estates)}


def rules(err) -> set[tuple[str, str]]:
    return {(p.field, p.rule) for p in err.problems}
