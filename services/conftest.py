"""The root test fixtures (tests/conftest.py: propdesk_env, start_service, ...) for the services'
own tests too: pytest only shows a conftest's fixtures to tests below its folder."""
from tests.conftest import *  # noqa: F401,F403
from tests.conftest import _fresh_prometheus_registry  # noqa: F401  (autouse; `*` skips _names)
