"""Drive the desk in headless Chromium through one tenant move-out (run by test_browser.py).

    python browser_flow.py URL SHOTS_DIR UNIT_ID TENANT_ID AMOUNT

Runs in its own process on purpose: Playwright's sync API hangs under eventlet's monkey patching,
which the test process needs for nameko. Prints one line per step, saves a screenshot after each
into SHOTS_DIR, and exits 1 naming the step that failed (with a last screenshot, failed.png).

The scenario (domain.md §2.6): the front desk submits the request without the owner's consent
reference (the error shows next to that field), then with it; the case waits for the inspection
and for the fees with the amount owed; engineering records a passing inspection; finance takes
the payment prefilled with that amount; the release slip appears; security releases the goods at
the gate; the case is GOODS_RELEASED and the timeline lists each event with its actor; the front
desk archives it. Then the unit applies again and the desk withdraws that case with a reason
(asked in a prompt).
"""
from __future__ import annotations

import json
import sys
import traceback
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
WAIT_MS = 30_000  # events cross four services; generous, and only a ceiling
STAFF = {"front_desk": "S-FD-01", "engineering": "S-EN-01", "finance": "S-FI-01", "security": "S-SE-01"}
EVENTS_OF_A_RELEASED_MOVE_OUT = ("move_out.requested", "move_out.inspection_completed", "payment.received",
                                 "move_out.release_approved", "release_slip.issued", "release_slip.released")


class Flow:
    def __init__(self, page, shots: Path):
        self.page = page
        self.shots = shots
        self.n = 0
        self.step_name = "start"

    def step(self, name: str) -> None:
        self.step_name = name
        print(f"step: {name}", flush=True)

    def shot(self, label: str) -> None:
        self.n += 1
        self.page.screenshot(path=str(self.shots / f"{self.n:02d}-{label}.png"), full_page=True)

    def act_as(self, role: str) -> None:
        self.page.select_option("#staff-picker", STAFF[role])
        expect(self.page.locator("#role-hint")).to_contain_text(role.replace("_", " "))


def run(url: str, shots: Path, unit_id: str, tenant_id: str, amount: str) -> None:
    shots.mkdir(parents=True, exist_ok=True)
    owed = f"¥{Decimal(amount):,.2f}"
    js_errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai")
        page.on("pageerror", lambda err: js_errors.append(str(err)))
        page.set_default_timeout(WAIT_MS)
        flow = Flow(page, shots)
        try:
            _scenario(flow, url, unit_id, tenant_id, amount, owed)
            if js_errors:
                flow.step("no script errors on the page")
                raise AssertionError(f"script errors: {js_errors}")
        except Exception:
            try:
                page.screenshot(path=str(shots / "failed.png"), full_page=True)
            finally:
                print(f"FAILED at step: {flow.step_name}", flush=True)
            raise
        finally:
            browser.close()


def _scenario(flow: Flow, url: str, unit_id: str, tenant_id: str, amount: str, owed: str) -> None:
    page = flow.page

    flow.step("open the desk")
    page.goto(url)
    expect(page.locator("body")).to_have_attribute("data-ready", "1")
    expect(page.locator(f'#units tr[data-unit="{unit_id}"]')).to_contain_text(owed)  # arrears shown
    flow.shot("desk")

    flow.step("front desk: a request without the owner's consent shows the error next to that field")
    flow.act_as("front_desk")
    page.click(f'#units tr[data-unit="{unit_id}"] button')
    expect(page.locator("#mo-unit")).to_have_value(unit_id)
    expect(page.locator("#mo-tenant")).to_have_value(tenant_id)
    page.fill("#mo-exit", (date.today() + timedelta(days=7)).isoformat())
    page.select_option("#mo-fitout", "restore")
    page.fill("#mo-consent", "")
    page.click("#move-out-form button[type=submit]")
    consent_error = page.locator('#move-out-form .err[data-for="owner_consent_ref"]')
    expect(consent_error).to_contain_text("必填")
    expect(page.locator("#mo-consent")).to_have_attribute("aria-invalid", "true")
    cases = json.loads(page.request.get(url.rstrip("/") + "/api/move-outs").text())["move_outs"]
    assert cases == [], f"a rejected request must not open a case, found {cases}"
    flow.shot("consent-missing")

    flow.step("front desk: the request with the consent opens the case, waiting for inspection and fees")
    page.fill("#mo-consent", "OC-2026-118")
    page.click("#move-out-form button[type=submit]")
    expect(page.locator("#case-view")).to_be_visible()
    expect(consent_error).to_be_empty()
    expect(page.locator("#case-state")).to_have_attribute("data-state", "APPLICATION_ACCEPTED")
    waiting = page.locator("#case-waiting")
    expect(waiting).to_contain_text("单元验收")
    expect(waiting).to_contain_text(owed)  # billing found the arrears: fee clearance failed with the amount
    flow.shot("case-requested")

    case_id = page.locator("#case-id").inner_text().strip()
    expect(page.locator("#archive-form")).to_be_hidden()  # not before the goods are out

    flow.step("engineering: record a passing inspection")
    flow.act_as("engineering")
    expect(page.locator("#inspection-form")).to_be_visible()
    page.check('#inspection-form input[name=passed][value="true"]')
    page.click("#inspection-form button[type=submit]")
    expect(page.locator("#inspection-status")).to_contain_text("合格")
    expect(waiting).not_to_contain_text("单元验收")
    flow.shot("inspection-passed")

    flow.step("finance: pay the outstanding amount, prefilled")
    flow.act_as("finance")
    expect(page.locator("#payment-form")).to_be_visible()
    expect(page.locator("#pay-amount")).to_have_value(f"{Decimal(amount):.2f}")
    page.select_option("#pay-method", "cash")
    page.fill("#pay-receipt", "R-2026-0001")
    page.click("#payment-form button[type=submit]")
    expect(page.locator("#fees-status")).to_contain_text("已结清")
    expect(page.locator("#slip-no")).to_be_visible()  # the release slip appears
    slip_no = page.locator("#slip-no").inner_text().strip()
    assert slip_no, "the slip has a number"
    flow.shot("slip-issued")

    flow.step("security: release the goods at the gate")
    flow.act_as("security")
    expect(page.locator("#release-form")).to_be_visible()
    page.click("#release-form button[type=submit]")
    expect(page.locator("#case-state")).to_have_attribute("data-state", "GOODS_RELEASED")
    expect(page.locator("#release-status")).to_contain_text("已放行")
    expect(page.locator("#release-form")).to_be_hidden()

    flow.step("the timeline lists every event with its time and actor")
    rows = page.locator("#timeline tbody tr")
    for event_type in EVENTS_OF_A_RELEASED_MOVE_OUT:
        expect(page.locator(f'#timeline tr[data-event="{event_type}"]').first).to_be_visible()
    expect(page.locator('#timeline tr[data-event="move_out.requested"]').first).to_contain_text("王芳")
    expect(page.locator('#timeline tr[data-event="move_out.inspection_completed"]').first).to_contain_text("李强")
    expect(page.locator('#timeline tr[data-event="payment.received"]').first).to_contain_text("赵敏")
    expect(page.locator('#timeline tr[data-event="release_slip.released"]').first).to_contain_text("陈刚")
    for i in range(rows.count()):
        assert rows.nth(i).locator("td").first.inner_text().strip(), f"timeline row {i} has a time"
    expect(page.locator(f'#move-outs button[data-id="{case_id}"] .badge')).to_contain_text("物品已放行")
    flow.shot("goods-released")

    flow.step("front desk: archive the case once the goods are out")
    expect(page.locator("#archive-form")).to_be_hidden()  # security may not archive
    flow.act_as("front_desk")
    expect(page.locator("#withdraw-form")).to_be_hidden()  # too late to withdraw
    page.click("#archive-form button[type=submit]")
    expect(page.locator("#case-state")).to_have_attribute("data-state", "ARCHIVED")
    expect(page.locator("#archive-form")).to_be_hidden()
    expect(page.locator(f'#move-outs button[data-id="{case_id}"] .badge')).to_contain_text("已归档")
    flow.shot("archived")

    flow.step("front desk: the unit applies again and the desk withdraws it with a reason (prompt)")
    page.click(f'#units tr[data-unit="{unit_id}"] button')
    expect(page.locator("#mo-tenant")).to_have_value(tenant_id)
    page.fill("#mo-exit", (date.today() + timedelta(days=7)).isoformat())
    page.select_option("#mo-fitout", "restore")
    page.fill("#mo-consent", "OC-2026-119")
    page.click("#move-out-form button[type=submit]")
    expect(page.locator("#case-id")).not_to_have_text(case_id)
    expect(page.locator("#case-state")).to_have_attribute("data-state", "APPLICATION_ACCEPTED")
    second_case = page.locator("#case-id").inner_text().strip()
    expect(page.locator("#archive-form")).to_be_hidden()
    page.once("dialog", lambda dialog: dialog.accept("租户决定续租"))
    page.click("#withdraw-form button[type=submit]")
    expect(page.locator("#case-state")).to_have_attribute("data-state", "WITHDRAWN")
    expect(page.locator("#case-facts")).to_contain_text("租户决定续租")
    expect(page.locator("#withdraw-form")).to_be_hidden()
    expect(page.locator(f'#move-outs button[data-id="{second_case}"] .badge')).to_contain_text("已撤回")
    expect(page.locator("#release-status")).to_contain_text("已关闭")  # access closed the hold: no slip follows
    flow.shot("withdrawn")
    print(f"ok: {unit_id} released at the gate with slip {slip_no}", flush=True)


def main(argv: list[str]) -> int:
    if len(argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    url, shots, unit_id, tenant_id, amount = argv
    try:
        run(url, Path(shots), unit_id, tenant_id, amount)
    except Exception:
        traceback.print_exc()
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
