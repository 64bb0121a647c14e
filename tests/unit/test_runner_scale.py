"""`propdesk run --scale billing=3,notify=2` (issue #12 §2): the option is checked, and the
supervisor's children are one process per replica, each with its own port, log and environment."""
from __future__ import annotations

import io

import pytest

from propdesk import cli, runner
from propdesk.config import Settings
from propdesk.errors import ValidationError
from propdesk.runner import Supervisor, parse_scale

SERVICES = ["billing", "notify", "residents"]


def rule_of(text: str) -> tuple[str, str]:
    with pytest.raises(ValidationError) as caught:
        parse_scale(text, SERVICES)
    (problem,) = caught.value.problems
    return problem.field, problem.rule


def test_the_option_reads_as_counts_per_service():
    assert parse_scale("billing=3,notify=2", SERVICES) == {"billing": 3, "notify": 2}
    assert parse_scale(" billing = 2 ", SERVICES) == {"billing": 2}
    assert parse_scale(None, SERVICES) == {} and parse_scale("", SERVICES) == {}


@pytest.mark.parametrize("text, rule", [
    ("tickets=2", "known_service"),          # not a service being run
    ("billng=2", "known_service"),
    ("billing=0", "at_least_one"),
    ("billing=-1", "at_least_one"),
    ("billing=two", "whole_number"),
    ("billing=1.5", "whole_number"),
    ("billing=10", "at_most_9"),
    ("billing", "format"),
    ("billing=2,", "format"),
    ("=2", "format"),
    ("billing=2,billing=3", "once_each"),
])
def test_a_bad_option_names_the_field_and_the_rule(text, rule):
    assert rule_of(text) == ("scale", rule)


def test_an_unknown_service_is_named_with_the_ones_there_are():
    with pytest.raises(ValidationError) as caught:
        parse_scale("tickets=2", SERVICES)
    assert "'tickets'" in caught.value.problems[0].message
    assert "billing, notify, residents" in caught.value.problems[0].message


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("PROPDESK_DATA_DIR", str(tmp_path / "var"))
    for name in ("BILLING", "NOTIFY", "RESIDENTS"):
        monkeypatch.delenv(f"PROPDESK_{name}_PORT", raising=False)
        for n in range(2, 4):
            monkeypatch.delenv(f"PROPDESK_{name}_PORT_{n}", raising=False)
    return Settings.from_env()


def test_every_replica_is_a_child_with_its_own_port_log_and_environment(settings):
    sup = Supervisor(SERVICES, settings=settings, scale="billing=3,notify=2")
    log_dir = settings.data_dir / "log"
    rows = [(c.label, c.name, c.replica, c.port, c.log_path) for c in sup.children]
    assert rows == [
        ("billing", "billing", 1, 9103, str(log_dir / "billing.log")),
        ("billing-2", "billing", 2, 9203, str(log_dir / "billing-2.log")),
        ("billing-3", "billing", 3, 9303, str(log_dir / "billing-3.log")),
        ("notify", "notify", 1, 9105, str(log_dir / "notify.log")),
        ("notify-2", "notify", 2, 9205, str(log_dir / "notify-2.log")),
        ("residents", "residents", 1, 9101, str(log_dir / "residents.log")),
    ]
    # the worker reads its port from PROPDESK_<SERVICE>_PORT: each replica is given its own
    third = sup.children[2]
    env = sup.child_environment(third)
    assert env["PROPDESK_BILLING_PORT"] == "9303" and env["PROPDESK_REPLICA"] == "3"
    assert sup.child_environment(sup.children[0])["PROPDESK_BILLING_PORT"] == "9103"


def test_a_set_port_moves_every_replica_and_a_replica_may_be_placed_by_its_own_variable(settings, monkeypatch):
    monkeypatch.setenv("PROPDESK_BILLING_PORT", "18103")
    monkeypatch.setenv("PROPDESK_BILLING_PORT_3", "18999")
    sup = Supervisor(["billing"], settings=settings, scale={"billing": 3})
    assert [c.port for c in sup.children] == [18103, 18203, 18999]


def test_replicas_that_would_share_a_port_are_refused(settings, monkeypatch):
    monkeypatch.setenv("PROPDESK_BILLING_PORT_2", "9105")  # notify's
    with pytest.raises(ValidationError) as caught:
        Supervisor(SERVICES, settings=settings, scale="billing=2")
    assert (caught.value.problems[0].field, caught.value.problems[0].rule) == ("scale", "ports_distinct")


def test_a_dict_is_checked_as_the_option_is(settings):
    with pytest.raises(ValidationError):
        Supervisor(SERVICES, settings=settings, scale={"billing": 0})


def test_the_banner_lists_every_process_and_the_supervisor_restarts_each_on_its_own(settings):
    out = io.StringIO()
    sup = Supervisor(SERVICES, settings=settings, out=out, scale="billing=2")
    sup.print_where_to_look()
    text = out.getvalue()
    for child in sup.children:
        assert f"http://127.0.0.1:{child.port}/metrics   log {child.log_path}" in text
        assert f"  {child.label} " in text

    class Process:  # no real process: running, or ended with code 1
        pid = 4242

        def __init__(self, code=None):
            self.code = code

        def poll(self):
            return self.code

    spawned = []
    sup._spawn = lambda child: (spawned.append(child.label), setattr(child, "proc", Process()))
    for child in sup.children:
        child.proc = Process()
    second = sup.children[1]
    second.proc = Process(code=1)
    sup.supervise_once()
    assert second.proc is None and second.restarts == 1 and "billing-2 exited with code 1" in out.getvalue()
    assert all(c.restarts == 0 and c.proc is not None for c in sup.children if c is not second)
    second.next_start = 0.0
    sup.supervise_once()
    assert spawned == ["billing-2"] and "restarted billing-2" in out.getvalue()


def test_propdesk_run_refuses_a_bad_scale_with_the_field_and_the_rule(settings, capsys):
    assert cli.main(["run", "billing", "--scale", "billing=0"]) == 2
    err = capsys.readouterr().err
    assert "(scale: at_least_one)" in err and "billing=0" in err
    assert runner.run(["billing"], scale="tickets=2") == 2
    assert "(scale: known_service)" in capsys.readouterr().err
