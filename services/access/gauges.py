"""What access counts for the operators (issue #11 §5), read from its database at every scrape
(`messages.GAUGES`, `propdesk.chassis.metrics.DomainGauge`; the chassis adds the label ``service``):

- ``propdesk_access_release_slips{variant, state, estate}``: goods release slips (物品放行条, §2.7) by
  variant and where they stand: ISSUED (not used yet), RELEASED, REFUSED at the gate, and the ones
  still waiting for the owner's call, the fee check or the second signature, REJECTED, CANCELLED;
- ``propdesk_access_keys_on_loan{estate}`` and ``propdesk_access_key_loans_overdue{estate}``: keys out
  on loan now (钥匙领用登记表, §2.8), and those not back by their expected time;
- ``propdesk_access_passes_active{kind, estate}``: passes (出入证, §2.9) valid now (issued, not past
  the end of their last valid day even if the expiry timer has not swept them yet);
- ``propdesk_access_lost_items_held{age, estate}``: found items (拾获物品, §2.10) still kept at the desk
  (registered, publicised, or unclaimed and not yet handed to finance) by how long since their
  registration: ``under_1w``, ``1w_1m``, ``1m_3m``, ``over_3m`` (3 months is the finance hand-over).

Counters of what happened (slips released per minute, loans returned late) are the relay's
per event type and the chassis' ``propdesk_deadline_breaches_total{service, rule}``.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from propdesk.domain import as_utc
from propdesk_services.access.workflows.keys.models import KeyLoan
from propdesk_services.access.workflows.lost_property.models import LostItem
from propdesk_services.access.workflows.passes.models import AccessPass
from propdesk_services.access.workflows.release_slip.models import ReleaseSlip

#: A found item is still at the desk in these states (vocab.LOST_ITEM_STATES).
LOST_ITEMS_HELD = ("registered", "publicised", "unclaimed")
#: Age bands of a held item, youngest first: (label, younger than); the last is reached at
#: the item's own ``unclaimed_at`` (3 calendar months after registration, domain.md §2.10).
AGE_BANDS = (("under_1w", timedelta(days=7)), ("1w_1m", timedelta(days=30)), ("1m_3m", None))
OVER_3M = "over_3m"


def release_slips(session, now):
    rows = session.execute(select(ReleaseSlip.variant, ReleaseSlip.state, ReleaseSlip.estate, func.count())
                           .group_by(ReleaseSlip.variant, ReleaseSlip.state, ReleaseSlip.estate))
    for variant, state, estate, n in rows:
        yield (variant, state, estate or ""), n


def keys_on_loan(session, now):
    rows = session.execute(select(KeyLoan.estate, func.count()).where(KeyLoan.returned_at.is_(None))
                           .group_by(KeyLoan.estate))
    for estate, n in rows:
        yield (estate or "",), n


def key_loans_overdue(session, now):
    rows = session.execute(select(KeyLoan.estate, func.count())
                           .where(KeyLoan.returned_at.is_(None), KeyLoan.expected_back_at < now)
                           .group_by(KeyLoan.estate))
    for estate, n in rows:
        yield (estate or "",), n


def passes_active(session, now):
    rows = session.execute(select(AccessPass.kind, AccessPass.estate, func.count())
                           .where(AccessPass.state == "issued", AccessPass.expires_at > now)
                           .group_by(AccessPass.kind, AccessPass.estate))
    for kind, estate, n in rows:
        yield (kind, estate or ""), n


def age_band(registered_at: datetime, unclaimed_at: datetime, now: datetime) -> str:
    """The age band of an item held at the desk (pure)."""
    if as_utc(unclaimed_at) <= now:
        return OVER_3M
    age = now - as_utc(registered_at)
    for label, younger_than in AGE_BANDS:
        if younger_than is None or age < younger_than:
            return label
    return OVER_3M  # pragma: no cover - the last band has no bound


def lost_items_held(session, now):
    counts: dict[tuple[str, str], int] = {}
    rows = session.execute(select(LostItem.estate, LostItem.registered_at, LostItem.unclaimed_at)
                           .where(LostItem.state.in_(LOST_ITEMS_HELD)))
    for estate, registered_at, unclaimed_at in rows:
        key = (age_band(registered_at, unclaimed_at, now), estate or "")
        counts[key] = counts.get(key, 0) + 1
    yield from counts.items()
