"""Storage's handlers (寄存, domain.md §2.11): store, collect; the timer flags deposits over 3 days.

Numbers ``JC-yyyymmdd-nnnn`` (寄存). Events are the catalog's ``parcel.*`` (domain.md §8: "parcel
storage"): ``parcel.stored``, ``parcel.overdue`` (notify contacts the depositor), ``parcel.collected``.
"""
from __future__ import annotations

from sqlalchemy import select, update

from propdesk.chassis import records
from propdesk.chassis.estates import within
from propdesk.privacy import mask_text
from propdesk_services.access.workflows.registers import estate_for, queue_item
from propdesk_services.access.workflows.storage import domain
from propdesk_services.access.workflows.storage.models import StoredItem
from propdesk_services.access.workflows.storage.schemas import StoredItemSchema

SERIES = "JC"
_ITEM = StoredItemSchema()
LIST_LIMIT = 200
BATCH = 200


def _deposit(session, storage_no: str, estates, *, lock: bool = False) -> StoredItem:
    return records.one(session, StoredItem.storage_no, storage_no, estates, what="deposit", field="storage_no", lock=lock)


def get_stored_item(args: dict, reader) -> dict:
    """One deposit of the storage log (the depositor's phone in full, to contact them)."""
    return _ITEM.dump(_deposit(reader.session, args["storage_no"], reader.estates))


def list_stored_items(args: dict, reader) -> list[dict]:
    """The storage log of the asker's estates, newest first (at most 200), phones masked."""
    rows = records.listing(reader, StoredItem, args, equals=("state", "unit_id"),
                           search=(StoredItem.depositor_name, StoredItem.storage_no,), newest=(StoredItem.id,), limit=LIST_LIMIT)
    out = _ITEM.dump(rows, many=True)
    for row in out:
        row["depositor_phone"] = mask_text(row["depositor_phone"]) if row["depositor_phone"] else None
    return out


def possible_actions(storage_no: str, reader) -> list[str]:
    return domain.next_commands(_deposit(reader.session, storage_no, reader.estates))


def storage_overdue(args: dict, reader) -> list[dict]:
    """Deposits more than 3 days on the shelf: contact the depositor. Oldest first."""
    now = reader.now()
    stmt = within(select(StoredItem), StoredItem.estate, reader.estates).where(
        StoredItem.state != domain.COLLECTED, StoredItem.overdue_at <= now)
    return [queue_item("stored_item", r.storage_no, r.depositor_name,
                       f"{r.unit_id or ''} · {', '.join(i['name'] for i in r.items)}"
                       + (f" · {r.contacts[-1]['outcome']}" if r.contacts else ""), r.stored_at, r.overdue_at, now,
                       r.stored_by)
            for r in reader.session.scalars(stmt.order_by(StoredItem.stored_at, StoredItem.id).limit(LIST_LIMIT))]


def deposit_item(cmd, uow) -> dict:
    """物品寄存: each item's name, quantity and features logged, the depositor signs. Refused with
    the reason (items.N.kind/not_storable) for flammable, explosive or toxic goods, cash,
    securities, valuables or anything unsuitable. Emits ``parcel.stored``."""
    data = cmd.data
    domain.validate_deposit(data)
    estate = estate_for(cmd, data.get("unit_id"), data.get("estate"))
    number, now = uow.next_number(SERIES), uow.now()
    uow.correlation_id = number
    row = StoredItem(storage_no=number, estate=estate, depositor_name=data["depositor_name"].strip(),
                     depositor_phone=data.get("depositor_phone"), unit_id=data.get("unit_id"),
                     items=[{**i, "name": i["name"].strip()} for i in data["items"]], shelf=data.get("shelf"),
                     state=domain.STORED, contacts=[], stored_at=now, stored_by=cmd.actor.id,
                     overdue_at=now + domain.OVERDUE_AFTER)
    uow.session.add(row)
    uow.emit_all(domain.stored(row))
    uow.audit("stored_item.store", "stored_item", number, {"items": len(row.items), "shelf": row.shelf})
    uow.session.flush()
    return _ITEM.dump(row)


def collect_stored_item(cmd, uow) -> dict:
    """寄存取件: identity verified, the collector signs; the retrieval time and the staff member are
    recorded. Emits ``parcel.collected``; Conflict (storage_no, not_collected) a second time."""
    row = _deposit(uow.session, cmd.data["storage_no"], cmd.estates, lock=True)
    uow.correlation_id = row.storage_no
    now = uow.now()
    uow.emit_all(domain.collect(row, cmd.data, now))
    row.collected_at, row.collector_name, row.collected_by = now, cmd.data["collector_name"].strip(), cmd.actor.id
    uow.audit("stored_item.collect", "stored_item", row.storage_no, {"collector": row.collector_name})
    return _ITEM.dump(row)


def record_depositor_contacted(cmd, uow) -> dict:
    """联系寄存人: the desk contacted the depositor of an overdue deposit; the outcome is logged on
    the deposit (it stays overdue until collected). Conflict (storage_no, not_collected) once collected."""
    row = _deposit(uow.session, cmd.data["storage_no"], cmd.estates, lock=True)
    uow.correlation_id = row.storage_no
    row.contacts = [*(row.contacts or []), domain.record_contact(row, cmd.data["outcome"], cmd.actor.id, uow.now())]
    uow.audit("stored_item.contact", "stored_item", row.storage_no, {"outcome": cmd.data["outcome"]})
    return _ITEM.dump(row)


def flag_overdue_storage(db) -> int:
    """Deposits more than 3 days on the shelf are flagged (``parcel.overdue`` once each)."""
    now = db.clock.now()
    with db.session() as s:
        due = s.scalars(select(StoredItem.id).where(StoredItem.state == domain.STORED, StoredItem.overdue_at <= now)
                        .order_by(StoredItem.overdue_at, StoredItem.id).limit(BATCH)).all()
    done = 0
    for item_id in due:
        with db() as uow:
            row = uow.session.get(StoredItem, item_id)
            if not domain.due_overdue(row, now):
                continue
            claimed = uow.session.execute(update(StoredItem).where(
                StoredItem.id == item_id, StoredItem.state == domain.STORED
            ).values(state=domain.OVERDUE).execution_options(synchronize_session=False)).rowcount
            if claimed != 1:
                continue
            uow.correlation_id = row.storage_no
            uow.emit_all(domain.flag_overdue(row, now))
            uow.audit("stored_item.overdue", "stored_item", row.storage_no, {})
            uow.commit()
            done += 1
    return done
