"""Signing in to a running gateway as a browser does, for tests that call its HTTP API (the gateway's
own API tests, the schemathesis run): GET /sign-in for the form's CSRF value, POST /sign-in, then the
session's CSRF token from GET /api/staff, kept on the `requests.Session` as ``X-CSRF-Token``."""
from __future__ import annotations

import re

import requests

from propdesk import demo

_INPUT = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
_FORM = re.compile(r"<form\b[^>]*>(.*?)</form>", re.IGNORECASE | re.DOTALL)
_VALUE = re.compile(r'\bvalue="([^"]*)"')


def form_value(page: str, name: str, action: str = "/sign-in") -> str:
    """The value of the input named `name` of the form posting to `action` (attributes in any order)."""
    forms = [m.group(1) for m in _FORM.finditer(page) if f'action="{action}"' in m.group(0)[:300]]
    for tag in _INPUT.findall("".join(forms)):
        if f'name="{name}"' in tag:
            found = _VALUE.search(tag)
            if found:
                return found.group(1)
    raise AssertionError(f"the page has no input named {name}:\n{page[:2000]}")


def post_sign_in(session: requests.Session, base: str, username: str, password: str = demo.DEMO_STAFF_PASSWORD,
                 next_path: str = "/") -> requests.Response:
    """The sign-in form filled in and sent (not following the redirect)."""
    page = session.get(base + "/sign-in", timeout=30)
    assert page.status_code == 200, page.text
    return session.post(base + "/sign-in", timeout=30, allow_redirects=False,
                        data={"username": username, "password": password, "next": next_path,
                              "csrf_token": form_value(page.text, "csrf_token")})


def signed_in(base: str, username: str, password: str = demo.DEMO_STAFF_PASSWORD) -> requests.Session:
    """A `requests.Session` signed in as `username`, sending its CSRF token with every request."""
    session = requests.Session()
    r = post_sign_in(session, base, username, password)
    assert r.status_code == 303, f"sign-in as {username}: {r.status_code} {r.text[:500]}"
    me = session.get(base + "/api/staff", timeout=30)
    assert me.status_code == 200, me.text
    session.headers["X-CSRF-Token"] = me.json()["me"]["csrf_token"]
    return session
