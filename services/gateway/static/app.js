/* 物业客服台 Property desk — plain JavaScript, no build step, nothing fetched from elsewhere.
 *
 * Talks to the gateway's JSON API only (/api/...) as the signed-in person (the session cookie);
 * commands carry the page's CSRF token (<meta name="csrf-token">) in X-CSRF-Token, and a 401
 * (the session ended) goes back to the sign-in page. Rejections are shown next to the field they name. The open case refreshes every
 * 2 s (inputs being typed into are never overwritten).
 */
"use strict";

(function () {
  const CSRF_TOKEN = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  const CASE_REFRESH_MS = 2000;
  const LIST_REFRESH_MS = 10000;

  const STATES = [
    ["OWNER_CONSENT_PENDING", "待业主书面同意", "Owner consent pending"],
    ["APPLICATION_ACCEPTED", "申请已受理", "Accepted"],
    ["DEFECTS_FOUND", "验收发现问题", "Defects found"],
    ["INSPECTION_PASSED", "验收合格", "Inspection passed"],
    ["FEES_CHECKED", "费用已结清", "Fees cleared"],
    ["RELEASE_APPROVED", "已批准放行", "Release approved"],
    ["GOODS_RELEASED", "物品已放行", "Goods released"],
    ["ARCHIVED", "已归档", "Archived"],
    ["WITHDRAWN", "已撤回", "Withdrawn"],
  ];
  const STATE_INDEX = Object.fromEntries(STATES.map((s, i) => [s[0], i]));
  /** How far a case went; a withdrawn case went nowhere (-1: no step done, no form open). */
  const rank = (state) => (state === "WITHDRAWN" ? -1 : state in STATE_INDEX ? STATE_INDEX[state] : 0);

  const EVENTS = {
    "move_out.requested": "撤场申请受理 · Move-out requested",
    "move_out.inspection_completed": "撤场验收完成 · Inspection recorded",
    "move_out.release_approved": "批准放行 · Release approved",
    "move_out.completed": "撤场归档 · Move-out archived",
    "move_out.withdrawn": "撤回撤场申请 · Move-out withdrawn",
    "payment.received": "收到缴费 · Payment received",
    "billing.clearance_confirmed": "费用已结清 · Fees cleared",
    "billing.clearance_failed": "费用未结清 · Fees outstanding",
    "release_slip.issued": "开具放行条 · Release slip issued",
    "release_slip.released": "物品已放行 · Goods released",
    "release_slip.rejected": "拒绝放行 · Release refused",
    "unit.supply_cut": "断水断电 · Supply cut",
    "meter.reading_recorded": "抄表 · Meter reading",
    "move_out.inspection_opened": "开验收工单 · Inspection work order opened",
    "notification.sent": "通知已发送 · Notification sent",
  };
  const MINOR_EVENTS = new Set(["notification.sent"]);

  const RULES = {
    required: "必填",
    one_of: "取值不在允许范围",
    type: "格式不正确",
    length: "长度不符",
    range: "数值超出范围",
    unknown_field: "未知字段",
    not_null: "不能为空",
    json: "不是有效的 JSON",
    object: "应为对象",
    invalid: "无效",
    unknown_unit: "单元不存在",
    must_be_leased: "该单元未出租",
    not_the_units_tenant: "不是该单元的租户",
    required_owner_written_consent: "需要业主书面同意",
    not_before_today: "不能早于今天",
    iso_date: "日期格式应为 YYYY-MM-DD",
    positive_amount: "金额须大于零",
    max_2_decimals: "最多两位小数",
    decimal: "金额格式不正确",
    required_when_failed: "请列出发现的问题",
    must_be_empty_when_passed: "验收合格时不应列出问题",
    not_blank: "不能为空",
  };

  const FITOUT = {
    restore: "恢复原状 · Restore",
    leave_to_owner: "装修移交业主 · Leave to owner",
    agreed_with_owner: "按与业主协议 · As agreed with owner",
  };

  const INSPECTION = {
    pending: ["待验收", "Pending", "wait"],
    passed: ["合格", "Passed", "ok"],
    defects_found: ["有问题", "Defects", "bad"],
  };
  const FEES = {
    pending: ["待核算", "Checking", "wait"],
    cleared: ["已结清", "Cleared", "ok"],
    outstanding: ["欠费", "Outstanding", "bad"],
  };

  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  const desk = {
    staff: [],
    roles: {},
    commands: {},
    me: null,
    units: [],
    unitsById: {},
    caseId: null,
    caseData: null,
    caseTimer: null,
    caseInFlight: false,
  };

  // --- small helpers -----------------------------------------------------------------------------
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") el.className = value;
      else if (key === "dataset") Object.assign(el.dataset, value);
      else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
      else el.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  function bilingual(zh, en) {
    return [zh, " ", h("span", { class: "en" }, en)];
  }

  function yuan(amount) {
    if (amount === null || amount === undefined || amount === "") return "—";
    const n = Number(amount);
    if (!Number.isFinite(n)) return String(amount);
    return "¥" + n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  function owes(amount) {
    return amount !== null && amount !== undefined && Number(amount) > 0;
  }

  function when(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return iso;
    return d.toLocaleString("zh-CN", {
      timeZone: "Asia/Shanghai", hour12: false, month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit",
    });
  }

  /** Report-only milestones (reports counts cases by how far their events went). */
  const REPORT_STATES = { SLIP_ISSUED: ["已开放行条", "Slip issued"] };

  function stateLabel(state) {
    const s = STATES.find((x) => x[0] === state);
    if (s) return [s[1], s[2]];
    return REPORT_STATES[state] || [state || "—", ""];
  }

  function staffName(id, role) {
    const person = desk.staff.find((s) => s.id === id);
    if (person) return `${person.dept} ${person.name}`.trim();
    const roleLabel = desk.roles[role];
    return roleLabel ? `${roleLabel.split(" ")[0]} ${id}` : id || "—";
  }

  function toast(text, kind) {
    const box = $("#toasts") || document.body.appendChild(h("div", { id: "toasts", "aria-live": "polite" }));
    const item = h("div", { class: `toast ${kind || "ok"}` }, text);
    box.append(item);
    setTimeout(() => item.remove(), 4000);
  }

  // --- the API ---------------------------------------------------------------------------------------
  async function api(method, path, body) {
    const headers = { Accept: "application/json" };
    if (method !== "GET") {
      headers["Content-Type"] = "application/json";
      headers["X-CSRF-Token"] = CSRF_TOKEN;
    }
    let response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      return { ok: false, status: 0, body: { error: "network", message: "无法连接网关 Cannot reach the desk server" } };
    }
    if (response.status === 401) {  // the session ended: sign in again, then come back here
      location.assign(`/sign-in?ended=1&next=${encodeURIComponent(location.pathname + location.hash)}`);
    }
    let data;
    try {
      data = await response.json();
    } catch (err) {
      data = { error: "internal", message: `HTTP ${response.status}` };
    }
    return { ok: response.ok, status: response.status, body: data };
  }

  function describeFailure(result) {
    const b = result.body || {};
    const service = b.service ? ` (${b.service})` : "";
    const prefix = {
      0: "网络错误 Network",
      403: "无权办理 Not allowed",
      404: "未找到 Not found",
      409: "当前状态不允许 Not allowed now",
      413: "内容过大 Too large",
      500: "系统错误 Error",
      503: "部门暂不可用 Unavailable",
      504: "部门响应超时 Timed out",
    }[result.status] || `错误 Error ${result.status}`;
    return `${prefix}${service}: ${b.message || b.error || ""}`;
  }

  function clearErrors(form) {
    $$(".err", form).forEach((e) => { e.textContent = ""; });
    $$(".invalid", form).forEach((e) => { e.classList.remove("invalid"); e.removeAttribute("aria-invalid"); });
    const general = $(".form-error", form);
    if (general) { general.textContent = ""; general.hidden = true; }
    $$(".topbar .err").forEach((e) => { e.textContent = ""; });
  }

  /** Show a failed command's problems next to the fields they name (or above the button). */
  function showErrors(form, result) {
    clearErrors(form);
    const general = [];
    const b = result.body || {};
    if (result.status === 400 && b.error === "validation") {
      for (const p of b.problems || []) {
        const field = String(p.field).split(".")[0];
        const slot = $(`.err[data-for="${CSS.escape(field)}"]`, form) || $(`.topbar .err[data-for="${CSS.escape(field)}"]`);
        const text = `${RULES[p.rule] || p.rule} — ${p.message}`;
        if (slot) {
          slot.append(h("div", { dataset: { rule: p.rule } }, text));
          const input = form.elements[field];
          if (input && input.classList) { input.classList.add("invalid"); input.setAttribute("aria-invalid", "true"); }
        } else {
          general.push(`${p.field}: ${text}`);
        }
      }
    } else {
      general.push(describeFailure(result));
    }
    const box = $(".form-error", form);
    if (general.length && box) {
      box.textContent = general.join("\n");
      box.hidden = false;
    }
  }

  async function submitting(form, run) {
    const button = $("button[type=submit]", form);
    if (button.disabled) return;
    button.disabled = true;
    form.classList.add("busy");
    try {
      await run();
    } finally {
      button.disabled = false;
      form.classList.remove("busy");
    }
  }

  // --- who is acting -------------------------------------------------------------------------------
  async function loadStaff() {
    const r = await api("GET", "/api/staff");
    if (!r.ok) return;
    desk.roles = r.body.roles;
    desk.commands = r.body.commands || {};
    const me = r.body.me;
    desk.me = { ...me, role: me.roles[0] || "" };
    desk.staff = [{ id: me.id, name: me.name, dept: "" }];
    $("#signed-in-as").textContent = me.name === me.id ? me.id : `${me.name} (${me.id})`;
    $("#role-hint").textContent = me.roles.map((role) => desk.roles[role] || role).join(" · ");
    document.body.dataset.role = desk.me.role;
  }

  /** May the person on duty give this command ("residents.withdraw_move_out")? The policy table's
   *  answer, from /api/staff; the department still decides (403). */
  function can(command) {
    return Boolean(desk.me && desk.me.roles.some((role) => (desk.commands[role] || []).includes(command)));
  }

  // --- units ---------------------------------------------------------------------------------------
  async function loadUnits() {
    const r = await api("GET", "/api/units?leased=1");
    const notice = $("#units-notice");
    if (!r.ok) {
      notice.textContent = describeFailure(r);
      notice.hidden = false;
      return;
    }
    desk.units = r.body.units.slice().sort(byArrearsThenUnit);
    desk.unitsById = Object.fromEntries(desk.units.map((u) => [u.unit_id, u]));
    const missing = r.body.unavailable || [];
    notice.hidden = missing.length === 0;
    notice.textContent = missing.length ? `欠费暂不可查 Arrears unavailable: ${missing.map((m) => m.service).join(", ")}` : "";
    $("#leased-units").replaceChildren(...desk.units.map((u) => h("option", { value: u.unit_id }, `${u.tenant_name || ""}`)));
    renderUnits();
  }

  /** Units that owe first, then in natural order: 1-1-102 before 1-1-1002, T1-24F after the flats. */
  function byArrearsThenUnit(a, b) {
    const owing = Number(owes(b.outstanding)) - Number(owes(a.outstanding));
    if (owing) return owing;
    return a.unit_id.localeCompare(b.unit_id, "en", { numeric: true });
  }

  function renderUnits() {
    const filter = $("#unit-filter").value.trim().toLowerCase();
    const arrearsOnly = $("#arrears-only").checked;
    const rows = desk.units.filter((u) => {
      if (arrearsOnly && !owes(u.outstanding)) return false;
      if (!filter) return true;
      return [u.unit_id, u.tenant_name, u.owner_name, u.tenant_party_id].some((v) => v && v.toLowerCase().includes(filter));
    });
    const owing = desk.units.filter((u) => owes(u.outstanding)).length;
    $("#units-count").textContent = `${desk.units.length} 户 · 欠费 ${owing}`;
    $("#units tbody").replaceChildren(...rows.map((u) => h("tr", { dataset: { unit: u.unit_id }, class: owes(u.outstanding) ? "owing" : "" },
      h("td", { title: u.kind === "office" ? "写字楼 office" : "住宅 home" }, h("strong", {}, u.unit_id)),
      h("td", { title: `${u.tenant_name || ""} (${u.tenant_party_id || ""}) · 业主 owner ${u.owner_name || ""}` },
        h("div", {}, u.tenant_name || "—"), h("div", { class: "muted small" }, `业主 ${u.owner_name || "—"}`)),
      h("td", { class: "num" }, u.outstanding === null || u.outstanding === undefined
        ? h("span", { class: "muted" }, "?")
        : owes(u.outstanding) ? h("span", { class: "amount bad" }, yuan(u.outstanding)) : h("span", { class: "muted" }, "—")),
      h("td", {}, h("button", { type: "button", class: "small", title: "办理撤场 Start a move-out", onclick: () => startMoveOut(u) }, "撤场")),
    )));
    if (!rows.length) {
      $("#units tbody").append(h("tr", {}, h("td", { colspan: 4, class: "muted" }, "没有符合条件的单元 No matching units")));
    }
  }

  function startMoveOut(unit) {
    const form = $("#move-out-form");
    clearErrors(form);
    form.elements.unit_id.value = unit.unit_id;
    fillTenant();
    if (!form.elements.exit_date.value) {
      const d = new Date(Date.now() + 7 * 86400000);
      form.elements.exit_date.value = d.toISOString().slice(0, 10);
    }
    form.elements.owner_consent_ref.focus();
  }

  function fillTenant() {
    const form = $("#move-out-form");
    const unit = desk.unitsById[form.elements.unit_id.value.trim()];
    if (unit && unit.tenant_party_id) form.elements.tenant_party_id.value = unit.tenant_party_id;
    $("#mo-tenant-name").textContent = unit && unit.tenant_name ? unit.tenant_name : "";
  }

  // --- the move-out request ----------------------------------------------------------------------
  async function requestMoveOut(event) {
    event.preventDefault();
    const form = event.target;
    await submitting(form, async () => {
      const body = {};
      for (const name of ["unit_id", "tenant_party_id", "exit_date", "owner_consent_ref", "fitout_disposition"]) {
        const value = form.elements[name].value.trim();
        if (value) body[name] = value;
      }
      const r = await api("POST", "/api/move-outs", body);
      if (!r.ok) {
        showErrors(form, r);
        return;
      }
      clearErrors(form);
      form.reset();
      $("#mo-tenant-name").textContent = "";
      toast(`已受理 Accepted: ${r.body.move_out_id} (${r.body.unit_id})`);
      await loadCases();
      openCase(r.body.move_out_id);
    });
  }

  // --- the case list -------------------------------------------------------------------------------
  async function loadCases() {
    const state = $("#state-filter").value;
    const r = await api("GET", "/api/move-outs" + (state ? `?state=${encodeURIComponent(state)}` : ""));
    const notice = $("#cases-notice");
    if (!r.ok) {
      notice.textContent = describeFailure(r);
      notice.hidden = false;
      return;
    }
    notice.hidden = true;
    const list = $("#move-outs");
    const cases = r.body.move_outs;
    list.replaceChildren(...cases.map((c) => {
      const [zh, en] = stateLabel(c.state);
      return h("li", { class: c.move_out_id === desk.caseId ? "current" : "" },
        h("button", { type: "button", class: "case-link", dataset: { id: c.move_out_id }, onclick: () => openCase(c.move_out_id) },
          h("span", { class: "case-unit" }, c.unit_id),
          h("span", { class: "case-who" }, c.tenant_name || c.tenant_party_id),
          h("span", { class: `badge s-${c.state}`, title: en }, zh),
          h("span", { class: "case-meta muted small" }, `${c.move_out_id} · 撤场 ${c.exit_date}`),
        ));
    }));
    if (!cases.length) list.append(h("li", { class: "muted empty" }, "暂无案件 No cases"));
    loadCounts();
  }

  async function loadCounts() {
    const r = await api("GET", "/api/reports/move-outs");
    const box = $("#counts");
    if (!r.ok) { box.replaceChildren(); return; }
    const chips = Object.entries(r.body.by_state || {}).filter(([, n]) => n > 0)
      .map(([state, n]) => h("span", { class: `chip s-${state}`, title: stateLabel(state)[1] }, `${stateLabel(state)[0]} ${n}`));
    box.replaceChildren(h("span", { class: "chip total" }, `撤场 ${r.body.total || 0}`), ...chips);
  }

  // --- one case ------------------------------------------------------------------------------------
  function openCase(id) {
    if (desk.caseId !== id) {
      desk.caseData = null;
      ["#inspection-form", "#payment-form", "#release-form", "#withdraw-form", "#archive-form"].forEach((sel) => {
        const form = $(sel);
        form.reset();
        clearErrors(form);
      });
      $("#pay-amount").dataset.touched = "";
      $("#defects-field").hidden = true;
    }
    desk.caseId = id;
    history.replaceState(null, "", `#case=${encodeURIComponent(id)}`);
    $("#case-empty").hidden = true;
    $("#case-view").hidden = false;
    $$("#move-outs li").forEach((li) => li.classList.toggle("current", $("button", li) && $("button", li).dataset.id === id));
    clearInterval(desk.caseTimer);
    desk.caseTimer = setInterval(loadCase, CASE_REFRESH_MS);
    return loadCase();
  }

  function closeCase() {
    clearInterval(desk.caseTimer);
    desk.caseId = null;
    desk.caseData = null;
    history.replaceState(null, "", location.pathname);
    $("#case-view").hidden = true;
    $("#case-empty").hidden = false;
    $$("#move-outs li.current").forEach((li) => li.classList.remove("current"));
  }

  async function loadCase() {
    const id = desk.caseId;
    if (!id || desk.caseInFlight) return;
    desk.caseInFlight = true;
    let r;
    try {
      r = await api("GET", `/api/move-outs/${encodeURIComponent(id)}`);
    } finally {
      desk.caseInFlight = false;
    }
    if (desk.caseId !== id) return;
    const notice = $("#case-unavailable");
    if (!r.ok) {
      notice.textContent = describeFailure(r);
      notice.hidden = false;
      if (r.status === 404) {
        $("#case-id").textContent = id;
        clearInterval(desk.caseTimer);
      }
      return;
    }
    const previous = desk.caseData;
    desk.caseData = r.body;
    renderCase(r.body);
    if (previous && previous.state !== r.body.state) loadCases();
  }

  function pill(el, [zh, en, kind]) {
    el.className = `pill ${kind}`;
    el.replaceChildren(...bilingual(zh, en));
  }

  function renderCase(c) {
    const role = desk.me ? desk.me.role : "";
    const r = rank(c.state);
    const [zh, en] = stateLabel(c.state);
    $("#case-id").textContent = c.move_out_id;
    $("#case-sub").textContent = `${c.unit_id} · 租户 ${c.tenant_name || ""} (${c.tenant_party_id}) · 业主 ${c.owner_name || ""}`;
    const badge = $("#case-state");
    badge.className = `badge big s-${c.state}`;
    badge.dataset.state = c.state;
    badge.replaceChildren(...bilingual(zh, en));

    const unavailable = c.unavailable || [];
    const notice = $("#case-unavailable");
    notice.hidden = unavailable.length === 0;
    notice.textContent = unavailable.length
      ? "部分信息暂缺 Some departments did not answer: " + unavailable.map((u) => `${u.service} (${u.error})`).join(", ")
      : "";

    const slip = c.release && c.release.slip;
    const steps = [
      ["受理", "Accepted", r >= rank("APPLICATION_ACCEPTED"), false],
      ["验收", "Inspection", c.inspection === "passed", c.inspection === "defects_found"],
      ["费用", "Fees", c.fees === "cleared", c.fees === "outstanding"],
      ["批准放行", "Approved", r >= rank("RELEASE_APPROVED"), false],
      ["放行条", "Slip", Boolean(c.release_slip_no || slip), false],
      ["物品放行", "Released", r >= rank("GOODS_RELEASED"), false],
      ["归档", "Archived", c.state === "ARCHIVED", false],
    ];
    if (c.state === "WITHDRAWN") steps.push(["已撤回", "Withdrawn", false, true]);
    $("#case-steps").replaceChildren(...steps.map(([szh, sen, done, bad]) =>
      h("li", { class: done ? "done" : bad ? "bad" : "" }, h("span", { class: "dot" }, done ? "✓" : bad ? "!" : ""), h("span", {}, szh), h("span", { class: "en" }, sen))));

    $("#case-facts").replaceChildren(
      ...fact("撤场日期", "Exit date", c.exit_date),
      ...fact("业主书面同意", "Owner consent", c.owner_consent_ref || "—"),
      ...fact("装修处理", "Fit-out", FITOUT[c.fitout_disposition] || c.fitout_disposition),
      ...fact("受理人", "Requested by", staffName(c.requested_by)),
      ...fact("受理时间", "Requested at", when(c.created_at)),
      ...(c.withdrawal_reason ? fact("撤回原因", "Withdrawn because", c.withdrawal_reason) : []),
      ...(c.closed_at ? fact("办结时间", "Closed at", when(c.closed_at)) : []),
    );

    const waiting = c.waiting_for || [];
    $("#case-waiting").replaceChildren(...(waiting.length ? waiting.map((w) => h("li", {}, w)) : [h("li", { class: "muted" }, "无 Nothing — 已完成 done")]));

    const conflicts = c.conflicts || [];
    const conflictBox = $("#case-conflicts");
    conflictBox.hidden = conflicts.length === 0;
    conflictBox.replaceChildren(...(conflicts.length ? [h("strong", {}, "需客服主管处理 For the CS supervisor: "),
      ...conflicts.map((x) => h("div", {}, `${when(x.at)} ${x.event_type || ""}: ${x.message || ""}`))] : []));

    renderInspection(c, role, r);
    renderFees(c, role, r);
    renderRelease(c, role, r);
    renderClosing(c, r);
    renderTimeline(c.timeline || []);
    renderMessages(c.messages || []);
    $("#case-refreshed").textContent = `每 2 秒自动刷新 Auto-refresh every 2 s · ${new Date().toLocaleTimeString("zh-CN", { hour12: false })}`;
  }

  function fact(zh, en, value) {
    return [h("dt", {}, zh, " ", h("span", { class: "en" }, en)), h("dd", {}, value || "—")];
  }

  function renderInspection(c, role, r) {
    pill($("#inspection-status"), INSPECTION[c.inspection] || [c.inspection, "", "wait"]);
    const wo = c.work_order;
    const info = [];
    if (wo) info.push(h("div", { class: "muted small" }, `工程维修单 Work order ${wo.work_order_no}${wo.inspector ? " · " + staffName(wo.inspector) : ""}`));
    if ((c.defects || []).length) {
      info.push(h("div", { class: "defects" }, h("strong", {}, "问题 Defects: "), c.defects.join("；")));
    }
    if (c.breach_notice_id) info.push(h("div", { class: "small" }, `违约处理单 Breach notice ${c.breach_notice_id}`));
    $("#inspection-info").replaceChildren(...info);
    const open = r >= rank("APPLICATION_ACCEPTED") && r < rank("RELEASE_APPROVED") && c.inspection !== "passed";
    const engineer = can("tickets.record_inspection");
    $("#inspection-form").hidden = !(open && engineer && wo);
    $("#inspection-hint").textContent = !open ? ""
      : !engineer ? "由工程部登记验收结果 Engineering records the inspection"
        : !wo ? "等待工程部验收工单 Waiting for the inspection work order" : "";
  }

  function renderFees(c, role, r) {
    pill($("#fees-status"), FEES[c.fees] || [c.fees, "", "wait"]);
    const balance = c.balance;
    const outstanding = balance && balance.outstanding !== undefined ? balance.outstanding : c.outstanding_amount;
    const info = [h("div", { class: "big-amount " + (owes(outstanding) ? "bad" : "ok") }, owes(outstanding) ? yuan(outstanding) : "¥0.00",
      h("span", { class: "muted small" }, owes(outstanding) ? " 未缴 outstanding" : " 无欠费 nothing owed"))];
    if (balance && (balance.charges || []).length) {
      info.push(h("table", { class: "mini" }, h("tbody", {},
        ...balance.charges.map((ch) => h("tr", {}, h("td", {}, ch.period), h("td", {}, ch.item === "property_fee" ? "物业服务费" : ch.item), h("td", { class: "num" }, yuan(ch.amount)))),
        ...(balance.payments || []).map((p) => h("tr", { class: "paid" }, h("td", {}, p.period || ""), h("td", {}, `缴费 ${p.receipt_no || ""}`), h("td", { class: "num" }, "−" + yuan(p.amount)))),
      )));
    }
    $("#fees-info").replaceChildren(...info);
    const open = r >= rank("APPLICATION_ACCEPTED") && r < rank("GOODS_RELEASED") && c.fees !== "cleared" && owes(outstanding);
    const canPay = can("billing.record_payment");
    $("#payment-form").hidden = !(open && canPay);
    const amount = $("#pay-amount");
    if (open && canPay && !amount.dataset.touched && document.activeElement !== amount) amount.value = Number(outstanding).toFixed(2);
    $("#fees-hint").textContent = open && !canPay ? "由财务部或前台收款 Finance or the front desk takes the payment" : "";
  }

  function renderRelease(c, role, r) {
    const hold = c.release;
    const slip = hold && hold.slip;
    const slipNo = (slip && slip.slip_no) || (hold && hold.slip_no) || c.release_slip_no;
    const released = (slip && slip.status === "released") || r >= rank("GOODS_RELEASED");
    const closed = Boolean(hold && hold.closed) && !slipNo; // the move-out was withdrawn: no slip follows
    pill($("#release-status"), released ? ["已放行", "Released", "ok"] : slipNo ? ["已开具", "Issued", "wait"]
      : closed ? ["已关闭", "Closed", "wait"] : ["暂扣", "On hold", "bad"]);
    const info = [];
    if (slipNo) {
      info.push(h("div", { class: "slip" }, h("span", { class: "muted small" }, "放行条号 Slip no."), h("strong", { class: "slip-no", id: "slip-no" }, slipNo)));
      if (slip && (slip.goods || []).length) info.push(h("div", { class: "small" }, "物品 Goods: ", slip.goods.join("、")));
      if (slip && slip.released_at) info.push(h("div", { class: "small" }, `放行 Released ${when(slip.released_at)} · ${staffName(slip.released_by)}`));
    } else if (closed) {
      info.push(h("div", { class: "muted small" }, "撤场已撤回，不再放行 The move-out was withdrawn: nothing is released"));
    } else if (hold) {
      info.push(h("ul", { class: "checks" },
        h("li", { class: hold.fees_cleared ? "ok" : "" }, hold.fees_cleared ? "✓ " : "○ ", "费用结清 Fees cleared"),
        h("li", { class: hold.release_approved ? "ok" : "" }, hold.release_approved ? "✓ " : "○ ", "客服批准放行 Release approved"),
      ));
    } else {
      info.push(h("div", { class: "muted small" }, "保安部尚未收到 Security has no hold yet"));
    }
    $("#release-info").replaceChildren(...info);
    const open = Boolean(slipNo) && !released;
    const guard = can("access.release_at_gate");
    $("#release-form").hidden = !(open && guard);
    $("#release-form").dataset.slip = slipNo || "";
    $("#release-hint").textContent = open && !guard ? "由保安部在门岗核对物品后放行 Security releases at the gate" : "";
  }

  /** Withdraw (before release is approved) or archive (once the goods are out): customer service. */
  function renderClosing(c, r) {
    const withdrawable = r >= rank("OWNER_CONSENT_PENDING") && r < rank("RELEASE_APPROVED");
    const archivable = c.state === "GOODS_RELEASED";
    const mayWithdraw = can("residents.withdraw_move_out");
    const mayArchive = can("residents.archive_move_out");
    $("#withdraw-form").hidden = !(withdrawable && mayWithdraw);
    $("#archive-form").hidden = !(archivable && mayArchive);
    $("#closing-hint").textContent = (withdrawable && !mayWithdraw) ? "客服可撤回申请 Customer service may withdraw the case"
      : (archivable && !mayArchive) ? "由客服归档 Customer service archives the case" : "";
  }

  function renderTimeline(events) {
    $("#timeline-count").textContent = `${events.length} 条 events`;
    const body = $("#timeline tbody");
    body.replaceChildren(...events.map((e) => h("tr", { dataset: { event: e.event_type }, class: MINOR_EVENTS.has(e.event_type) ? "minor" : "" },
      h("td", { class: "when" },
        h("div", { class: "nowrap" }, when(e.occurred_at)),
        h("div", { class: "actor" }, e.actor ? staffName(e.actor.id, e.actor.role) : e.producer),
        h("div", { class: "muted small" }, e.actor ? e.actor.role : "")),
      h("td", {},
        h("div", { class: "event", title: e.event_type }, EVENTS[e.event_type] || e.event_type),
        h("div", { class: "summary" }, e.summary || "")),
    )));
    if (!events.length) body.append(h("tr", {}, h("td", { colspan: 2, class: "muted" }, "暂无记录 No events yet")));
  }

  function renderMessages(messages) {
    $("#messages-count").textContent = `${messages.length} 条`;
    const list = $("#messages");
    list.replaceChildren(...messages.map((m) => h("li", {},
      h("details", {},
        h("summary", {},
          h("span", { class: "chip" }, desk.roles[m.recipient_role] || m.recipient_role),
          " ", h("span", { class: "subject" }, m.subject || ""),
          h("span", { class: "muted small" }, ` ${m.channel || ""} · ${m.status || ""}`)),
        m.body ? h("div", { class: "small msg-body" }, m.body) : null),
    )));
    if (!messages.length) list.append(h("li", { class: "muted" }, "暂无通知 No messages"));
  }

  // --- case commands -------------------------------------------------------------------------------
  async function recordInspection(event) {
    event.preventDefault();
    const form = event.target;
    await submitting(form, async () => {
      const passed = form.elements.passed.value === "true";
      const defects = passed ? [] : form.elements.defects.value.split("\n").map((s) => s.trim()).filter(Boolean);
      const r = await api("POST", `/api/move-outs/${encodeURIComponent(desk.caseId)}/inspection`, { passed, defects });
      if (!r.ok) { showErrors(form, r); return; }
      clearErrors(form);
      form.reset();
      $("#defects-field").hidden = true;
      toast(passed ? "验收合格已登记 Inspection passed" : "验收问题已登记 Defects recorded");
      await loadCase();
    });
  }

  async function recordPayment(event) {
    event.preventDefault();
    const form = event.target;
    await submitting(form, async () => {
      const body = { unit_id: desk.caseData.unit_id, method: form.elements.method.value };
      for (const name of ["amount", "receipt_no"]) {
        const value = form.elements[name].value.trim();
        if (value) body[name] = value;
      }
      const r = await api("POST", "/api/payments", body);
      if (!r.ok) { showErrors(form, r); return; }
      clearErrors(form);
      form.reset();
      $("#pay-amount").dataset.touched = "";
      const left = r.body.balance ? r.body.balance.outstanding : null;
      toast(`已收款 Payment recorded${left !== null ? ` · 余额 Outstanding ${yuan(left)}` : ""}`);
      await loadCase();
      loadUnits();
    });
  }

  async function releaseAtGate(event) {
    event.preventDefault();
    const form = event.target;
    await submitting(form, async () => {
      const slipNo = form.dataset.slip;
      const r = await api("POST", `/api/release-slips/${encodeURIComponent(slipNo)}/release`);
      if (!r.ok) { showErrors(form, r); return; }
      clearErrors(form);
      toast(`物品已放行 Goods released · ${slipNo}`);
      await loadCase();
      loadCases();
    });
  }

  async function withdrawMoveOut(event) {
    event.preventDefault();
    const form = event.target;
    const reason = window.prompt("撤回原因 Why is the move-out withdrawn?", "");
    if (reason === null) return; // cancelled
    await submitting(form, async () => {
      const r = await api("POST", `/api/move-outs/${encodeURIComponent(desk.caseId)}/withdraw`, { reason });
      if (!r.ok) { showErrors(form, r); return; }
      clearErrors(form);
      toast(`已撤回 Withdrawn: ${r.body.move_out_id}`);
      await loadCase();
      loadCases();
    });
  }

  async function archiveMoveOut(event) {
    event.preventDefault();
    const form = event.target;
    await submitting(form, async () => {
      const r = await api("POST", `/api/move-outs/${encodeURIComponent(desk.caseId)}/archive`);
      if (!r.ok) { showErrors(form, r); return; }
      clearErrors(form);
      toast(`已归档 Archived: ${r.body.move_out_id}`);
      await loadCase();
      loadCases();
    });
  }

  // --- start ---------------------------------------------------------------------------------------
  function wire() {
    $("#unit-filter").addEventListener("input", renderUnits);
    $("#arrears-only").addEventListener("change", renderUnits);
    const form = $("#move-out-form");
    form.addEventListener("submit", requestMoveOut);
    form.addEventListener("reset", () => { clearErrors(form); $("#mo-tenant-name").textContent = ""; });
    form.elements.unit_id.addEventListener("change", fillTenant);
    $("#state-filter").append(...STATES.map(([value, zh, en]) => h("option", { value }, `${zh} · ${en}`)));
    $("#state-filter").addEventListener("change", loadCases);
    $("#case-close").addEventListener("click", closeCase);
    $("#inspection-form").addEventListener("submit", recordInspection);
    $$("#inspection-form input[name=passed]").forEach((radio) =>
      radio.addEventListener("change", () => { $("#defects-field").hidden = $("#inspection-form").elements.passed.value === "true"; }));
    $("#payment-form").addEventListener("submit", recordPayment);
    $("#pay-amount").addEventListener("input", (e) => { e.target.dataset.touched = "1"; });
    $("#release-form").addEventListener("submit", releaseAtGate);
    $("#withdraw-form").addEventListener("submit", withdrawMoveOut);
    $("#archive-form").addEventListener("submit", archiveMoveOut);
    // a corrected field loses its error at once
    $$("form").forEach((f) => f.addEventListener("input", (e) => {
      const name = e.target.name;
      if (!name) return;
      const slot = $(`.err[data-for="${CSS.escape(name)}"]`, f);
      if (slot) slot.textContent = "";
      e.target.classList.remove("invalid");
      e.target.removeAttribute("aria-invalid");
    }));
  }

  async function start() {
    wire();
    await loadStaff();
    await Promise.all([loadUnits(), loadCases()]);
    const match = location.hash.match(/^#case=(.+)$/);
    if (match) openCase(decodeURIComponent(match[1]));
    setInterval(() => { loadCases(); }, LIST_REFRESH_MS);
    document.body.dataset.ready = "1";
  }

  document.addEventListener("DOMContentLoaded", start);
})();
