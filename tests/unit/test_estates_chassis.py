"""The chassis' part of estates (管理处): who acts within which estates, from which address.

A toy service built from the tables (one command, one query) on the `ServiceHarness`: the
command's actor and every query's ``actor=`` keyword are checked at the edge (`command_actor`,
`query_actor`), the handler sees `CommandMessage.estates` / `Reader.actor` and `Reader.estates`
(None: not scoped), and every audit row of a command given from an address carries it as
``details["from"]``, the refusal's too.
"""
from __future__ import annotations

import inspect
import json
import types

import pytest
from marshmallow import Schema, fields
from sqlalchemy import String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from propdesk import policy
from propdesk.chassis.db import Database
from propdesk.chassis.edge import RecordId, command_actor, query_actor
from propdesk.chassis.estates import visible, within
from propdesk.chassis.workflow import Command, Query, entrypoints_from
from propdesk.errors import Forbidden, NotFound, ValidationError
from propdesk.testing.fake import ServiceHarness


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "note"
    note_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    estate: Mapped[str] = mapped_column(String(8))


SEEN: list = []


def add_note(cmd, uow) -> dict:
    SEEN.append(("command", cmd.actor, cmd.estates))
    estate = cmd.data["estate"]
    if not visible(cmd.estates, estate):
        raise NotFound(f"no estate {estate}", field="estate", rule="exists")
    uow.session.add(Note(note_id=cmd.data["note_id"], estate=estate))
    uow.audit("note.add", "note", cmd.data["note_id"], {"estate": estate})
    uow.audit("note.count", "note", cmd.data["note_id"])
    return {"note_id": cmd.data["note_id"]}


def list_notes(args: dict, reader) -> list[str]:
    SEEN.append(("query", reader.actor, reader.estates))
    stmt = within(select(Note.note_id).order_by(Note.note_id), Note.estate, reader.estates)
    return list(reader.session.scalars(stmt))


class AddNote(Schema):
    note_id = fields.String(required=True)
    estate = fields.String(required=True)


class ListNotes(Schema):
    prefix = fields.String(load_default=None, allow_none=True)


class NoteId(Schema):
    note_id = RecordId()


messages = types.SimpleNamespace(
    COMMANDS={"add_note": Command(add_note, AddNote)},
    QUERIES={"list_notes": Query(list_notes, ListNotes),
             "get_note": Query(lambda args, reader: args["note_id"], NoteId)},
)


@entrypoints_from(messages)
class ToyNotes:
    name = "toy_notes"
    db = Database(Base.metadata)


FRONT_DESK_E1 = {"id": "fd-1", "role": "front_desk", "estates": ["E1"], "address": "10.0.0.7"}
FRONT_DESK_E2 = {"id": "fd-2", "role": "front_desk", "estates": ["E2"], "address": "10.0.0.8"}


@pytest.fixture
def app(monkeypatch):
    monkeypatch.setitem(policy.POLICY, "toy_notes.add_note", frozenset({"front_desk"}))
    SEEN.clear()
    return ServiceHarness(ToyNotes)


def details(row) -> dict:
    return json.loads(row.details)


# --- the edge ---------------------------------------------------------------------------------------
def test_a_command_actor_carries_estates_and_address_in_vocabulary_order():
    acting = command_actor({"id": " fd-1 ", "role": "front_desk", "estates": ["E2", "E1", "E2"],
                            "address": " 10.0.0.7 "})
    assert (acting.actor.id, acting.actor.role) == ("fd-1", "front_desk")
    assert acting.estates == ("E1", "E2") and acting.address == "10.0.0.7"


def test_no_estates_given_is_not_scoped_and_an_empty_list_is_scoped_to_nothing():
    assert command_actor({"id": "fd-1", "role": "front_desk"}).estates is None
    assert command_actor({"id": "fd-1", "role": "front_desk", "estates": None}).estates is None
    assert command_actor({"id": "fd-1", "role": "front_desk", "estates": []}).estates == ()


@pytest.mark.parametrize("extra, field, rule", [
    ({"estates": "E1"}, "actor.estates", "type"),
    ({"estates": [1]}, "actor.estates", "type"),
    ({"estates": [["E1"]]}, "actor.estates", "type"),
    ({"estates": ["E1"] * 100}, "actor.estates", "type"),
    ({"estates": ["E9"]}, "actor.estates", "one_of"),
    ({"estates": {"E1": True}}, "actor.estates", "type"),
    ({"address": 7}, "actor.address", "type"),
    ({"address": "1" * 65}, "actor.address", "length"),
])
def test_bad_estates_or_address_are_named(extra, field, rule):
    for check in (command_actor, query_actor):
        with pytest.raises(ValidationError) as err:
            check({"id": "fd-1", "role": "front_desk", **extra})
        assert [(p.field, p.rule) for p in err.value.problems] == [(field, rule)]


def test_a_query_actor_is_optional_and_its_role_too():
    assert query_actor(None) is None
    acting = query_actor({"id": "fd-1", "estates": ["E1"]})
    assert acting.actor.role is None and acting.estates == ("E1",)
    with pytest.raises(ValidationError) as err:
        query_actor({"id": "fd-1", "role": "ghost"})
    assert err.value.problems[0].field == "actor.role"
    with pytest.raises(ValidationError) as err:
        query_actor("fd-1")
    assert err.value.problems[0].field == "actor"


def test_every_query_takes_the_keyword_actor_and_no_argument_may_be_named_so():
    signature = inspect.signature(ToyNotes.list_notes)
    assert list(signature.parameters) == ["self", "prefix", "actor"]
    assert signature.parameters["actor"].kind is inspect.Parameter.KEYWORD_ONLY
    assert signature.parameters["actor"].default is None

    class Clash(Schema):
        actor = fields.String()

    with pytest.raises(TypeError, match="actor"):
        entrypoints_from(types.SimpleNamespace(QUERIES={"q": Query(lambda a, r: None, Clash)}))(
            type("Bad", (), {"name": "bad"}))


# --- the handler's view -------------------------------------------------------------------------------
def test_the_command_handler_sees_the_estates_and_the_query_handler_the_actor(app):
    app.command("add_note", {"note_id": "N-1", "estate": "E1"}, FRONT_DESK_E1)
    app.command("add_note", {"note_id": "N-2", "estate": "E2"}, FRONT_DESK_E2)
    app.command("add_note", {"note_id": "N-3", "estate": "E2"}, {"id": "cli", "role": "front_desk"})
    assert [(kind, actor.id, estates) for kind, actor, estates in SEEN] == [
        ("command", "fd-1", ("E1",)), ("command", "fd-2", ("E2",)), ("command", "cli", None)]
    SEEN.clear()
    assert app.query("list_notes", actor=FRONT_DESK_E1) == ["N-1"]
    assert app.query("list_notes", actor=FRONT_DESK_E2) == ["N-2", "N-3"]
    assert app.query("list_notes", actor={"id": "nobody", "estates": []}) == []
    assert app.query("list_notes") == ["N-1", "N-2", "N-3"]  # a service asking: not scoped
    assert [(actor and actor.id, estates) for _, actor, estates in SEEN] == [
        ("fd-1", ("E1",)), ("fd-2", ("E2",)), ("nobody", ()), (None, None)]


def test_another_estate_is_refused_as_absent_and_writes_nothing(app):
    with pytest.raises(NotFound):
        app.command("add_note", {"note_id": "N-1", "estate": "E2"}, FRONT_DESK_E1)
    assert app.query("list_notes") == [] and app.audit() == []


def test_a_bad_query_actor_is_rejected_before_the_handler(app):
    with pytest.raises(ValidationError):
        app.query("list_notes", actor={"id": "fd-1", "estates": ["E7"]})
    assert SEEN == []


# --- from where -------------------------------------------------------------------------------------------
def test_every_audit_row_of_a_command_carries_the_address_as_from(app):
    app.command("add_note", {"note_id": "N-1", "estate": "E1"}, FRONT_DESK_E1)
    app.command("add_note", {"note_id": "N-2", "estate": "E1"}, {"id": "cli", "role": "front_desk"})
    rows = app.audit()
    assert [(r.action, r.object_id, details(r).get("from")) for r in rows] == [
        ("note.add", "N-1", "10.0.0.7"), ("note.count", "N-1", "10.0.0.7"),
        ("note.add", "N-2", None), ("note.count", "N-2", None)]
    assert details(rows[0]) == {"estate": "E1", "from": "10.0.0.7"}


def test_a_refused_command_is_audited_with_its_address(app):
    with pytest.raises(Forbidden):
        app.command("add_note", {"note_id": "N-1", "estate": "E1"},
                    {"id": "eng-1", "role": "engineering", "estates": ["E1"], "address": "10.0.0.9"})
    (row,) = app.audit("refused")
    assert details(row)["from"] == "10.0.0.9" and row.actor_id == "eng-1"


# --- the audit trail by estate -----------------------------------------------------------------------
def _audit_app(monkeypatch):
    monkeypatch.setitem(policy.POLICY, "toy_notes.add_note", frozenset({"front_desk"}))
    return ServiceHarness(ToyNotes)


def test_every_audit_row_carries_the_estate_of_the_work_and_a_person_reads_their_estates_rows(monkeypatch):
    app = _audit_app(monkeypatch)
    app.command("add_note", {"note_id": "n1", "estate": "E1"}, {"id": "fd1", "role": "front_desk", "estates": ["E1"]})
    app.command("add_note", {"note_id": "n2", "estate": "E2"}, {"id": "fd2", "role": "front_desk", "estates": ["E2"]})
    app.command("add_note", {"note_id": "n3", "estate": "E1"},
                {"id": "both", "role": "front_desk", "estates": ["E1", "E2"]})  # unknown: several estates
    with app.session() as s:
        from propdesk.chassis.tables import AuditRow
        by_note = {(r.object_id, r.action): r.estate for r in s.scalars(select(AuditRow))}
    assert by_note[("n1", "note.add")] == by_note[("n1", "note.count")] == "E1"
    assert by_note[("n2", "note.add")] == "E2" and by_note[("n3", "note.add")] is None

    manager_e1 = {"id": "m1", "role": "cs_manager", "estates": ["E1"]}
    group = {"id": "g", "role": "admin", "estates": ["E1", "E2"]}
    assert {r["object_id"] for r in app.query("list_audit", actor=manager_e1)} == {"n1"}
    assert {r["object_id"] for r in app.query("list_audit", actor=group)} == {"n1", "n2", "n3"}
    assert {r["estate"] for r in app.query("list_audit")} == {"E1", "E2", None}  # a service: not scoped


def test_a_refusal_is_audited_in_the_refused_persons_estate(monkeypatch):
    app = _audit_app(monkeypatch)
    with pytest.raises(Forbidden):
        app.command("add_note", {"note_id": "n1", "estate": "E2"}, {"id": "g1", "role": "security", "estates": ["E2"]})
    [row] = app.query("list_audit", actor={"id": "m2", "role": "cs_manager", "estates": ["E2"]})
    assert (row["action"], row["estate"]) == ("refused", "E2")


def test_the_chain_covers_the_estate_and_rows_from_before_it_still_verify(monkeypatch):
    from propdesk.chassis import audit_chain
    from propdesk.chassis.tables import AuditRow

    app = _audit_app(monkeypatch)
    app.command("add_note", {"note_id": "n1", "estate": "E1"}, {"id": "fd1", "role": "front_desk", "estates": ["E1"]})
    app.command("add_note", {"note_id": "n2", "estate": "E1"}, {"id": "x", "role": "front_desk", "estates": ["E1", "E2"]})
    with app.session() as s:
        assert audit_chain.verify(s).ok
        row = s.scalars(select(AuditRow).where(AuditRow.estate == "E1")).first()
        row.estate = "E2"  # moved to another estate by hand
        s.commit()
        assert not audit_chain.verify(s).ok
