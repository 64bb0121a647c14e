"""What tickets counts for the operators (issue #9 §6), read from its database at every scrape
(`messages.GAUGES`, `propdesk.chassis.metrics.DomainGauge`):

- ``propdesk_tickets{service, kind, state, estate}``: contacts, repairs, complaints and return
  visits by where they stand (an alert on the open ones; a dashboard of the desk's load);
- ``propdesk_tickets_fcr_ratio{service, estate}``: first-contact resolution (FCR, domain.md §4) of
  the contacts closed in the last 30 days: closed at the first contact / closed.

Breaches by rule are the chassis' ``propdesk_deadline_breaches_total{service, rule}``.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import case, func, select

from propdesk_services.tickets.workflows.complaints.models import ComplaintRecord
from propdesk_services.tickets.workflows.contacts.models import ContactRecord
from propdesk_services.tickets.workflows.repairs.models import RepairOrder
from propdesk_services.tickets.workflows.return_visits.models import ReturnVisitRow

KINDS = (("contact", ContactRecord), ("repair", RepairOrder), ("complaint", ComplaintRecord),
         ("return_visit", ReturnVisitRow))

#: The window the FCR gauge looks back over.
FCR_WINDOW = timedelta(days=30)


def tickets_by_state(session, now):
    for kind, model in KINDS:
        rows = session.execute(select(model.state, model.estate, func.count()).group_by(model.state, model.estate))
        for state, estate, n in rows:
            yield (kind, state, estate or ""), n


def fcr_ratio(session, now):
    first = func.sum(case((ContactRecord.fcr.is_(True), 1), else_=0))
    rows = session.execute(select(ContactRecord.estate, func.count(), first)
                           .where(ContactRecord.fcr.is_not(None), ContactRecord.closed_at >= now - FCR_WINDOW)
                           .group_by(ContactRecord.estate))
    for estate, n, at_first in rows:
        if n:
            yield (estate or "",), (at_first or 0) / n
