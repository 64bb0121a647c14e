"""tickets' domain gauges on the demo: every kind of ticket counted by state and estate, and the
first-contact resolution ratio of the last 30 days between 0 and 1, moving as contacts close."""
from __future__ import annotations

from propdesk.chassis.clock import FakeClock
from propdesk.testing.fake import ServiceHarness
from propdesk_services.tickets.service import TicketsService
from propdesk_services.tickets.workflows.complaints.models import ComplaintRecord
from propdesk_services.tickets.workflows.contacts.models import ContactRecord
from propdesk_services.tickets.workflows.repairs.models import RepairOrder
from propdesk_services.tickets.workflows.return_visits.models import ReturnVisitRow


def test_every_ticket_is_counted_once_by_kind_state_and_estate():
    app = ServiceHarness(TicketsService, clock=FakeClock(), demo=True)
    counted = app.gauges()["propdesk_tickets"]
    with app.session() as s:
        for kind, model in (("contact", ContactRecord), ("repair", RepairOrder), ("complaint", ComplaintRecord),
                            ("return_visit", ReturnVisitRow)):
            rows = s.query(model).all()
            assert rows, f"the demo has {kind}s"
            assert sum(v for k, v in counted.items() if k[0] == kind) == len(rows)
            some = rows[0]
            assert counted[(kind, some.state, some.estate or "")] >= 1


def test_fcr_is_the_share_of_contacts_closed_at_the_first_contact():
    app = ServiceHarness(TicketsService, clock=FakeClock(), demo=True)
    before = app.gauges()["propdesk_tickets_fcr_ratio"]
    assert all(0 <= v <= 1 for v in before.values())
    with app.session() as s:
        closed = s.query(ContactRecord).filter(ContactRecord.fcr.is_not(None), ContactRecord.estate == "E1").count()
        first = s.query(ContactRecord).filter(ContactRecord.fcr.is_(True), ContactRecord.estate == "E1").count()
    assert closed, "the demo has closed contacts in E1"
    assert abs(before[("E1",)] - first / closed) < 1e-9
