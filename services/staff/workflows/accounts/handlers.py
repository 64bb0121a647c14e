"""Staff accounts' handlers (员工账号): an admin adds, disables, re-roles an account and resets its
password; the desk reads accounts (never a hash; phones masked).

Plain functions of (message, uow) and (args, reader). Who may give a command is
`propdesk.policy` (admin only, block "# staff: accounts (admin)"); the chassis has checked the
role, the request's shape and the idempotency key before a handler runs, and commits after it
returns. Every handler audits what it did itself, without the password: the chassis' fallback
audit row would carry the request.

Inferred rules beyond issue #8 §1 (written down here and in `domain`):

- an account's first password and a password an admin resets are the admin's, so the staff member
  must choose a new one (`must_change_password`; `change_password` in the sessions workflow);
- disabling an account or resetting its password ends every session it has (a later
  `resolve_session` fails); new roles take effect at the next `resolve_session`, sessions stay;
- an admin cannot disable their own account (Conflict ``username`` / ``not_yourself``), and no
  command leaves the office without an active admin (Conflict ``username`` / ``last_admin``);
  the CLI (`propdesk staff add`) can always add one;
- resetting a password also lifts a lock-out of the username.
"""
from __future__ import annotations

from sqlalchemy import select

from propdesk.errors import Conflict, NotFound
from propdesk_services.staff.workflows.accounts import domain
from propdesk_services.staff.workflows.accounts.models import StaffAccount
from propdesk_services.staff.workflows.accounts.views import staff_view
from propdesk_services.staff.workflows.sessions.handlers import clear_lock_out, end_sessions


# --- reading ---------------------------------------------------------------------------------------
def _account(session, username: str, *, lock: bool = False) -> StaffAccount:
    account = session.get(StaffAccount, domain.normal_username(username), with_for_update=lock)
    if account is None:
        raise NotFound(f"no staff account {username}", field="username", rule="exists")
    return account


def _visible_account(session, username: str, estates) -> StaffAccount:
    """The account, or NotFound when it works for none of `estates` (another estate's staff
    answer as absent, like any other record of another estate)."""
    account = _account(session, username)
    if not domain.shares_estate(account.estates, estates):
        raise NotFound(f"no staff account {username}", field="username", rule="exists")
    return account


def get_staff(args: dict, reader) -> dict:
    """One staff account (phone masked, never the password hash); within the asker's estates."""
    return staff_view(_visible_account(reader.session, args["username"], reader.estates))


def list_staff(args: dict, reader) -> list[dict]:
    """Staff accounts by username, of the estates the asker works for; only those working for
    `estate` / holding `role` when given; disabled accounts only with `include_disabled`."""
    stmt = select(StaffAccount).order_by(StaffAccount.username)
    if not args["include_disabled"]:
        stmt = stmt.where(StaffAccount.active.is_(True))
    accounts = [a for a in reader.session.scalars(stmt)
                if domain.shares_estate(a.estates, reader.estates)
                and (args["estate"] is None or args["estate"] in a.estates)
                and (args["role"] is None or args["role"] in a.roles)]
    return [staff_view(a) for a in accounts]


def possible_actions(username: str, reader) -> list[str]:
    """What may be done next to an account (the chassis keeps those the role may give): an active
    one may be disabled, re-roled, moved to other estates or given a new password; a disabled one
    the same, or enabled again. NotFound (username, exists)."""
    account = _visible_account(reader.session, username, reader.estates)
    return (["set_roles", "set_estates", "reset_password", "disable_staff"] if account.active
            else ["enable_staff", "set_roles", "set_estates", "reset_password"])


def _other_active_admins(session, username: str) -> int:
    stmt = select(StaffAccount).where(StaffAccount.active.is_(True), StaffAccount.username != username)
    return sum(1 for a in session.scalars(stmt) if domain.ADMIN in a.roles)


# --- commands --------------------------------------------------------------------------------------
def add_staff(cmd, uow) -> dict:
    """Add a staff account with a first password (新增员工账号): the staff member must choose a new
    password at the first sign-in. ValidationError: every broken rule of `domain` at once.
    Conflict (username, username_taken) when the username exists (disabled accounts included:
    a username is never reused). Takes no idempotency key (it carries a password)."""
    d = cmd.data
    new = domain.validate_new_account(d["username"], d["name"], d["department"], d["roles"], d["estates"],
                                      d["phone"], d["password"])
    if uow.session.get(StaffAccount, new.username) is not None:
        raise Conflict(f"username {new.username} is taken (usernames are never reused)",
                       field="username", rule="username_taken")
    now = uow.now()
    account = StaffAccount(
        username=new.username, name=new.name, department=new.department, roles=new.roles, estates=new.estates,
        phone=new.phone, active=True, password_hash=domain.hash_password(d["password"]),
        must_change_password=True, password_changed_at=now, created_at=now, updated_at=now, disabled_at=None)
    uow.session.add(account)
    uow.session.flush()
    uow.audit("staff.added", "staff", account.username, {
        "name": account.name, "department": account.department, "roles": account.roles,
        "estates": account.estates, "phone": domain.mask_phone(account.phone), "must_change_password": True})
    return staff_view(account)


def disable_staff(cmd, uow) -> dict:
    """Disable an account (停用): it cannot sign in, and every session it has ends now. Disabling a
    disabled account changes nothing. Conflict (username, not_yourself) for the admin's own account,
    (username, last_admin) for the last active admin; NotFound (username, exists)."""
    account = _account(uow.session, cmd.data["username"], lock=True)
    if not account.active:
        uow.audit("staff.disable_unchanged", "staff", account.username, {"active": False})
        return staff_view(account)
    if cmd.actor.id == account.username:
        raise Conflict("you cannot disable your own account", field="username", rule="not_yourself")
    is_admin = domain.ADMIN in account.roles
    if domain.leaves_no_admin(_other_active_admins(uow.session, account.username), is_admin, False):
        raise Conflict(f"{account.username} is the last active admin: add another admin first",
                       field="username", rule="last_admin")
    now = uow.now()
    account.active = False
    account.disabled_at = account.updated_at = now
    ended = end_sessions(uow.session, account.username, "account_disabled", now)
    uow.audit("staff.disabled", "staff", account.username, {"sessions_ended": ended})
    return staff_view(account)


def reset_password(cmd, uow) -> dict:
    """Set a new password for an account (重置密码) chosen by an admin: the staff member must change
    it at the next sign-in, every session of the account ends, and a lock-out of the username is
    lifted. The password is audited as the fact of the reset, never its value. ValidationError
    (password: min_length, length, not_username); NotFound (username, exists). Takes no
    idempotency key (it carries a password)."""
    account = _account(uow.session, cmd.data["username"], lock=True)
    password = domain.check_password(cmd.data["password"], account.username)
    now = uow.now()
    account.password_hash = domain.hash_password(password)
    account.must_change_password = True
    account.password_changed_at = account.updated_at = now
    ended = end_sessions(uow.session, account.username, "password_reset", now)
    unlocked = clear_lock_out(uow.session, account.username)
    uow.audit("staff.password_reset", "staff", account.username,
              {"must_change_password": True, "sessions_ended": ended, "lock_out_lifted": unlocked})
    return staff_view(account)


def set_roles(cmd, uow) -> dict:
    """Give an account its roles (设置角色): one or more codes of `propdesk.policy.ROLES`, replacing
    the ones it had; they take effect at the account's next `resolve_session`. ValidationError
    (roles: required, one_of); Conflict (username, last_admin) when the last active admin would
    lose the admin role; NotFound (username, exists)."""
    roles = domain.validate_roles(cmd.data["roles"])
    account = _account(uow.session, cmd.data["username"], lock=True)
    before = list(account.roles)
    if roles == before:
        uow.audit("staff.roles_unchanged", "staff", account.username, {"roles": roles})
        return staff_view(account)
    is_admin = account.active and domain.ADMIN in before
    if domain.leaves_no_admin(_other_active_admins(uow.session, account.username), is_admin, domain.ADMIN in roles):
        raise Conflict(f"{account.username} is the last active admin: give another account the admin role first",
                       field="username", rule="last_admin")
    account.roles = roles
    account.updated_at = uow.now()
    uow.audit("staff.roles_set", "staff", account.username, {"roles_before": before, "roles": roles})
    return staff_view(account)


def enable_staff(cmd, uow) -> dict:
    """Enable a disabled account again (恢复启用): it may sign in with its password; when an admin
    chose that password (added or reset and never changed), the staff member still chooses a new one
    first. Enabling an active account changes nothing. NotFound (username, exists)."""
    account = _visible_account(uow.session, cmd.data["username"], cmd.estates)
    if account.active:
        uow.audit("staff.enable_unchanged", "staff", account.username, {"active": True})
        return staff_view(account)
    account.active = True
    account.disabled_at = None
    account.updated_at = uow.now()
    uow.audit("staff.enabled", "staff", account.username,
              {"must_change_password": account.must_change_password})
    return staff_view(account)


def set_estates(cmd, uow) -> dict:
    """Give an account the estates it works for (所属管理处), replacing the ones it had: what it sees
    and acts on from its next `resolve_session` (sessions stay, like new roles). ValidationError
    (estates: required, one_of); NotFound (username, exists) also for an account outside the
    admin's own estates."""
    estates = domain.validate_estates(cmd.data["estates"])
    account = _visible_account(uow.session, cmd.data["username"], cmd.estates)
    before = list(account.estates)
    if estates == before:
        uow.audit("staff.estates_unchanged", "staff", account.username, {"estates": estates})
        return staff_view(account)
    account.estates = estates
    account.updated_at = uow.now()
    uow.audit("staff.estates_set", "staff", account.username, {"estates_before": before, "estates": estates})
    return staff_view(account)
