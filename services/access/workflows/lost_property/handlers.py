"""Lost & found's handlers (拾获物品, domain.md §2.10).

Numbers ``SH-yyyymmdd-nnnn`` (拾获). The item number is the case's correlation id. The timer
``flag_unclaimed_lost_items`` flags items still held 3 months after registration (a conditional
update: exactly one ``lost_item.expired`` each, finance told)."""
from __future__ import annotations

from sqlalchemy import select, update

from propdesk.chassis import records
from propdesk.chassis.estates import within
from propdesk_services.access.workflows.lost_property import domain
from propdesk_services.access.workflows.lost_property.models import LostItem
from propdesk_services.access.workflows.lost_property.schemas import LostItemSchema
from propdesk_services.access.workflows.registers import estate_for, office_midnight, queue_item
from propdesk_services.access.workflows.visitors.domain import kept_private

SERIES = "SH"
_ITEM = LostItemSchema()
LIST_LIMIT = 200
BATCH = 200


def _item(session, item_no: str, estates, *, lock: bool = False) -> LostItem:
    return records.one(session, LostItem.item_no, item_no, estates, what="found item", field="item_no", lock=lock)


def get_lost_item(args: dict, reader) -> dict:
    """One found item, its claims and where it went."""
    return _ITEM.dump(_item(reader.session, args["item_no"], reader.estates))


def list_lost_items(args: dict, reader) -> list[dict]:
    """The lost-property register of the asker's estates, newest first (at most 200)."""
    rows = records.listing(reader, LostItem, args, equals=("state", "category"),
                           search=(LostItem.description, LostItem.item_no,), newest=(LostItem.id,), limit=LIST_LIMIT)
    return _ITEM.dump(rows, many=True)


def possible_actions(item_no: str, reader) -> list[str]:
    return domain.next_commands(_item(reader.session, item_no, reader.estates))


def _queue(reader, where, due) -> list[dict]:
    """The items as a queue: the category is the item's ``fields`` (said in the words of
    `LostItemSchema`'s category, vocab LOST_ITEM_CATEGORIES), not a code in its detail."""
    now = reader.now()
    stmt = within(select(LostItem), LostItem.estate, reader.estates).where(*where)
    return [queue_item("lost_item", r.item_no, r.description, r.found_place or r.unit_id or "",
                       r.registered_at, due(r), now, r.registered_by, fields={"category": r.category})
            for r in reader.session.scalars(stmt.order_by(LostItem.registered_at, LostItem.id).limit(LIST_LIMIT))]


def lost_items_to_publicise(args: dict, reader) -> list[dict]:
    """Found items registered but not publicised yet; dangerous or important ones to hand to the police."""
    return _queue(reader, [LostItem.state == domain.REGISTERED], lambda r: None)


def lost_items_unclaimed(args: dict, reader) -> list[dict]:
    """Items unclaimed for 3 months, listed: hand them to finance (overdue since the 3 months passed)."""
    return _queue(reader, [LostItem.state == domain.UNCLAIMED], lambda r: r.unclaimed_at)


# --- commands ------------------------------------------------------------------------------------
def register_lost_item(cmd, uow) -> dict:
    """拾获物品登记: two staff count the item together (the one registering and a second, named),
    itemised, both sign. Emits ``lost_item.registered`` (police_required for dangerous or
    important items, which go to the police and are never publicised)."""
    data = cmd.data
    domain.validate_registration(data, cmd.actor.id)
    estate = estate_for(cmd, data.get("unit_id"), data.get("estate"))
    number, now = uow.next_number(SERIES), uow.now()
    uow.correlation_id = number
    found_at = data.get("found_at") or now
    row = LostItem(
        item_no=number, estate=estate, category=data["category"], description=data["description"].strip(),
        items=[i.strip() for i in data["items"] if i.strip()], found_at=found_at, found_place=data.get("found_place"),
        unit_id=data.get("unit_id"), found_by=data["found_by"].strip(), registered_by=cmd.actor.id,
        second_registrar=data["second_registrar"].strip(), second_registrar_name=data["second_registrar_name"].strip(),
        state=domain.REGISTERED, registered_at=now, claims=[],
        unclaimed_at=office_midnight(domain.add_months(uow.today(), domain.UNCLAIMED_AFTER_MONTHS)))
    uow.session.add(row)
    uow.emit_all(domain.registered(row, {"found_by": row.found_by, "found_at": found_at.isoformat(),
                                         "registrars": [row.registered_by, row.second_registrar]}))
    uow.audit("lost_item.register", "lost_item", number,
              {"category": row.category, "registrars": [row.registered_by, row.second_registrar]})
    uow.session.flush()
    return _ITEM.dump(row)


def publicise_lost_item(cmd, uow) -> dict:
    """招领公示 on the channels named; emits ``lost_item.publicised`` (notify posts it)."""
    row = _item(uow.session, cmd.data["item_no"], cmd.estates, lock=True)
    uow.correlation_id = row.item_no
    now = uow.now()
    uow.emit_all(domain.publicise(row, cmd.data["channels"], now))
    row.publicised_at, row.channels = now, list(cmd.data["channels"])
    uow.audit("lost_item.publicise", "lost_item", row.item_no, {"channels": row.channels})
    return _ITEM.dump(row)


def hand_lost_item_to_police(cmd, uow) -> dict:
    """移交公安: the police station, the officer who took it, the receipt."""
    row = _item(uow.session, cmd.data["item_no"], cmd.estates, lock=True)
    uow.correlation_id = row.item_no
    domain.hand_to_police(row)
    row.police_station, row.police_officer = cmd.data["police_station"], cmd.data["police_officer"]
    row.police_receipt_ref, row.closed_at, row.closed_by = cmd.data.get("police_receipt_ref"), uow.now(), cmd.actor.id
    uow.audit("lost_item.hand_to_police", "lost_item", row.item_no, {"police_station": row.police_station})
    return _ITEM.dump(row)


def _claim(cmd) -> dict:
    d = cmd.data
    return {"claimant_name": d["claimant_name"].strip(), "claimant_description": d.get("claimant_description"),
            "id_type": d.get("id_type"), "id_number": kept_private(d.get("id_number")), "by": cmd.actor.id}


def return_lost_item(cmd, uow) -> dict:
    """认领归还: the claimant's description and valid ID verified, the condition confirmed with them,
    they signed. Emits ``lost_item.claimed``."""
    domain.validate_claim(cmd.data)
    row = _item(uow.session, cmd.data["item_no"], cmd.estates, lock=True)
    uow.correlation_id = row.item_no
    now = uow.now()
    uow.emit_all(domain.return_to_claimant(row, _claim(cmd), now))
    row.closed_at, row.closed_by = now, cmd.actor.id
    uow.audit("lost_item.return", "lost_item", row.item_no, {"claimant": cmd.data["claimant_name"]})
    return _ITEM.dump(row)


def refuse_lost_item_claim(cmd, uow) -> dict:
    """拒绝认领: the claim cannot be verified; refused with its reason and escalated to the
    service-centre head (``lost_item.claim_refused``). The item stays held."""
    row = _item(uow.session, cmd.data["item_no"], cmd.estates, lock=True)
    uow.correlation_id = row.item_no
    uow.emit_all(domain.refuse_claim(row, _claim(cmd), cmd.data["reason"].strip(), uow.now()))
    uow.audit("lost_item.refuse_claim", "lost_item", row.item_no,
              {"claimant": cmd.data["claimant_name"], "reason": cmd.data["reason"]})
    return _ITEM.dump(row)


def hand_lost_item_to_finance(cmd, uow) -> dict:
    """移交财务: an item unclaimed for 3 months, listed, handed to finance (who received it)."""
    row = _item(uow.session, cmd.data["item_no"], cmd.estates, lock=True)
    uow.correlation_id = row.item_no
    domain.hand_to_finance(row)
    row.finance_receiver, row.closed_at, row.closed_by = cmd.data["finance_receiver"], uow.now(), cmd.actor.id
    uow.audit("lost_item.hand_to_finance", "lost_item", row.item_no, {"finance_receiver": row.finance_receiver})
    return _ITEM.dump(row)


# --- timer ---------------------------------------------------------------------------------------
def flag_unclaimed_lost_items(db) -> int:
    """Items held 3 months after registration are flagged unclaimed (``lost_item.expired`` once each)."""
    now = db.clock.now()
    with db.session() as s:
        due = s.scalars(select(LostItem.id).where(LostItem.state.in_(domain.HELD), LostItem.unclaimed_at <= now)
                        .order_by(LostItem.unclaimed_at, LostItem.id).limit(BATCH)).all()
    done = 0
    for item_id in due:
        with db() as uow:
            row = uow.session.get(LostItem, item_id)
            if not domain.due_unclaimed(row, now):
                continue
            claimed = uow.session.execute(update(LostItem).where(
                LostItem.id == item_id, LostItem.state == row.state
            ).values(state=domain.UNCLAIMED).execution_options(synchronize_session=False)).rowcount
            if claimed != 1:
                continue
            uow.correlation_id = row.item_no
            uow.emit_all(domain.flag_unclaimed(row, now))
            uow.audit("lost_item.unclaimed", "lost_item", row.item_no, {"registered_at": row.registered_at.isoformat()})
            uow.commit()
            done += 1
    return done
