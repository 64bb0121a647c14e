from __future__ import annotations

import pytest

from propdesk.testing.fake import ServiceHarness
from propdesk_services.staff.tests.unit.support import new_app


@pytest.fixture
def app() -> ServiceHarness:
    """The staff service with the demo accounts, on a clock the test moves."""
    return new_app()
