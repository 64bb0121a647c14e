"""A service's public surface as tables, and the one pipeline each kind of entrypoint runs.

A service's `messages.py` holds four tables; `service.py` turns them into nameko entrypoints with
`@entrypoints_from(messages)`:

    COMMANDS = {"request_move_out": Command(move_out.request_move_out, MoveOutRequestSchema)}
    QUERIES = {"get_move_out": Query(move_out.get_move_out, MoveOutIdArgs)}
    SUBSCRIPTIONS = {"move_out.inspection_completed": [move_out.on_inspection_completed]}
    TIMERS = {"deliver_due": Timer(delivery.deliver_due, interval="delivery_interval_s")}

What every command repeats is done once here (`run_command`), in this order:

1. who is acting: `actor` is ``{"id", "role"}`` of a staff member, with the estates they work for
   and the client's address when the gateway gives them (ValidationError otherwise);
2. may that role give this command: `propdesk.policy` (deny by default; Forbidden naming the role
   and the rule, and an audit row of the refusal);
3. the request against the command's edge schema (ValidationError naming every field and rule);
4. the idempotency key: the same key and request answers the first result again;
5. one unit of work: the handler's rows, events (outbox) and audit rows commit together, with the
   key and the result; a command that audited nothing gets one audit row naming the command.

A handler is then a plain function ``handler(message, uow)``: `CommandMessage` for a command, the
`Envelope` for an event. A query handler is ``handler(args, reader)`` (every query also takes the
keyword argument ``actor=None``: who asks, and within which estates); a timer's is
``handler(db)`` (it opens a unit of work per batch). None of them knows nameko, so each is
unit-tested on `propdesk.testing.fake.ServiceHarness` (an in-memory database, no broker).

Method names are public contract: a command or query name is the RPC method, and a subscription's
queue is ``<service>.<handler function name>``. Renaming one orphans a queue.

Estates (管理处, `propdesk.chassis.estates`): `CommandMessage.estates` and `Reader.estates` are the
estates the caller works for, or None when the caller is not scoped (a service, the CLI). A handler
answers a record of another estate exactly as if it were absent. The client's address, when given,
is on every audit row of the command as ``details["from"]``.
"""
from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable

from marshmallow import Schema
from nameko.rpc import rpc
from nameko.timer import Timer as _NamekoTimer
from sqlalchemy.orm import Session

from propdesk import policy
from propdesk.chassis import metrics
from propdesk.chassis.db import lost_a_race
from propdesk.chassis.edge import Acting, command_actor, load_or_reject, query_actor
from propdesk.chassis.idempotency import checked_key
from propdesk.chassis.messaging import subscribe
from propdesk.contracts.envelope import Actor, Envelope
from propdesk.errors import Conflict, Forbidden, NotFound, ValidationError
from propdesk.privacy import mask

log = logging.getLogger(__name__)

#: Rejections a caller caused (400/403/404/409): answered, logged as one line, never as a fault.
REJECTIONS = (ValidationError, Forbidden, NotFound, Conflict)


# --- the rows of the tables ----------------------------------------------------------------------
@dataclass(frozen=True)
class CommandMessage:
    """A command as its handler sees it: checked data, who gives it, and its name.

    `estates`: the estates (vocab.ESTATES codes) the person giving it works for, or None when the
    command is not scoped (a service acting on its own, another department's RPC, the CLI). A
    record of another estate is answered as if absent (`propdesk.chassis.estates.visible`)."""

    name: str
    data: dict
    actor: Actor
    estates: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Command:
    """An RPC command ``name(request, actor, idempotency_key=None)``: `handler(CommandMessage, uow)`
    with `schema` as its edge (marshmallow; labels in the fields' metadata for the desk)."""

    handler: Callable[[CommandMessage, Any], Any]
    schema: type[Schema]
    #: A command given before anyone is signed in (sign-in itself): no staff actor, no policy row.
    #: The caller (the gateway) passes ``actor=None``; the unit of work acts as ``anonymous``.
    public: bool = False
    #: A command that carries or answers a secret (a password, a session or API token) takes no
    #: idempotency key: the key's row keeps the request's hash and the result in clear.
    keyless: bool = False

    @property
    def doc(self) -> str:
        return inspect.getdoc(self.handler) or ""


#: Who gives a public command (`Command.public`): nobody signed in yet.
ANONYMOUS = Actor(id="anonymous", role="anonymous")


@dataclass(frozen=True)
class Query:
    """An RPC read ``name(<the schema's fields, in order>)``: `handler(args, reader)`. A field
    with `load_default` is an optional argument with that default."""

    handler: Callable[[dict, "Reader"], Any]
    schema: type[Schema]
    #: A read that also writes a little (a session's last-seen time): it runs in a unit of work the
    #: chassis commits after the handler returns; any other query only reads.
    writes: bool = False

    @property
    def doc(self) -> str:
        return inspect.getdoc(self.handler) or ""

    def parameters(self) -> list[inspect.Parameter]:
        params = []
        for name, fld in self.schema._declared_fields.items():
            if fld.required:
                default = inspect.Parameter.empty
            else:
                default = fld.load_default() if callable(fld.load_default) else fld.load_default
            params.append(inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default))
        return params


@dataclass(frozen=True)
class Timer:
    """A periodic job: `handler(db)` every `interval` seconds (a number, or the name of a
    `Settings` attribute). The handler opens its own units of work (one per batch)."""

    handler: Callable[[Any], Any]
    interval: float | str = 1.0

    def seconds(self, settings) -> float:
        return float(getattr(settings, self.interval) if isinstance(self.interval, str) else self.interval)


@dataclass(frozen=True)
class Actions:
    """What may be done next to one kind of record: `possible(record_id, reader)` answers the
    commands its state allows now (the domain's rule), NotFound when there is no such record. The
    chassis' ``allowed_actions(record_type, record_id, role)`` query keeps those the role may give
    (`propdesk.policy`), so the desk shows exactly what the server would accept."""

    possible: Callable[[str, "Reader"], list[str]]


@dataclass(frozen=True)
class Record:
    """A kind of record the desk shows generically (list, record page, actions, print view),
    answered by ``describe_records()``. `get` and `list` name queries of the same service: `get`
    takes the `id_field` and answers one record (NotFound when absent or of another estate); `list`
    answers a list, its argument schema is the desk's filter form (a ``q`` argument: the desk's
    search asks it too). `fields` is the output schema: labels from each field's metadata
    (``{"label": {"zh", "en"}}``), coded fields name their vocabulary (``{"vocab": Terms}``).
    Commands acting on one record take `id_field`; the ACTIONS row of the same kind says which the
    record's state allows now. `form` is the paper form's title for the print view."""

    title: tuple[str, str]
    get: str
    list: str
    id_field: str
    number_field: str | None = None
    columns: tuple[str, ...] = ()
    fields: type[Schema] | None = None
    create: tuple[str, ...] = ()
    form: tuple[str, str] | None = None
    signatures: tuple[tuple[str, str], ...] = ()
    #: a query of the same service, (number) -> {"data_uri": ...}: the code printed on the paper form
    #: for the one who checks it (the guard scanning a release slip); it may answer Conflict while
    #: the record has no code yet (the form then prints without one)
    qr: str | None = None


@dataclass(frozen=True)
class WorkQueue:
    """What waits for whom: `items(args, reader)` lists the queue's items, oldest first, for the
    roles in `roles` (``reader.actor`` is who asks). An item is a dict: ``record`` (a RECORDS kind),
    ``id``, ``number``, ``title``, ``detail``, ``since``, ``due_at`` (or None), ``overdue``, ``owner``."""

    title: tuple[str, str]
    roles: frozenset[str]
    items: Callable[[dict, "Reader"], list[dict]]


@dataclass
class Reader:
    """What a query handler reads with: a session (read only, by convention) and the clock; who
    asks (`actor`: None when a service or the CLI asks) and within which estates (`estates`: None
    when not scoped, else only records of these estates exist for this read)."""

    session: Session
    clock: Any = field(default=None)
    actor: Actor | None = None
    estates: tuple[str, ...] | None = None

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        return self.clock.today()

    @property
    def calendar(self):
        """China's working days (`propdesk.chassis.calendar.WorkingCalendar`, shared per process)."""
        from propdesk.chassis.calendar import process_calendar

        return process_calendar()


# --- the pipelines -----------------------------------------------------------------------------
def run_command(db, service: str, name: str, row: Command, request, actor, idempotency_key=None):
    """One command through the whole pipeline (see the module doc). `db` is the service's
    unit-of-work factory (the nameko dependency, or the test harness's)."""
    if row.public:
        acting = Acting(ANONYMOUS)
    else:
        acting = command_actor(actor)
        try:
            policy.check(acting.actor.role, service, name)
        except Forbidden as refusal:
            _audit_refusal(db, acting, service, name, refusal)
            raise
    staff = acting.actor
    data = load_or_reject(row.schema(), request)
    checked_key(idempotency_key)
    if row.keyless and idempotency_key is not None:
        raise ValidationError.one("idempotency_key", "not_with_secrets",
                                  f"{name} carries or answers a secret and takes no idempotency key "
                                  "(its secret would be kept in clear with the key)")
    with db(actor=staff, address=acting.address, estates=acting.estates) as uow:
        replay = uow.idempotent(idempotency_key, name, data)
        if replay is not None:
            return replay.result
        result = row.handler(CommandMessage(name, data, staff, acting.estates), uow)
        if not uow.audited:
            uow.audit(name, "command", uow.correlation_id, data)
        return uow.commit(result=result)


def _audit_refusal(db, acting: Acting, service: str, name: str, refusal: Forbidden) -> None:
    """A refused command leaves an audit row (who tried what, from where), in a transaction of its own."""
    with db(actor=acting.actor, address=acting.address, estates=acting.estates) as uow:
        uow.audit("refused", "command", policy.action(service, name),
                  {"role": acting.actor.role, "rule": refusal.rule, "message": refusal.message})
        uow.commit()


#: How often one delivery is run again at once after it lost a race to a concurrent transaction
#: (`db.lost_a_race`) before it goes the way of any failure (the retry delays, then the DLQ).
CONFLICT_RERUNS = 3


def run_event(db, handler: Callable, event: Envelope, service: str = "") -> None:
    """One delivery to one handler: its effects, the events they cause and the inbox mark commit
    together. Entering raises `AlreadyProcessed` for a duplicate (the entrypoint acks it).

    A delivery that lost a race (two events of one case creating the same row at once, a deadlock:
    `db.lost_a_race`) rolled back whole; it is run again at once, up to `CONFLICT_RERUNS` times,
    instead of waiting out a retry delay while the case's other events go by (counted in
    ``propdesk_handler_conflict_reruns_total``)."""
    for rerun in range(CONFLICT_RERUNS + 1):
        try:
            with db() as uow:
                handler(event, uow)
                uow.commit()
            return
        except Exception as exc:
            if rerun == CONFLICT_RERUNS or not lost_a_race(exc):
                raise
            metrics.CONFLICT_RERUNS.labels(service, getattr(handler, "__name__", "")).inc()
            log.info("%s lost a race to a concurrent transaction (%s): running it again",
                     event.event_type, type(exc).__name__,
                     extra={"correlation_id": event.correlation_id, "event_id": event.event_id})


def run_query(db, row: Query, args: dict, actor=None):
    """One query: who asks (`actor`, ``query_actor``: None is a service or the CLI, not scoped),
    its arguments against the schema, then the handler on a read-only session (a `writes` query:
    in a unit of work the chassis commits)."""
    acting = query_actor(actor)
    data = load_or_reject(row.schema(), args)
    who = (acting.actor, acting.estates) if acting is not None else (None, None)
    if row.writes:
        with db() as uow:
            answer = row.handler(data, Reader(uow.session, db.clock, *who))
            uow.commit()
    else:
        with db.session() as session:
            answer = row.handler(data, Reader(session, db.clock, *who))
    if acting is not None and not policy.sees_personal_numbers(acting.actor.role):
        answer = mask(answer)  # a person whose role does not need them reads personal numbers masked
    return answer


def queries_of(messages, service: str) -> dict[str, Query]:
    """The service's queries: its QUERIES table, ``allowed_actions`` when it has an ACTIONS table,
    and ``describe_commands`` (the forms of its commands) when it has commands."""
    queries = dict(getattr(messages, "QUERIES", {}))
    for name, row in queries.items():
        if "actor" in row.schema._declared_fields:
            raise TypeError(f"{service}.{name}: a query's argument may not be named 'actor' "
                            "(every query takes actor=None: who asks, and within which estates)")
    actions = getattr(messages, "ACTIONS", {})
    if actions:
        queries["allowed_actions"] = _allowed_actions_query(service, actions)
    if getattr(messages, "COMMANDS", {}):
        queries["describe_commands"] = _describe_query(service, messages)
    records = getattr(messages, "RECORDS", {})
    if records:
        queries["describe_records"] = _describe_records_query(service, messages)
    work = getattr(messages, "QUEUES", {})
    if work:
        queries["work_queues"] = _work_queues_query(work)
    from propdesk.chassis.audit_view import list_audit_query  # every service's audit trail, readable
    queries["list_audit"] = list_audit_query(service)
    return queries


def describe_schema(schema_cls: type[Schema]) -> list[dict]:
    """A schema's fields as the desk builds a form from them: name, type, required, nullable,
    choices, maximum length, labels (zh/en, from the field's metadata) and help text."""
    from marshmallow import fields, validate

    kinds = ((fields.Boolean, "boolean"), (fields.Integer, "integer"), (fields.Decimal, "decimal"),
             (fields.Float, "decimal"), (fields.Date, "date"), (fields.DateTime, "datetime"),
             (fields.List, "list"), (fields.Dict, "object"), (fields.String, "string"))
    out = []
    for attr, fld in schema_cls._declared_fields.items():
        name = fld.data_key or attr  # what the data carries (a form's key, an answer's key)
        meta = dict(fld.metadata or {})
        kind = next((k for cls, k in kinds if isinstance(fld, cls)), "string")
        kind = meta.get("format", kind)
        spec = {"name": name, "type": kind, "required": bool(fld.required), "nullable": bool(fld.allow_none),
                "label": meta.get("label") or {"zh": name, "en": name}, "help": meta.get("help"),
                "choices": list(meta["choices"]) if "choices" in meta else None, "max_length": None}
        vocab = meta.get("vocab")
        if vocab is not None:  # a `propdesk.contracts.vocab.Terms`: its codes, and the office's words
            spec["choices"] = spec["choices"] or list(vocab.codes)
            spec["choice_labels"] = vocab.as_dict()
        validators = fld.validators if isinstance(getattr(fld, "validators", None), (list, tuple)) else []
        for v in validators:
            if isinstance(v, validate.OneOf) and spec["choices"] is None:
                spec["choices"] = list(v.choices)
            if isinstance(v, validate.Length) and v.max is not None:
                spec["max_length"] = v.max
        if kind == "list" and isinstance(fld, fields.List):
            spec["items"] = next((k for cls, k in kinds if isinstance(fld.inner, cls)), "string")
            if isinstance(fld.inner, fields.Nested):  # a list of rows (goods item by item): their fields
                spec["items"] = "object"
                nested = fld.inner.nested
                spec["fields"] = describe_schema(nested if isinstance(nested, type) else type(nested))
        out.append(spec)
    return out


class NoArgs(Schema):
    """The arguments of a query that takes none (the chassis' describe and queue queries)."""


def _describe_query(service: str, messages) -> Query:
    def describe_commands(args: dict, reader: Reader) -> dict:
        """Every command of the service with its form (fields from its edge schema, labels in zh and
        en) and the roles that may give it (propdesk.policy): what the desk builds its forms from."""
        return {name: {"doc": row.doc.split("\n\n")[0], "fields": describe_schema(row.schema),
                       "label": (row.schema.Meta.label if hasattr(row.schema.Meta, "label") else None),
                       "roles": sorted(policy.roles_for(service, name)), "public": row.public,
                       "keyless": row.keyless}
                for name, row in getattr(messages, "COMMANDS", {}).items()}

    return Query(describe_commands, NoArgs)


def _describe_records_query(service: str, messages) -> Query:
    records: dict[str, Record] = messages.RECORDS
    queries = getattr(messages, "QUERIES", {})
    for kind, rec in records.items():
        for q in (rec.get, rec.list, *((rec.qr,) if rec.qr else ())):
            if q not in queries:
                raise TypeError(f"{service}: RECORDS[{kind!r}] names the query {q!r}, which QUERIES has not")

    def describe_records(args: dict, reader: Reader) -> dict:
        """Every kind of record the service keeps, as the desk shows it: its title, the queries
        that get and list it, its fields (labels in zh and en, the words of coded fields), the list's
        filters, the commands that create one, and the paper form it prints as."""
        def pair(p):
            return {"zh": p[0], "en": p[1]} if p else None

        return {kind: {"title": pair(rec.title), "get": rec.get, "list": rec.list, "id_field": rec.id_field,
                       "number_field": rec.number_field, "columns": list(rec.columns),
                       "fields": describe_schema(rec.fields) if rec.fields else [],
                       "filters": describe_schema(queries[rec.list].schema),
                       "create": list(rec.create), "form": pair(rec.form),
                       "signatures": [pair(s) for s in rec.signatures], "qr": rec.qr,
                       "actions": kind in getattr(messages, "ACTIONS", {})}
                for kind, rec in records.items()}

    return Query(describe_records, NoArgs)


def _work_queues_query(work: dict[str, "WorkQueue"]) -> Query:
    def work_queues(args: dict, reader: Reader) -> list[dict]:
        """The work queues of the asker's role (all of them when a service asks): what waits, oldest
        first, with its due time and whether it is overdue."""
        role = reader.actor.role if reader.actor is not None else None
        out = []
        for key, queue in work.items():
            if role is not None and role not in queue.roles:
                continue
            items = [{k: (v.isoformat() if isinstance(v, (datetime, date)) else v) for k, v in item.items()}
                     for item in queue.items({}, reader)]
            out.append({"key": key, "title": {"zh": queue.title[0], "en": queue.title[1]}, "items": items})
        return out

    return Query(work_queues, NoArgs)


def _allowed_actions_query(service: str, actions: dict[str, Actions]) -> Query:
    from marshmallow import Schema, fields, validate

    from propdesk.chassis.edge import RecordId

    class AllowedActionsArgs(Schema):
        record_type = fields.String(required=True, validate=validate.OneOf(tuple(actions)))
        record_id = RecordId()
        role = fields.String(required=True, validate=validate.OneOf(tuple(policy.ROLES)))

    def allowed_actions(args: dict, reader: Reader) -> list[str]:
        """The commands `role` may give now on one record: what its state allows (the department's
        domain) and the policy table allows (propdesk.policy), in the department's order."""
        possible = actions[args["record_type"]].possible(args["record_id"], reader)
        return [name for name in possible if policy.allows(args["role"], service, name)]

    return Query(allowed_actions, AllowedActionsArgs)


def bind_arguments(name: str, row: Query, args: tuple, kwargs: dict) -> dict:
    """The query's arguments by name, or a ValidationError naming what does not fit."""
    signature = inspect.Signature(row.parameters())
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError as exc:
        raise ValidationError.one("_arguments", "signature", f"{name}{signature}: {exc}") from None
    bound.apply_defaults()
    return dict(bound.arguments)


# --- nameko entrypoints from the tables --------------------------------------------------------
def entrypoints_from(messages) -> Callable[[type], type]:
    """Class decorator: add a nameko entrypoint for every row of `messages`' tables."""

    def decorate(cls: type) -> type:
        taken: dict[str, str] = {}

        def add(method_name: str, fn: Callable, what: str) -> None:
            if method_name in taken or method_name in vars(cls):
                raise TypeError(f"{cls.__name__}: {what} {method_name!r} clashes with "
                                f"{taken.get(method_name, 'a method of the class')}")
            taken[method_name] = what
            fn.__name__ = fn.__qualname__ = method_name
            setattr(cls, method_name, fn)

        for name, row in getattr(messages, "COMMANDS", {}).items():
            add(name, rpc(expected_exceptions=REJECTIONS)(_command_method(name, row)), "command")
        for name, row in queries_of(messages, cls.name).items():
            add(name, rpc(expected_exceptions=REJECTIONS)(_query_method(name, row)), "query")
        for method_name, (event_types, handler) in subscriptions_by_handler(messages).items():
            add(method_name, subscribe(*event_types)(_event_method(handler)), "subscription")
        for name, row in timers_of(messages, cls.name).items():
            add(name, _timer_method(row), "timer")
        cls.messages = messages
        return cls

    return decorate


def timers_of(messages, service: str) -> dict[str, Timer]:
    """The service's timers: its TIMERS table, and ``sweep_deadlines`` when it has DEADLINES
    (`propdesk.chassis.deadlines`: every due deadline breached once and announced)."""
    timers = dict(getattr(messages, "TIMERS", {}))
    rules = getattr(messages, "DEADLINES", {})
    if rules:
        from propdesk.chassis import deadlines

        for rule, spec in rules.items():
            if not isinstance(spec, deadlines.Deadline):
                raise TypeError(f"{service}: DEADLINES[{rule!r}] must be a propdesk.chassis.deadlines.Deadline")
        deadlines.declare(service, rules)

        def sweep_deadlines(db):
            """Breach every due deadline once: its event, its audit row, its counter."""
            return deadlines.sweep(db, service, rules)

        timers["sweep_deadlines"] = Timer(sweep_deadlines, interval="deadline_sweep_interval_s")
    return timers


def subscriptions_by_handler(messages) -> dict[str, tuple[tuple[str, ...], Callable]]:
    """{handler name: (event types, handler)}: one queue per handler, bound to each of its types."""
    out: dict[str, tuple[tuple[str, ...], Callable]] = {}
    for event_type, handlers in getattr(messages, "SUBSCRIPTIONS", {}).items():
        for handler in handlers:
            name = handler.__name__
            types, known = out.get(name, ((), handler))
            if known is not handler:
                raise TypeError(f"two subscription handlers are named {name!r}: queue names must be unique")
            out[name] = (types + (event_type,), handler)
    return out


def _command_method(name: str, row: Command) -> Callable:
    def method(self, request, actor=None, idempotency_key=None):
        return run_command(self.db, self.name, name, row, request, actor, idempotency_key)

    method.__doc__ = row.doc
    return method


#: The keyword argument every query takes: who asks (None: a service or the CLI, not scoped).
QUERY_ACTOR = inspect.Parameter("actor", inspect.Parameter.KEYWORD_ONLY, default=None)


def _query_method(name: str, row: Query) -> Callable:
    def method(self, *args, actor=None, **kwargs):
        return run_query(self.db, row, bind_arguments(name, row, args, kwargs), actor)

    params = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD), *row.parameters(), QUERY_ACTOR]
    method.__signature__ = inspect.Signature(params)
    method.__doc__ = row.doc
    return method


def _event_method(handler: Callable) -> Callable:
    def method(self, event):
        run_event(self.db, handler, event, self.name)

    method.__doc__ = inspect.getdoc(handler)
    return method


def _timer_method(row: Timer) -> Callable:
    def method(self):
        row.handler(self.db)

    method.__doc__ = inspect.getdoc(row.handler)
    return SettingsTimer.decorator(row)(method)


class SettingsTimer(_NamekoTimer):
    """nameko's timer with its interval read from the service's settings at setup."""

    def __init__(self, row: Timer, **kwargs):
        self.row = row
        super().__init__(interval=1.0, **kwargs)

    def setup(self):
        from propdesk.chassis.db import settings_of

        self.interval = self.row.seconds(settings_of(self.container.config))
        super().setup()
