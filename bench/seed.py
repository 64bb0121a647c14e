"""Bench seeding: rows written straight into the services' migrated SQLite files, before any
service starts. Only the bench does this, for speed; nothing else writes another service's tables.

Two things are seeded:

- **Leased, paid-up units** for the move-out driver (`seed_units`). The demo estate (loaded by
  `propdesk demo`, the services' own demo code) has about 60 leased units; a 60-second run at
  10 cases/s needs 600, and a unit takes one open move-out at a time. No RPC registers units, so
  the seeder adds them to residents (unit + owner + tenant) and gives each a fee account in
  billing (one charge, paid in full), so billing's clearance check reads a real account.
- **History** (`seed_history`): what `events` past events left behind in every store, as bulk
  ``INSERT ... SELECT`` from a recursive CTE joined to a small table of the history's cases
  (SQLite generates the rows itself), three stores at a time in child processes: 1,000,000
  events took 20-25 s per store, about a minute in all, on the shared 2-core bench machine. Every store gets `events` published outbox rows, `events` inbox rows and
  `events` audit rows (more than any one service really accumulates: a conservative load), plus
  the domain rows of ``events // 8`` archived move-outs (a case causes about 8 events): residents'
  cases, tickets' passed work orders, billing's confirmed clearances, access's holds and released
  slips with their day counters, notify's sent messages and tenancies, and reports' event log
  (`events` rows) and projections. History is dated 2022-01-01 onwards, 100 cases a day, so it
  never touches today's move-out, work-order or slip numbers.
"""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

#: Events a past move-out caused, on average (requested, inspection opened/completed, clearance,
#: release approved, slip issued, slip released, notifications).
EVENTS_PER_CASE = 8
#: Past cases per office day in the seeded history.
CASES_PER_DAY = 100
HISTORY_START = "2022-01-01"

def handlers_by_service() -> dict[str, tuple[str, ...]]:
    """Handler queues whose inbox rows the history fills (one of them per row, round robin), per
    service that subscribes to events: read from the services' subscription tables, not listed here."""
    from propdesk.contracts.docs import subscriptions

    out: dict[str, set[str]] = {}
    for handlers in subscriptions().values():
        for handler in handlers:
            out.setdefault(handler.split(".", 1)[0], set()).add(handler)
    return {service: tuple(sorted(queues)) for service, queues in sorted(out.items())}


EVENT_TYPES = ("move_out.requested", "move_out.inspection_opened", "billing.clearance_confirmed",
               "move_out.inspection_completed", "move_out.release_approved", "release_slip.issued",
               "release_slip.released", "notification.sent")


@dataclass(frozen=True)
class BenchUnit:
    unit_id: str
    tenant_party_id: str


def bench_units(count: int) -> list[BenchUnit]:
    """The units `seed_units(count)` adds: ``B-000001`` .. with tenant ``TEN-B-000001`` ..."""
    return [BenchUnit(f"B-{i:06d}", f"TEN-B-{i:06d}") for i in range(1, count + 1)]


def _connect(data_dir: Path, service: str) -> sqlite3.Connection:
    """A bulk-loading connection: no journal, no fsync (the file is rebuilt if this fails)."""
    conn = sqlite3.connect(str(data_dir / f"{service}.db"), isolation_level=None)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-200000")
    return conn


def _close(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA journal_mode=WAL")  # what the services expect (make_engine sets it too)
    conn.close()


class _PostgresBulk:
    """`seed_units` on PostgreSQL (S3-pg, PROPDESK_DB=postgresql): the same statements through
    psycopg2 (``%s`` for ``?``), in the databases `propdesk migrate` made; one commit."""

    def __init__(self, url: str):
        from propdesk.chassis.db import make_engine

        self.engine = make_engine(url, pool_size=1)
        self.conn = self.engine.raw_connection()
        self.cur = self.conn.cursor()

    def execute(self, sql: str, *args) -> None:
        if sql in ("BEGIN", "COMMIT"):
            if sql == "COMMIT":
                self.conn.commit()
            return
        self.cur.execute(sql.replace("?", "%s"), *args)

    def executemany(self, sql: str, rows) -> None:
        self.cur.executemany(sql.replace("?", "%s"), rows)

    def close(self) -> None:
        self.conn.close()
        self.engine.dispose()


def _bulk(data_dir: Path, service: str):
    """A bulk-loading connection to a service's store: its SQLite file, or its PostgreSQL
    database when PROPDESK_DB=postgresql."""
    from propdesk.config import Settings

    url = Settings.from_env().db_url(service)
    if url.startswith("sqlite"):
        return _connect(data_dir, service)
    return _PostgresBulk(url)


def seed_units(data_dir: Path, count: int) -> list[BenchUnit]:
    """Add `count` leased residential units with paid-up fee accounts (residents + billing)."""
    units = bench_units(count)
    with closing(_bulk(data_dir, "residents")) as conn:
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO party(party_id, name, role, phone) VALUES (?, ?, ?, ?)",
                         [row for u in units for row in (
                             (f"OWN-{u.unit_id}", f"业主 {u.unit_id}", "OWNER", "13800000000"),
                             (u.tenant_party_id, f"租户 {u.unit_id}", "TENANT", "13900000000"))])
        conn.executemany("INSERT INTO unit(unit_id, building, kind, owner_party_id, tenant_party_id, estate) "
                         "VALUES (?, 'B', 'residential', ?, ?, 'E1')",
                         [(u.unit_id, f"OWN-{u.unit_id}", u.tenant_party_id) for u in units])
        conn.execute("COMMIT")
    with closing(_bulk(data_dir, "billing")) as conn:
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO charge(unit_id, period, item, amount, estate) "
                         "VALUES (?, '2026-10', 'property_fee', 196.30, 'E1')",
                         [(u.unit_id,) for u in units])
        conn.executemany(
            "INSERT INTO payment(payment_id, unit_id, party_id, amount, method, receipt_no, received_at, "
            "recorded_by, period, item, estate) VALUES (?, ?, ?, 196.30, 'bank', ?, '2026-10-20 02:00:00.000000', "
            "'bench', '2026-10', 'property_fee', 'E1')",
            [(f"PAY-BENCH-{u.unit_id}", u.unit_id, u.tenant_party_id, f"SK-BENCH-{u.unit_id}") for u in units])
        conn.execute("COMMIT")
    return units


# -- history -------------------------------------------------------------------------------------
def _series(n: int) -> str:
    """A CTE `n(i)` of 0 .. n-1."""
    return f"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {int(n) - 1}) "


def _history_cases(conn: sqlite3.Connection, cases: int) -> None:
    """A temporary table `hc` of the history's cases: number, move-out id, work order and slip
    numbers, time, historic unit; and `et` of event types. The bulk inserts join it (each string is
    built once per case, not once per row)."""
    day = f"strftime('%Y%m%d', '{HISTORY_START}', '+' || (i / {CASES_PER_DAY}) || ' days')"
    seq = f"printf('%04d', i % {CASES_PER_DAY} + 1)"
    conn.execute("CREATE TEMP TABLE hc(c INTEGER PRIMARY KEY, mo TEXT, wo TEXT, fx TEXT, ts TEXT, unit TEXT, tenant TEXT)")
    conn.execute(_series(cases) + "INSERT INTO hc SELECT i, 'MO-' || d || '-' || s, 'WO-' || d || '-' || s, "
                 "'FX-' || d || '-' || s, ts, 'H-' || (i % 5000), 'TEN-H-' || (i % 5000) FROM ("
                 f"SELECT i, {day} AS d, {seq} AS s, strftime('%Y-%m-%d %H:%M:%S.000000', '{HISTORY_START}', "
                 f"'+' || (i / {CASES_PER_DAY}) || ' days', '+' || (i % {CASES_PER_DAY} * 300) || ' seconds') AS ts FROM n)")
    conn.execute("CREATE TEMP TABLE et(k INTEGER PRIMARY KEY, name TEXT)")
    conn.executemany("INSERT INTO et VALUES (?, ?)", list(enumerate(EVENT_TYPES)))


#: The row number `i` of an event joined to its case and its event type.
EVENT_ROWS = f"FROM n JOIN hc ON hc.c = n.i / {EVENTS_PER_CASE} JOIN et ON et.k = n.i % {len(EVENT_TYPES)}"


def _chassis_history(conn: sqlite3.Connection, service: str, events: int) -> None:
    """`events` published outbox rows, inbox rows and audit rows."""
    body = ("'{\"event_type\": \"' || et.name || '\", \"producer\": \"" + service
            + "\", \"correlation_id\": \"' || hc.mo || '\", \"payload\": {\"move_out_id\": \"' || hc.mo || '\"}}'")
    conn.execute(_series(events) + "INSERT INTO outbox(event_id, event_type, correlation_id, body, created_at, published_at) "
                 f"SELECT printf('h-%010d', i), et.name, hc.mo, {body}, hc.ts, hc.ts {EVENT_ROWS}")
    handlers = handlers_by_service()[service]
    handler = "(CASE i % {} {} END)".format(len(handlers), " ".join(f"WHEN {k} THEN '{h}'" for k, h in enumerate(handlers)))
    conn.execute(_series(events) + "INSERT INTO inbox(handler, event_id, event_type, processed_at) "
                 f"SELECT {handler}, printf('h-in-%010d', i), et.name, hc.ts {EVENT_ROWS}")
    # synthetic history, written in bulk: its rows are not chained by hash (no `propdesk audit verify`
    # on a bench store), only shaped like the real ones so the tables have a realistic size
    conn.execute(_series(events) + "INSERT INTO audit_log(at, actor_id, actor_role, action, object_type, object_id, "
                 "correlation_id, details, prev_hash, row_hash) "
                 f"SELECT hc.ts, 'system', 'system', et.name, 'move_out', hc.mo, hc.mo, '{{}}', '', '' {EVENT_ROWS}")


def _residents_history(conn: sqlite3.Connection, cases: int) -> None:
    """Archived move-out cases of historic units ``H-<n>`` (added with their owner and tenant)."""
    n_units = min(cases, 5000)
    conn.execute(_series(n_units) + "INSERT OR IGNORE INTO party(party_id, name, role, phone) "
                 "SELECT 'OWN-H-' || i, '业主 H-' || i, 'OWNER', '13800000001' FROM n "
                 "UNION ALL SELECT 'TEN-H-' || i, '租户 H-' || i, 'TENANT', '13900000001' FROM n")
    conn.execute(_series(n_units) + "INSERT OR IGNORE INTO unit(unit_id, building, kind, owner_party_id, tenant_party_id, "
                 "estate) SELECT 'H-' || i, 'H', 'residential', 'OWN-H-' || i, 'TEN-H-' || i, 'E1' FROM n")
    conn.execute("INSERT INTO move_out_case(move_out_id, unit_id, tenant_party_id, owner_party_id, "
                 "exit_date, owner_consent_ref, fitout_disposition, state, inspection, defects, breach_notice_id, fees, "
                 "outstanding_amount, release_slip_no, requested_by, conflicts, inspection_at, fees_as_of, created_at, "
                 "updated_at, estate) "
                 "SELECT mo, unit, tenant, 'OWN-' || unit, substr(ts, 1, 10), 'consent', 'restore', 'ARCHIVED', 'passed', "
                 "'[]', NULL, 'cleared', '0.00', fx, 'bench', '[]', ts, ts, ts, ts, 'E1' FROM hc ORDER BY c")


def _tickets_history(conn: sqlite3.Connection, cases: int) -> None:
    conn.execute("INSERT INTO inspection_work_order(work_order_no, move_out_id, unit_id, status, defects, inspector, "
                 "created_at, updated_at) SELECT wo, mo, unit, 'passed', '[]', 'eng-bench', ts, ts FROM hc ORDER BY c")
    days = (cases + CASES_PER_DAY - 1) // CASES_PER_DAY
    conn.execute(_series(days) + "INSERT INTO number_sequence(series, day, last) "  # chassis numbering, WO series
                 f"SELECT 'WO', strftime('%Y%m%d', '{HISTORY_START}', '+' || i || ' days'), {CASES_PER_DAY} FROM n")


def _billing_history(conn: sqlite3.Connection, cases: int) -> None:
    conn.execute("INSERT INTO clearance_request(move_out_id, unit_id, party_id, status, last_outstanding, created_at, "
                 "updated_at) SELECT mo, unit, tenant, 'confirmed', 0, ts, ts FROM hc ORDER BY c")


def _access_history(conn: sqlite3.Connection, cases: int) -> None:
    conn.execute("INSERT INTO release_hold(move_out_id, unit_id, tenant_party_id, fees_cleared, release_approved, "
                 "slip_no, released_by, clearance_ref, clearance_as_of, owner_written_opinion_ref, created_at, updated_at) "
                 "SELECT mo, unit, tenant, 1, 1, fx, 'sec-bench', 'h-clr-' || c, ts, 'consent', ts, ts FROM hc ORDER BY c")
    conn.execute("INSERT INTO release_slip(slip_no, move_out_id, unit_id, applicant_type, goods, clearance_ref, "
                 "issued_at, released_at, released_by) "
                 "SELECT fx, mo, unit, 'tenant', '[\"家具 furniture\"]', 'h-clr-' || c, ts, ts, 'sec-bench' FROM hc ORDER BY c")
    days = (cases + CASES_PER_DAY - 1) // CASES_PER_DAY
    conn.execute(_series(days) + "INSERT INTO number_sequence(series, day, last) "  # chassis numbering, FX series
                 f"SELECT 'FX', strftime('%Y%m%d', '{HISTORY_START}', '+' || i || ' days'), {CASES_PER_DAY} FROM n")


def _notify_history(conn: sqlite3.Connection, cases: int) -> None:
    conn.execute("INSERT INTO tenancy(move_out_id, tenant_id, unit_id) SELECT mo, tenant, unit FROM hc ORDER BY c")
    conn.execute(_series(cases * 2) + "INSERT INTO message(message_id, correlation_id, event_id, event_type, "
                 "move_out_id, channel, recipient_role, recipient_id, subject, body, status, attempts, last_error, "
                 "next_attempt_at, created_at, sent_at) "
                 "SELECT printf('h-msg-%010d', i), hc.mo, printf('h-evt-%010d', i), 'release_slip.issued', hc.mo, "
                 "'staff_inbox', 'front_desk', NULL, '物品放行条已开具', 'history', 'sent', 1, NULL, NULL, hc.ts, hc.ts "
                 "FROM n JOIN hc ON hc.c = n.i / 2")


def _reports_history(conn: sqlite3.Connection, events: int, cases: int) -> None:
    conn.execute(_series(events) + "INSERT INTO event_log(event_id, event_type, version, producer, correlation_id, "
                 "causation_id, actor_id, actor_role, occurred_at, payload, received_at) "
                 "SELECT printf('h-log-%010d', i), et.name, 1, 'bench', hc.mo, NULL, 'system', 'system', hc.ts, "
                 f"'{{\"move_out_id\": \"' || hc.mo || '\"}}', hc.ts {EVENT_ROWS}")
    conn.execute("INSERT INTO move_out_projection(move_out_id, unit_id, state, updated_at) "
                 "SELECT mo, unit, 'ARCHIVED', ts FROM hc ORDER BY c")


def seed_store_history(data_dir: Path, service: str, events: int) -> float:
    """One store's history (see the module docstring); seconds taken."""
    cases = max(1, events // EVENTS_PER_CASE)
    domain = {
        "residents": lambda c: _residents_history(c, cases),
        "tickets": lambda c: _tickets_history(c, cases),
        "billing": lambda c: _billing_history(c, cases),
        "access": lambda c: _access_history(c, cases),
        "notify": lambda c: _notify_history(c, cases),
        "reports": lambda c: _reports_history(c, events, cases),
    }
    started = time.monotonic()
    conn = _connect(data_dir, service)
    try:
        conn.execute("PRAGMA temp_store=MEMORY")
        conn.execute("BEGIN")
        _history_cases(conn, cases)
        _chassis_history(conn, service, events)
        domain[service](conn)
        conn.execute("COMMIT")
    finally:
        _close(conn)
    return time.monotonic() - started


def seed_history(data_dir: Path, events: int, parallel: int = 3) -> dict[str, float]:
    """Fill every store with what `events` past events left behind, `parallel` stores at a time
    (one child process each: the work is SQLite's, in C, and mostly writing pages); seconds per store."""
    pending, running, took = list(handlers_by_service()), {}, {}
    while pending or running:
        while pending and len(running) < parallel:
            service = pending.pop(0)
            running[service] = (time.monotonic(), subprocess.Popen(
                [sys.executable, "-m", "bench.seed", str(data_dir), service, str(events)]))
        for service, (started, proc) in list(running.items()):
            if proc.poll() is not None:
                del running[service]
                if proc.returncode != 0:
                    for _, other in running.values():
                        other.kill()
                        other.wait()
                    raise RuntimeError(f"seeding the history of {service} failed ({proc.returncode})")
                took[service] = round(time.monotonic() - started, 1)
        time.sleep(0.1)
    return took


if __name__ == "__main__":  # python -m bench.seed DATA_DIR SERVICE EVENTS: one store's history
    seed_store_history(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]))
