"""staff's public surface: every command and query, at a glance (issue #8 §1: who is acting is
proven, not claimed).

Staff accounts with their roles (`propdesk.policy.ROLES`) and estates (`vocab.ESTATES`), the
sessions a sign-in opens, and the API tokens other systems act with. Names are public contract: a
command or query is an RPC method ``staff.<name>``. The admin commands are in `propdesk.policy`
(blocks "# staff: ..."); `sign_in`, `sign_out` and `change_password` are public (no one is signed
in yet, or the session token is the proof). No events: the audit trail is the record of sign-ins,
and no department needs to hear of account changes yet.
"""
from __future__ import annotations

from propdesk.chassis.workflow import Actions, Command, Query, Timer
from propdesk_services.staff.workflows.accounts import handlers as accounts
from propdesk_services.staff.workflows.accounts import schemas as accounts_schemas
from propdesk_services.staff.workflows.api_tokens import handlers as api_tokens
from propdesk_services.staff.workflows.api_tokens import schemas as api_tokens_schemas
from propdesk_services.staff.workflows.sessions import handlers as sessions
from propdesk_services.staff.workflows.sessions import schemas as sessions_schemas

COMMANDS = {
    # accounts (admin)
    "add_staff": Command(accounts.add_staff, accounts_schemas.AddStaffSchema, keyless=True),
    "disable_staff": Command(accounts.disable_staff, accounts_schemas.UsernameSchema),
    "enable_staff": Command(accounts.enable_staff, accounts_schemas.EnableStaffSchema),
    "set_estates": Command(accounts.set_estates, accounts_schemas.SetEstatesSchema),
    "reset_password": Command(accounts.reset_password, accounts_schemas.ResetPasswordSchema, keyless=True),
    "set_roles": Command(accounts.set_roles, accounts_schemas.SetRolesSchema),
    # sessions (public: the password or the session token is the proof)
    "sign_in": Command(sessions.sign_in, sessions_schemas.SignInSchema, public=True, keyless=True),
    "sign_out": Command(sessions.sign_out, sessions_schemas.SignOutSchema, public=True),
    "change_password": Command(sessions.change_password, sessions_schemas.ChangePasswordSchema, public=True, keyless=True),
    # API tokens (admin)
    "create_api_token": Command(api_tokens.create_api_token, api_tokens_schemas.CreateApiTokenSchema, keyless=True),
    "revoke_api_token": Command(api_tokens.revoke_api_token, api_tokens_schemas.RevokeApiTokenSchema),
}

QUERIES = {
    "get_staff": Query(accounts.get_staff, accounts_schemas.UsernameArgs),
    "list_staff": Query(accounts.list_staff, accounts_schemas.ListStaffArgs),
    "resolve_session": Query(sessions.resolve_session, sessions_schemas.TokenArgs, writes=True),
    "list_api_tokens": Query(api_tokens.list_api_tokens, api_tokens_schemas.ListApiTokensArgs),
    "resolve_api_token": Query(api_tokens.resolve_api_token, api_tokens_schemas.ApiTokenArgs),
}

SUBSCRIPTIONS: dict = {}

TIMERS = {
    # sessions over for more than 30 days, and lock-out rows with nothing left to remember, go
    "purge_sessions": Timer(sessions.purge_sessions, interval=3600),
}

#: What may be done next to a record (the chassis answers ``allowed_actions(record_type, record_id, role)``).
ACTIONS = {
    "staff": Actions(accounts.possible_actions),
    "api_token": Actions(api_tokens.possible_actions),
}
