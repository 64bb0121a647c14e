"""Staff accounts, pure: the account rules, the password rules and hash, the phone mask."""
from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from propdesk import policy
from propdesk.contracts.vocab import ESTATES
from propdesk.errors import ValidationError
from propdesk_services.staff.workflows.accounts import domain as d

GOOD = dict(username="wangfang", name="王芳", department="customer_service", roles=["front_desk"],
            estates=["E1"], phone="13912345678", password="autumn-leaves-42")


def rules(exc_info) -> set[tuple[str, str]]:
    return {(p.field, p.rule) for p in exc_info.value.problems}


def test_a_valid_account_is_normalised():
    new = d.validate_new_account(**{**GOOD, "username": "  WangFang ", "name": " 王芳 ", "phone": "139-1234 5678",
                                    "roles": ["cs_manager", "front_desk", "front_desk"], "estates": ["E2", "E1"]})
    assert new == d.NewAccount("wangfang", "王芳", "customer_service", ["front_desk", "cs_manager"],
                               ["E1", "E2"], "13912345678")


def test_every_broken_rule_is_reported_at_once():
    with pytest.raises(ValidationError) as e:
        d.validate_new_account(username="9lives", name="  ", department="kitchen", roles=["ghost"], estates=[],
                               phone="call me", password="short")
    assert rules(e) == {("username", "username_format"), ("name", "required"), ("department", "one_of"),
                        ("roles", "one_of"), ("estates", "required"), ("phone", "phone_format"),
                        ("password", "min_length")}


@pytest.mark.parametrize("username", ["front_desk_e2", "li.na-2", "ab", "a" * 32])
def test_usernames_that_fit(username):
    assert d.validate_new_account(**{**GOOD, "username": username}).username == username


@pytest.mark.parametrize("username, rule", [("", "required"), (None, "required"), ("a", "username_format"),
                                            ("a" * 33, "username_format"), ("1abc", "username_format"),
                                            ("ab c", "username_format"), ("王芳", "username_format"),
                                            ("_admin", "username_format")])
def test_usernames_that_do_not(username, rule):
    with pytest.raises(ValidationError) as e:
        d.validate_new_account(**{**GOOD, "username": username})
    assert rules(e) == {("username", rule)}


@pytest.mark.parametrize("password, rule", [
    ("123456789", "min_length"),             # 9 characters
    ("x" * 129, "length"),
    ("", "required"), (None, "required"),
    ("Wangfang00", None),                     # 10 characters: fine
    ("wangfang", "min_length"),
])
def test_password_length(password, rule):
    problems = d.password_problems(password, "wangfang")
    assert [p.rule for p in problems] == ([rule] if rule else [])


def test_a_password_is_not_the_username_and_is_never_stripped():
    assert [p.rule for p in d.password_problems("Front_Desk_E2", "front_desk_e2")] == ["not_username"]
    assert d.password_problems("  spaces count  ", "wangfang") == []
    assert [p.rule for p in d.password_problems(" 12345678 ", "wangfang")] == []  # 10 with the spaces
    assert d.check_password("  padded pw  ", "wangfang") == "  padded pw  "


def test_roles_are_those_of_the_policy_and_estates_those_of_the_vocabulary():
    staff_roles = [r for r in policy.ROLES if r not in policy.API_ONLY_ROLES]
    assert d.validate_new_account(**{**GOOD, "roles": staff_roles}).roles == staff_roles
    assert d.validate_new_account(**{**GOOD, "estates": list(ESTATES.codes)}).estates == ["E1", "E2"]
    with pytest.raises(ValidationError) as e:
        d.validate_new_account(**{**GOOD, "roles": [], "estates": ["E3"]})
    assert rules(e) == {("roles", "required"), ("estates", "one_of")}
    with pytest.raises(ValidationError) as e:
        d.validate_roles(["front_desk", "system"])  # a service's own role is no staff role
    assert rules(e) == {("roles", "one_of")}


def test_no_phone_is_fine_and_a_name_has_at_most_50_characters():
    assert d.validate_new_account(**{**GOOD, "phone": "  "}).phone is None
    with pytest.raises(ValidationError) as e:
        d.validate_new_account(**{**GOOD, "name": "王" * 51})
    assert rules(e) == {("name", "length")}


@pytest.mark.parametrize("phone, masked", [
    ("13800000000", "138****0000"),
    ("+8613912345678", "+86*******5678"),
    ("02161234567", "021****4567"),
    ("12345", "***45"),
    (None, None),
])
def test_phones_are_masked(phone, masked):
    assert d.mask_phone(phone) == masked


# --- passwords ----------------------------------------------------------------------------------------
def test_a_password_is_kept_as_an_argon2id_hash_with_owasp_parameters():
    first, second = d.hash_password("autumn-leaves-42"), d.hash_password("autumn-leaves-42")
    assert first.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert first != second  # a fresh salt each time
    assert "autumn-leaves-42" not in first
    assert d.verify_password(first, "autumn-leaves-42") and d.verify_password(second, "autumn-leaves-42")
    assert not d.verify_password(first, "autumn-leaves-43")
    assert not d.needs_rehash(first)


def test_no_hash_or_a_broken_one_never_verifies():
    assert not d.verify_password(None, "no account has this password: it only makes the work equal")
    assert not d.verify_password("not-a-hash", "autumn-leaves-42")
    assert d.needs_rehash("not-a-hash")


def test_a_hash_made_with_other_parameters_needs_a_rehash():
    old = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("autumn-leaves-42")
    assert d.verify_password(old, "autumn-leaves-42")
    assert d.needs_rehash(old)


@pytest.mark.parametrize("others, is_admin, stays, leaves_none", [
    (0, True, False, True), (1, True, False, False), (0, True, True, False), (0, False, False, False)])
def test_the_last_admin(others, is_admin, stays, leaves_none):
    assert d.leaves_no_admin(others, is_admin, stays) is leaves_none


def test_a_role_of_another_systems_token_is_never_a_staff_accounts():
    with pytest.raises(ValidationError) as e:
        d.validate_new_account(**{**GOOD, "roles": ["front_desk", "owner_app"]})
    assert {(p.field, p.rule) for p in e.value.problems} == {("roles", "api_token_only")}
    assert d.role_problems(["owner_app"], api_token=True) == []
