"""`Remote` made for a person (`acting_for`): every call carries who asks, within which estates and
from which address: a command's actor gets the estates and the address, a query gets ``actor=``;
a public command's ``actor=None`` stays None; without a person nothing is added."""
from __future__ import annotations

from types import SimpleNamespace

from propdesk_services.gateway.auth import Principal
from propdesk_services.gateway.remote import Remote, Scope

E2_DESK = Principal(id="front_desk_e2", name="马丽", roles=("front_desk", "cashier"), estates=("E2",),
                    kind="session", csrf_token="t")


class Recorder:
    def __init__(self):
        self.calls = []

    def __getattr__(self, method):
        return lambda *args, **kwargs: self.calls.append((method, args, kwargs)) or "ok"


def remote_and_calls(principal=E2_DESK, address="10.1.2.3"):
    department = Recorder()
    remote = Remote({"residents": department}, 5.0)
    if principal is not None:
        remote = remote.acting_for(principal, SimpleNamespace(remote_addr=address))
    return remote, department.calls


def test_a_query_is_asked_as_the_person_within_their_estates():
    remote, calls = remote_and_calls()
    remote.call("residents", "get_move_out", "MO-1")
    assert calls == [("get_move_out", ("MO-1",), {"actor": {"id": "front_desk_e2", "role": "front_desk",
                                                             "estates": ["E2"], "address": "10.1.2.3"}})]


def test_a_commands_actor_gets_the_estates_and_the_address():
    remote, calls = remote_and_calls()
    remote.call("residents", "withdraw_move_out", {"move_out_id": "MO-1"}, actor={"id": "front_desk_e2",
                                                                                  "role": "cashier"},
                idempotency_key="k")
    assert calls[0][2] == {"actor": {"id": "front_desk_e2", "role": "cashier", "estates": ["E2"],
                                     "address": "10.1.2.3"}, "idempotency_key": "k"}


def test_a_public_command_stays_without_actor_and_no_person_adds_nothing():
    remote, calls = remote_and_calls()
    remote.call("residents", "sign_in", {"username": "x"}, actor=None)
    assert calls[0][2] == {"actor": None}
    remote, calls = remote_and_calls(principal=None)
    remote.call("residents", "list_units", leased_only=True)
    assert calls[0][2] == {"leased_only": True}


def test_a_person_without_role_or_estates_asks_within_none():
    nobody = Principal(id="roleless", name="x", roles=(), estates=(), kind="token", csrf_token=None)
    assert Scope.of(nobody).query_actor() == {"id": "roleless", "estates": [], "address": None}
