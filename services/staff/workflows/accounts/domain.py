"""Staff accounts (员工账号), pure: who works here, in which department, with which roles, for which
estates, and how their password is kept (issue #8 §1). No nameko, no SQL, no I/O.

An account's fields and their rules (ValidationError names the field and the rule; every broken
rule of a request is reported at once). The limits are **inferred** (the seeds name no account
rules) and written down here:

==================  ===========================  ===============================================
field               rule                         what
==================  ===========================  ===============================================
username            required / username_format   2-32 characters: lowercase letters, digits and
                                                 ``_ . -``, starting with a letter (given in any
                                                 case, kept lowercase). It is the staff member's
                                                 id: what ``actor.id`` carries and audit rows
                                                 name; never changed, never reused.
name                required / length            the display name (中文姓名), 1-50 characters
department          one_of                       a code of `vocab.STAFF_DEPARTMENTS`
roles               required / one_of            one or more codes of `propdesk.policy.ROLES`
                                                 (kept in the policy's order, without repeats)
estates             required / one_of            one or more codes of `vocab.ESTATES`
phone               phone_format                 optional: 5-20 digits, an optional leading +,
                                                 spaces and hyphens ignored (kept as digits)
password            min_length                   at least 10 characters (inferred: NIST SP
                                                 800-63B asks for at least 8 and no composition
                                                 rules; ten for a desk shared by many people)
password            length                       at most 128 characters (bounds the hashing work)
password            not_username                 not the username itself
==================  ===========================  ===============================================

A password is never stripped, logged or audited. It is kept only as its argon2id hash
(argon2-cffi) with the OWASP minimum parameters (19 MiB, 2 passes, 1 lane: about 50 ms here; the
library's default profile costs ten times that, and a service under eventlet is blocked while it
hashes). A hash made with other parameters is rehashed at the next successful sign-in.

Phone numbers are masked wherever an account is shown (``138****0000``): the first three and the
last four digits stay.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from propdesk import policy
from propdesk.contracts.vocab import ESTATES, STAFF_DEPARTMENTS
from propdesk.domain import blank
from propdesk.errors import Problem, ValidationError

USERNAME = re.compile(r"[a-z][a-z0-9_.\-]{1,31}")
MAX_NAME_LENGTH = 50
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128
PHONE = re.compile(r"\+?[0-9]{5,20}")

#: The role that administers accounts and API tokens; at least one active account keeps it.
ADMIN = "admin"

#: argon2id with OWASP's minimum parameters (Password Storage Cheat Sheet: m=19 MiB, t=2, p=1).
HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


# --- normalising what a request gives -------------------------------------------------------------
def normal_username(value) -> str:
    """The username as stored: stripped, lowercase ("" for anything that is not a string)."""
    return value.strip().lower() if isinstance(value, str) else ""


def normal_phone(value) -> str | None:
    """The phone as stored: digits (with a leading + when given); None when blank."""
    if blank(value):
        return None
    return re.sub(r"[\s\-]", "", value)


def ordered_roles(roles) -> list[str]:
    """The given role codes in the policy's order, without repeats (unknown codes dropped)."""
    given = set(roles or [])
    return [code for code in policy.ROLES if code in given]


def ordered_estates(estates) -> list[str]:
    given = set(estates or [])
    return [code for code in ESTATES.codes if code in given]


# --- the rules ----------------------------------------------------------------------------------------
def username_problems(username: str) -> list[Problem]:
    if not username:
        return [Problem("username", "required", "give a username")]
    if not USERNAME.fullmatch(username):
        return [Problem("username", "username_format",
                        "a username is 2-32 lowercase letters, digits, '_', '.' or '-', starting with a letter")]
    return []


def role_problems(roles, *, api_token: bool = False) -> list[Problem]:
    """The roles' problems: none given, one not in the policy, or (for a staff account, not an
    API token) a role only another system's token acts as (`policy.API_ONLY_ROLES`)."""
    if not roles:
        return [Problem("roles", "required", "give at least one role")]
    unknown = [r for r in roles if r not in policy.ROLES]
    if unknown:
        return [Problem("roles", "one_of", f"unknown role(s) {', '.join(map(str, unknown))}; "
                                           f"roles are {', '.join(policy.ROLES)}")]
    machine = [r for r in roles if r in policy.API_ONLY_ROLES]
    if machine and not api_token:
        return [Problem("roles", "api_token_only", f"{', '.join(machine)} is a role of another system's API "
                                                   "token, never of a staff account")]
    return []


def estate_problems(estates) -> list[Problem]:
    if not estates:
        return [Problem("estates", "required", "give at least one estate the staff member works for")]
    unknown = [e for e in estates if e not in ESTATES]
    if unknown:
        return [Problem("estates", "one_of", f"unknown estate(s) {', '.join(map(str, unknown))}; "
                                             f"estates are {', '.join(ESTATES.codes)}")]
    return []


def password_problems(password, username: str, field: str = "password") -> list[Problem]:
    """The password rules of the module doc, for `field` (``password`` or ``new_password``)."""
    if not isinstance(password, str) or password == "":
        return [Problem(field, "required", "give a password")]
    if len(password) < MIN_PASSWORD_LENGTH:
        return [Problem(field, "min_length", f"a password has at least {MIN_PASSWORD_LENGTH} characters")]
    if len(password) > MAX_PASSWORD_LENGTH:
        return [Problem(field, "length", f"a password has at most {MAX_PASSWORD_LENGTH} characters")]
    if username and password.strip().lower() == username:
        return [Problem(field, "not_username", "the password may not be the username")]
    return []


def check_password(password, username: str, field: str = "password") -> str:
    problems = password_problems(password, username, field)
    if problems:
        raise ValidationError(problems)
    return password


@dataclass(frozen=True)
class NewAccount:
    """A checked request for a new account (the password is not part of it: it is hashed apart)."""

    username: str
    name: str
    department: str
    roles: list[str]
    estates: list[str]
    phone: str | None


def validate_new_account(username, name, department, roles, estates, phone, password) -> NewAccount:
    """Check an `add_staff` request against every rule of the module doc; ValidationError listing
    every broken rule at once, else the normalised account."""
    user = normal_username(username)
    problems = username_problems(user)
    display = name.strip() if isinstance(name, str) else ""
    if not display:
        problems.append(Problem("name", "required", "give the staff member's name (姓名)"))
    elif len(display) > MAX_NAME_LENGTH:
        problems.append(Problem("name", "length", f"a name has at most {MAX_NAME_LENGTH} characters"))
    if department not in STAFF_DEPARTMENTS:
        problems.append(Problem("department", "one_of",
                                f"department must be one of {', '.join(STAFF_DEPARTMENTS.codes)}"))
    problems += role_problems(roles)
    problems += estate_problems(estates)
    tel = normal_phone(phone)
    if tel is not None and not PHONE.fullmatch(tel):
        problems.append(Problem("phone", "phone_format", "a phone number is 5-20 digits, optionally with a leading +"))
    problems += password_problems(password, user)
    if problems:
        raise ValidationError(problems)
    return NewAccount(user, display, department, ordered_roles(roles), ordered_estates(estates), tel)


def validate_roles(roles) -> list[str]:
    problems = role_problems(roles)
    if problems:
        raise ValidationError(problems)
    return ordered_roles(roles)


def validate_estates(estates) -> list[str]:
    problems = estate_problems(estates)
    if problems:
        raise ValidationError(problems)
    return ordered_estates(estates)


def shares_estate(account_estates, estates) -> bool:
    """Whether an account is within a reader's estates (None: not scoped, every account is): a
    staff member sees the accounts of the estates they work for, another estate's as absent."""
    return estates is None or any(e in estates for e in account_estates or ())


def leaves_no_admin(other_active_admins: int, account_is_admin: bool, account_stays_admin: bool) -> bool:
    """Whether a change would leave no active account with the admin role: the account is an
    active admin, will not be one after the change, and no other active account is."""
    return account_is_admin and not account_stays_admin and other_active_admins == 0


# --- passwords ----------------------------------------------------------------------------------------
def hash_password(password: str) -> str:
    """The argon2id hash of `password` (a fresh random salt each time)."""
    return HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches `password_hash`. With no hash (no such account), the same work is
    done against a stand-in hash, so the answer takes as long for an unknown username."""
    try:
        return HASHER.verify(password_hash or _stand_in_hash(), password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with other parameters than `HASHER`'s (rehash at sign-in)."""
    try:
        return HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=1)
def _stand_in_hash() -> str:
    return HASHER.hash("no account has this password: it only makes the work equal")


# --- how an account reads -------------------------------------------------------------------------
def mask_phone(phone: str | None) -> str | None:
    """``13800000000`` -> ``138****0000``: the first three and the last four digits stay, every
    other character is ``*``; a number of 7 characters or fewer keeps only its last two."""
    if not phone:
        return None
    if len(phone) <= 7:
        return "*" * (len(phone) - 2) + phone[-2:]
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
