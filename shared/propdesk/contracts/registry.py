"""The contract registry: one marshmallow schema per (event type, version).

Producers validate a payload before it enters the outbox (a bug shows at the commit, not in
another department); consumers load it with the same schema, ignoring unknown fields, so
contracts can grow additively. A breaking change is a new version registered beside the old.
`docs/events.md` is generated from this registry (`propdesk docs`), and a test fails when stale.
"""
from __future__ import annotations

from dataclasses import dataclass

from marshmallow import EXCLUDE, Schema
from marshmallow import ValidationError as SchemaError


class UnknownContract(LookupError):
    """An event type/version that no contract describes: the consumer dead-letters it."""


@dataclass(frozen=True)
class Contract:
    event_type: str
    version: int
    producer: str
    schema: type[Schema]
    doc: str


_REGISTRY: dict[tuple[str, int], Contract] = {}


def contract(event_type: str, version: int, producer: str):
    """Class decorator registering a payload schema as the contract for event_type@version."""

    def register(schema_cls: type[Schema]) -> type[Schema]:
        key = (event_type, version)
        if key in _REGISTRY:
            raise ValueError(f"contract {event_type} v{version} registered twice")
        # on this schema only: `schema_cls.Meta` may be marshmallow's base Meta, and setting it there
        # made every Schema class defined afterwards silently drop unknown fields
        schema_cls.opts.unknown = EXCLUDE
        _REGISTRY[key] = Contract(
            event_type, version, producer, schema_cls, (schema_cls.__doc__ or "").strip()
        )
        return schema_cls

    return register


def get(event_type: str, version: int) -> Contract:
    _load_catalog()
    try:
        return _REGISTRY[(event_type, version)]
    except KeyError:
        raise UnknownContract(f"no contract for {event_type} v{version}") from None


def latest_version(event_type: str) -> int:
    _load_catalog()
    versions = [v for (t, v) in _REGISTRY if t == event_type]
    if not versions:
        raise UnknownContract(f"no contract for {event_type}")
    return max(versions)


def all_contracts() -> list[Contract]:
    _load_catalog()
    return sorted(_REGISTRY.values(), key=lambda c: (c.event_type, c.version))


def breach_event_types() -> tuple[str, ...]:
    """The event types that announce a passed deadline: their contract subclasses
    `propdesk.contracts.events._fields.DeadlineBreach` (notify tells whom they name)."""
    from propdesk.contracts.events._fields import DeadlineBreach

    return tuple(sorted({c.event_type for c in all_contracts() if issubclass(c.schema, DeadlineBreach)}))


def validate_payload(event_type: str, version: int, payload: dict) -> dict:
    """Load (validate) a payload against its contract and return it in JSON form.

    Raises `SchemaError` (marshmallow.ValidationError) naming the field on a bad payload."""
    schema = _schema_instance(event_type, version)
    return schema.dump(schema.load(payload))


_INSTANCES: dict[tuple[str, int], Schema] = {}


def _schema_instance(event_type: str, version: int) -> Schema:
    """One schema instance per contract, built on first use: every emit and every received event
    validates, and building the schema each time cost more than the validation (bench S1)."""
    key = (event_type, version)
    schema = _INSTANCES.get(key)
    if schema is None:
        schema = _INSTANCES[key] = get(event_type, version).schema()
    return schema


def _load_catalog() -> None:
    # the catalog's modules (one per producer) register every contract on import
    from propdesk.contracts import events  # noqa: F401


__all__ = [
    "Contract", "SchemaError", "UnknownContract", "all_contracts", "breach_event_types", "contract", "get",
    "latest_version", "validate_payload",
]
