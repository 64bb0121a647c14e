"""API tokens, pure: the secret, what is kept of it, the request rules, a token's state."""
from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta, timezone

import pytest

from propdesk.errors import ValidationError
from propdesk_services.staff.workflows.api_tokens import domain as d

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)


def rules(exc_info) -> set[tuple[str, str]]:
    return {(p.field, p.rule) for p in exc_info.value.problems}


def test_a_secret_is_pdt_and_256_random_bits_kept_as_its_sha256():
    secret = d.new_secret()
    assert re.fullmatch(r"pdt_[A-Za-z0-9_\-]{43}", secret) and secret != d.new_secret()
    assert d.token_digest(secret) == hashlib.sha256(secret.encode()).hexdigest()
    assert d.hint(secret) == secret[:8] and len(d.hint(secret)) == 8
    assert d.acting_id("owner-app") == "token:owner-app"


def test_a_valid_request_is_normalised():
    assert d.validate_token_request(" Owner-App ", ["cs_assistant", "front_desk"], ["E2", "E1"],
                                    "2027-01-01T08:00:00+08:00", NOW) == (
        "owner-app", ["front_desk", "cs_assistant"], ["E1", "E2"], datetime(2027, 1, 1, tzinfo=timezone.utc))
    assert d.validate_token_request("owner-app", ["front_desk"], ["E1"], None, NOW)[3] is None


def test_every_broken_rule_at_once():
    with pytest.raises(ValidationError) as e:
        d.validate_token_request("Owner App!", ["root"], [], "tomorrow", NOW)
    assert rules(e) == {("name", "name_format"), ("roles", "one_of"), ("estates", "required"),
                        ("expires_at", "iso_datetime")}


@pytest.mark.parametrize("expires_at, rule", [
    ("2027-01-01T00:00:00", "iso_datetime"),            # no offset: which midnight?
    ("2026-11-23T10:00:00+08:00", "in_future"),          # exactly now
    ("2026-11-22T00:00:00+00:00", "in_future"),
])
def test_an_expiry_has_an_offset_and_is_later_than_now(expires_at, rule):
    with pytest.raises(ValidationError) as e:
        d.validate_token_request("owner-app", ["front_desk"], ["E1"], expires_at, NOW)
    assert rules(e) == {("expires_at", rule)}


@pytest.mark.parametrize("name", ["", "a", "x" * 49, "-app", "owner app", "应用"])
def test_names_that_do_not_fit(name):
    with pytest.raises(ValidationError) as e:
        d.validate_token_request(name, ["front_desk"], ["E1"], None, NOW)
    assert {f for f, _ in rules(e)} == {"name"}


def test_a_tokens_state():
    assert d.state(None, None, NOW) == d.ACTIVE
    assert d.state(None, NOW + timedelta(seconds=1), NOW) == d.ACTIVE
    assert d.state(None, NOW, NOW) == d.EXPIRED
    assert d.state(NOW, NOW + timedelta(days=1), NOW) == d.REVOKED
