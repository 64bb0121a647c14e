"""The move-out board's edge: `move_out_counts()` takes no arguments. What it answers is
`propdesk.contracts.rpc.MoveOutCountsSchema`, shared with the gateway."""
from __future__ import annotations

from marshmallow import Schema


class NoArgs(Schema):
    """`move_out_counts()`."""
