"""The chassis' record helpers every workflow reads with (chassis/records.py): one record by its
number within the asker's estates, a list with equality filters and a search, newest first."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import Integer, String, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from propdesk.chassis import records
from propdesk.errors import NotFound, ValidationError


class Base(DeclarativeBase):
    pass


class Parcel(Base):
    __tablename__ = "parcel"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parcel_no: Mapped[str] = mapped_column(String(32))
    estate: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(32))


@pytest.fixture
def session():
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as s:
        s.add_all([Parcel(id=1, parcel_no="P-1", estate="E1", state="held", recipient="李女士"),
                   Parcel(id=2, parcel_no="P-2", estate="E2", state="held", recipient="王先生"),
                   Parcel(id=3, parcel_no="P-3", estate="E1", state="collected", recipient="王女士")])
        s.commit()
        yield s


def reader(session, estates):
    return SimpleNamespace(session=session, estates=estates)


def test_one_answers_another_estates_record_as_absent(session):
    assert records.one(session, Parcel.parcel_no, "P-2", None, what="parcel", field="parcel_no").id == 2
    for number, estates in (("P-2", ("E1",)), ("P-9", None)):
        with pytest.raises(NotFound) as e:
            records.one(session, Parcel.parcel_no, number, estates, what="parcel", field="parcel_no")
        assert (e.value.field, e.value.rule, e.value.message) == ("parcel_no", "exists", f"no parcel {number}")


def test_listing_filters_searches_and_orders_newest_first(session):
    r = reader(session, ("E1",))
    assert [p.parcel_no for p in records.listing(r, Parcel, {})] == ["P-3", "P-1"]
    assert [p.parcel_no for p in records.listing(r, Parcel, {"state": "held"}, equals=("state",))] == ["P-1"]
    assert [p.parcel_no for p in records.listing(reader(session, None), Parcel, {"q": " 王 "},
                                                 search=(Parcel.recipient,))] == ["P-3", "P-2"]
    assert len(records.listing(reader(session, None), Parcel, {"limit": 1})) == 1
    assert [p.parcel_no for p in records.listing(reader(session, None), Parcel, {"q": "p-2"},
                                                 search=(Parcel.parcel_no,))] == ["P-2"]  # any case, any database
    assert records.listing(reader(session, ()), Parcel, {}) == []  # scoped to no estate: nothing


def test_estate_for_a_new_record():
    one = SimpleNamespace(estates=("E1",))
    assert records.estate_for(one, None) == "E1"
    with pytest.raises(ValidationError) as e:
        records.estate_for(one, "T1-31F")  # the office tower is E2's
    assert e.value.problems[0].rule == "unknown_unit"
    with pytest.raises(ValidationError) as e:
        records.estate_for(SimpleNamespace(estates=("E1", "E2")), None)
    assert e.value.problems[0].rule == "required"


def test_a_queue_item_is_overdue_once_due_unless_the_workflow_says():
    now = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)
    due = now - timedelta(minutes=1)
    item = records.queue_item("parcel", "P-1", "t", "d", datetime(2026, 11, 30, 7, 0), due, now)
    assert item["overdue"] is True and item["since"] == "2026-11-30T07:00:00+00:00" and item["id"] == "P-1"
    assert records.queue_item("parcel", "P-1", "t", "d", None, due, now, overdue=False)["overdue"] is False


def test_a_queue_item_names_its_records_coded_values_as_fields_only_when_given():
    """`fields` {field name: value}: the codes the desk says in the words of the kind's fields, kept
    out of the free text; a date in it as ISO 8601, as the item's times are; no key without them."""
    now = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)
    item = records.queue_item("parcel", "P-1", "1-1-101 李女士", "", None, None, now,
                              fields={"kind": "parcel", "state": "held", "valid_to": date(2026, 12, 3)})
    assert item["fields"] == {"kind": "parcel", "state": "held", "valid_to": "2026-12-03"}
    assert (item["title"], item["detail"], item["number"]) == ("1-1-101 李女士", "", "P-1")
    assert "fields" not in records.queue_item("parcel", "P-1", "t", "d", None, None, now)
    assert "fields" not in records.queue_item("parcel", "P-1", "t", "d", None, None, now, fields={})
