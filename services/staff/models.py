"""staff's database: the declarative base every workflow's tables are declared on, and the chassis
tables a service with commands keeps (idempotency keys). Each workflow's tables are in its own folder
(`workflows/<workflow>/models.py`); `service.py` imports them all through `messages.py`, so
`Base.metadata` holds every table when the service (or Alembic) runs."""
from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from propdesk.chassis.idempotency import idempotency_table


class Base(DeclarativeBase):
    pass


#: idempotency keys of this service's commands, kept with their results (chassis/idempotency.py).
#: The commands that carry or answer a secret refuse a key (`Command(..., keyless=True)` in messages.py).
IDEMPOTENCY_KEYS = idempotency_table(Base.metadata)
