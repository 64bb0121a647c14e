"""Render docs/events.md from the contract registry (a test fails when the file is stale)."""
from __future__ import annotations

from marshmallow import fields

from propdesk.contracts.registry import all_contracts


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


def render_events_md() -> str:
    out = [
        "# Events",
        "",
        "Generated from the contract registry (`shared/propdesk/contracts/catalog.py`) by `propdesk docs`;",
        "do not edit by hand. Every event travels in the envelope",
        "`{event_id, event_type, version, occurred_at, producer, correlation_id, causation_id, actor{id,role}, payload}`",
        "on the `propdesk.events` topic exchange with the event type as routing key.",
        "Consumers ignore unknown fields; a breaking change is a new version.",
        "",
        "| event | v | producer | consumers |",
        "|---|---|---|---|",
    ]
    # only the catalog's contracts: tests register toy contracts of their own
    contracts = [c for c in all_contracts() if c.schema.__module__ == "propdesk.contracts.catalog"]
    for c in contracts:
        out.append(f"| [`{c.event_type}`](#{c.event_type.replace('.', '')}-v{c.version}) | {c.version} | "
                   f"{c.producer} | {', '.join(c.consumers) or '—'} |")
    for c in contracts:
        out += ["", f"## {c.event_type} v{c.version}", "", c.doc or "", "",
                "| field | type | required | null |", "|---|---|---|---|"]
        for name, field in c.schema().fields.items():
            out.append(f"| `{name}` | {_type(field)} | {'yes' if field.required else 'no'} | "
                       f"{'yes' if field.allow_none else 'no'} |")
    return "\n".join(out) + "\n"
