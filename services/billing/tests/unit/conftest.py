from __future__ import annotations

import pytest

from propdesk.chassis.clock import FakeClock
from propdesk.testing.fake import ServiceHarness
from propdesk_services.billing.service import BillingService


@pytest.fixture
def app() -> ServiceHarness:
    """billing with the demo fee accounts, in memory, on a clock that stands still until moved."""
    return ServiceHarness(BillingService, clock=FakeClock(), demo=True)
