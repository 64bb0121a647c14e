"""Lists dumped fast: a marshmallow schema's dump of ORM rows without marshmallow's per-field machinery.

The desk's lists (50-200 complaints of ~45 fields each) spent most of their time in marshmallow's
``Field.serialize`` (accessor, ``get_value``, ``missing`` checks) rather than in SQL (bench T1).
`FastDump` walks the same ``dump_fields`` with the same fields' own ``_serialize`` on the row's
loaded values (plain strings and UTC times formatted inline): the same output as ``schema.dump``
(a unit test holds them equal on the demo's rows), several times faster. A value the row has not
loaded, and a computed field (``fields.Function``), go through marshmallow's own
``Field.serialize``; a schema with dump hooks or its own ``get_attribute`` is refused (TypeError),
not half-compiled.

`dump_masked` is the list as the desk reads it: dumped with every string masked on the way, as a
`propdesk.privacy.Masked` list, which the chassis' query pipeline does not walk again.
"""
from __future__ import annotations

from datetime import datetime, timezone

from marshmallow import Schema, fields, missing
from marshmallow.decorators import POST_DUMP, PRE_DUMP

from propdesk.contracts.rpc.common import UtcDateTime
from propdesk.privacy import Masked, mask, mask_text

_COMPUTED, _STRING, _UTC_ISO, _OTHER = range(4)


class FastDump:
    """``schema.dump(rows, many=True)`` for ORM rows (or any objects read by attribute)."""

    def __init__(self, schema: Schema):
        if schema._hooks[PRE_DUMP] or schema._hooks[POST_DUMP]:
            raise TypeError(f"{type(schema).__name__} has dump hooks: dump it with marshmallow")
        if type(schema).get_attribute is not Schema.get_attribute or schema.dict_class is not dict:
            raise TypeError(f"{type(schema).__name__} reads attributes its own way: dump it with marshmallow")
        self.schema = schema
        self._steps = []
        for name, field in schema.dump_fields.items():
            key = field.data_key if field.data_key is not None else name
            attr = field.attribute or name
            if not field._CHECK_ATTRIBUTE or "." in attr:  # a Function/Method field, a dotted path
                kind = _COMPUTED
            elif type(field) is fields.String:
                kind = _STRING
            elif type(field) is UtcDateTime and field.format in (None, "iso", "iso8601"):
                kind = _UTC_ISO
            else:
                kind = _OTHER
            self._steps.append((key, attr, name, field, kind))

    def one(self, row, masking: bool = False) -> dict:
        """One row as ``schema.dump(row)``; with `masking`, every personal number in it masked."""
        out = {}
        loaded = getattr(row, "__dict__", {})  # an ORM row's loaded columns, read without the descriptor
        for key, attr, name, field, kind in self._steps:
            value = missing if kind == _COMPUTED else loaded.get(attr, missing)
            if value is missing:  # computed, or not loaded: as marshmallow reads it
                value = field.serialize(name, row, accessor=self.schema.get_attribute)
                if value is missing:
                    continue
            elif value is None:
                if kind == _OTHER:  # a plain string or a UTC time: None is dumped as None
                    value = field._serialize(None, name, row)
            elif kind == _STRING and type(value) is str:
                pass  # dumped as it is
            elif kind == _UTC_ISO and type(value) is datetime:
                value = (value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)).isoformat()
            else:
                value = field._serialize(value, name, row)
            if masking:
                if type(value) is str:
                    value = mask_text(value)
                elif isinstance(value, (dict, list, tuple)):
                    value = mask(value)
            out[key] = value
        return out

    def many(self, rows) -> list[dict]:
        return [self.one(r) for r in rows]


def dump_masked(dumper: FastDump, rows) -> Masked:
    """`rows` dumped, every personal number in them masked (a list, as JSON)."""
    return Masked([dumper.one(r, masking=True) for r in rows])  # every string masked on the way
