"""The fast list dump answers what marshmallow's dump answers, masked once (bench T1)."""
from __future__ import annotations

import pytest
from marshmallow import Schema, fields, post_dump
from sqlalchemy import select

from propdesk import policy
from propdesk.chassis.clock import FakeClock
from propdesk.privacy import Masked, mask
from propdesk.testing.fake import ServiceHarness
from propdesk_services.tickets.dumping import FastDump, dump_masked
from propdesk_services.tickets.service import TicketsService
from propdesk_services.tickets.workflows.complaints.models import ComplaintRecord
from propdesk_services.tickets.workflows.complaints.schemas import ComplaintSchema


@pytest.fixture(scope="module")
def demo():
    return ServiceHarness(TicketsService, clock=FakeClock(), demo=True)


def test_the_fast_dump_of_the_demo_complaints_is_marshmallows(demo):
    with demo.db.Session() as s:
        rows = s.scalars(select(ComplaintRecord)).all()
        rows[0].complainant_phone, rows[0].summary = "13812345678", "住户电话13912345678，身份证11010519491231002X"
        expected = ComplaintSchema(many=True).dump(rows)
        fast = FastDump(ComplaintSchema())
        assert len(rows) > 20 and fast.many(rows) == expected
        answer = dump_masked(fast, rows)
        assert isinstance(answer, Masked) and answer == mask(expected)
        assert answer[0]["complainant_phone"] == "138****5678" and "110105********002X" in answer[0]["summary"]
        s.rollback()


def test_a_value_the_row_lacks_is_read_as_marshmallow_reads_it():
    class Row:
        name = "王先生"  # a class attribute: not in the row's __dict__

        @property
        def phone(self):
            return "13812345678"

    class S(Schema):
        name = fields.String()
        phone = fields.String()
        n = fields.Integer()

    row = Row()
    row.n = 3
    assert FastDump(S()).one(row) == S().dump(row) == {"name": "王先生", "phone": "13812345678", "n": 3}
    assert dump_masked(FastDump(S()), [row])[0]["phone"] == "138****5678"


def test_a_schema_with_dump_hooks_is_refused():
    class Hooked(Schema):
        a = fields.String()

        @post_dump
        def add(self, data, **kwargs):
            return data

    with pytest.raises(TypeError):
        FastDump(Hooked())


def test_the_list_is_masked_for_every_role_and_not_walked_twice(demo, monkeypatch):
    with demo.db.Session() as s:
        c = s.scalars(select(ComplaintRecord).where(ComplaintRecord.estate == "E1")).first()
        c.complainant_phone = "13812345678"
        s.commit()
        complaint_id = c.complaint_id
    outsider = next(r for r in policy.READS.get("tickets.list_complaints", policy.ROLES)
                    if r in policy.ROLES and not policy.sees_personal_numbers(r))
    walked = []
    import propdesk.chassis.workflow as workflow

    real = workflow.mask
    monkeypatch.setattr(workflow, "mask", lambda v: walked.append(v) or real(v))
    for role in ("front_desk", outsider):
        rows = demo.query("list_complaints", actor={"id": "x", "role": role, "estates": ["E1"]})
        [row] = [r for r in rows if r["complaint_id"] == complaint_id]
        assert row["complainant_phone"] == "138****5678", role
    assert walked and all(isinstance(v, Masked) for v in walked)  # the chassis met the masked list and left it


def test_the_fast_dump_of_the_demo_repairs_is_marshmallows(demo):
    from propdesk.contracts.rpc.tickets_repairs import RepairDetailSchema
    from propdesk_services.tickets.workflows.repairs.models import RepairOrder

    with demo.db.Session() as s:
        rows = s.scalars(select(RepairOrder)).all()
        rows[0].summary = "业主电话13812345678"
        expected = RepairDetailSchema(many=True, exclude=("work_orders",)).dump(rows)
        answer = dump_masked(FastDump(RepairDetailSchema(exclude=("work_orders",))), rows)
        assert len(rows) > 20 and answer == mask(expected) and "138****5678" in answer[0]["summary"]
        s.rollback()
