"""The `propdesk` command.

    propdesk run [SERVICE...]        every discovered service (or the named ones), one process each, supervised
    propdesk status                  each service up/down, its metrics URL, its queues' depth and consumers
    propdesk migrate [SERVICE...]    Alembic upgrade of each service database + RabbitMQ topology
    propdesk makemigration SERVICE -m MESSAGE   autogenerate a revision from the service's models
    propdesk demo                    load the demo estate (idempotent)
    propdesk dlq list                dead-lettered deliveries, with queue, reason and error
    propdesk dlq replay [--event-id ID]   send them back to their handler queue
    propdesk docs [--check]          regenerate docs/events.md from the contract registry
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

    return runner.run(args.services or None)


def cmd_migrate(args) -> int:
    from propdesk.chassis import migrate, topology

    settings = Settings.from_env()
    classes = plugins.service_classes(args.services or None)
    for name, cls in classes.items():
        if migrate.has_database(cls):
            migrate.upgrade(cls, settings.db_url(name))
            print(f"migrated {name}")
    queues = topology.declare_all(settings.amqp_uri, classes.values(), settings.retry_delays_ms)
    print(f"declared {len(queues)} queues on {urlparse(settings.amqp_uri).hostname}")
    return 0


def cmd_makemigration(args) -> int:
    from propdesk.chassis import migrate

    settings = Settings.from_env()
    cls = plugins.service_classes([args.service])[args.service]
    migrate.make_revision(cls, settings.db_url(args.service), args.message)
    return 0


def cmd_demo(args) -> int:
    from propdesk.chassis.db import make_engine

    settings = Settings.from_env()
    for name, cls in plugins.service_classes().items():
        loader = getattr(cls, "load_demo", None)
        if loader is None:
            continue
        engine = make_engine(settings.db_url(name))
        with Session(engine) as session:
            added = loader(session)
            session.commit()
        engine.dispose()
        print(f"demo data for {name}: {added}")
    return 0


def _vhost(settings: Settings) -> str:
    path = urlparse(settings.amqp_uri).path
    return path[1:] if path and path != "/" else "/"


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


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="propdesk", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="start services, supervised")
    r.add_argument("services", nargs="*")
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
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
