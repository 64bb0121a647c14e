"""Passes' edge: what their commands and queries may carry (shape only; the rules are
`domain.validate_issue`'s), and what access answers about a pass (`PassSchema`: the desk's record
page and list; the holder's ID number masked in lists)."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from propdesk.chassis.edge import OptionalText, RecordId
from propdesk.contracts.rpc.common import UtcDateTime
from propdesk.contracts.vocab import (ESTATES, ID_DOCUMENT_TYPES, PASS_HOLDER_RELATIONS, PASS_KINDS,
                                      PASS_REVOKE_REASONS, PASS_STATES)
from propdesk_services.access.workflows.registers import label

_NAME = validate.Length(min=1, max=64)
_REF = validate.Length(max=128)


class _Holder(Schema):
    class Meta:
        unknown = RAISE

    holder_name = fields.String(required=True, validate=_NAME, metadata=label("姓名", "Name"))
    id_type = fields.String(load_default="resident_id", validate=validate.OneOf(ID_DOCUMENT_TYPES.codes),
                            metadata=label("证件类型", "ID type", choices=ID_DOCUMENT_TYPES.codes, vocab=ID_DOCUMENT_TYPES))
    holder_id_number = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32),
                                     metadata=label("证件号码", "ID number"))
    photo_ref = fields.String(load_default=None, allow_none=True, validate=_REF,
                              metadata=label("照片编号", "Photo ref."))
    valid_from = fields.Date(required=True, metadata=label("有效期自", "Valid from"))
    valid_to = fields.Date(required=True, metadata=label("有效期至", "Valid to"))


class IssueConstructionPassSchema(_Holder):
    """办理施工出入证: a worker of a renovation (装修出入证登记表)."""

    class Meta:
        unknown = RAISE
        label = {"zh": "办理施工出入证", "en": "Issue a construction pass"}

    renovation_id = RecordId(metadata=label("装修申请编号", "Renovation no."))
    unit_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32),
                            metadata=label("施工单元", "Unit"))
    work_location = fields.String(required=True, validate=validate.Length(min=1, max=128),
                                  metadata=label("施工地点", "Work location"))
    contractor = fields.String(load_default=None, allow_none=True, validate=_REF,
                               metadata=label("施工单位", "Contractor"))
    id_copy_ref = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64),
                                metadata=label("身份证复印件存档号", "ID copy on file (ref.)"))
    stamped_and_laminated = fields.Boolean(load_default=False, metadata=label("已盖章过塑", "Stamped and laminated"))
    estate = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(ESTATES.codes),
                           metadata=label("管理处", "Estate", choices=ESTATES.codes))


class IssueResidentPassSchema(_Holder):
    """办理住户证: a resident of a unit (owners, tenants and their households)."""

    class Meta:
        unknown = RAISE
        label = {"zh": "办理住户证", "en": "Issue a resident pass"}

    unit_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32),
                            metadata=label("单元", "Unit"))
    relation = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(PASS_HOLDER_RELATIONS.codes),
                             metadata=label("与单元关系", "Relation to the unit", choices=PASS_HOLDER_RELATIONS.codes))
    holder_party_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64),
                                    metadata=label("住户编号", "Party no."))


class ReturnPassSchema(Schema):
    """交回出入证: the holder handed the pass back."""

    class Meta:
        unknown = RAISE
        label = {"zh": "交回出入证", "en": "Pass handed back"}

    pass_no = RecordId(metadata=label("出入证编号", "Pass no."))


class RevokePassSchema(Schema):
    """注销出入证: the office takes the pass out of use (the reason is kept)."""

    class Meta:
        unknown = RAISE
        label = {"zh": "注销出入证", "en": "Revoke the pass"}

    pass_no = RecordId(metadata=label("出入证编号", "Pass no."))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500), metadata=label("注销原因", "Reason"))


# --- what access answers ------------------------------------------------------------------------
class PassSchema(Schema):
    """A pass as the desk shows it (装修出入证登记表 / 住户证)."""

    pass_no = fields.String(metadata=label("出入证编号", "Pass no."))
    kind = fields.String(metadata=label("类别", "Kind", vocab=PASS_KINDS))
    state = fields.String(metadata=label("状态", "State", vocab=PASS_STATES))
    valid_now = fields.Boolean(metadata=label("当前有效", "Valid now"))
    estate = fields.String(metadata=label("管理处", "Estate", vocab=ESTATES))
    holder_name = fields.String(metadata=label("姓名", "Name"))
    id_type = fields.String(allow_none=True, metadata=label("证件类型", "ID type", vocab=ID_DOCUMENT_TYPES))
    holder_id_number = fields.String(allow_none=True, metadata=label("证件号码", "ID number"))
    id_copy_ref = fields.String(allow_none=True, metadata=label("身份证复印件存档号", "ID copy on file (ref.)"))
    photo_ref = fields.String(allow_none=True, metadata=label("照片编号", "Photo ref."))
    unit_id = fields.String(allow_none=True, metadata=label("单元", "Unit"))
    work_location = fields.String(allow_none=True, metadata=label("施工地点", "Work location"))
    renovation_id = fields.String(allow_none=True, metadata=label("装修申请编号", "Renovation no."))
    contractor = fields.String(allow_none=True, metadata=label("施工单位", "Contractor"))
    relation = fields.String(allow_none=True, metadata=label("与单元关系", "Relation", vocab=PASS_HOLDER_RELATIONS))
    holder_party_id = fields.String(allow_none=True, metadata=label("住户编号", "Party no."))
    valid_from = fields.Date(metadata=label("有效期自", "Valid from"))
    valid_to = fields.Date(metadata=label("有效期至", "Valid to"))
    expires_at = UtcDateTime(metadata=label("到期时间", "Expires at"))
    issued_by = fields.String(metadata=label("经办人", "Issued by"))
    issued_at = UtcDateTime(metadata=label("发证时间", "Issued at"))
    end_reason = fields.String(allow_none=True, metadata=label("注销原因", "Revoked because", vocab=PASS_REVOKE_REASONS))
    end_note = fields.String(allow_none=True, metadata=label("备注", "Note"))
    ended_at = UtcDateTime(allow_none=True, metadata=label("失效时间", "Ended at"))
    ended_by = fields.String(allow_none=True, metadata=label("经办人(失效)", "Ended by"))


# --- query arguments ------------------------------------------------------------------------------
class PassNoArgs(Schema):
    pass_no = RecordId()


class ListPassesArgs(Schema):
    kind = OptionalText(choices=PASS_KINDS.codes, metadata=label("类别", "Kind"))
    state = OptionalText(choices=PASS_STATES.codes, metadata=label("状态", "State"))
    unit_id = OptionalText(max_len=32, metadata=label("单元", "Unit"))
    q = OptionalText(max_len=64, metadata=label("搜索(姓名/编号)", "Search (name, no.)"))


class QueueArgs(Schema):
    """A work queue takes no arguments."""
