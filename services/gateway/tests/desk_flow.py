"""Drive the staff desk in headless Chromium (run by test_desk_browser.py in a child process:
Playwright's sync API hangs under the test process's eventlet patching).

    python desk_flow.py URL SHOTS_DIR ARREARS_UNIT ARREARS_TENANT AMOUNT HAPPY_UNIT PASSWORD READINGS

READINGS: the final water and electricity readings engineering takes at each unit's exit, as JSON
({"<unit>": {"water": "116.00", "electricity": "2197.00"}, ...}: each meter as it last read).

Several people at their own desks (one browser context each, signed in with their own account):
the front desk, engineering, the cashier, security (on a phone, 375 px wide) and a CS manager.
Prints one line per step, leaves a screenshot of each main page in SHOTS_DIR, and exits 1 naming
the step that failed (with failed.png).

1. signing in: a wrong password is refused at its field; each person signs in;
2. a move-out in Chinese, from request to archive (domain.md §2.6): the front desk registers it
   (without the owner's consent first: the error shows at that field); each person sees exactly
   the actions of their role (the departments' allowed_actions) and their work queue; the fee check
   waits for the meters (the fee line says 待抄表); engineering records a passing inspection, then reads
   the meters and cuts the supply on a form opened with a row per supply and each meter's last
   reading (the fees are decided only then, domain.md §2.6 METERS_READ_AND_CUT); the cashier takes the outstanding fees (prefilled); security
   releases the goods on the phone's gate page (slip typed in, genuine and unused); the slip prints with its QR code; the front desk archives; the
   timeline names the people;
3. a refused action: security opening the archive action is told clearly (403);
4. the language switch, and a second move-out in English from request to archive;
5. the dashboard's charts; signing out; a session ended in another tab sends the page to sign-in.
"""
from __future__ import annotations

import json
import re
import sys
import traceback
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
WAIT_MS = 30_000  # events cross four services; a ceiling, not a pause
PHONE = {"width": 375, "height": 740}
DESK = {"width": 1280, "height": 900}

#: What each person may do on a case that waits for its inspection and its fees (the departments
#: answer this; the test knows the office's rules).
EXPECTED_WHILE_WAITING = {
    "front_desk": {"residents.withdraw_move_out", "billing.record_payment"},
    "engineering": {"tickets.record_inspection", "tickets.record_supply_cut"},
    "cashier": {"billing.record_payment"},
    "security": set(),
    "cs_manager": {"residents.withdraw_move_out"},
}


class Flow:
    def __init__(self, browser, url: str, shots: Path, password: str):
        self.browser, self.url, self.shots, self.password = browser, url.rstrip("/"), shots, password
        self.step_name = "start"
        self.pages: dict[str, object] = {}
        self.errors: list[str] = []

    def step(self, name: str) -> None:
        self.step_name = name
        print(f"step: {name}", flush=True)

    def shot(self, page, label: str) -> None:
        page.screenshot(path=str(self.shots / f"{label}.png"), full_page=True)

    def desk(self, who: str, viewport=DESK):
        """A browser of its own for one person (cookies apart), not signed in yet."""
        context = self.browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.on("pageerror", lambda err: self.errors.append(f"{who}: {err}"))
        page.on("console", lambda msg: msg.type == "error" and "favicon" not in msg.text
                and not re.search(r"status of (4\d\d)", msg.text) and self.errors.append(f"{who}: {msg.text}"))
        self.pages[who] = page
        return page

    def sign_in(self, page, username: str, password: str | None = None) -> None:
        page.goto(self.url + "/")
        expect(page).to_have_url(re.compile(r"/sign-in"))
        page.fill("#username", username)
        page.fill("#password", password or self.password)
        page.click("#sign-in")

    def actions(self, page) -> set[str]:
        return {c for c in page.locator("#actions form[data-command]").evaluate_all(
            "forms => forms.map(f => f.dataset.command)")}

    def expect_actions(self, page, expected: set[str]) -> None:
        """The case page offers exactly `expected` (waiting while the departments catch up: the
        page polls)."""
        want = sorted(expected)
        page.wait_for_function(
            """want => JSON.stringify([...document.querySelectorAll('#actions form[data-command]')]
                 .map(f => f.dataset.command).sort()) === JSON.stringify(want)""", arg=want, timeout=WAIT_MS)
        assert self.actions(page) == expected

    def form(self, page, command: str):
        return page.locator(f'#actions form[data-command="{command}"]')

    def case(self, page, case_id: str) -> None:
        page.goto(f"{self.url}/move-outs/{case_id}")
        expect(page.locator("#case-id")).to_have_text(case_id)


def run(url: str, shots: Path, unit_id: str, tenant_id: str, amount: str, happy_unit: str, password: str,
        readings: dict) -> None:
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        flow = Flow(browser, url, shots, password)
        try:
            scenario(flow, unit_id, tenant_id, amount, happy_unit, readings)
            flow.step("no script errors on any page")
            assert not flow.errors, f"script errors: {flow.errors}"
        except Exception:
            for who, page in flow.pages.items():
                try:
                    page.screenshot(path=str(shots / f"failed-{who}.png"), full_page=True)
                except Exception:  # a closed page
                    pass
            print(f"FAILED at step: {flow.step_name}", flush=True)
            raise
        finally:
            browser.close()


#: What the supply-cut form says beside a meter billing has no reading of, and beside the A/C.
NO_READING = {"zh": "暂无读数记录", "en": "No reading on file"}
NO_METER = {"zh": "无表，不抄读数", "en": "No meter: not read"}


def cut_supply(flow: Flow, page, readings: dict, lang: str) -> None:
    """Engineering reads the meters and cuts the supply on the case page (tickets.record_supply_cut,
    its form drawn from the command's schema): the form opens with a row per supply (water,
    electricity, A/C: the demo units are metered for both) and each meter's last reading beside it
    (billing's readings; "0" in `readings`: none on file), so engineering only types the readings."""
    form = flow.form(page, "tickets.record_supply_cut")
    rows = form.locator('table[data-rows="supplies"] tbody tr')
    expect(rows).to_have_count(3)  # one per utility, no blank rows to fill
    for i, utility in enumerate(("water", "electricity", "ac")):
        expect(form.locator(f'select[name="supplies-{i}-utility"]')).to_have_value(utility)
        note = rows.nth(i).locator("td.note")
        if utility == "ac":
            expect(note).to_have_text(NO_METER[lang])
            continue
        expect(note).to_contain_text(NO_READING[lang] if readings[utility] == "0" else readings[utility])
        form.locator(f'input[name="supplies-{i}-reading"]').fill(readings[utility])
    form.locator("button[type=submit]").click()
    flow.expect_actions(page, set())  # inspected and cut: nothing left for engineering


def scenario(flow: Flow, unit_id: str, tenant_id: str, amount: str, happy_unit: str, readings: dict) -> None:
    owed = f"¥{Decimal(amount):,.2f}"
    exit_day = (date.today() + timedelta(days=7)).isoformat()

    flow.step("signing in: a page asks for it, a wrong password is refused at its field")
    fd = flow.desk("front_desk")
    flow.sign_in(fd, "front_desk", "not-the-password")
    expect(fd.locator('.err[data-for="username"], .err[data-for="password"]').first).to_be_visible()
    expect(fd.locator("html")).to_have_attribute("lang", "zh-CN")
    flow.shot(fd, "01-sign-in-refused")
    fd.fill("#password", flow.password)
    fd.click("#sign-in")
    expect(fd.locator("#person")).to_contain_text("王芳")
    expect(fd.locator("#queue-to_archive")).to_be_visible()  # the front desk's queue
    flow.shot(fd, "02-front-desk-home")

    people = {"engineering": flow.desk("engineering"), "cashier": flow.desk("cashier"),
              "security": flow.desk("security", PHONE), "cs_manager": flow.desk("cs_manager")}
    for username, page in people.items():
        flow.sign_in(page, username)
        expect(page.locator("#person")).to_have_attribute("data-roles", username)
    en, ca, se, cm = people["engineering"], people["cashier"], people["security"], people["cs_manager"]

    flow.step("front desk: find the unit, open its move-out form (generated from residents' schema)")
    fd.goto(flow.url + "/search")
    fd.fill("#q", unit_id)
    row = fd.locator(f'#found-units tr[data-unit="{unit_id}"]')
    expect(row).to_be_visible()  # htmx answered as one typed
    row.locator('a[data-new="request_move_out"]').click()
    form = fd.locator("#form-residents-request-move-out")
    expect(form.locator('[name="unit_id"]')).to_have_value(unit_id)
    expect(form.locator('[name="tenant_party_id"]')).to_have_value(tenant_id)
    expect(form.locator('select[name="fitout_disposition"] option[value="restore"]')).to_have_text("恢复原状")
    assert form.locator('[name="exit_date"]').get_attribute("type") == "date"

    flow.step("front desk: without the owner's consent the error shows at that field, and no case opens")
    form.locator('[name="exit_date"]').fill(exit_day)
    form.locator('[name="fitout_disposition"]').select_option("restore")
    form.locator("button[type=submit]").click()
    form = fd.locator("#form-residents-request-move-out")
    expect(form.locator('.err[data-for="owner_consent_ref"]')).to_contain_text("必填")
    expect(form.locator('[name="owner_consent_ref"]')).to_have_attribute("aria-invalid", "true")
    expect(form.locator('[name="exit_date"]')).to_have_value(exit_day)  # what was typed stays
    flow.shot(fd, "03-request-consent-missing")

    flow.step("front desk: with the consent the case opens, waiting for the inspection, the meters and the fees")
    form.locator('[name="owner_consent_ref"]').fill("OC-2026-118")
    form.locator("button[type=submit]").click()
    expect(fd.locator("#case-state")).to_have_attribute("data-state", "APPLICATION_ACCEPTED")
    expect(fd.locator("#done")).to_be_visible()
    case_id = fd.locator("#case-id").inner_text().strip()
    expect(fd.locator("#case-waiting")).to_contain_text("单元验收")
    expect(fd.locator("#case-waiting")).to_contain_text("抄表并断水断电")  # a metered unit: fees after the meters
    expect(fd.locator("#fees-status")).not_to_contain_text(owed)
    expect(fd.locator("#fees-status")).to_have_attribute("data-fees", "awaiting_meters")
    expect(fd.locator("#fees-status")).to_have_text("待抄表")  # not 待财务核查: finance waits for the meters

    flow.step("each person sees exactly their role's actions on the case")
    flow.expect_actions(fd, EXPECTED_WHILE_WAITING["front_desk"])
    flow.shot(fd, "04-case-front-desk")
    for who, page in people.items():
        flow.case(page, case_id)
        flow.expect_actions(page, EXPECTED_WHILE_WAITING[who])
    expect(flow.form(en, "tickets.record_supply_cut").locator('select[name="supplies-0-utility"]')).to_have_value("water")
    flow.shot(en, "05-case-engineering")

    flow.step("engineering: the case is in the inspection queue, with its due date")
    en.goto(flow.url + "/")
    item = en.locator(f'#queue-inspections li[data-id="{case_id}"]')
    expect(item).to_contain_text(unit_id)
    expect(item).to_contain_text(exit_day)
    flow.shot(en, "06-queue-engineering")

    flow.step("engineering: a failed inspection without defects is refused at the field")
    flow.case(en, case_id)
    inspection = flow.form(en, "tickets.record_inspection")
    inspection.locator('input[name="passed"][value="false"]').check()
    inspection.locator("button[type=submit]").click()
    inspection = flow.form(en, "tickets.record_inspection")
    expect(inspection.locator('.err[data-for="defects"]')).not_to_be_empty()

    flow.step("engineering: record a passing inspection")
    inspection.locator('input[name="passed"][value="true"]').check()
    inspection.locator("button[type=submit]").click()
    expect(en.locator("#inspection-status")).to_contain_text("验收通过")
    flow.expect_actions(en, {"tickets.record_supply_cut"})
    expect(en.locator("#slip-no")).to_have_count(0)  # inspected, but no release before the meters are read

    flow.step("engineering: read the meters and cut the supply; finance decides the fees only now")
    cut_supply(flow, en, readings[unit_id], "zh")
    expect(en.locator("#fees-status")).to_contain_text(owed)  # billing's check arrived (the page polls)

    flow.step("cashier: the fees queue, then the payment prefilled with what is owed")
    ca.goto(flow.url + "/")
    expect(ca.locator(f'#queue-fees_outstanding li[data-id="{case_id}"]')).to_contain_text(owed)
    flow.case(ca, case_id)
    payment = flow.form(ca, "billing.record_payment")
    expect(payment.locator('[name="amount"]')).to_have_value(f"{Decimal(amount):.2f}")
    payment.locator('[name="method"]').select_option("cash")
    payment.locator('[name="receipt_no"]').fill("R-2026-0001")
    payment.locator("button[type=submit]").click()
    expect(ca.locator("#fees-status")).to_contain_text("费用已结清")
    expect(ca.locator("#slip-no")).to_be_visible()  # access issued the slip; the page polled it in
    slip_no = ca.locator("#slip-no").inner_text().strip()
    flow.shot(ca, "07-case-fees-cleared")

    flow.step("security, on a phone: the slip waits at the gate; the case facts are readable at 375 px")
    se.goto(flow.url + "/")
    expect(se.locator(f'#queue-slips_to_release li[data-id="{case_id}"]')).to_contain_text(slip_no)
    flow.case(se, case_id)
    flow.expect_actions(se, {"access.release_at_gate"})
    width = se.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the case page is {width} px wide on a {PHONE['width']} px phone"
    for fact in ("#fact-unit", "#fact-tenant", "#fact-exit", "#release-status"):
        box = se.locator(fact).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1, f"{fact} is off screen: {box}"
    expect(se.locator("#fact-unit")).to_have_text(unit_id)
    flow.shot(se, "08-phone-security-case")

    flow.step("a refused action is shown clearly: security may not archive")
    se.goto(f"{flow.url}/move-outs/{case_id}/actions/residents/archive_move_out")
    expect(se.locator("#page-error .alert")).to_contain_text("无权操作")
    flow.shot(se, "09-refused-403")
    refused = se.request.post(f"{flow.url}/move-outs/{case_id}/actions/residents/archive_move_out",
                              form={"csrf_token": se_token(se, flow, case_id)})
    assert refused.status == 403, refused.status
    assert "role_not_allowed" in refused.text() or "may not" in refused.text(), refused.text()[:500]

    flow.step("security, on the phone's gate page: the slip typed in, genuine and unused, goods released")
    se.goto(flow.url + "/gate")
    se.fill("#slip", slip_no)
    se.locator("#gate-find button[type=submit]").click()
    expect(se.locator("#gate-slip")).to_have_attribute("data-usable", "yes")
    expect(se.locator("#verdict")).to_contain_text("有效且未使用")
    width = se.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the gate page is {width} px wide on a {PHONE['width']} px phone"
    for box in se.locator("#goods input[type=checkbox]").all():  # large or valuable lines: checked
        box.check()
    flow.shot(se, "09b-phone-gate")
    se.locator("#release").click()
    expect(se.locator("#gate-done")).to_be_visible()
    expect(se.locator("#gate-slip")).to_have_attribute("data-usable", "no")
    flow.case(se, case_id)
    expect(se.locator("#case-state")).to_have_attribute("data-state", "GOODS_RELEASED")
    flow.expect_actions(se, set())

    flow.step("the printable release slip (物品放行条)")
    se.goto(f"{flow.url}/move-outs/{case_id}/release-slip")
    expect(se.locator("#slip")).to_contain_text(slip_no)
    expect(se.locator("#slip-qr")).to_be_visible()  # the code the guard scans: a signed token
    expect(se.locator("#slip")).to_contain_text(unit_id)
    ca.goto(f"{flow.url}/move-outs/{case_id}/release-slip")
    ca.emulate_media(media="print")
    flow.shot(ca, "10-release-slip-print")
    ca.emulate_media(media="screen")

    flow.step("front desk: archive, from the queue; the timeline names the people")
    fd.goto(flow.url + "/")
    fd.locator(f'#queue-to_archive li[data-id="{case_id}"] a').click()
    flow.expect_actions(fd, {"residents.archive_move_out", "billing.record_payment"})
    flow.form(fd, "residents.archive_move_out").locator("button[type=submit]").click()
    expect(fd.locator("#case-state")).to_have_attribute("data-state", "ARCHIVED")
    timeline = fd.locator("#timeline")
    expect(timeline.locator('li[data-event="move_out.requested"]')).to_contain_text("王芳")
    expect(timeline.locator('li[data-event="move_out.inspection_completed"]')).to_contain_text("周强")
    expect(timeline.locator('li[data-event="payment.received"]')).to_contain_text("孙燕")
    expect(timeline.locator('li[data-event="release_slip.released"]')).to_contain_text("吴刚")
    expect(timeline.locator('li[data-event="move_out.completed"]')).to_be_visible()
    text = timeline.inner_text()
    for code in ("front_desk", "engineering", "security", "tickets", "billing", "residents", "system"):
        assert code not in text, f"the timeline shows {code!r}: {text}"
    flow.shot(fd, "11-case-archived")

    flow.step("the language switch: the front desk's desk in English")
    fd.locator('form.lang button[value="en"]').click()
    expect(fd.locator("html")).to_have_attribute("lang", "en")
    expect(fd.locator("#case-state")).to_have_text("Archived")
    expect(timeline.locator('li[data-event="move_out.completed"]')).to_contain_text("archived")
    flow.shot(fd, "12-case-english")
    for page in (en, se):
        page.goto(flow.url + "/")
        page.locator('form.lang button[value="en"]').click()
        expect(page.locator("html")).to_have_attribute("lang", "en")

    flow.step("in English: a second move-out from request to archive (no fees owed)")
    fd.goto(f"{flow.url}/move-outs/new?unit_id={happy_unit}")
    form = fd.locator("#form-residents-request-move-out")
    expect(form.locator("h3")).to_have_text("Register a move-out application")
    form.locator('[name="exit_date"]').fill(exit_day)
    form.locator('[name="fitout_disposition"]').select_option("leave_to_owner")
    expect(form.locator('select[name="fitout_disposition"] option[value="leave_to_owner"]')).to_have_text(
        "Leave the fit-out to the owner")
    form.locator('[name="owner_consent_ref"]').fill("OC-2026-200")
    form.locator("button[type=submit]").click()
    expect(fd.locator("#case-state")).to_have_text("Application accepted")
    second = fd.locator("#case-id").inner_text().strip()
    flow.case(en, second)
    inspection = flow.form(en, "tickets.record_inspection")
    expect(inspection.locator("h3")).to_have_text("Record the unit inspection")
    inspection.locator('input[name="passed"][value="true"]').check()
    inspection.locator("button[type=submit]").click()
    expect(en.locator("#inspection-status")).to_contain_text("Passed")
    expect(flow.form(en, "tickets.record_supply_cut").locator("h3")).to_have_text("Read the meters and cut the supply")
    cut_supply(flow, en, readings[happy_unit], "en")
    flow.case(se, second)
    flow.expect_actions(se, {"access.release_at_gate"})  # fees cleared, release approved, slip issued
    flow.form(se, "access.release_at_gate").locator("button[type=submit]").click()
    expect(se.locator("#case-state")).to_have_text("Goods released")
    flow.case(fd, second)
    flow.form(fd, "residents.archive_move_out").locator("button[type=submit]").click()
    expect(fd.locator("#case-state")).to_have_text("Archived")
    expect(fd.locator('#timeline li[data-event="release_slip.released"]')).to_contain_text("吴刚")
    flow.shot(fd, "13-english-archived")

    flow.step("the dashboard draws its charts from the pinned ECharts")
    cm.goto(flow.url + "/dashboard")
    cm.wait_for_function("document.querySelectorAll('[data-chart][data-drawn] canvas').length >= 3")
    flow.shot(cm, "14-dashboard")

    flow.step("sign-out: back at the sign-in page, and the desk asks to sign in again")
    cm.locator("#sign-out").click()
    expect(cm.locator("#sign-in-notice")).to_have_attribute("data-notice", "signed_out")
    cm.goto(flow.url + "/")
    expect(cm).to_have_url(re.compile(r"/sign-in\?next=/$"))

    flow.step("a session ended in another tab: the page goes to sign-in when reloaded or polled")
    flow.case(ca, case_id)  # the cashier's case page stays open (it polls)
    other = ca.context.new_page()
    other.goto(flow.url + "/")
    other.locator("#sign-out").click()
    expect(other.locator("#sign-in-notice")).to_be_visible()
    expect(ca).to_have_url(re.compile(rf"/sign-in\?next=/move-outs/{case_id}"))  # its next poll found no session
    ca.goto(f"{flow.url}/search")
    expect(ca).to_have_url(re.compile(r"/sign-in\?next=/search"))
    flow.shot(ca, "15-session-ended")
    print(f"ok: {unit_id} and {happy_unit} moved out and archived; slip {slip_no}", flush=True)


def se_token(page, flow: Flow, case_id: str) -> str:
    """The CSRF token of `page`'s own session (from any desk page it is shown)."""
    page.goto(f"{flow.url}/move-outs/{case_id}")
    return page.locator('form.sign-out input[name="csrf_token"]').get_attribute("value")


def main(argv: list[str]) -> int:
    if len(argv) != 8:
        print(__doc__, file=sys.stderr)
        return 2
    url, shots, unit_id, tenant_id, amount, happy_unit, password, readings = argv
    try:
        run(url, Path(shots), unit_id, tenant_id, amount, happy_unit, password, json.loads(readings))
    except Exception:
        traceback.print_exc()
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
