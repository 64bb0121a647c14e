"""The stream of move-out cases a drill drives while faults happen.

Each case is one synthetic leased unit (seeded into the drill's own residents database; every
`ARREARS_EVERY`-th also gets an unpaid charge in billing). A driver greenthread per case does what
the desk does, over RPC:

    front desk  residents.request_move_out
    engineer    waits for the inspection work order, tickets.record_inspection(passed)
    cashier     (units in arrears) waits for "fees outstanding", billing.record_payment
    guard       waits for the release slip, access.release_at_gate
                then waits for the case to reach GOODS_RELEASED

Faults make calls fail or time out without saying whether they took effect, so every command is
retried until it is acknowledged, and a retry's refusal that means "already done" is taken as the
acknowledgement: a second request for the unit is a Conflict naming the open case (looked up with
residents.get_unit), a second passing inspection or gate release is a Conflict, a second payment
with the same receipt is rejected as duplicate_receipt. The client never invents a second command.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Callable

import eventlet
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy.orm import Session

from propdesk.chassis.db import make_engine
from propdesk.config import Settings

FRONT_DESK = {"id": "fd-chaos", "role": "front_desk"}
ENGINEER = {"id": "eng-chaos", "role": "engineering"}
CASHIER = {"id": "fin-chaos", "role": "cashier"}
GUARD = {"id": "sec-chaos", "role": "security"}

#: Every n-th seeded unit owes a charge that its case pays during the drill.
ARREARS_EVERY = 3
ARREARS_AMOUNT = Decimal("321.50")
UNIT_PREFIX = "CH-"


class Unavailable(Exception):
    """A call could not be completed before the case's deadline (the system did not answer)."""


# -- seeding -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SeedUnit:
    unit_id: str
    tenant_id: str
    arrears: Decimal


def seed_units(n: int) -> list[SeedUnit]:
    """The synthetic units a drill's stream uses, in order."""
    return [SeedUnit(f"{UNIT_PREFIX}{i:04d}", f"TEN-{UNIT_PREFIX}{i:04d}",
                     ARREARS_AMOUNT if i % ARREARS_EVERY == 0 else Decimal("0"))
            for i in range(1, n + 1)]


#: The estate (管理处) the drill's units belong to: the residential estate of the demo.
ESTATE = "E1"

def seed(settings: Settings, units: list[SeedUnit]) -> None:
    """Write the units (residents) and the arrears charges (billing) before any service starts."""
    from propdesk_services.billing.workflows.payments.models import Charge
    from propdesk_services.residents.workflows.register.models import Party, Unit

    engine = make_engine(settings.db_url("residents"))
    with Session(engine) as s:
        for u in units:
            owner = f"OWN-{u.unit_id}"
            s.add(Party(party_id=owner, name=f"业主 {u.unit_id}", role="OWNER", phone="13800000000"))
            s.add(Party(party_id=u.tenant_id, name=f"租户 {u.unit_id}", role="TENANT", phone="13900000000"))
            s.flush()
            s.add(Unit(unit_id=u.unit_id, building="CH", kind="residential", owner_party_id=owner,
                       tenant_party_id=u.tenant_id, estate=ESTATE))
        s.commit()
    engine.dispose()
    engine = make_engine(settings.db_url("billing"))
    with Session(engine) as s:
        s.add_all(Charge(unit_id=u.unit_id, period="2026-11", item="property_fee", amount=u.arrears, estate=ESTATE)
                  for u in units if u.arrears > 0)
        s.commit()
    engine.dispose()


# -- a client that survives faults -------------------------------------------------------------------
def remote_kind(exc: RemoteError) -> str:
    """The class name of a remote error (Conflict, NotFound, ValidationError, ...)."""
    return str(exc.exc_type or "")


class ResilientRpc:
    """nameko's standalone RPC proxy, remade after any transport failure and retried until a
    deadline. Remote errors (the service answered: Conflict, NotFound, ...) are raised at once."""

    def __init__(self, amqp_uri: str, call_timeout: float = 15.0):
        self.amqp_uri = amqp_uri
        self.call_timeout = call_timeout
        self._cluster: ClusterRpcProxy | None = None
        self._proxy: Any = None
        self.transport_failures = 0

    def call(self, service: str, method: str, deadline: Callable[[], float], **kwargs) -> Any:
        while True:
            try:
                with eventlet.Timeout(self.call_timeout + 10):
                    proxy = self._connect()
                    return getattr(getattr(proxy, service), method)(**kwargs)
            except RemoteError:
                raise
            except (Exception, eventlet.Timeout) as exc:  # broker gone, reply lost, timeout
                self.transport_failures += 1
                self.close()
                if time.monotonic() > deadline():
                    raise Unavailable(f"{service}.{method}: {type(exc).__name__}: {exc}") from None
                eventlet.sleep(1.0)

    def _connect(self) -> Any:
        if self._proxy is None:
            self._cluster = ClusterRpcProxy({"AMQP_URI": self.amqp_uri}, timeout=self.call_timeout)
            self._proxy = self._cluster.start()
        return self._proxy

    def close(self) -> None:
        cluster, self._cluster, self._proxy = self._cluster, None, None
        if cluster is not None:
            try:
                with eventlet.Timeout(5):
                    cluster.stop()
            except (Exception, eventlet.Timeout):  # the connection is already broken
                pass


# -- one case ----------------------------------------------------------------------------------------
@dataclass
class Case:
    """What the driver did for one unit, and what the system acknowledged."""

    index: int
    unit: SeedUnit
    move_out_id: str | None = None
    acked: dict[str, float] = field(default_factory=dict)  # step -> seconds after the stream began
    started_at: float = 0.0
    finished_at: float | None = None
    observed: list[str] = field(default_factory=list)  # things the driver saw that must not happen
    last_error: str | None = None
    slip_no: str | None = None

    @property
    def receipt_no(self) -> str:
        return f"CHAOS-{self.unit.unit_id}"

    @property
    def done(self) -> bool:
        return self.finished_at is not None


class Stream:
    """Starts cases at a steady rate while faults happen; drivers give up at `deadline`."""

    def __init__(self, amqp_uri: str, units: list[SeedUnit], interval_s: float, poll_s: float = 1.0):
        self.amqp_uri = amqp_uri
        self.units = units
        self.interval_s = interval_s
        self.poll_s = poll_s
        self.cases: list[Case] = []
        self.deadline = float("inf")
        self.began = time.monotonic()
        self._stop_after: int | None = None
        self._producer = None
        self._drivers: list = []

    def start(self) -> "Stream":
        self.began = time.monotonic()
        self._producer = eventlet.spawn(self._produce)
        return self

    def stop_after(self, more: int) -> None:
        """Start `more` cases after this moment, then no more."""
        self._stop_after = min(len(self.units), len(self.cases) + more)

    def stop_if_running(self) -> None:
        """No more new cases, unless `stop_after` already said how many."""
        if self._stop_after is None:
            self.stop_after(0)

    def finish(self, bound_s: float) -> None:
        """Wait for the producer, then for every driver, giving up on cases after `bound_s`."""
        self._producer.wait()
        self.deadline = time.monotonic() + bound_s
        for gt in self._drivers:
            gt.wait()

    def _produce(self) -> None:
        for unit in self.units:
            if self._stop_after is not None and len(self.cases) >= self._stop_after:
                return
            case = Case(len(self.cases) + 1, unit, started_at=self._now())
            self.cases.append(case)
            self._drivers.append(eventlet.spawn(self._drive_safely, case))
            eventlet.sleep(self.interval_s)

    def _now(self) -> float:
        return round(time.monotonic() - self.began, 2)

    def _drive_safely(self, case: Case) -> None:
        rpc = ResilientRpc(self.amqp_uri)
        try:
            CaseDriver(case, rpc, lambda: self.deadline, self.poll_s, self._now).run()
        except Unavailable as exc:
            case.last_error = str(exc)
        except Exception as exc:  # a remote error the desk would not expect: the checker reports it
            case.last_error = f"{type(exc).__name__}: {exc}"
            case.observed.append(f"driver failed: {case.last_error}")
        finally:
            rpc.close()


class CaseDriver:
    """The desk's steps for one case; see the module docstring."""

    def __init__(self, case: Case, rpc: ResilientRpc, deadline: Callable[[], float], poll_s: float,
                 now: Callable[[], float]):
        self.case, self.rpc, self.deadline, self.poll_s, self.now = case, rpc, deadline, poll_s, now

    def call(self, service: str, method: str, **kwargs) -> Any:
        return self.rpc.call(service, method, self.deadline, **kwargs)

    def wait(self, what: str, probe: Callable[[], Any]) -> Any:
        while True:
            value = probe()
            if value:
                return value
            if time.monotonic() > self.deadline():
                raise Unavailable(f"gave up waiting for {what}")
            eventlet.sleep(self.poll_s)

    def run(self) -> None:
        c = self.case
        c.move_out_id = self.request()
        c.acked["request"] = self.now()
        self.wait("the inspection work order", self.inspection_opened)
        self.command("inspection", "tickets", "record_inspection", already="Conflict",
                     request={"move_out_id": c.move_out_id, "passed": True, "defects": []}, actor=ENGINEER)
        if c.unit.arrears > 0:
            fees = self.wait("the fee verdict", lambda: self.move_out()["fees"] in ("outstanding", "cleared")
                             and self.move_out()["fees"])
            if fees == "cleared":
                c.observed.append("fees cleared before the arrears were paid")
            self.command("payment", "billing", "record_payment", already="duplicate_receipt",
                         request={"unit_id": c.unit.unit_id, "amount": str(c.unit.arrears), "method": "cash",
                                  "receipt_no": c.receipt_no}, actor=CASHIER)
        c.slip_no = self.wait("the release slip", lambda: self.move_out()["release_slip_no"])
        self.command("gate", "access", "release_at_gate", already="Conflict", request={"slip_no": c.slip_no},
                     actor=GUARD)
        self.wait("goods released", lambda: self.move_out()["state"] == "GOODS_RELEASED")
        c.finished_at = self.now()

    def request(self) -> str:
        """Request the move-out once; a retry that finds the unit's case open takes that case."""
        u = self.case.unit
        attempts = 0
        while True:
            attempts += 1
            try:
                return self.call("residents", "request_move_out", request={
                    "unit_id": u.unit_id, "tenant_party_id": u.tenant_id,
                    "exit_date": (date.today() + timedelta(days=7)).isoformat(),
                    "owner_consent_ref": f"chaos-consent-{u.unit_id}", "fitout_disposition": "leave_to_owner"},
                    actor=FRONT_DESK)["move_out_id"]
            except RemoteError as exc:
                first_try_answered = attempts == 1 and not self.rpc.transport_failures
                if remote_kind(exc) != "Conflict" or first_try_answered:
                    raise  # a Conflict on a request that surely went out once: not ours to absorb
                open_id = self.call("residents", "get_unit", unit_id=u.unit_id)["open_move_out_id"]
                if open_id:
                    return open_id
                eventlet.sleep(self.poll_s)  # "too many at this moment": ask again

    def command(self, step: str, service: str, method: str, already: str, **kwargs) -> None:
        """A command retried until acknowledged; `already` is the refusal that means it was done."""
        failures_before = self.rpc.transport_failures
        try:
            self.call(service, method, **kwargs)
        except RemoteError as exc:
            retried = self.rpc.transport_failures > failures_before
            if not (retried and (remote_kind(exc) == already or already in str(exc.value))):
                raise
        self.case.acked[step] = self.now()

    def inspection_opened(self) -> bool:
        try:
            return bool(self.call("tickets", "get_inspection", move_out_id=self.case.move_out_id))
        except RemoteError as exc:
            if remote_kind(exc) == "NotFound":
                return False
            raise

    def move_out(self) -> dict:
        return self.call("residents", "get_move_out", move_out_id=self.case.move_out_id)


def utc_stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
