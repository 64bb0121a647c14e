"""The meter readings' edge: command shapes (the domain names the rules) and what the desk shows."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from propdesk.chassis.edge import OptionalText, RecordId
from propdesk.contracts.rpc.common import UtcDateTime
from propdesk.contracts.vocab import ESTATES, METER_KINDS, METER_READING_HOLD_RULES, METER_READING_STATES


def label(zh: str, en: str, **more) -> dict:
    return {"label": {"zh": zh, "en": en}, **more}


class RecordMeterReadingSchema(Schema):
    """抄表录入: a unit's water or electricity meter for a month."""

    class Meta:
        unknown = RAISE
        label = {"zh": "录入抄表读数", "en": "Record a meter reading"}

    unit_id = RecordId(max_len=32, metadata=label("单元", "Unit"))
    meter = fields.String(required=True, metadata=label("表类", "Meter", choices=METER_KINDS.codes))
    period = fields.String(required=True, metadata=label("月份", "Period (YYYY-MM)"))
    reading = fields.Raw(required=True, metadata=label("读数", "Reading", format="decimal"))
    read_on = fields.String(load_default=None, allow_none=True, metadata=label("抄表日期", "Read on", format="date"))
    #: the final reading at move-out (退租/撤场抄表): read as of the exit date and billed at once
    final = fields.Boolean(load_default=False, metadata=label("撤场最终读数", "Final reading (move-out)"))


class ImportMeterReadingsSchema(Schema):
    """抄表数据导入: a CSV or XLSX file of readings (columns: unit_id/单元, meter/表类, reading/读数,
    optional period/月份 and read_on/抄表日期)."""

    class Meta:
        unknown = RAISE
        label = {"zh": "导入抄表数据", "en": "Import meter readings"}

    period = fields.String(required=True, metadata=label("月份", "Period (YYYY-MM)"))
    filename = fields.String(required=True, validate=validate.Length(min=1, max=200), metadata=label("文件名", "File name"))
    #: the file's bytes, base64 (at most ~8 MB of file)
    content_base64 = fields.String(required=True, validate=validate.Length(min=1, max=11_200_000),
                                   metadata=label("文件", "File", format="file"))


class CorrectMeterReadingSchema(Schema):
    """更正读数: a reading not yet billed, corrected (re-checked)."""

    class Meta:
        unknown = RAISE
        label = {"zh": "更正读数", "en": "Correct a reading"}

    reading_id = RecordId(max_len=40, metadata=label("读数编号", "Reading"))
    reading = fields.Raw(required=True, metadata=label("读数", "Reading", format="decimal"))
    note = fields.String(required=True, validate=validate.Length(min=1, max=200), metadata=label("原因", "Reason"))


class AcceptMeterReadingSchema(Schema):
    """复核通过: a held reading is billed as read (e.g. a leak confirmed, a meter replaced)."""

    class Meta:
        unknown = RAISE
        label = {"zh": "复核通过", "en": "Accept as read"}

    reading_id = RecordId(max_len=40, metadata=label("读数编号", "Reading"))
    note = fields.String(required=True, validate=validate.Length(min=1, max=200), metadata=label("复核意见", "Review note"))


class SupersedeMeterReadingSchema(Schema):
    """复核：已被后续读数取代: a held reading the meter has since passed (a later month's reading
    counted past it), set aside unbilled with the reason."""

    class Meta:
        unknown = RAISE
        label = {"zh": "标记为已被后续读数取代", "en": "Set aside as superseded"}

    reading_id = RecordId(max_len=40, metadata=label("读数编号", "Reading"))
    note = fields.String(required=True, validate=validate.Length(min=1, max=200), metadata=label("原因", "Reason"))


class MeterReadingSchema(Schema):
    """A meter reading as the desk shows it."""

    reading_id = fields.String(metadata=label("编号", "Id"))
    reading_no = fields.String(metadata=label("读数编号", "Reading no."))
    unit_id = fields.String(metadata=label("单元", "Unit"))
    estate = fields.String(metadata=label("管理处", "Estate", vocab=ESTATES))
    meter = fields.String(metadata=label("表类", "Meter", vocab=METER_KINDS))
    period = fields.String(metadata=label("月份", "Period"))
    reading = fields.Decimal(as_string=True, metadata=label("本期读数", "Reading"))
    previous = fields.Decimal(as_string=True, allow_none=True, metadata=label("上期读数", "Previous"))
    consumption = fields.Decimal(as_string=True, allow_none=True, metadata=label("用量", "Consumption"))
    state = fields.String(metadata=label("状态", "State", vocab=METER_READING_STATES))
    #: why the check held it (domain.check), kept once it is reviewed: the desk says it in these words
    hold_rule = fields.String(allow_none=True,
                              metadata=label("待复核原因", "Held because", vocab=METER_READING_HOLD_RULES))
    read_on = fields.String(metadata=label("抄表日期", "Read on"))
    source = fields.String(metadata=label("来源", "Source"))
    recorded_by = fields.String(metadata=label("录入人", "Recorded by"))
    recorded_at = UtcDateTime(metadata=label("录入时间", "Recorded at"))
    reviewed_by = fields.String(allow_none=True, metadata=label("复核人", "Reviewed by"))
    notice_no = fields.String(allow_none=True, metadata=label("通知单号", "Notice no."))
    move_out_id = fields.String(allow_none=True, metadata=label("撤场申请", "Move-out"))  # a final reading's


# --- query arguments ------------------------------------------------------------------------------
class ReadingIdArgs(Schema):
    reading_id = RecordId(max_len=40)


class ListMeterReadingsArgs(Schema):
    period = OptionalText(max_len=7, metadata=label("月份", "Period"))
    state = OptionalText(choices=METER_READING_STATES.codes, metadata=label("状态", "State"))
    unit_id = OptionalText(max_len=32, metadata=label("单元", "Unit"))
