"""The PostgreSQL driver cooperates with eventlet (issue #12 §1): psycopg2 with the chassis' green
wait callback (`propdesk.chassis.db.green_psycopg2`). A slow query blocks only its own
greenthread: the other greenthreads of the process (nameko's workers, its AMQP heartbeats, the
outbox relay) keep running, and a broker connection with a 1 s heartbeat survives a 4 s query.

The control shows what the test would catch: psycopg2 without the callback waits in C and the
process's hub stands still for the whole query."""
from __future__ import annotations

import socket
import time

import eventlet
import pytest
from kombu import Connection
from psycopg2 import extensions
from sqlalchemy import create_engine, text

from propdesk.chassis.db import make_engine


def _ticks_during_slow_query(engine, seconds: float) -> tuple[int, float]:
    """(ticks, longest gap between ticks) of a 50 ms ticker while `pg_sleep(seconds)` runs."""
    ticks: list[float] = []
    done = []

    def ticker():
        while not done:
            ticks.append(time.monotonic())
            eventlet.sleep(0.05)

    thread = eventlet.spawn(ticker)
    eventlet.sleep(0.06)
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_sleep(:s)"), {"s": seconds})
    done.append(True)
    ticks.append(time.monotonic())
    thread.wait()
    return len(ticks), max(b - a for a, b in zip(ticks, ticks[1:]))


def test_a_slow_query_does_not_stop_other_greenthreads(pg_url):
    engine = make_engine(pg_url)
    try:
        ticks, gap = _ticks_during_slow_query(engine, 2)
    finally:
        engine.dispose()
    assert ticks >= 25, ticks          # ~40 at 50 ms; a busy 2-CPU machine loses some
    assert gap < 0.5, gap


def test_without_the_wait_callback_the_hub_stands_still(pg_url):
    """The control: the measurement above does see a blocked hub."""
    make_engine(pg_url).dispose()  # the callback is installed
    saved = extensions.get_wait_callback()
    extensions.set_wait_callback(None)
    engine = create_engine(pg_url)
    try:
        ticks, gap = _ticks_during_slow_query(engine, 1)
    finally:
        engine.dispose()
        extensions.set_wait_callback(saved)
    assert gap >= 0.9, gap


def test_amqp_heartbeats_survive_a_slow_query(pg_url, rabbit_vhost):
    """A broker connection negotiating a 1 s heartbeat stays open through a 4 s query: its
    heartbeats are sent by another greenthread meanwhile (as nameko's consumer does)."""
    engine = make_engine(pg_url)
    conn = Connection(rabbit_vhost["amqp_uri"], heartbeat=1)
    conn.connect()
    assert conn.connection.heartbeat == 1
    stop = []

    def heartbeats():
        while not stop:  # what nameko's consumer loop does: read frames, send heartbeats when due
            conn.heartbeat_check(rate=4)
            try:
                conn.drain_events(timeout=0.1)
            except socket.timeout:
                pass

    beat = eventlet.spawn(heartbeats)
    try:
        with engine.connect() as db:
            db.execute(text("SELECT pg_sleep(4)"))
        stop.append(True)
        beat.wait()
        channel = conn.channel()   # the broker has not closed the connection
        channel.queue_declare("pg-heartbeat-check", auto_delete=True)
        channel.close()
    finally:
        stop.append(True)
        conn.release()
        engine.dispose()


def test_pg_sleep_in_many_greenthreads_runs_concurrently(pg_url):
    """Ten 1 s queries from ten greenthreads take about 1 s, not 10 (each on its own connection)."""
    engine = make_engine(pg_url, pool_size=10)
    try:
        def slow(_):
            with engine.connect() as conn:
                conn.execute(text("SELECT pg_sleep(1)"))

        started = time.monotonic()
        list(eventlet.GreenPool(10).imap(slow, range(10)))
        took = time.monotonic() - started
    finally:
        engine.dispose()
    assert took < 4, took


@pytest.mark.parametrize("value", ["2026-11-30T08:00:00+08:00"])
def test_times_are_stored_in_utc(pg_url, value):
    """Every stored time is UTC (the session's time zone): an aware time from Shanghai reads back
    as its UTC wall time, as SQLite stores it."""
    from datetime import datetime

    engine = make_engine(pg_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (at timestamp)"))
            conn.execute(text("INSERT INTO t VALUES (:at)"), {"at": datetime.fromisoformat(value)})
            stored = conn.execute(text("SELECT at FROM t")).scalar_one()
    finally:
        engine.dispose()
    assert stored == datetime(2026, 11, 30, 0, 0)
