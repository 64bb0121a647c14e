"""reports' database: the declarative base every workflow's tables are declared on (the event log,
`workflows/event_log/models.py`; the move-out board, `workflows/move_out_board/models.py`).
`service.py` imports every table through `messages.py`, so `Base.metadata` holds them all when the
service (or Alembic) runs. reports takes no commands, so it keeps no idempotency keys. Times are
stored in UTC."""
from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass
