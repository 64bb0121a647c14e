"""The client's address behind a reverse proxy: X-Forwarded-For is believed only from a proxy the
operator named (PROPDESK_TRUSTED_PROXIES), read from the right, so a forged left part never wins."""
from __future__ import annotations

import pytest

from propdesk_services.gateway.proxies import _networks, client_address, trusted_networks

PROXY = _networks("10.0.0.5,192.168.10.0/24")


def test_without_trusted_proxies_the_header_is_ignored():
    assert client_address("203.0.113.9", "198.51.100.1", networks=()) == "203.0.113.9"
    assert trusted_networks({}) == ()


def test_from_an_untrusted_peer_the_header_is_ignored():
    assert client_address("203.0.113.9", "198.51.100.1", networks=PROXY) == "203.0.113.9"


def test_from_a_trusted_proxy_the_client_is_the_rightmost_untrusted_hop():
    assert client_address("10.0.0.5", "198.51.100.1", networks=PROXY) == "198.51.100.1"
    # a client forging the header: the proxy appends the real peer on the right
    assert client_address("10.0.0.5", "1.2.3.4, 198.51.100.1", networks=PROXY) == "198.51.100.1"
    # two trusted proxies in a row are skipped
    assert client_address("10.0.0.5", "198.51.100.1, 192.168.10.20", networks=PROXY) == "198.51.100.1"


def test_a_malformed_hop_ends_the_walk_at_the_last_good_address():
    assert client_address("10.0.0.5", "evil, 198.51.100.1", networks=PROXY) == "198.51.100.1"
    assert client_address("10.0.0.5", "not-an-ip", networks=PROXY) == "10.0.0.5"
    assert client_address("10.0.0.5", "", networks=PROXY) == "10.0.0.5"


def test_a_bad_setting_is_named():
    with pytest.raises(ValueError, match="PROPDESK_TRUSTED_PROXIES: 'proxy.local'"):
        trusted_networks({"PROPDESK_TRUSTED_PROXIES": "proxy.local"})
    assert len(trusted_networks({"PROPDESK_TRUSTED_PROXIES": " 10.0.0.5 , ::1 "})) == 2


def test_the_sign_in_audit_and_every_department_call_get_the_forwarded_client(monkeypatch):
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request

    from propdesk_services.gateway import auth
    from propdesk_services.gateway.remote import Scope

    monkeypatch.setenv("PROPDESK_TRUSTED_PROXIES", "10.0.0.5")
    request = Request(EnvironBuilder(path="/sign-in", headers={"X-Forwarded-For": "198.51.100.1",
                                                               "User-Agent": "Chromium"},
                                     environ_base={"REMOTE_ADDR": "10.0.0.5"}).get_environ())
    assert auth.client_of(request) == {"address": "198.51.100.1", "user_agent": "Chromium"}
    principal = type("P", (), {"id": "front_desk", "roles": ["front_desk"], "estates": ["E1"]})()
    assert Scope.of(principal, request).address == "198.51.100.1"
    monkeypatch.delenv("PROPDESK_TRUSTED_PROXIES")
    assert auth.client_of(request)["address"] == "10.0.0.5"
