"""The idempotency-key behaviour every command shares (chassis/idempotency.py), checked against a
real service in a container. Each service's tests/test_idempotency.py hands these a way to send
its command: `send(key, variant)` calls it with that key, `variant` 0 the request, 1 another one."""
from __future__ import annotations

from typing import Callable

import pytest

from propdesk.errors import Conflict, ValidationError
from tests.helpers import call_at_once, table_counts

Send = Callable[[str | None, int], object]


def same_key_same_request(send: Send, db_url: str, effect_tables: tuple[str, ...]) -> None:
    """The second submission answers the first result and writes nothing."""
    first = send("key-same-0001", 0)
    after_first = table_counts(db_url)
    assert send("key-same-0001", 0) == first
    assert table_counts(db_url) == after_first
    assert after_first["idempotency_key"] == 1
    for name in effect_tables:
        assert after_first[name] >= 1, name


def same_key_other_request(send: Send, db_url: str) -> None:
    """A key reused for another request is a Conflict naming the field and the rule; nothing changes."""
    send("key-other-0001", 0)
    before = table_counts(db_url)
    with pytest.raises(Conflict) as err:
        send("key-other-0001", 1)
    assert (err.value.field, err.value.rule) == ("idempotency_key", "reused_with_different_request")
    assert table_counts(db_url) == before


def concurrent_duplicates(container, method: str, args: tuple, kwargs: dict, db_url: str,
                          effect_table: str, copies: int = 4) -> None:
    """Several submissions with one key at once: one effect, every caller gets the same answer."""
    before = table_counts(db_url)
    results = call_at_once(container, method, [(args, {**kwargs, "idempotency_key": "key-race-0001"})] * copies)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert all(r == results[0] for r in results)
    after = table_counts(db_url)
    assert after["idempotency_key"] == before["idempotency_key"] + 1
    assert after[effect_table] - before[effect_table] == 1


def malformed_keys(send: Send, db_url: str) -> None:
    """A key too long, of the wrong type or with other characters: ValidationError naming the
    field and rule, nothing written."""
    before = table_counts(db_url)
    for key, rule in (("k" * 129, "length"), ("", "length"), ("a b", "charset"), (7, "type")):
        with pytest.raises(ValidationError) as err:
            send(key, 0)
        assert [(p.field, p.rule) for p in err.value.problems] == [("idempotency_key", rule)], key
    assert table_counts(db_url) == before
