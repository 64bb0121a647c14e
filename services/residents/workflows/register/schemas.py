"""The register's query arguments (what the desk is shown is `propdesk.contracts.rpc.UnitSchema`)."""
from __future__ import annotations

from marshmallow import Schema

from propdesk.chassis.edge import Flag, RecordId


class ListUnitsArgs(Schema):
    leased_only = Flag(load_default=False)


class UnitIdArgs(Schema):
    unit_id = RecordId(max_len=32)
