"""Render docs/events.md from the contract registry (a test fails when the file is stale)."""
from __future__ import annotations

from marshmallow import fields

from propdesk.contracts.registry import all_contracts

#: Where the catalog's contracts live (tests register toy contracts of their own elsewhere).
CATALOG_MODULES = ("propdesk.contracts.events",)


def _type(field: fields.Field) -> str:
    if isinstance(field, fields.List):
        return f"list[{_type(field.inner)}]"
    names = {fields.String: "string", fields.Boolean: "bool", fields.Integer: "int", fields.Date: "date",
             fields.AwareDateTime: "datetime (UTC)", fields.DateTime: "datetime", fields.Dict: "object",
             fields.Decimal: "decimal"}
    for cls in type(field).__mro__:
        if cls in names:
            label = names[cls]
            break
    else:
        label = type(field).__name__
    if type(field).__name__ == "Money":
        label = "money (\"1234.50\")"
    return label


def subscriptions() -> dict[str, list[str]]:
    """{event type (or "#" for every event): ["<service>.<handler>", ...]}, read from each
    discovered service's subscribing entrypoints (built from its `messages.SUBSCRIPTIONS` table)."""
    from propdesk import plugins
    from propdesk.chassis.messaging import EventSubscriber

    out: dict[str, list[str]] = {}
    for name, cls in plugins.service_classes().items():
        for attr in sorted(dir(cls)):
            for ep in getattr(getattr(cls, attr, None), "nameko_entrypoints", ()):
                if isinstance(ep, EventSubscriber):
                    for event_type in ep.event_types:
                        out.setdefault(event_type, []).append(f"{name}.{attr}")
    return out


def consumers_of(event_type: str, table: dict[str, list[str]] | None = None) -> list[str]:
    """The handlers that consume `event_type` (including those subscribed to every event, "#")."""
    table = subscriptions() if table is None else table
    return sorted(set(table.get(event_type, []) + table.get("#", [])))


def render_events_md() -> str:
    out = [
        "# Events",
        "",
        "Generated from the contract registry (`shared/propdesk/contracts/events/<producer>.py`) by `propdesk docs`;",
        "do not edit by hand. Every event travels in the envelope",
        "`{event_id, event_type, version, occurred_at, producer, correlation_id, causation_id, actor{id,role}, payload}`",
        "on the `propdesk.events` topic exchange with the event type as routing key.",
        "Consumers ignore unknown fields; a breaking change is a new version.",
        "The consumers column is derived from the services' subscription tables (`messages.SUBSCRIPTIONS`):",
        "`<service>.<handler>`, which is also the handler's queue.",
        "",
        "| event | v | producer | consumers |",
        "|---|---|---|---|",
    ]
    # only the catalog's contracts: tests register toy contracts of their own
    contracts = [c for c in all_contracts() if c.schema.__module__.startswith(CATALOG_MODULES)]
    table = subscriptions()
    for c in contracts:
        out.append(f"| [`{c.event_type}`](#{c.event_type.replace('.', '')}-v{c.version}) | {c.version} | "
                   f"{c.producer} | {', '.join(consumers_of(c.event_type, table)) or '—'} |")
    for c in contracts:
        out += ["", f"## {c.event_type} v{c.version}", "", c.doc or "", "",
                "| field | type | required | null |", "|---|---|---|---|"]
        for name, field in c.schema().fields.items():
            out.append(f"| `{name}` | {_type(field)} | {'yes' if field.required else 'no'} | "
                       f"{'yes' if field.allow_none else 'no'} |")
    return "\n".join(out) + "\n"
