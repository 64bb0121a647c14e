"""The broker users' permissions, computed from the service classes and the contract registry
(chassis/broker_users.py), and where a process' broker credentials come from. The broker's own
refusals are proven in tests/chassis/test_broker_users.py."""
from __future__ import annotations

import re

import pytest

from propdesk import plugins
from propdesk.chassis import broker_users
from propdesk.chassis.broker_users import BrokerUse, CredentialsRefused, amqp_credentials
from propdesk.chassis.topology import DLQ, DLX, EVENTS_EXCHANGE, requeue_exchange, retry_exchange_name, subscriber_queues
from propdesk.contracts import registry
from propdesk.runner import Supervisor

RPC = broker_users.RPC_EXCHANGE


@pytest.fixture(scope="module")
def grants():
    return {g.user: g for g in broker_users.grants(plugins.service_classes().values(), prefix="propdesk-")}


def test_one_user_per_service_and_the_operator(grants):
    assert sorted(grants) == sorted([f"propdesk-{s}" for s in plugins.service_names()] + ["propdesk-operator"])


def test_each_service_publishes_exactly_the_events_it_produces(grants):
    producers = {c.event_type: c.producer for c in registry.all_contracts()}
    for name in plugins.service_names():
        grant = grants[f"propdesk-{name}"]
        for event_type, producer in producers.items():
            assert grant.may_publish(EVENTS_EXCHANGE, event_type) == (producer == name), (name, event_type)
    notify = grants["propdesk-notify"]
    assert notify.may_publish(EVENTS_EXCHANGE, "notification.sent")
    assert not notify.may_publish(EVENTS_EXCHANGE, "move_out.release_approved")
    assert not notify.may_publish(EVENTS_EXCHANGE, "move_out.release_approved.x")  # anchored
    assert grants["propdesk-residents"].may_publish(EVENTS_EXCHANGE, "move_out.release_approved")


def test_a_service_binds_its_own_queues_to_what_it_subscribes_and_nothing_else(grants):
    classes = plugins.service_classes()
    for name, cls in classes.items():
        grant = grants[f"propdesk-{name}"]
        for queue in subscriber_queues(cls):
            assert grant.permits("configure", queue.name) and grant.permits("read", queue.name)
            for b in queue.bindings:
                assert grant.may_bind(queue.name, b.exchange.name, b.routing_key)
            for other, other_cls in classes.items():
                if other != name:
                    for q in subscriber_queues(other_cls):
                        assert not grant.permits("read", q.name), (name, q.name)
                        assert not grant.permits("configure", q.name), (name, q.name)
    # billing does not subscribe to notification.sent: it may not bind its queue to it
    billing_queue = subscriber_queues(classes["billing"])[0].name
    assert not grants["propdesk-billing"].may_bind(billing_queue, EVENTS_EXCHANGE, "notification.sent")


def test_the_gateway_calls_departments_and_consumes_nothing_of_theirs(grants):
    gateway = grants["propdesk-gateway"]
    for name, cls in plugins.service_classes().items():
        if name == "gateway":
            continue
        assert not gateway.permits("read", f"rpc-{name}")
        assert not gateway.permits("configure", f"rpc-{name}")
        assert all(not gateway.permits("read", q.name) for q in subscriber_queues(cls))
        assert gateway.may_publish(RPC, f"{name}.describe")
    assert not gateway.permits("write", EVENTS_EXCHANGE) and not gateway.permits("read", DLQ)
    assert gateway.may_bind("rpc.reply-gateway-0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", RPC,
                            "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")
    assert not gateway.permits("configure", "rpc.reply-billing-0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")


def test_departments_reply_to_rpc_but_do_not_call_each_other(grants):
    notify = grants["propdesk-notify"]
    assert notify.may_publish(RPC, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")  # a reply
    assert not notify.may_publish(RPC, "billing.take_payment")
    assert notify.may_bind("rpc-notify", RPC, "notify.*")
    assert not notify.may_bind("rpc-notify", RPC, "billing.*")


def test_failing_deliveries_are_retried_and_dead_lettered_on_the_services_own_path(grants):
    classes = plugins.service_classes()
    subscribers = [name for name, cls in classes.items() if subscriber_queues(cls)]
    assert len(subscribers) > 1
    for name in subscribers:
        grant = grants[f"propdesk-{name}"]
        own_queue = subscriber_queues(classes[name])[0].name
        assert grant.may_publish(retry_exchange_name(name, 1000), own_queue)
        assert grant.permits("configure", retry_exchange_name(name, 30000))
        assert grant.permits("write", requeue_exchange(name).name)  # its retry queues' dead-letter target
        assert grant.may_bind(own_queue, requeue_exchange(name).name, own_queue)
        assert grant.may_publish(DLX, DLQ) and grant.permits("configure", DLQ)
        assert not grant.permits("read", DLQ) and not grant.permits("read", DLX)  # nobody else's dead letters
        # nothing that routes into another department's queue by its name (#12)
        assert not grant.permits("write", "amq.default") and not grant.may_publish("", DLQ)
        assert not grant.may_publish("propdesk.retry.1000ms", own_queue)  # the old shared retry exchanges
        for other in subscribers:
            if other != name:
                assert not grant.may_publish(retry_exchange_name(other, 1000), subscriber_queues(classes[other])[0].name)
                assert not grant.permits("configure", retry_exchange_name(other, 1000))
                assert not grant.permits("write", requeue_exchange(other).name)


def test_the_operator_only_handles_the_dlq(grants):
    operator = grants["propdesk-operator"]
    assert operator.permits("read", DLQ) and operator.may_publish("", "billing.on_move_out_requested")
    assert not operator.permits("write", EVENTS_EXCHANGE) and not operator.permits("write", RPC)
    assert not operator.permits("read", "billing.on_move_out_requested")


def test_what_a_service_uses_is_read_off_its_class():
    classes = plugins.service_classes()
    gateway = BrokerUse.of(classes["gateway"])
    assert gateway.rpc_caller and not gateway.rpc_server and not gateway.subscriptions and not gateway.produces
    residents = BrokerUse.of(classes["residents"])
    assert residents.rpc_server and not residents.rpc_caller
    assert "move_out.release_approved" in residents.produces and "billing.clearance_confirmed" in residents.subscriptions


def test_patterns_are_anchored_and_escaped(grants):
    for g in grants.values():
        for pattern in (g.configure, g.write, g.read, *(p for pair in g.topics.values() for p in pair)):
            assert pattern.startswith("^") and pattern.endswith("$"), pattern
            re.compile(pattern)
    assert not grants["propdesk-billing"].permits("read", "billingX.on_x")  # the dot is escaped


# -- credentials ---------------------------------------------------------------------------------
@pytest.fixture
def clean_env(monkeypatch):
    for name in ("PROPDESK_AMQP_USER", "PROPDESK_AMQP_PASSWORD", "PROPDESK_AMQP_PASSWORD_FILE",
                 "PROPDESK_PRODUCTION", "PROPDESK_BROKER_USERS_DIR", "PROPDESK_BROKER_USER_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_the_uri_is_kept_without_a_user_of_its_own(clean_env):
    assert amqp_credentials("amqp://guest:guest@127.0.0.1:5672/") == "amqp://guest:guest@127.0.0.1:5672/"


def test_the_processs_user_and_password_file_go_into_every_address(clean_env, tmp_path):
    (tmp_path / "pw").write_text("s3cr/et:x\n")
    clean_env.setenv("PROPDESK_AMQP_USER", "propdesk-notify")
    clean_env.setenv("PROPDESK_AMQP_PASSWORD_FILE", str(tmp_path / "pw"))
    assert amqp_credentials("amqp://guest:guest@n1:5672/propdesk;amqp://guest:guest@n2:5673/propdesk") == (
        "amqp://propdesk-notify:s3cr%2Fet%3Ax@n1:5672/propdesk;amqp://propdesk-notify:s3cr%2Fet%3Ax@n2:5673/propdesk")


def test_an_ipv6_address_keeps_its_brackets(clean_env):
    clean_env.setenv("PROPDESK_AMQP_USER", "propdesk-staff")
    clean_env.setenv("PROPDESK_AMQP_PASSWORD", "pw")
    assert amqp_credentials("amqp://[::1]:5672/v") == "amqp://propdesk-staff:pw@[::1]:5672/v"


def test_a_user_without_a_password_or_an_unreadable_file_is_refused(clean_env, tmp_path):
    clean_env.setenv("PROPDESK_AMQP_USER", "propdesk-notify")
    with pytest.raises(CredentialsRefused, match="PROPDESK_AMQP_PASSWORD_FILE"):
        amqp_credentials("amqp://127.0.0.1/")
    clean_env.setenv("PROPDESK_AMQP_PASSWORD_FILE", str(tmp_path / "missing"))
    with pytest.raises(CredentialsRefused, match="cannot be read"):
        amqp_credentials("amqp://127.0.0.1/")


@pytest.mark.parametrize("uri", ["amqp://guest:guest@127.0.0.1:5672/", "amqp://127.0.0.1:5672/",
                                 "amqp://ops:s3cret-enough@n1/;amqp://guest:guest@n2/"])
def test_production_refuses_the_guest_user(clean_env, uri):
    clean_env.setenv("PROPDESK_PRODUCTION", "1")
    with pytest.raises(CredentialsRefused, match="guest user"):
        amqp_credentials(uri)


@pytest.mark.parametrize("password", ["guest", "changeme", "propdesk-billing", "Password"])
def test_production_refuses_default_passwords(clean_env, tmp_path, password):
    clean_env.setenv("PROPDESK_PRODUCTION", "1")
    (tmp_path / "pw").write_text(password)
    clean_env.setenv("PROPDESK_AMQP_USER", "propdesk-billing")
    clean_env.setenv("PROPDESK_AMQP_PASSWORD_FILE", str(tmp_path / "pw"))
    with pytest.raises(CredentialsRefused, match="default password"):
        amqp_credentials("amqp://guest:guest@127.0.0.1:5672/propdesk")


def test_production_takes_a_generated_password(clean_env, tmp_path):
    clean_env.setenv("PROPDESK_PRODUCTION", "1")
    password = broker_users.ensure_password(tmp_path, "propdesk-billing")
    assert len(password) >= 40 and (tmp_path / "propdesk-billing").stat().st_mode & 0o777 == 0o600
    assert broker_users.ensure_password(tmp_path, "propdesk-billing") == password  # kept
    clean_env.setenv("PROPDESK_AMQP_USER", "propdesk-billing")
    clean_env.setenv("PROPDESK_AMQP_PASSWORD_FILE", str(tmp_path / "propdesk-billing"))
    assert amqp_credentials("amqp://127.0.0.1:5672/propdesk").startswith("amqp://propdesk-billing:")


def test_the_runner_gives_each_process_its_own_user(clean_env, tmp_path):
    clean_env.setenv("PROPDESK_DATA_DIR", str(tmp_path / "var"))
    sup = Supervisor(["notify", "gateway"])
    assert "PROPDESK_AMQP_USER" not in sup.child_environment(sup.children[0])  # local default: the URI's
    clean_env.setenv("PROPDESK_BROKER_USERS_DIR", str(tmp_path / "users"))
    clean_env.setenv("PROPDESK_BROKER_USER_PREFIX", "pd-")
    envs = {c.name: sup.child_environment(c) for c in sup.children}
    assert envs["notify"]["PROPDESK_AMQP_USER"] == "pd-notify"
    assert envs["notify"]["PROPDESK_AMQP_PASSWORD_FILE"] == str(tmp_path / "users" / "pd-notify")
    assert envs["gateway"]["PROPDESK_AMQP_USER"] == "pd-gateway"
    with pytest.raises(SystemExit, match="propdesk broker users"):  # no password files yet
        sup.start()


def test_make_runs_banner_says_guest_is_the_local_default_only(clean_env, tmp_path):
    import io

    clean_env.setenv("PROPDESK_DATA_DIR", str(tmp_path / "var"))
    clean_env.setenv("PROPDESK_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
    out = io.StringIO()
    Supervisor(["notify"], out=out).print_where_to_look()
    assert "broker user guest: the local default only" in out.getvalue()
    clean_env.setenv("PROPDESK_BROKER_USERS_DIR", str(tmp_path / "users"))
    out = io.StringIO()
    Supervisor(["notify"], out=out).print_where_to_look()
    assert "guest" not in out.getvalue().split("RabbitMQ management")[1].split("\n", 1)[1]
