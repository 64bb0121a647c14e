"""The `propdesk` command.

    propdesk run [SERVICE...] [--scale billing=3,notify=2]
                                     every discovered service (or the named ones), one process each (or as
                                     many as --scale says: competing consumers), supervised
    propdesk status                  each service up/down, its metrics URL, its queues' depth and consumers
    propdesk migrate [SERVICE...]    Alembic upgrade of each service database + RabbitMQ topology
    propdesk makemigration SERVICE -m MESSAGE   autogenerate a revision from the service's models
    propdesk demo                    load the demo estate (idempotent)
    propdesk dlq list                dead-lettered deliveries, with queue, reason and error
    propdesk dlq replay [--event-id ID]   send them back to their handler queue
    propdesk broker users [--dir D] [--prefix P] [--show]   one RabbitMQ user per service (and the
                                     operator's) with the least permissions it needs; passwords in files
    propdesk pg-setup [SERVICE...] [--admin-url URL] [--prefix P] [--dir D]   PostgreSQL, as its
                                     administrator: the owner role, a role and a database per service
                                     (CONNECT for that role only); idempotent; prints the services' URLs
    propdesk docs [--check]          regenerate docs/events.md from the contract registry
    propdesk audit verify [SERVICE...]   check every audit chain: an edited, deleted or forged row exits 1
    propdesk backup [--to DIR] [SERVICE...]   every service database copied at one moment, services
                                     running, into a dated folder with a manifest (checksums, revisions);
                                     on PostgreSQL one pg_dump per service, or --cluster: pg_basebackup
                                     of the server, every service at one moment
    propdesk restore FOLDER [SERVICE...] [--replay-minutes N]   put a backup back (services stopped);
                                     then `propdesk migrate`; see docs/operations.md
    propdesk staff add USERNAME --name N --department D --role R [--role R] --estate E [--estate E] [--phone P]
    propdesk staff disable USERNAME | enable USERNAME | reset-password USERNAME
    propdesk staff set-roles USERNAME --role R [--role R] | set-estates USERNAME --estate E [--estate E]
    propdesk staff list [--all] [--estate E] [--role R] [--json]
    propdesk staff token create NAME --role R --estate E [--expires ISO] | token revoke NAME | token list
                                     staff accounts and API tokens, on the staff database directly
                                     (passwords from the terminal, or one line of stdin: --password-stdin)
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from urllib.parse import quote, urlparse

import requests
from sqlalchemy.orm import Session

from propdesk import plugins
from propdesk.config import Settings


def cmd_run(args) -> int:
    from propdesk import runner

    return runner.run(args.services or None, scale=args.scale)


def cmd_migrate(args) -> int:
    from sqlalchemy.engine import make_url

    from propdesk.chassis import migrate, topology
    from propdesk.config import db_service_role

    settings = Settings.from_env()
    classes = plugins.service_classes(args.services or None)
    for name, cls in classes.items():
        if migrate.has_database(cls):
            url, role = settings.db_url(name), db_service_role(name)
            if role and url.startswith("postgresql") and make_url(url).username == role:
                print(f"propdesk migrate: runs as the databases' owner role, not {role} (a service's role "
                      "cannot change the schema): unset PROPDESK_DB_USER for it; docs/operations.md",
                      file=sys.stderr)
                return 2
            migrate.upgrade(cls, url)
            if role and url.startswith("postgresql"):
                migrate.grant_service_role(url, role)
                print(f"migrated {name}; {role} may read and write its rows")
            else:
                print(f"migrated {name}")
    queues = topology.declare_all(settings.amqp_uri, classes.values(), settings.retry_delays_ms)
    print(f"declared {len(queues)} queues on "
          f"{', '.join(str(urlparse(a).hostname) for a in topology.broker_addresses(settings.amqp_uri))}")
    return 0


def cmd_makemigration(args) -> int:
    from propdesk.chassis import migrate

    settings = Settings.from_env()
    cls = plugins.service_classes([args.service])[args.service]
    migrate.make_revision(cls, settings.db_url(args.service), args.message)
    return 0


def cmd_demo(args) -> int:
    from propdesk.chassis.clock import clock_from_env
    from propdesk.chassis.db import make_engine
    from propdesk.chassis.demo_loading import load_demo

    settings = Settings.from_env()
    clock = clock_from_env()  # the services' clock (PROPDESK_CLOCK_FILE in the system tests), else the wall clock
    for name, cls in plugins.service_classes().items():
        if getattr(cls, "load_demo", None) is None:
            continue
        engine = make_engine(settings.db_url(name))
        with Session(engine) as session:
            added = load_demo(cls, session, clock)
            session.commit()
        engine.dispose()
        print(f"demo data for {name}: {added}")
    return 0


def _vhost(settings: Settings) -> str:
    from propdesk.chassis import topology

    return topology.broker_vhost(settings.amqp_uri)


def _management(settings: Settings):
    url = urlparse(settings.rabbit_api)
    base = f"{url.scheme}://{url.hostname}:{url.port or 15672}"
    return base, (url.username or "guest", url.password or "guest")


def cmd_status(args) -> int:
    settings = Settings.from_env()
    base, auth = _management(settings)
    try:
        queues = requests.get(f"{base}/api/queues/{quote(_vhost(settings), safe='')}", auth=auth, timeout=5,
                              params={"columns": "name,messages,consumers"}).json()
    except (requests.RequestException, ValueError) as exc:
        print(f"RabbitMQ management API unreachable at {base}: {exc}")
        queues = []
    all_up = True
    for name, cls in plugins.service_classes().items():
        port = settings.port(name, cls.http_port)
        try:
            up = requests.get(f"http://{settings.host}:{port}/health", timeout=2).ok
        except requests.RequestException:
            up = False
        all_up &= up
        print(f"{name:<10} {'up' if up else 'DOWN':<5} http://{settings.host}:{port}/metrics")
        for q in queues:
            if q["name"].startswith(name + "."):
                print(f"    {q['name']:<48} depth {q.get('messages', 0):>6}  consumers {q.get('consumers', 0)}")
    for q in queues:
        if q["name"] == "propdesk.dlq":
            print(f"dead letters: {q.get('messages', 0)} (propdesk dlq list)")
    return 0 if all_up else 1


def cmd_dlq(args) -> int:
    from propdesk.chassis import dlq

    settings = Settings.from_env()
    if args.action == "list":
        rows = dlq.list_messages(settings.amqp_uri)
        if args.json:
            print(json.dumps(rows, ensure_ascii=False, indent=2))
        elif not rows:
            print("no dead letters")
        for r in rows if not args.json else []:
            print(f"{r['event_id']}  {r['event_type']}  queue={r['queue']}  reason={r['reason']}  "
                  f"attempts={r['attempts']}  at={r['failed_at']}\n    {r['error']}")
        return 0
    count = dlq.replay(settings.amqp_uri, event_id=args.event_id)
    print(f"replayed {count} message(s)")
    return 0 if count or args.event_id is None else 1


def cmd_broker(args) -> int:
    """`propdesk broker users`: one broker user per service (and the operator's) with the least
    permissions it needs (chassis/broker_users.py), passwords kept in files."""
    import os

    from propdesk.chassis import broker_users

    settings = Settings.from_env()
    prefix = args.prefix or broker_users.user_prefix()
    grants = broker_users.grants(plugins.service_classes().values(), prefix=prefix)
    if args.show:
        print(json.dumps([{"user": g.user, "configure": g.configure, "write": g.write, "read": g.read,
                           "topic_permissions": [{"exchange": e, "write": w, "read": r}
                                                 for e, (w, r) in sorted(g.topics.items())]}
                          for g in grants], indent=2))
        return 0
    directory = Path(args.dir or os.environ.get("PROPDESK_BROKER_USERS_DIR") or settings.data_dir / "broker-users")
    base, auth = _management(settings)
    if broker_users.production() and auth[0] == "guest":
        print("propdesk broker users: PROPDESK_PRODUCTION=1 refuses the guest user for the management API: "
              "set PROPDESK_RABBIT_API to an administrator's URL (http://admin:...@host:15672)", file=sys.stderr)
        return 2
    passwords = {g.user: broker_users.ensure_password(directory, g.user) for g in grants}
    vhost = _vhost(settings)
    try:
        broker_users.apply(base, auth, vhost, grants, passwords)
    except requests.RequestException as exc:
        print(f"propdesk broker users: the management API at {base} refused or failed: {exc}", file=sys.stderr)
        return 1
    for g in grants:
        print(f"{g.user:<24} password in {broker_users.password_file(directory, g.user)}")
    print(f"vhost {vhost}: {len(grants)} users. Run the services with PROPDESK_BROKER_USERS_DIR={directory}"
          + (f" PROPDESK_BROKER_USER_PREFIX={prefix}" if prefix != broker_users.USER_PREFIX else "")
          + " (propdesk run gives each process its own user)")
    return 0


def cmd_pg_setup(args) -> int:
    """`propdesk pg-setup`: as the server's administrator, the owner role, one role per service and
    one database per service owned by the owner, CONNECT for its service's role only
    (chassis/pg_setup.py); idempotent; prints the services' URLs."""
    import os

    from propdesk.chassis import migrate, pg_setup
    from propdesk.config import ConfigError, _parsed_db_url, database_kind, db_password, local_pg_url

    settings = Settings.from_env()
    if database_kind() != "postgresql":
        raise ConfigError("PROPDESK_DB", "pg-setup is for PostgreSQL: set PROPDESK_DB=postgresql")
    if os.environ.get("PROPDESK_DB_USER"):
        raise ConfigError("PROPDESK_DB_USER", "is a service's role; pg-setup runs as the server's administrator "
                          "(--admin-url or PROPDESK_PG_ADMIN_URL) and makes the roles: unset it")
    given = os.environ.get("PROPDESK_PG_URL")
    server = pg_setup.server_url(_parsed_db_url("PROPDESK_PG_URL", given or local_pg_url(settings.data_dir)))
    if server.get_backend_name() != "postgresql":
        raise ConfigError("PROPDESK_PG_URL", "must be a postgresql:// URL (PROPDESK_DB=postgresql)")
    admin_text = args.admin_url or os.environ.get("PROPDESK_PG_ADMIN_URL") or (
        None if given else local_pg_url(settings.data_dir))  # the local server's superuser
    if not admin_text:
        raise ConfigError("PROPDESK_PG_ADMIN_URL", "not set: the URL of an administrator of PROPDESK_PG_URL's "
                          "server (a superuser, e.g. postgresql://postgres@db1:5432/postgres), or --admin-url")
    admin = pg_setup.server_url(_parsed_db_url("PROPDESK_PG_ADMIN_URL", admin_text))
    if admin.get_backend_name() != "postgresql":
        raise ConfigError("PROPDESK_PG_ADMIN_URL", "must be a postgresql:// URL")
    owner = None
    if server.username and server.username != admin.username:
        owner = pg_setup.Role(server.username, None, db_password() or server.password,
                              "PROPDESK_DB_PASSWORD_FILE / PROPDESK_DB_PASSWORD")
    classes = {n: c for n, c in plugins.service_classes(args.services or None).items() if migrate.has_database(c)}
    roles = {n: pg_setup.Role(pg_setup.service_role(n, args.prefix), n,
                              os.environ.get(f"PROPDESK_{n.upper()}_DB_PASSWORD") or None,
                              f"PROPDESK_{n.upper()}_DB_PASSWORD") for n in classes}
    databases = {n: f"{server.database or 'propdesk'}_{n}" for n in classes}
    directory = Path(args.dir or os.environ.get("PROPDESK_DB_USERS_DIR") or settings.data_dir / "db-users")
    done = pg_setup.setup(admin.render_as_string(hide_password=False), owner, roles, databases, directory)

    owner_name = owner.name if owner else admin.username
    for row in done:
        kept = f"; password in {row.password_file}" if row.password_file else ""
        what = "created" if row.role_created else "exists, left as it is"
        if row.service is None:
            print(f"role {row.role} (the owner: propdesk migrate): {what}{kept}")
        else:
            print(f"role {row.role}: {what}{kept}; database {row.database}: "
                  f"{'created' if row.database_created else 'exists'}, owner {row.database_owner}, CONNECT for {row.role} only")
    if not any(row.role_created or row.database_created for row in done):
        print("nothing to do: every role and database was there; nothing changed")
    print("the services' URLs (PROPDESK_<SERVICE>_DB_URL; a password is printed once, by the run that made its role):")
    for row in done:
        if row.service is not None:
            print(f"PROPDESK_{row.service.upper()}_DB_URL={pg_setup.service_url(server, row)}")
    prefix = pg_setup.role_prefix(args.prefix)
    print(f"next: PROPDESK_DB_SERVICE_ROLE_PREFIX={prefix} propdesk migrate (as the owner {owner_name}: the schema, "
          f"then each role its rows); then PROPDESK_DB_USERS_DIR={directory} propdesk run (each process its own "
          "role), or each service its URL, or the systemd units (docs/operations.md, PostgreSQL roles)")
    return 0


def cmd_audit(args) -> int:
    """`propdesk audit verify`: walk every service's audit chain; exit 1 when any was tampered with."""
    from propdesk.chassis import audit_chain

    verdicts = audit_chain.verify_all(Settings.from_env(), args.service or None)
    if not verdicts:
        print("no service database here to verify (run `propdesk migrate` first)")
        return 1
    for name, verdict in verdicts.items():
        print(f"{name:<10} {'ok' if verdict.ok else 'TAMPERED'}  {verdict.rows} audit rows")
        for problem in verdict.problems:
            print(f"           - {problem}")
    return 0 if all(v.ok for v in verdicts.values()) else 1


def cmd_backup(args) -> int:
    """`propdesk backup`: a consistent online copy of every service database (chassis/backup.py)."""
    from propdesk.chassis import backup

    settings = Settings.from_env()
    dest = Path(args.to) if args.to else settings.data_dir / "backups"
    try:
        if args.cluster:
            if args.services:
                raise backup.BackupError("--cluster copies the whole server: name no service "
                                         "(one service: propdesk backup SERVICE, a pg_dump)")
            done = backup.backup_cluster(settings, dest)
        else:
            done = backup.backup(settings, dest, args.services or None)
    except backup.BackupError as exc:
        print(f"propdesk backup: {exc}", file=sys.stderr)
        return 1
    for rel, entry in done.manifest.get("files", {}).items():
        print(f"{rel:<20} {entry['bytes']:>10} bytes")
    for name, entry in done.manifest["services"].items():
        if "file" not in entry:
            print(f"{name:<10} database {entry['database']}")
            continue
        print(f"{name:<10} {entry['bytes']:>10} bytes  revision {' '.join(entry.get('revisions', [])) or '-'}")
    if done.manifest["database"] == "postgresql" and not args.cluster and len(done.manifest["services"]) > 1:
        print("note: one pg_dump per service, one after another, not at one moment; "
              "every service at one moment: propdesk backup --cluster (docs/operations.md)")
    print(f"backup at {done.manifest['cut_at']} in {done.folder} ({done.seconds:.2f} s)")
    return 0


def cmd_restore(args) -> int:
    """`propdesk restore FOLDER`: checks, refusals, files back, outbox tail re-armed (chassis/backup.py)."""
    from propdesk.chassis import backup

    try:
        done = backup.restore(Settings.from_env(), Path(args.folder), args.services or None,
                              replay_minutes=args.replay_minutes)
    except backup.BackupError as exc:
        print(f"propdesk restore: refused: {exc}", file=sys.stderr)
        return 1
    print(f"restored {', '.join(done['restored'])} as of {done['cut_at']} ({done['seconds']:.2f} s)")
    if done["aside"]:
        print(f"the replaced files are in {done['aside']}")
    print("events published again when the services start: "
          + ", ".join(f"{n} {c}" for n, c in done["rearmed"].items()))
    if set(done["restored"]) == set(done["rearmed"]):  # the whole installation is back at the cut
        print("every service is back at the backup: if RabbitMQ kept its queues, purge the handler and retry "
              "queues (never propdesk.dlq) before starting; docs/operations.md, Backups and restore")
    print("next: propdesk migrate (brings the restored databases to this code's revision), then start the services")
    return 0


def _backup_parsers(sub) -> None:
    from propdesk.chassis.backup import DEFAULT_REPLAY_MINUTES

    bk = sub.add_parser("backup", help="copy every service database (services may run) into a dated folder")
    bk.add_argument("services", nargs="*", help="only these services (default: all)")
    bk.add_argument("--to", help="where the dated folder is made (default: <data dir>/backups)")
    bk.add_argument("--cluster", action="store_true",
                    help="PostgreSQL: pg_basebackup of the server every service database is on: all of "
                         "them at one moment (the role needs REPLICATION)")
    bk.set_defaults(func=cmd_backup)
    rs = sub.add_parser("restore", help="put a backup's databases back (services stopped); then migrate")
    rs.add_argument("folder")
    rs.add_argument("services", nargs="*", help="only these services (default: every one in the backup)")
    rs.add_argument("--replay-minutes", type=int, default=DEFAULT_REPLAY_MINUTES,
                    help="events published this long before the backup, and since, are published again "
                         f"(consumers skip duplicates; default {DEFAULT_REPLAY_MINUTES})")
    rs.set_defaults(func=cmd_restore)


def cmd_docs(args) -> int:
    from propdesk.contracts import docs

    target = Path(args.output)
    text = docs.render_events_md()
    if args.check:
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            print(f"{target} is stale: run `propdesk docs`")
            return 1
        print(f"{target} is up to date")
        return 0
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")
    return 0


# --- propdesk staff: accounts and API tokens, on the staff database directly --------------------------
def _staff_app():
    """The staff service's tables on its real database (`ServiceHarness` with the system clock):
    the same policy, edge schemas and audit as over RPC, without the service running."""
    from sqlalchemy import inspect as db_inspect
    from sqlalchemy.exc import OperationalError

    from propdesk.chassis.clock import SYSTEM_CLOCK
    from propdesk.chassis.db import make_engine
    from propdesk.testing.fake import ServiceHarness

    cls = plugins.service_classes(["staff"])["staff"]
    url = Settings.from_env().db_url("staff")
    missing = SystemExit(f"the staff database ({url}) is not migrated: run `propdesk migrate staff` first")
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).exists():
        raise missing
    engine = make_engine(url)
    try:
        migrated = db_inspect(engine).has_table("staff_account")
    except OperationalError:  # PostgreSQL: no such database yet (propdesk migrate creates it)
        migrated = False
    if not migrated:
        engine.dispose()
        raise missing
    return ServiceHarness(cls, clock=SYSTEM_CLOCK, engine=engine)


def _cli_admin() -> dict:
    """Who acts from the CLI: the operating-system user, as an admin (audited as cli:<user>)."""
    import getpass

    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return {"id": f"cli:{user}"[:64], "role": "admin"}


def _read_password(args, prompt: str) -> str:
    """One line of stdin with --password-stdin (its line end dropped), else asked twice on the
    terminal without echo. Never printed, never logged."""
    import getpass

    if args.password_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise SystemExit("no terminal to ask for the password on: pass it on stdin with --password-stdin")
    first = getpass.getpass(prompt)
    if getpass.getpass("again: ") != first:
        raise SystemExit("the two passwords differ: nothing changed")
    return first


def _refusal(exc) -> str:
    from propdesk.errors import ValidationError

    if isinstance(exc, ValidationError):
        return "; ".join(f"{p.field}: {p.message} ({p.rule})" for p in exc.problems)
    return f"{exc.field}: {exc.message} ({exc.rule})" if getattr(exc, "field", None) else str(exc)


def _staff_line(a: dict) -> str:
    state = "" if a["active"] else "  [disabled]"
    return (f"{a['username']:<16} {a['name']:<8} {a['department']:<18} roles={','.join(a['roles'])}  "
            f"estates={','.join(a['estates'])}  phone={a['phone'] or '-'}{state}")


def cmd_staff(args) -> int:
    from propdesk.errors import PropdeskError

    app = _staff_app()
    admin = _cli_admin()
    action = args.action if args.action != "token" else f"token {args.token_action}"
    try:
        if action == "add":
            password = _read_password(args, f"first password for {args.username}: ")
            a = app.command("add_staff", {"username": args.username, "name": args.name, "department": args.department,
                                          "roles": args.role, "estates": args.estate, "phone": args.phone,
                                          "password": password}, actor=admin)
            print(f"added {_staff_line(a)}\n{a['username']} chooses a new password at the first sign-in")
        elif action == "disable":
            a = app.command("disable_staff", {"username": args.username}, actor=admin)
            print(f"disabled {a['username']}: its sessions have ended")
        elif action == "enable":
            a = app.command("enable_staff", {"username": args.username}, actor=admin)
            print(f"enabled {a['username']}: it may sign in again")
        elif action == "reset-password":
            password = _read_password(args, f"new password for {args.username}: ")
            a = app.command("reset_password", {"username": args.username, "password": password}, actor=admin)
            print(f"password of {a['username']} reset: its sessions have ended; "
                  "it chooses a new password at the next sign-in")
        elif action == "set-roles":
            a = app.command("set_roles", {"username": args.username, "roles": args.role}, actor=admin)
            print(f"{a['username']}: roles {', '.join(a['roles'])}")
        elif action == "set-estates":
            a = app.command("set_estates", {"username": args.username, "estates": args.estate}, actor=admin)
            print(f"{a['username']}: estates {', '.join(a['estates'])}")
        elif action == "list":
            rows = app.query("list_staff", estate=args.estate, role=args.role_filter, include_disabled=args.all)
            if args.json:
                print(json.dumps(rows, ensure_ascii=False, indent=2))
            for a in rows if not args.json else []:
                print(_staff_line(a))
        elif action == "token create":
            t = app.command("create_api_token", {"name": args.name, "roles": args.role, "estates": args.estate,
                                                 "expires_at": args.expires}, actor=admin)
            if args.json:
                print(json.dumps(t, ensure_ascii=False, indent=2))
            else:
                print(f"API token {t['name']} (acts as {t['id']}; roles {', '.join(t['roles'])}; "
                      f"estates {', '.join(t['estates'])}; expires {t['expires_at'] or 'never'}).\n"
                      "The secret is shown this once; it is kept only as its hash:\n" + t["token"])
        elif action == "token revoke":
            t = app.command("revoke_api_token", {"name": args.name}, actor=admin)
            print(f"API token {t['name']} revoked at {t['revoked_at']}")
        elif action == "token list":
            rows = app.query("list_api_tokens", include_revoked=args.all)
            if args.json:
                print(json.dumps(rows, ensure_ascii=False, indent=2))
            for t in rows if not args.json else []:
                print(f"{t['name']:<20} {t['hint']}…  {t['state']:<8} roles={','.join(t['roles'])}  "
                      f"estates={','.join(t['estates'])}  expires={t['expires_at'] or 'never'}")
    except PropdeskError as exc:
        print(f"propdesk staff {action}: refused: {_refusal(exc)}", file=sys.stderr)
        return 1
    finally:
        app.db.engine.dispose()
    return 0


def _staff_parser(sub) -> None:
    st = sub.add_parser("staff", help="staff accounts and API tokens (on the staff database)")
    st.set_defaults(func=cmd_staff)
    actions = st.add_subparsers(dest="action", required=True)

    def password_option(p):
        p.add_argument("--password-stdin", action="store_true",
                       help="read the password from one line of stdin instead of asking on the terminal")

    add = actions.add_parser("add", help="add a staff account with a first password")
    add.add_argument("username")
    add.add_argument("--name", required=True, help="display name (姓名)")
    add.add_argument("--department", required=True)
    add.add_argument("--role", action="append", required=True, help="a role code; repeat for several")
    add.add_argument("--estate", action="append", required=True, help="an estate code; repeat for several")
    add.add_argument("--phone")
    password_option(add)
    dis = actions.add_parser("disable", help="disable an account and end its sessions")
    dis.add_argument("username")
    ena = actions.add_parser("enable", help="enable a disabled account again")
    ena.add_argument("username")
    reset = actions.add_parser("reset-password", help="set a new password (changed at the next sign-in)")
    reset.add_argument("username")
    password_option(reset)
    roles = actions.add_parser("set-roles", help="replace an account's roles")
    roles.add_argument("username")
    roles.add_argument("--role", action="append", required=True)
    estates = actions.add_parser("set-estates", help="replace the estates an account works for")
    estates.add_argument("username")
    estates.add_argument("--estate", action="append", required=True)
    ls = actions.add_parser("list", help="staff accounts (phones masked)")
    ls.add_argument("--all", action="store_true", help="disabled accounts too")
    ls.add_argument("--estate")
    ls.add_argument("--role", dest="role_filter")
    ls.add_argument("--json", action="store_true")
    token = actions.add_parser("token", help="API tokens for other systems")
    tokens = token.add_subparsers(dest="token_action", required=True)
    create = tokens.add_parser("create", help="create a token; its secret is printed once")
    create.add_argument("name")
    create.add_argument("--role", action="append", required=True)
    create.add_argument("--estate", action="append", required=True)
    create.add_argument("--expires", help="ISO 8601 time with its offset, e.g. 2027-06-30T18:00:00+08:00")
    create.add_argument("--json", action="store_true")
    revoke = tokens.add_parser("revoke", help="revoke a token")
    revoke.add_argument("name")
    tl = tokens.add_parser("list", help="tokens (never their secrets)")
    tl.add_argument("--all", action="store_true", help="revoked tokens too")
    tl.add_argument("--json", action="store_true")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="propdesk", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="start services, supervised")
    r.add_argument("services", nargs="*")
    r.add_argument("--scale", metavar="SERVICE=N[,SERVICE=N...]",
                   help="run N processes of a service (1-9; replica n on the service's port + 100 x (n-1), "
                        "or PROPDESK_<SERVICE>_PORT_<n>; its log <service>-<n>.log)")
    r.set_defaults(func=cmd_run)
    s = sub.add_parser("status", help="services and queues")
    s.set_defaults(func=cmd_status)
    m = sub.add_parser("migrate", help="upgrade databases, declare queues")
    m.add_argument("services", nargs="*")
    m.set_defaults(func=cmd_migrate)
    mm = sub.add_parser("makemigration", help="autogenerate a migration")
    mm.add_argument("service")
    mm.add_argument("-m", "--message", required=True)
    mm.set_defaults(func=cmd_makemigration)
    d = sub.add_parser("demo", help="load demo data")
    d.set_defaults(func=cmd_demo)
    q = sub.add_parser("dlq", help="dead letters")
    q.add_argument("action", choices=["list", "replay"])
    q.add_argument("--event-id")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_dlq)
    doc = sub.add_parser("docs", help="regenerate docs/events.md")
    doc.add_argument("--check", action="store_true")
    doc.add_argument("--output", default="docs/events.md")
    doc.set_defaults(func=cmd_docs)
    br = sub.add_parser("broker", help="the broker's users: one per service, least privilege")
    br_sub = br.add_subparsers(dest="broker_action", required=True)
    bu = br_sub.add_parser("users", help="create/update one RabbitMQ user per service (and the operator's) "
                                         "with the permissions it needs, via the management API")
    bu.add_argument("--dir", help="password files, one per user (default: PROPDESK_BROKER_USERS_DIR, "
                                  "else <data dir>/broker-users); missing ones are generated (mode 0600)")
    bu.add_argument("--prefix", help="user names: PREFIX<service> (default: PROPDESK_BROKER_USER_PREFIX "
                                     "or propdesk-)")
    bu.add_argument("--show", action="store_true", help="print the permissions as JSON; change nothing")
    bu.set_defaults(func=cmd_broker)
    pg = sub.add_parser("pg-setup", help="PostgreSQL, as its administrator: the owner role, one role and one "
                                         "database per service (idempotent); prints the services' URLs")
    pg.add_argument("services", nargs="*", help="only these services (default: all with a database)")
    pg.add_argument("--admin-url", help="a superuser's URL of PROPDESK_PG_URL's server (default: "
                                        "PROPDESK_PG_ADMIN_URL; the local server's postgres when PROPDESK_PG_URL is unset)")
    pg.add_argument("--prefix", help="role names: PREFIX<service> (default: PROPDESK_DB_SERVICE_ROLE_PREFIX or "
                                     "propdesk_)")
    pg.add_argument("--dir", help="password files, one per role (default: PROPDESK_DB_USERS_DIR, else "
                                  "<data dir>/db-users); a role's password is written there when it is made")
    pg.set_defaults(func=cmd_pg_setup)
    au = sub.add_parser("audit", help="the audit trail: verify every service's hash chain")
    au_sub = au.add_subparsers(dest="audit_action", required=True)
    ver = au_sub.add_parser("verify", help="detect an edited, deleted or forged audit row (exit 1)")
    ver.add_argument("service", nargs="*", help="only these services (default: all)")
    ver.set_defaults(func=cmd_audit)
    _staff_parser(sub)
    _backup_parsers(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    from propdesk.chassis.broker_users import CredentialsRefused
    from propdesk.config import ConfigError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (CredentialsRefused, ConfigError) as exc:  # a bad or refused setting: the message names what to set
        print(f"propdesk {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
