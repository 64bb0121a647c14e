"""Lost & found's edge (shape only; the rules are the domain's) and what access answers about a
found item (`LostItemSchema`)."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from propdesk.chassis.edge import OptionalText, RecordId
from propdesk.contracts.rpc.common import UtcDateTime
from propdesk.contracts.vocab import ESTATES, ID_DOCUMENT_TYPES, LOST_ITEM_CATEGORIES, LOST_ITEM_STATES, PUBLICITY_CHANNELS
from propdesk_services.access.workflows.registers import label

_OPT = dict(load_default=None, allow_none=True)
_NAME = validate.Length(min=1, max=64)


class RegisterLostItemSchema(Schema):
    """拾获物品登记: two staff count the item together and both sign."""

    class Meta:
        unknown = RAISE
        label = {"zh": "拾获物品登记", "en": "Register a found item"}

    category = fields.String(required=True, validate=validate.OneOf(LOST_ITEM_CATEGORIES.codes),
                             metadata=label("物品类别", "Category", choices=LOST_ITEM_CATEGORIES.codes))
    description = fields.String(required=True, validate=validate.Length(min=1, max=500), metadata=label("物品描述", "Description"))
    items = fields.List(fields.String(validate=validate.Length(max=200)), required=True,
                        validate=validate.Length(max=50), metadata=label("物品明细(逐项)", "Items, one per line"))
    found_at = fields.AwareDateTime(**_OPT, metadata=label("拾获时间", "Found at"))
    found_place = fields.String(**_OPT, validate=validate.Length(max=128), metadata=label("拾获地点", "Found where"))
    unit_id = fields.String(**_OPT, validate=validate.Length(max=32), metadata=label("单元", "Unit"))
    found_by = fields.String(required=True, validate=_NAME, metadata=label("拾获人", "Found by"))
    second_registrar = fields.String(required=True, validate=_NAME, metadata=label("第二登记人(员工号)", "Second registrar (staff id)"))
    second_registrar_name = fields.String(required=True, validate=_NAME, metadata=label("第二登记人姓名", "Second registrar's name"))
    both_signed = fields.Boolean(load_default=False, metadata=label("两人已共同清点签字", "Both counted and signed"))
    estate = fields.String(**_OPT, validate=validate.OneOf(ESTATES.codes), metadata=label("管理处", "Estate", choices=ESTATES.codes))


class _ItemNo(Schema):
    class Meta:
        unknown = RAISE

    item_no = RecordId(metadata=label("拾获物品编号", "Item no."))


class PubliciseLostItemSchema(_ItemNo):
    """招领公示: APP, owner groups, notice board."""

    class Meta:
        unknown = RAISE
        label = {"zh": "招领公示", "en": "Publicise"}

    channels = fields.List(fields.String(validate=validate.OneOf(PUBLICITY_CHANNELS.codes)), required=True,
                           validate=validate.Length(min=1, max=3),
                           metadata=label("公示渠道", "Channels", choices=PUBLICITY_CHANNELS.codes))


class HandToPoliceSchema(_ItemNo):
    """移交公安: dangerous or important items."""

    class Meta:
        unknown = RAISE
        label = {"zh": "移交公安", "en": "Hand to the police"}

    police_station = fields.String(required=True, validate=validate.Length(min=1, max=128), metadata=label("派出所", "Police station"))
    police_officer = fields.String(required=True, validate=_NAME, metadata=label("接收民警", "Officer"))
    police_receipt_ref = fields.String(**_OPT, validate=validate.Length(max=64), metadata=label("回执编号", "Receipt ref."))


class _Claim(_ItemNo):
    claimant_name = fields.String(required=True, validate=_NAME, metadata=label("认领人", "Claimant"))
    claimant_description = fields.String(**_OPT, validate=validate.Length(max=500),
                                         metadata=label("认领人描述", "Claimant's description"))
    id_type = fields.String(load_default="resident_id", validate=validate.OneOf(ID_DOCUMENT_TYPES.codes),
                            metadata=label("证件类型", "ID type", choices=ID_DOCUMENT_TYPES.codes))
    id_number = fields.String(**_OPT, validate=validate.Length(max=32), metadata=label("证件号码", "ID number"))


class ReturnLostItemSchema(_Claim):
    """认领归还: description and valid ID verified, condition confirmed, the claimant signs."""

    class Meta:
        unknown = RAISE
        label = {"zh": "认领归还", "en": "Return to the claimant"}

    id_checked = fields.Boolean(load_default=False, metadata=label("已核对证件", "ID checked"))
    description_matches = fields.Boolean(load_default=False, metadata=label("描述相符", "Description matches"))
    condition_confirmed = fields.Boolean(load_default=False, metadata=label("已与认领人确认物品状况", "Condition confirmed"))
    claimant_signed = fields.Boolean(load_default=False, metadata=label("认领人已签字", "Claimant signed"))


class RefuseClaimSchema(_Claim):
    """拒绝认领: the claim cannot be verified (reason); escalated to the service-centre head."""

    class Meta:
        unknown = RAISE
        label = {"zh": "拒绝认领", "en": "Refuse the claim"}

    reason = fields.String(required=True, validate=validate.Length(min=1, max=500), metadata=label("拒绝原因", "Reason"))


class HandToFinanceSchema(_ItemNo):
    """移交财务: an item unclaimed for 3 months, listed."""

    class Meta:
        unknown = RAISE
        label = {"zh": "移交财务", "en": "Hand to finance"}

    finance_receiver = fields.String(required=True, validate=_NAME, metadata=label("财务接收人", "Received by (finance)"))


class LostItemSchema(Schema):
    item_no = fields.String(metadata=label("拾获物品编号", "Item no."))
    state = fields.String(metadata=label("状态", "State", vocab=LOST_ITEM_STATES))
    category = fields.String(metadata=label("物品类别", "Category", vocab=LOST_ITEM_CATEGORIES))
    estate = fields.String(metadata=label("管理处", "Estate", vocab=ESTATES))
    description = fields.String(metadata=label("物品描述", "Description"))
    items = fields.List(fields.String(), metadata=label("物品明细", "Items"))
    found_at = UtcDateTime(metadata=label("拾获时间", "Found at"))
    found_place = fields.String(allow_none=True, metadata=label("拾获地点", "Found where"))
    unit_id = fields.String(allow_none=True, metadata=label("单元", "Unit"))
    found_by = fields.String(metadata=label("拾获人", "Found by"))
    registered_by = fields.String(metadata=label("登记人", "Registered by"))
    second_registrar = fields.String(metadata=label("第二登记人", "Second registrar"))
    second_registrar_name = fields.String(metadata=label("第二登记人姓名", "Second registrar's name"))
    registered_at = UtcDateTime(metadata=label("登记时间", "Registered at"))
    unclaimed_at = UtcDateTime(metadata=label("招领期满", "Unclaimed from"))
    publicised_at = UtcDateTime(allow_none=True, metadata=label("公示时间", "Publicised at"))
    channels = fields.List(fields.String(), allow_none=True, metadata=label("公示渠道", "Channels", vocab=PUBLICITY_CHANNELS))
    claims = fields.List(fields.Dict(), metadata=label("认领记录", "Claims"))
    police_station = fields.String(allow_none=True, metadata=label("派出所", "Police station"))
    police_officer = fields.String(allow_none=True, metadata=label("接收民警", "Officer"))
    police_receipt_ref = fields.String(allow_none=True, metadata=label("回执编号", "Receipt ref."))
    finance_receiver = fields.String(allow_none=True, metadata=label("财务接收人", "Received by (finance)"))
    closed_at = UtcDateTime(allow_none=True, metadata=label("结案时间", "Closed at"))
    closed_by = fields.String(allow_none=True, metadata=label("经办人(结案)", "Closed by"))


class ItemNoArgs(Schema):
    item_no = RecordId()


class ListLostItemsArgs(Schema):
    state = OptionalText(choices=LOST_ITEM_STATES.codes, metadata=label("状态", "State"))
    category = OptionalText(choices=LOST_ITEM_CATEGORIES.codes, metadata=label("物品类别", "Category"))
    q = OptionalText(max_len=64, metadata=label("搜索(描述/编号)", "Search (description, no.)"))
