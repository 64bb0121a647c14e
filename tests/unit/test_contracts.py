"""The contract registry and the generated event docs."""
from __future__ import annotations

from pathlib import Path

import pytest

from propdesk.contracts import docs, registry
from propdesk.contracts.envelope import Actor, Envelope, new_id, utcnow

ROOT = Path(__file__).resolve().parents[2]


def test_docs_events_md_is_generated_from_the_registry():
    assert (ROOT / "docs" / "events.md").read_text(encoding="utf-8") == docs.render_events_md(), \
        "docs/events.md is stale: run `propdesk docs`"


def test_payloads_are_checked_against_their_contract_and_unknown_fields_ignored():
    ok = registry.validate_payload("payment.received", 1, {
        "payment_id": "p1", "party_id": None, "unit_id": "1-1-401", "amount": "100.00", "method": "cash",
        "receipt_no": "R1", "added_in_a_later_version": True})
    assert "added_in_a_later_version" not in ok
    with pytest.raises(registry.SchemaError) as err:
        registry.validate_payload("payment.received", 1, {"payment_id": "p1", "unit_id": "u", "amount": "1.5",
                                                          "method": "barter", "receipt_no": "R"})
    assert set(err.value.messages) == {"amount", "method", "party_id"}
    with pytest.raises(registry.UnknownContract):
        registry.get("payment.received", 99)


def test_envelope_round_trip_and_rejection():
    env = Envelope(new_id(), "move_out.requested", 1, utcnow(), "residents", "MO-1", None,
                   Actor("fd-1", "front_desk"), {"a": 1})
    assert Envelope.from_json_dict(env.to_json_dict()) == env
    broken = env.to_json_dict()
    del broken["correlation_id"]
    with pytest.raises(registry.SchemaError):
        Envelope.from_json_dict(broken)


def _tables() -> dict[str, list[str]]:
    """{event type: ["<service>.<handler>"]} read straight from each service's messages.SUBSCRIPTIONS."""
    from propdesk import plugins

    out: dict[str, list[str]] = {}
    for name, cls in plugins.service_classes().items():
        for event_type, handlers in getattr(getattr(cls, "messages", None), "SUBSCRIPTIONS", {}).items():
            out.setdefault(event_type, []).extend(f"{name}.{h.__name__}" for h in handlers)
    return out


def test_the_consumers_of_each_event_are_the_subscription_tables():
    tables = _tables()
    for c in registry.all_contracts():
        if not c.schema.__module__.startswith(docs.CATALOG_MODULES):
            continue
        expected = sorted(set(tables.get(c.event_type, []) + tables.get("#", [])))
        assert docs.consumers_of(c.event_type) == expected, c.event_type


def test_every_subscribed_event_has_a_contract():
    known = {c.event_type for c in registry.all_contracts()}
    assert set(_tables()) - known - {"#"} == set()
