"""Root fixtures for every test (tests/ and services/*/tests). Tests that touch RabbitMQ run
eventlet-patched (conventions §4), so patch first."""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")  # said on every import

import eventlet  # noqa: E402

eventlet.monkey_patch()  # noqa: E402

import contextlib  # noqa: E402
import dataclasses  # noqa: E402
import os  # noqa: E402

import pytest  # noqa: E402
from prometheus_client import REGISTRY  # noqa: E402

from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402

from propdesk.chassis import metrics, migrate, topology  # noqa: E402,F401  (metrics: its counters are
# registered before any test, so the fixture below never unregisters them)
from propdesk.config import Settings  # noqa: E402
from propdesk import plugins  # noqa: E402
from propdesk.testing import broker_users as test_broker_users  # noqa: E402
from propdesk.testing.rabbit import throwaway_vhost  # noqa: E402
from propdesk.testing.system import running_system  # noqa: E402

FAST_RETRIES = "150,300"


def pytest_collection_modifyitems(config, items):
    """The unit tier is every test under a `tests/unit/` folder (tests/unit/, services/*/tests/unit/):
    the pure domains and the handlers on the fake unit of work. It needs no broker and no database
    server: `make test-unit` (pytest -m unit) runs it with RabbitMQ stopped."""
    for item in items:
        if "/tests/unit/" in str(item.path):
            item.add_marker(pytest.mark.unit)


@pytest.fixture
def rabbit_vhost():
    """A throwaway RabbitMQ vhost (management API), deleted after the test."""
    with throwaway_vhost() as vhost:
        yield vhost


@pytest.fixture
def propdesk_env(rabbit_vhost, tmp_path, monkeypatch):
    """Settings for one test: its own vhost, its own data dir, fast retries. Also exported as
    environment variables, so subprocesses (the real runner) see the same."""
    monkeypatch.setenv("PROPDESK_AMQP_URI", rabbit_vhost["amqp_uri"])
    monkeypatch.setenv("PROPDESK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("PROPDESK_RETRY_DELAYS_MS", FAST_RETRIES)
    monkeypatch.setenv("PROPDESK_RELAY_POLL_S", "0.2")
    return Settings.from_env()


@pytest.fixture
def start_service(propdesk_env, container_factory, rabbit_vhost, tmp_path):
    """Migrate a service's database, declare its queues, start it in a nameko container (as its own
    broker user, with the least permissions, when PROPDESK_TEST_BROKER_USERS=1)."""
    own_users = contextlib.ExitStack()

    def start(service_cls, port: int = 0):
        if migrate.has_database(service_cls):
            migrate.upgrade(service_cls, propdesk_env.db_url(service_cls.name))
        topology.declare_all(propdesk_env.amqp_uri, [service_cls], propdesk_env.retry_delays_ms)
        config = propdesk_env.nameko_config(service_cls.name, port)
        config["WEB_SERVER_ADDRESS"] = f"127.0.0.1:{port}"
        if test_broker_users.wanted():
            users = own_users.enter_context(test_broker_users.service_users(
                rabbit_vhost, [service_cls], tmp_path / f"broker-users-{service_cls.name}"))
            config["AMQP_URI"] = users.uri(service_cls.name)
            config["PROPDESK"] = dataclasses.replace(propdesk_env, amqp_uri=config["AMQP_URI"])
        container = container_factory(service_cls, config)
        container.start()
        started.append(container)
        return container

    started = []
    with own_users:
        yield start
        if test_broker_users.wanted():  # stopped before their users are deleted
            for container in started:
                container.stop()


@pytest.fixture(autouse=True)
def _fresh_prometheus_registry():
    """nameko-prometheus registers per-service metrics on the global registry at setup."""
    before = set(REGISTRY._collector_to_names)
    yield
    for collector in set(REGISTRY._collector_to_names) - before:
        REGISTRY.unregister(collector)


# -- the whole system ------------------------------------------------------------------------------
# Started the way `make run` starts it: migrate, demo data, the real supervisor running one process
# per service, on this test's vhost and data dir, on free ports (so a developer's running instance,
# or a second suite on the same machine, is not in the way).
@pytest.fixture
def system(propdesk_env, rabbit_vhost, tmp_path):
    """The running `Supervisor`; PROPDESK_<SERVICE>_PORT are set in os.environ meanwhile. Every
    service reads its time from one clock file (`move_clock` moves it) and sweeps its deadlines
    every half second."""
    env = {"PROPDESK_CLOCK_FILE": str(tmp_path / "clock"), "PROPDESK_DEADLINE_SWEEP_S": "0.5"}
    with contextlib.ExitStack() as stack:
        if test_broker_users.wanted():  # every service process as its own broker user
            env.update(stack.enter_context(test_broker_users.service_users(
                rabbit_vhost, plugins.service_classes().values(), tmp_path / "broker-users")).env)
        sup = stack.enter_context(running_system(env, ready_timeout=90))
        yield sup


@pytest.fixture
def move_clock(system, tmp_path):
    """``move_clock(minutes=31)``: every running service is 31 minutes later, at once (no sleeping)."""
    from propdesk.chassis.clock import OffsetClock

    return lambda **delta: OffsetClock.advance(tmp_path / "clock", **delta)


@pytest.fixture
def rpc(system, propdesk_env):
    with ClusterRpcProxy({"AMQP_URI": propdesk_env.amqp_uri}, timeout=30) as proxy:
        yield proxy


@pytest.fixture
def gateway_url(system, propdesk_env):
    return f"http://127.0.0.1:{os.environ['PROPDESK_GATEWAY_PORT']}"
