"""The event catalog (domain.md §8) as contracts, one module per producing service
(`events/<producer>.py`): payload schemas and their producer. Importing this package registers
every contract; a new producer is a new module here, found on disk.

Only the events a running service emits are registered; the catalog grows with the services.
Money travels as a string with two decimals ("1234.50"), dates as ISO 8601. The consumers of each
event are derived from the services' subscription tables (`propdesk.contracts.docs`).
"""
from __future__ import annotations

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")
