"""What each desk page shows, gathered from the departments (RPC only, concurrently where it can).

`DeskView` is made per request from the gateway's `Remote`, the principal and the language. It
asks, and never decides:

- what a person may do next to a record is the union, over the person's roles, of each
  department's ``allowed_actions(record_type, record_id, role)`` for the records that make up the
  case (`MOVE_OUT_RECORDS`); the page shows those actions and no others;
- each action's form is built from the department's ``describe_commands()`` (`forms.build`);
- the work queues (`queues`) list what waits for a role, from the departments' lists.

Two answers are cached for the whole process, briefly: the command descriptions (they change only
with a deployment: 5 minutes) and the staff names the timeline shows (1 minute).
"""
from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from propdesk import policy
from propdesk.chassis.calendar import office_today
from propdesk.contracts.vocab import (
    METER_KINDS,
    METER_READING_STATES,
    MOVE_OUT_CLOSED,
    MOVE_OUT_STATES,
    UTILITIES,
    WORK_ORDER_STATUSES,
    WORK_ORDER_UNFINISHED,
)
from propdesk.errors import NotFound
from propdesk.privacy import mask_text
from propdesk_services.gateway import fees
from propdesk_services.gateway.desk import forms, words
from propdesk_services.gateway.desk.i18n import N_, gettext
from propdesk_services.gateway.remote import Call

#: The records a move-out case is made of, each department's own: (service, record type, the
#: case's field holding its id). Their allowed actions together are what may be done next.
MOVE_OUT_RECORDS = (
    ("residents", "move_out", "move_out_id"),
    ("tickets", "move_out_inspection", "move_out_id"),
    ("billing", "unit", "unit_id"),
    ("access", "release_hold", "move_out_id"),
)
#: The request fields a move-out page fixes from the case (not inputs): name -> the case's field.
FIXED_FROM_CASE = {"move_out_id": "move_out_id", "unit_id": "unit_id", "slip_no": "release_slip_no"}
#: A command's table of supplies cut (tickets.record_supply_cut, METERS_READ_AND_CUT): each row's
#: utility (vocab.UTILITIES) and, for a metered one, its meter's final reading.
SUPPLIES, UTILITY, READING = "supplies", "utility", "reading"
#: billing's meter readings that count as a meter's last reading (billing checks a new one against
#: them); a reading held for review does not, nor one set aside as superseded by a later one.
COUNTED_READINGS = tuple(code for code in METER_READING_STATES.codes if code not in ("held", "superseded"))


class TtlCache:
    """A small process-wide cache of answers for `ttl_s` seconds (failures are never kept)."""

    def __init__(self, ttl_s: float):
        self.ttl_s = ttl_s
        self._items: dict = {}
        self._lock = threading.Lock()

    def get(self, key, make):
        now = time.monotonic()
        with self._lock:
            hit = self._items.get(key)
        if hit is not None and now - hit[0] < self.ttl_s:
            return hit[1]
        value = make()
        with self._lock:
            self._items[key] = (now, value)
        return value

    def peek(self, key):
        """The value kept for `key` while it is fresh, else None."""
        with self._lock:
            hit = self._items.get(key)
        return hit[1] if hit is not None and time.monotonic() - hit[0] < self.ttl_s else None

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = (time.monotonic(), value)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


DESCRIPTIONS = TtlCache(300.0)
NAMES = TtlCache(60.0)


def _decimal(value) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return Decimal(0)


@dataclass
class QueueItem:
    kind: str
    move_out_id: str
    unit_id: str
    title: str
    detail: str
    since: str | None
    due: str | None
    overdue: bool
    href: str
    owner: str | None = None

    @property
    def record_id(self) -> str:
        return self.move_out_id


@dataclass
class Queue:
    key: str
    title: str
    items: list[QueueItem] = field(default_factory=list)
    unavailable: bool = False
    service: str = ""


#: Role -> the queues of what waits for it (oldest first). A role with none sees the open cases.
#: What each queue lists is a department's list (open work orders, slips not yet released, ...);
#: whether an item may be acted on is still answered on its page by allowed_actions.
QUEUES_OF_ROLE = {
    "engineering": ("inspections",),
    "cashier": ("fees_outstanding",),
    "counter_staff": ("fees_outstanding",),
    "finance_supervisor": ("fees_outstanding",),
    "security": ("slips_to_release",),
    "front_desk": ("to_archive",),
    "cs_assistant": ("to_archive",),
    "cs_supervisor": ("to_archive",),
    "cs_manager": ("to_archive",),
}
QUEUE_TITLES = {
    "inspections": N_("Unit inspections to do"),
    "fees_outstanding": N_("Move-outs with fees outstanding"),
    "slips_to_release": N_("Release slips waiting at the gate"),
    "to_archive": N_("Goods out: cases to archive"),
}


class DeskView:
    def __init__(self, remote, principal, lang: str, today: date | None = None):
        self.remote = remote
        self.principal = principal
        self.lang = lang
        self.today = today or office_today()
        self.unavailable: list[str] = []
        self._readings: dict[str, list[dict] | None] = {}

    def t(self, msgid: str, **values) -> str:
        return gettext(self.lang, msgid, **values)

    # --- cached answers ------------------------------------------------------------------------
    def describe(self, service: str) -> dict:
        return DESCRIPTIONS.get(service, lambda: self.remote.call(service, "describe_commands"))

    def names(self) -> dict[str, str]:
        """username -> the person's name (every account, disabled ones too: the timeline is history)."""
        def load():
            return {s["id"]: s["name"] for s in self.remote.call("staff", "list_staff", include_disabled=True)}
        try:
            return NAMES.get("all", load)
        except Exception:  # the staff service not answering leaves ids, not a broken page
            self.unavailable.append("staff")
            return {}

    # --- what may be done next -----------------------------------------------------------------
    def allowed(self, records) -> list[tuple[str, str]]:
        """(service, command) the person may do now on any of `records` ((service, type, id)),
        asked for each of their roles and merged, in the departments' order."""
        calls, order = [], []
        for service, record_type, record_id in records:
            if not record_id:
                continue
            for role in self.principal.roles:
                if role in policy.ROLES:
                    calls.append(Call(service, "allowed_actions", (record_type, record_id, role)))
                    order.append(service)
        out: list[tuple[str, str]] = []
        for service, answer in zip(order, self.remote.gather(*calls)):
            if isinstance(answer, NotFound):
                continue  # the department has no such record yet (its event is on the way)
            if isinstance(answer, Exception):
                if service not in self.unavailable:
                    self.unavailable.append(service)
                continue
            for command in answer:
                if (service, command) not in out:
                    out.append((service, command))
        return out

    def action_form(self, service: str, command: str, case: dict, action: str, values: dict | None = None,
                    key: str | None = None) -> forms.Form | None:
        spec = self.describe(service).get(command)
        if spec is None:
            return None
        names = {f["name"] for f in spec.get("fields", ())}
        fixed = {name: case.get(src) for name, src in FIXED_FROM_CASE.items() if name in names and case.get(src)}
        shown = dict(fixed)
        defaults = {}
        if "amount" in names and _decimal(case.get("outstanding_amount")) > 0:
            defaults["amount"] = f"{_decimal(case['outstanding_amount']):.2f}"
        if "party_id" in names and case.get("tenant_party_id"):
            defaults["party_id"] = case["tenant_party_id"]
        tables = {}
        if self._is_supply_table(spec) and case.get("unit_id"):
            rows, tables[SUPPLIES] = self.supply_table(case["unit_id"], (values or {}).get(SUPPLIES))
            defaults[SUPPLIES] = rows
        return forms.build(service, command, spec, lang=self.lang, action=action, fixed=fixed, shown=shown,
                           values={**defaults, **(values or {})}, key=key, tables=tables,
                           title=words.action_title(service, command, spec, self.lang))

    # --- the final meter readings and the supply cut (METERS_READ_AND_CUT, §2.6) ----------------
    @staticmethod
    def _is_supply_table(spec: dict) -> bool:
        table = next((f for f in spec.get("fields", ()) if f["name"] == SUPPLIES), None)
        return table is not None and {c["name"] for c in table.get("fields") or ()} >= {UTILITY, READING}

    def unit_readings(self, unit_id: str) -> list[dict] | None:
        """billing's meter readings of the unit (``list_meter_readings``, its unit_id filter; newest
        first), asked once per page; None when billing did not answer (named in `unavailable`)."""
        if unit_id not in self._readings:
            try:
                self._readings[unit_id] = list(self.remote.call("billing", "list_meter_readings", unit_id=unit_id))
            except Exception:  # noqa: BLE001 - the page shows without them, and says so
                self._readings[unit_id] = None
                if "billing" not in self.unavailable:
                    self.unavailable.append("billing")
        return self._readings[unit_id]

    def supply_table(self, unit_id: str, posted: list | None = None) -> tuple[list[dict], forms.Table]:
        """The supplies engineering cuts at the exit, one row each, and each meter's last reading
        beside its row (value and the day it was read), from billing's readings of the unit.

        Rows: the utilities the unit is metered for (a meter billing has readings of) and the A/C
        (cut, never read); a unit billing has no readings of, or billing not answering: water,
        electricity and A/C, as domain.md §2.6 says. Rows already posted are shown as posted.
        Blank rows make up the rest of the vocabulary's utilities (one row per utility at most)."""
        readings = self.unit_readings(unit_id)
        metered = {r.get("meter") for r in readings or ()}
        last: dict[str, dict] = {}
        for r in sorted((r for r in readings or () if r.get("state") in COUNTED_READINGS),
                        key=lambda r: (str(r.get("period") or ""), str(r.get("recorded_at") or ""))):
            last[r["meter"]] = r
        utilities = [u for u in UTILITIES.codes if u in metered or u not in METER_KINDS] \
            if metered & set(METER_KINDS.codes) else list(UTILITIES.codes)
        rows = posted if posted is not None else [{UTILITY: u} for u in utilities]
        notes = []
        for utility in UTILITIES.codes:
            if utility not in METER_KINDS:
                notes.append((utility, self.t("No meter: not read")))
            elif utility in last:
                notes.append((utility, self.t("%(reading)s (read on %(day)s)", reading=last[utility]["reading"],
                                              day=str(last[utility].get("read_on") or "")[:10])))
            elif readings is not None:
                notes.append((utility, self.t("No reading on file")))
        help_text = None if readings is not None else self.t(
            "Billing is not answering: the last readings cannot be shown. Read every meter that is cut.")
        table = forms.Table(blank_rows=max(0, len(UTILITIES.codes) - len(rows)), help=help_text,
                            notes=forms.RowNotes(self.t("Last reading"), UTILITY, tuple(notes)))
        return rows, table

    def fee_status(self, case: dict) -> str | None:
        """The case's fee check in words that say what it waits for (vocab.FEE_STATUSES), by the
        rule the API answers too (`fees.fee_status`); billing's readings of the unit are asked
        only when they decide it, once per page (`unit_readings`)."""
        needed = fees.needs_readings(case)
        return fees.fee_status(case, self.unit_readings(case["unit_id"]) if needed else None)

    def fixed_of(self, service: str, command: str, case: dict) -> dict:
        spec = self.describe(service).get(command) or {}
        names = {f["name"] for f in spec.get("fields", ())}
        return {name: case.get(src) for name, src in FIXED_FROM_CASE.items() if name in names and case.get(src)}

    # --- the move-out's page -------------------------------------------------------------------
    def case(self, move_out_id: str) -> dict:
        return self.remote.call("residents", "get_move_out", move_out_id)

    def move_out(self, move_out_id: str) -> dict:
        """Everything the case's page shows: the case, its related records, the timeline in the
        office's words, and the forms of the actions the person may take now."""
        case = self.case(move_out_id)
        records = [(svc, rtype, case.get(key)) for svc, rtype, key in MOVE_OUT_RECORDS]
        extra_calls = {
            "timeline": (Call("reports", "timeline", (move_out_id,)), []),
            "hold": (Call("access", "get_release_hold", (move_out_id,)), None),
            "work_order": (Call("tickets", "get_inspection", (move_out_id,)), None),
            "balance": (Call("billing", "get_balance", (case.get("unit_id"),)), None),
        }
        results = self.remote.gather(*(c for c, _ in extra_calls.values()))
        extras = {}
        for (key, (call, empty)), result in zip(extra_calls.items(), results):
            if isinstance(result, NotFound):
                result = empty
            elif isinstance(result, Exception):
                self.unavailable.append(call.service)
                result = empty
            extras[key] = result
        allowed = self.allowed(records)
        names = self.names()
        action_forms = []
        for service, command in allowed:
            form = self.action_form(service, command, case, f"/move-outs/{move_out_id}/actions/{service}/{command}")
            if form is not None:
                action_forms.append(form)
        lines = words.timeline(extras["timeline"] or [], names, self.lang)
        fee_status = self.fee_status(case)
        page = {
            "case": case, "fee_status": fee_status,
            "hold": extras["hold"], "work_order": extras["work_order"], "balance": extras["balance"],
            "timeline": lines, "forms": action_forms, "actions": [f"{s}.{c}" for s, c in allowed],
            "waiting": words.waiting(case.get("waiting_for") or [], self.lang),
            "people": names,
            "requested_by": names.get(case.get("requested_by")) or case.get("requested_by"),
            "closed": case.get("state") in MOVE_OUT_CLOSED,
            "overdue": self._overdue(case),
            "unavailable": sorted(set(self.unavailable)),
        }
        page["version"] = self.version(page)
        return page

    @staticmethod
    def version(page: dict) -> str:
        """A short fingerprint of what the page shows (the poll answers 204 while it holds)."""
        basis = [page["case"].get("updated_at"), page["case"].get("state"), page.get("fee_status"),
                 len(page["timeline"]), page["actions"], (page["hold"] or {}).get("updated_at"), (page["work_order"] or {}).get("updated_at"),
                 (page["balance"] or {}).get("outstanding"), page["unavailable"]]
        return hashlib.sha256(json.dumps(basis, default=str).encode()).hexdigest()[:16]

    def _overdue(self, case: dict) -> bool:
        if case.get("state") in MOVE_OUT_CLOSED or case.get("state") == "GOODS_RELEASED":
            return False
        try:
            return date.fromisoformat(str(case.get("exit_date"))[:10]) < self.today
        except ValueError:
            return False

    def slip(self, move_out_id: str) -> tuple[dict, dict]:
        """The case and its release hold with the slip (NotFound when no slip was issued)."""
        case, hold = self.remote.gather(Call("residents", "get_move_out", (move_out_id,)),
                                        Call("access", "get_release_hold", (move_out_id,)))
        for answer in (case, hold):
            if isinstance(answer, Exception):
                raise answer
        if not hold.get("slip"):
            raise NotFound(f"no release slip has been issued for {move_out_id}", field="move_out_id", rule="issued")
        return case, hold

    # --- work queues ---------------------------------------------------------------------------
    def queue_keys(self) -> list[str]:
        keys: list[str] = []
        for role in self.principal.roles:
            for key in QUEUES_OF_ROLE.get(role, ()):
                if key not in keys:
                    keys.append(key)
        return keys

    def queues(self) -> tuple[list[Queue], list[dict]]:
        """The person's queues (what waits for them, oldest first) and the open cases."""
        keys = self.queue_keys()
        wants_orders = "inspections" in keys
        wants_slips = "slips_to_release" in keys
        calls = [Call("residents", "list_move_outs")]
        if wants_orders:
            calls.append(Call("tickets", "list_work_orders"))
        if wants_slips:
            calls.append(Call("access", "list_release_slips", kwargs={"status": "issued"}))
        answers = self.remote.gather(*calls)
        cases = answers.pop(0)
        if isinstance(cases, Exception):
            raise cases
        by_id = {c["move_out_id"]: c for c in cases}
        orders = answers.pop(0) if wants_orders else []
        slips = answers.pop(0) if wants_slips else []
        out = []
        for key in keys:
            queue = Queue(key, self.t(QUEUE_TITLES[key]))
            if key == "inspections":
                if isinstance(orders, Exception):
                    queue.unavailable = True
                else:
                    for wo in orders:
                        if wo.get("status") in WORK_ORDER_UNFINISHED and wo.get("move_out_id") in by_id:
                            case = by_id[wo["move_out_id"]]
                            detail = WORK_ORDER_STATUSES.label(wo["status"], self.lang)
                            queue.items.append(self._item(key, case, self.t("Inspect %(unit)s", unit=case["unit_id"]),
                                                          f"{wo.get('work_order_no')} · {detail}", wo.get("created_at")))
            elif key == "slips_to_release":
                if isinstance(slips, Exception):
                    queue.unavailable = True
                else:
                    for slip in slips:
                        case = by_id.get(slip.get("move_out_id") or "")
                        if case is not None and case.get("state") not in MOVE_OUT_CLOSED:
                            queue.items.append(self._item(
                                key, case, self.t("Slip %(no)s: goods of %(unit)s", no=slip["slip_no"], unit=case["unit_id"]),
                                mask_text(", ".join(slip.get("goods") or [])), slip.get("issued_at")))
            elif key == "fees_outstanding":
                for case in cases:
                    if case.get("fees") == "outstanding" and case.get("state") not in MOVE_OUT_CLOSED:
                        queue.items.append(self._item(
                            key, case, self.t("Fees owed by %(unit)s", unit=case["unit_id"]),
                            self.t("Outstanding %(amount)s", amount=_yuan(case.get("outstanding_amount"))),
                            case.get("created_at")))
            elif key == "to_archive":
                for case in cases:
                    if case.get("state") == "GOODS_RELEASED":
                        queue.items.append(self._item(key, case, self.t("Archive %(unit)s", unit=case["unit_id"]),
                                                      MOVE_OUT_STATES.label("GOODS_RELEASED", self.lang),
                                                      case.get("updated_at"), overdue_ok=False))
            queue.items.sort(key=lambda i: (i.since or "", i.move_out_id))
            out.append(queue)
        open_cases = [c for c in cases if c.get("state") not in MOVE_OUT_CLOSED]
        open_cases.sort(key=lambda c: (str(c.get("exit_date")), c["move_out_id"]))
        return out, open_cases

    def _item(self, kind: str, case: dict, title: str, detail: str, since, overdue_ok: bool = True) -> QueueItem:
        due = case.get("exit_date")
        return QueueItem(kind, case["move_out_id"], case["unit_id"], title,
                         f"{case.get('tenant_name') or ''} · {detail}".strip(" ·"), since, due,
                         overdue_ok and self._overdue(case), f"/move-outs/{case['move_out_id']}")

    # --- search --------------------------------------------------------------------------------
    def search(self, q: str) -> dict:
        """Cases and units matching `q`: a unit id, a name (tenant or owner), a phone number
        (when residents answers one; shown masked), or a number (move-out, slip)."""
        q = " ".join((q or "").split())[:64]
        if not q:
            return {"q": "", "cases": [], "units": []}
        cases, units = self.remote.gather(Call("residents", "list_move_outs"),
                                          Call("residents", "list_units", kwargs={"q": q}))
        for answer in (cases, units):
            if isinstance(answer, Exception):
                raise answer
        needle = q.lower()
        digits = "".join(ch for ch in q if ch.isdigit())

        def hit(record: dict, keys) -> bool:
            for key in keys:
                value = record.get(key)
                if not value:
                    continue
                value = str(value)
                if needle in value.lower():
                    return True
                if "phone" in key and len(digits) >= 4 and digits in "".join(ch for ch in value if ch.isdigit()):
                    return True
            return False

        case_keys = ("move_out_id", "unit_id", "tenant_name", "owner_name", "release_slip_no", "tenant_party_id",
                     "owner_party_id", "tenant_phone", "owner_phone")
        found_cases = [c for c in cases if hit(c, case_keys)][:50]
        # the register searches itself (residents' list_units q: unit, name, party id, phone digits)
        found_units = [{**u, "tenant_phone": mask_text(u.get("tenant_phone") or ""),
                        "owner_phone": mask_text(u.get("owner_phone") or "")}
                       for u in units][:50]
        return {"q": q, "cases": found_cases, "units": found_units}

    # --- dashboard -----------------------------------------------------------------------------
    def dashboard(self) -> dict:
        counts, orders, issued, released, arrears = self.remote.gather(
            Call("reports", "move_out_counts"), Call("tickets", "list_work_orders"),
            Call("access", "list_release_slips", kwargs={"status": "issued"}),
            Call("access", "list_release_slips", kwargs={"status": "released"}),
            Call("billing", "list_arrears"))
        charts = []
        if not isinstance(counts, Exception):
            by_state = counts.get("by_state") or {}
            labels = [MOVE_OUT_STATES.label(code, self.lang) for code in MOVE_OUT_STATES.codes]
            values = [by_state.get(code, 0) for code in MOVE_OUT_STATES.codes]
            charts.append(("move-outs-by-state", self.t("Move-outs by state"), _bar(labels, values, horizontal=True),
                           counts.get("total", sum(values))))
        else:
            self.unavailable.append("reports")
        if not isinstance(orders, Exception):
            tally = {code: 0 for code in WORK_ORDER_STATUSES.codes}
            for wo in orders:
                tally[wo.get("status")] = tally.get(wo.get("status"), 0) + 1
            charts.append(("work-orders", self.t("Inspection work orders"),
                           _pie([(WORK_ORDER_STATUSES.label(c, self.lang), n) for c, n in tally.items() if n]),
                           len(orders)))
        else:
            self.unavailable.append("tickets")
        if not isinstance(issued, Exception) and not isinstance(released, Exception):
            charts.append(("release-slips", self.t("Release slips"),
                           _pie([(self.t("Waiting at the gate"), len(issued)), (self.t("Released"), len(released))]),
                           len(issued) + len(released)))
        else:
            self.unavailable.append("access")
        if not isinstance(arrears, Exception):
            top = sorted(arrears, key=lambda a: -_decimal(a.get("outstanding")))[:10]
            charts.append(("arrears", self.t("Largest arrears (yuan)"),
                           _bar([a.get("unit_id") for a in top],
                                [float(_decimal(a.get("outstanding"))) for a in top], horizontal=True),
                           len(arrears)))
        else:
            self.unavailable.append("billing")
        return {"charts": charts, "unavailable": sorted(set(self.unavailable)),
                "echarts_locale": "ZH" if self.lang == "zh" else "EN"}


def _yuan(value) -> str:
    from propdesk.money import yuan

    return yuan(value or "0")


_PALETTE = ["#1f6f8b", "#e0a526", "#1e7b4f", "#b42318", "#6b5ca5", "#3a8fb7", "#8a5a00", "#5f6b7a", "#c2410c"]


def _bar(labels, values, horizontal: bool = False) -> dict:
    category = {"type": "category", "data": labels, "axisLabel": {"interval": 0}, "inverse": horizontal}
    value = {"type": "value", "minInterval": 1}
    return {"color": _PALETTE, "grid": {"left": 8, "right": 24, "top": 16, "bottom": 8, "containLabel": True},
            "tooltip": {"trigger": "axis"}, "xAxis": value if horizontal else category,
            "yAxis": category if horizontal else value,
            "series": [{"type": "bar", "data": values, "label": {"show": True, "position": "right"}}]}


def _pie(pairs) -> dict:
    return {"color": _PALETTE, "tooltip": {"trigger": "item"}, "legend": {"bottom": 0},
            "series": [{"type": "pie", "radius": ["40%", "68%"], "top": 0, "bottom": 28,
                        "label": {"formatter": "{b}: {c}"},
                        "data": [{"name": name, "value": n} for name, n in pairs]}]}
