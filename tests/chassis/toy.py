"""A two-service toy built only from the chassis, used by the chassis tests."""
from __future__ import annotations

from marshmallow import Schema, fields
from nameko.rpc import rpc
from sqlalchemy import Integer, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from propdesk.chassis.db import Database
from propdesk.chassis.messaging import subscribe
from propdesk.chassis.service import PropdeskService
from propdesk.contracts.envelope import Actor
from propdesk.contracts.registry import contract


@contract("toy.parcel_logged", 1, producer="toy_front")
class ParcelLoggedV1(Schema):
    parcel_id = fields.String(required=True)
    fail_times = fields.Integer(required=True)


class FrontBase(DeclarativeBase):
    pass


class Parcel(FrontBase):
    __tablename__ = "parcel"
    parcel_id: Mapped[str] = mapped_column(String(32), primary_key=True)


class BackBase(DeclarativeBase):
    pass


class Seen(BackBase):
    __tablename__ = "seen"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    parcel_id: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str] = mapped_column(String(64))


class Attempts(BackBase):
    __tablename__ = "attempts"
    parcel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class ToyFront(PropdeskService):
    name = "toy_front"
    db = Database(FrontBase.metadata)

    @rpc
    def log_parcel(self, parcel_id: str, fail_times: int = 0) -> str:
        with self.db(actor=Actor("clerk-1", "front_desk")) as uow:
            uow.session.add(Parcel(parcel_id=parcel_id))
            envelope = uow.emit("toy.parcel_logged", {"parcel_id": parcel_id, "fail_times": fail_times})
            uow.audit("parcel.log", "parcel", parcel_id)
            uow.commit()
        return envelope.event_id


class ToyBack(PropdeskService):
    name = "toy_back"
    db = Database(BackBase.metadata)

    @subscribe("toy.parcel_logged")
    def on_parcel_logged(self, event):
        parcel_id = event.payload["parcel_id"]
        # failures are counted outside the unit of work, like a flaky downstream would be
        with self.db.session() as s:
            row = s.get(Attempts, parcel_id) or Attempts(parcel_id=parcel_id, count=0)
            row.count += 1
            s.merge(row)
            s.commit()
            if row.count <= event.payload["fail_times"]:
                raise RuntimeError(f"flaky downstream, attempt {row.count}")
        with self.db() as uow:
            uow.session.add(Seen(parcel_id=parcel_id, event_id=event.event_id))
            uow.commit()

    @rpc
    def seen(self, parcel_id: str) -> int:
        with self.db.session() as s:
            return len(s.scalars(select(Seen).where(Seen.parcel_id == parcel_id)).all())
