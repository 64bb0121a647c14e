"""Drive a record kind the desk knows only from its department's answers (describe_records,
work_queues, describe_commands, allowed_actions) in headless Chromium: the fake complaints desk
(`fakes.FakeHelpdesk`) behind the real gateway. Run by test_browser_records.py in a child process
(Playwright's sync API hangs under the test process's eventlet patching).

    python records_flow.py URL SHOTS_DIR PASSWORD

1. the front desk's home shows the department's queue (its complaint overdue, due at 09:30);
2. the menu of record kinds, the list with a filter, the record with exactly the actions the
   department allows, an action form (a field error at its field, then done), a new complaint;
3. the print view (A4, as printed: a PDF; and at 375 px on a phone);
4. security: no actions, and the action page refused clearly (403);
5. the language switch: the same record in English.
Screenshots in SHOTS_DIR (records-*.png); exits 1 naming the step that failed.
"""
from __future__ import annotations

import re
import sys
import traceback
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from desk_flow import CHROMIUM, CHROMIUM_ARGS, PHONE, Flow

RECORD = "/records/helpdesk/complaint"


def buttons(page) -> list[str]:
    return page.locator("#actions [data-command]").evaluate_all("els => els.map(e => e.dataset.command)")


def scenario(flow: Flow) -> None:
    flow.step("the front desk's home shows the department's queue, overdue, with its due time")
    fd = flow.desk("front_desk")
    flow.sign_in(fd, "front_desk")
    expect(fd).to_have_url(re.compile(r"/$"))
    queue = fd.locator("#queue-helpdesk-complaints_measures_due")
    expect(queue).to_contain_text("待定处理措施的投诉")
    expect(queue.locator('li[data-id="CP-1"] .badge.overdue')).to_be_visible()
    expect(queue.locator('li[data-id="CP-1"]')).to_contain_text("2026-11-02 09:30")
    flow.shot(fd, "records-01-home")

    flow.step("the menu of record kinds, with New for a role that may create")
    fd.locator("#nav-records").click()
    menu = fd.locator("#records-helpdesk")
    expect(menu.locator('[data-kind="complaint"]')).to_contain_text("投诉")
    expect(menu.locator('[data-new="register_complaint"]')).to_be_visible()
    flow.shot(fd, "records-02-menu")

    flow.step("the list, filtered by state (the office's words for the codes)")
    menu.locator('[data-kind="complaint"] a.kind-link').click()
    expect(fd.locator("#record-list")).to_be_visible()
    expect(fd.locator("table.records tbody tr")).to_have_count(2)
    expect(fd.locator('tr[data-id="CP-2"]')).to_contain_text("已定措施")
    fd.select_option("#filter-state", "received")
    fd.locator("#apply-filters").click()
    expect(fd.locator("table.records tbody tr")).to_have_count(1)
    expect(fd).to_have_url(re.compile(r"state=received"))
    flow.shot(fd, "records-03-list")

    flow.step("the record: its fields, its history, exactly the actions the department allows")
    fd.locator('tr[data-id="CP-1"] td.key a').click()
    expect(fd.locator("#record-number")).to_have_text("CP-20261102-0001")
    expect(fd.locator('#record-facts dd[data-field="summary"]')).to_have_text("楼上漏水")
    expect(fd.locator("#timeline")).to_contain_text("投诉已受理")
    assert buttons(fd) == ["decide_measures"], buttons(fd)
    flow.shot(fd, "records-04-record")

    flow.step("an action: a field error at the field, then done")
    fd.locator('#actions [data-command="decide_measures"]').click()
    form = fd.locator("form#form-helpdesk-decide-measures")
    expect(form).to_contain_text("CP-20261102-0001")  # the record is fixed, not an input
    assert fd.locator('form#form-helpdesk-decide-measures input[name="complaint_id"]').count() == 0
    form.locator('button[type="submit"]').click()
    expect(fd.locator('form#form-helpdesk-decide-measures .err[data-for="measures"]')).not_to_be_empty()
    flow.shot(fd, "records-05-field-error")
    fd.locator('form#form-helpdesk-decide-measures [name="measures"]').fill("派维修工上门查看")
    fd.locator('form#form-helpdesk-decide-measures button[type="submit"]').click()
    expect(fd).to_have_url(re.compile(rf"{RECORD}/CP-1\?done=decide_measures"))
    expect(fd.locator("#done")).to_contain_text("确定处理措施")
    expect(fd.locator('#record-facts dd[data-field="state"]')).to_have_text("已定措施")
    expect(fd.locator("#no-actions")).to_be_visible()  # closing is the manager's

    flow.step("a new complaint from the list's New button")
    fd.goto(flow.url + RECORD)
    fd.locator('[data-new="register_complaint"]').first.click()
    fd.locator('[name="unit_id"]').fill("1-1-303")
    fd.select_option('[name="kind"]', "major")
    fd.locator('[name="summary"]').fill("地下车库积水")
    fd.locator('form.action button[type="submit"]').click()
    expect(fd).to_have_url(re.compile(rf"{RECORD}/CP-4\?done=register_complaint"))
    expect(fd.locator('#record-facts dd[data-field="kind"]')).to_have_text("重大投诉")
    flow.shot(fd, "records-06-created")

    flow.step("the print view: the paper form on A4, signature lines")
    fd.locator("#print-record").click()
    paper = fd.locator("#paper-form")
    expect(paper.locator("h1")).to_have_text("投诉处理表 QR-002FW")
    expect(paper.locator(".sign")).to_have_count(2)
    fd.emulate_media(media="print")
    flow.shot(fd, "records-07-print-a4")
    fd.pdf(path=str(flow.shots / "records-07-print-a4.pdf"), format="A4", prefer_css_page_size=True)
    fd.emulate_media(media="screen")

    flow.step("security on a phone: the paper form readable at 375 px, no actions, the action refused (403)")
    sec = flow.desk("security", viewport=PHONE)
    flow.sign_in(sec, "security")
    expect(sec).to_have_url(re.compile(r"/$"))
    sec.goto(f"{flow.url}{RECORD}/CP-1/print")
    expect(sec.locator("#paper-form")).to_be_visible()
    width = sec.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the paper form is {width} px wide on a 375 px phone"
    flow.shot(sec, "records-08-print-phone")
    sec.goto(f"{flow.url}{RECORD}/CP-1")
    expect(sec.locator("#no-actions")).to_be_visible()
    response = sec.goto(f"{flow.url}{RECORD}/CP-2/actions/close_complaint")
    assert response.status == 403, response.status
    expect(sec.locator("#page-error")).to_contain_text("无权")
    flow.shot(sec, "records-09-refused")

    flow.step("the language switch: the same record in English")
    fd.goto(f"{flow.url}{RECORD}/CP-1")
    fd.locator('form.lang button[value="en"]').click()
    expect(fd.locator('#record-facts dd[data-field="state"]')).to_have_text("Measures decided")
    expect(fd.locator("#record-facts")).to_contain_text("What the complaint is about")
    flow.shot(fd, "records-10-english")
    print("ok: a complaint listed, acted on, created, printed and refused, in both languages", flush=True)


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    url, shots, password = argv
    shots = Path(shots)
    shots.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            flow = Flow(browser, url, shots, password)
            try:
                scenario(flow)
                flow.step("no script errors on any page")
                assert not flow.errors, f"script errors: {flow.errors}"
            except Exception:
                for who, page in flow.pages.items():
                    try:
                        page.screenshot(path=str(shots / f"records-failed-{who}.png"), full_page=True)
                    except Exception:  # a closed page
                        pass
                print(f"FAILED at step: {flow.step_name}", flush=True)
                raise
            finally:
                browser.close()
    except Exception:
        traceback.print_exc()
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
