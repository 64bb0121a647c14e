"""notify's database: the declarative base the messages workflow's tables are declared on
(`workflows/messages/models.py`). `service.py` imports every table through `messages.py`, so
`Base.metadata` holds them all when the service (or Alembic) runs. notify takes no commands, so it
keeps no idempotency keys."""
from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass
