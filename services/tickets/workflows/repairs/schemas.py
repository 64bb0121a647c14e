"""The repairs' query arguments (what the desk is shown is `propdesk.contracts.rpc.RepairSchema`)."""
from __future__ import annotations

from marshmallow import Schema

from propdesk.chassis.edge import OptionalText


class ListRepairsArgs(Schema):
    #: no fixed list yet: the repair workflow (domain.md §2.2) will bring its statuses to the vocabulary
    status = OptionalText()
