"""Arrears reports as queries (read only): the detail (明细表), the dunning summary (统计表), the
collection rate, and the XLSX export of each (base64 bytes, openpyxl)."""
from __future__ import annotations

import base64
import io
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import func, select

from propdesk.chassis.estates import within
from propdesk.contracts.vocab import ARREARS_AGES, ESTATES, FEE_ITEMS
from propdesk.money import CENT, money
from propdesk_services.billing.workflows.arrears import domain
from propdesk_services.billing.workflows.dunning.models import DunningNotice
from propdesk_services.billing.workflows.payments import domain as ledger
from propdesk_services.billing.workflows.payments.models import Charge, Payment, PaymentAllocation


#: Units whose ledgers are read per query (bounded IN lists, bounded memory per step).
CHUNK = 500


#: charged - paid above this owes (a cent is the least a ledger can owe; SQLite sums in floats)
HALF_CENT = Decimal("0.005")


def _owing(reader, unit_ids: list[str] | None = None) -> list[str]:
    """The units of the asker's estates that owe anything (charged - paid > 0), in unit order: one
    grouped query, only the owing units' ids come back. Each unit's charges are summed from
    ix_charge_estate_unit_amount in its order (no table row read, no sort), its payments by a sum
    per unit from ix_payment_estate_unit_amount. A unit that owes nothing has no open charge
    (`payments.domain.open_items` settles every charge when the money covers them all), so its
    ledger is never read. `unit_ids`: only these units (CHUNK at a time)."""
    s = reader.session
    paid = (select(func.coalesce(func.sum(Payment.amount), 0))
            .where(Payment.estate == Charge.estate, Payment.unit_id == Charge.unit_id)
            .correlate(Charge).scalar_subquery())
    stmt = (within(select(Charge.unit_id), Charge.estate, reader.estates)
            .group_by(Charge.estate, Charge.unit_id)
            .having(func.sum(Charge.amount) - paid > HALF_CENT))
    if unit_ids is None:
        return sorted(set(s.scalars(stmt)))
    out = set()
    for start in range(0, len(unit_ids), CHUNK):
        out.update(s.scalars(stmt.where(Charge.unit_id.in_(unit_ids[start:start + CHUNK]))))
    return sorted(out)


def _ledger(reader, unit_ids: list[str]):
    """(unit, (estate, open items)) for these units of the asker's estates, in unit order, read
    CHUNK units at a time (charges, payments and allocations by unit), as Core rows on the
    session's connection (no ORM loading)."""
    s = reader.session.connection()
    for start in range(0, len(unit_ids), CHUNK):
        ids = unit_ids[start:start + CHUNK]
        charges, payments, allocs = defaultdict(list), defaultdict(list), defaultdict(list)
        # rows, not ORM objects: the columns open_items reads, nothing loaded into the session
        for c in s.execute(within(select(Charge.id, Charge.unit_id, Charge.estate, Charge.period, Charge.item,
                                         Charge.amount), Charge.estate, reader.estates).where(Charge.unit_id.in_(ids))):
            charges[c.unit_id].append(c)
        for p in s.execute(within(select(Payment.payment_id, Payment.unit_id, Payment.amount, Payment.period,
                                         Payment.item), Payment.estate, reader.estates).where(Payment.unit_id.in_(ids))):
            payments[p.unit_id].append(p)
        stmt = within(select(PaymentAllocation.payment_id, PaymentAllocation.charge_id, PaymentAllocation.amount,
                             Payment.unit_id).join(Payment, Payment.payment_id == PaymentAllocation.payment_id),
                      Payment.estate, reader.estates)
        for a in s.execute(stmt.where(Payment.unit_id.in_(ids))):
            allocs[a.unit_id].append(a)
        for u in ids:
            if charges[u]:
                yield u, (charges[u][0].estate, ledger.open_items(charges[u], payments[u], allocs[u]))


def arrears_detail(args: dict, reader) -> dict:
    """月份欠费情况明细表: every unpaid charge up to `period` (default all) by unit, period, fee item
    and age (days since the 1st of the month after its period, as of `as_of`, default today)."""
    today = args.get("as_of") or reader.today()  # the office day (Asia/Shanghai)
    rows = []
    only = [args["unit_id"]] if args.get("unit_id") else None
    for unit_id, (estate, items) in _ledger(reader, _owing(reader, only)):
        for i in items:
            if i.open <= 0 or (args.get("period") and i.period > args["period"]):
                continue
            days = domain.age_days(i.period, today)
            rows.append({"unit_id": unit_id, "estate": estate, "period": i.period, "item": i.item,
                         "charged": money(i.amount), "outstanding": money(i.open), "age_days": max(days, 0),
                         "age": domain.age_band(days)})
    by_age = defaultdict(Decimal)
    for r in rows:
        by_age[r["age"]] += Decimal(r["outstanding"])
    return {"as_of": today.isoformat(), "period": args.get("period"), "rows": rows,
            "units": len({r["unit_id"] for r in rows}),
            "total": money(sum((Decimal(r["outstanding"]) for r in rows), Decimal(0))),
            "by_age": [{"age": a, "outstanding": money(by_age[a])} for a in ARREARS_AGES.codes if a in by_age]}


def arrears_summary(args: dict, reader) -> dict:
    """月份催缴欠费情况统计表 for a period's dunning notices, by estate: units and amount dunned,
    delivered, paid in full since, still owing now."""
    s, period = reader.session, args["period"]
    notices = list(s.scalars(within(select(DunningNotice), DunningNotice.estate, reader.estates)
                             .where(DunningNotice.period == period)))
    # the dunned units that still owe (not the whole estate's ledger), then what each owes (one
    # amount a unit kept, not its ledger)
    owed = {u: sum((i.open for i in items), Decimal(0))
            for u, (_, items) in _ledger(reader, _owing(reader, sorted({n.unit_id for n in notices})))}
    out = {}
    for n in notices:
        row = out.setdefault(n.estate, {"estate": n.estate, "dunned_units": 0, "dunned_amount": Decimal(0),
                                        "delivered_units": 0, "paid_units": 0, "owing_units": 0,
                                        "owing_amount": Decimal(0)})
        owing = owed.get(n.unit_id, Decimal(0))
        row["dunned_units"] += 1
        row["dunned_amount"] += Decimal(n.amount_due)
        row["delivered_units"] += n.state == "delivered"
        if owing <= 0:
            row["paid_units"] += 1
        else:
            row["owing_units"] += 1
            row["owing_amount"] += owing
    rows = [{**r, "dunned_amount": money(r["dunned_amount"]), "owing_amount": money(r["owing_amount"]),
             "recovered_amount": money(max(r["dunned_amount"] - r["owing_amount"], Decimal(0)))}
            for r in (out[e] for e in sorted(out))]
    return {"period": period, "rows": rows}


def collection_rate(args: dict, reader) -> dict:
    """The collection rate of a period by fee item, as of now: by households (units whose charges of
    the item are all settled / units charged) and by amount (collected / charged), each with its
    denominator stated."""
    period = args["period"]
    # the period's charges (one read); what is left of each from the owing units' ledgers only: a
    # unit that owes nothing has settled every charge
    owing = _owing(reader)
    left = {i.charge_id: i.open for _, (_, xs) in _ledger(reader, owing) for i in xs if i.period == period}
    items = [ledger.OpenItem(c.id, c.unit_id, c.period, c.item, Decimal(c.amount).quantize(CENT),
                             left.get(c.id, Decimal("0.00")))
             for c in reader.session.execute(within(select(Charge.id, Charge.unit_id, Charge.period, Charge.item,
                                                           Charge.amount), Charge.estate, reader.estates)
                                             .where(Charge.period == period))]
    rates = domain.collection_rates(items)
    def pct(v):
        return None if v is None else f"{v:.2f}"
    rows = [{"item": r.item, "households_charged": r.households_charged, "households_paid": r.households_paid,
             "rate_by_households": pct(r.rate_by_households), "amount_charged": money(r.amount_charged),
             "amount_collected": money(r.amount_collected), "rate_by_amount": pct(r.rate_by_amount),
             "denominator": f"户数: {r.households_charged} 户计费; 金额: {money(r.amount_charged)} 元应收"}
            for r in rates]
    total = domain.collection_rates([ledger.OpenItem(i.charge_id, i.unit_id, i.period, "all", i.amount, i.open)
                                     for i in items])
    return {"period": period, "as_of": reader.now().isoformat(), "rows": rows,
            "total": None if not total else {"households_charged": total[0].households_charged,
                                             "households_paid": total[0].households_paid,
                                             "rate_by_households": pct(total[0].rate_by_households),
                                             "amount_charged": money(total[0].amount_charged),
                                             "amount_collected": money(total[0].amount_collected),
                                             "rate_by_amount": pct(total[0].rate_by_amount)}}


def export_arrears_xlsx(args: dict, reader) -> dict:
    """The reports as one XLSX workbook (sheets 欠费明细, 催缴统计 when a period is given, 收缴率 when a
    period is given): {filename, content_type, content_base64}."""
    from openpyxl import Workbook

    period = args.get("period")
    book = Workbook()
    sheet = book.active
    sheet.title = "欠费明细"
    detail = arrears_detail({"period": period, "as_of": args.get("as_of"), "unit_id": None}, reader)
    sheet.append(["单元", "管理处", "月份", "收费项目", "应收", "欠费", "账龄(天)", "账龄段"])
    for r in detail["rows"]:
        sheet.append([r["unit_id"], ESTATES.label(r["estate"], "zh") if r["estate"] in ESTATES else r["estate"],
                      r["period"], FEE_ITEMS.label(r["item"], "zh") if r["item"] in FEE_ITEMS else r["item"],
                      Decimal(r["charged"]), Decimal(r["outstanding"]), r["age_days"],
                      ARREARS_AGES.label(r["age"], "zh")])
    sheet.append(["合计", None, None, None, None, Decimal(detail["total"]), None, None])
    if period:
        summary = book.create_sheet("催缴统计")
        summary.append(["管理处", "催缴户数", "催缴金额", "已送达户数", "已缴清户数", "仍欠户数", "仍欠金额", "已收回金额"])
        for r in arrears_summary({"period": period}, reader)["rows"]:
            summary.append([r["estate"], r["dunned_units"], Decimal(r["dunned_amount"]), r["delivered_units"],
                            r["paid_units"], r["owing_units"], Decimal(r["owing_amount"]), Decimal(r["recovered_amount"])])
        rates = book.create_sheet("收缴率")
        rates.append(["收费项目", "计费户数", "缴清户数", "收缴率(按户%)", "应收金额", "实收金额", "收缴率(按金额%)"])
        for r in collection_rate({"period": period}, reader)["rows"]:
            rates.append([FEE_ITEMS.label(r["item"], "zh") if r["item"] in FEE_ITEMS else r["item"],
                          r["households_charged"], r["households_paid"], r["rate_by_households"],
                          Decimal(r["amount_charged"]), Decimal(r["amount_collected"]), r["rate_by_amount"]])
    buf = io.BytesIO()
    book.save(buf)
    name = f"arrears-{period or 'all'}.xlsx"
    return {"filename": name, "content_type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "content_base64": base64.b64encode(buf.getvalue()).decode("ascii")}
