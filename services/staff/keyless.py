"""Commands that carry or answer a secret take no idempotency key.

The chassis keeps, for a command sent with an idempotency key, a SHA-256 of the request and the
command's result, in clear, for as long as the records it made (`propdesk.chassis.idempotency`).
For `sign_in` and `create_api_token` the result IS the secret (the session token, the API token),
which must be stored only as its hash; for `add_staff`, `reset_password` and `change_password` the
request carries a password, and an unsalted SHA-256 of a request whose other fields are in the audit
trail can be guessed far faster than the argon2 hash. So these commands refuse a key
(ValidationError ``idempotency_key`` / ``not_with_secrets``) and roll back the key's row with
everything else. None of them needs one: a repeated `add_staff` or `create_api_token` is refused by
its unique name (Conflict), a repeated `reset_password` sets the same password, a repeated
`sign_in` opens a second session.

The chassis runs the key check before the handler, so this looks at the unit of work's claim: a
chassis flag on the `Command` row (refused before the key is claimed) is the better home for it.
"""
from __future__ import annotations

from propdesk.errors import ValidationError

RULE = "not_with_secrets"


def refuse_idempotency_key(uow, command: str) -> None:
    """ValidationError when `command` was given with an idempotency key (see the module doc)."""
    if getattr(uow, "_claim", None) is not None:
        raise ValidationError.one("idempotency_key", RULE,
                                  f"{command} carries or answers a secret and takes no idempotency key "
                                  "(its secret would be kept in clear with the key)")
