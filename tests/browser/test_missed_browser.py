"""The stats page's missed-call section in a real browser (Debian's chromium with Playwright): two
rings over HTTP, one withheld, and an operator reads the day's row in both dashboard languages."""
from __future__ import annotations

from ivr.phone import Emulator

from ..conftest import OPS_PASSWORDS
from .test_ops_browser import browser_page, http_transport, live_app, pytestmark  # noqa: F401 (fixtures)


def test_an_operator_reads_the_missed_call_callbacks_of_the_day(live_app, browser_page):  # noqa: F811
    app, base = live_app
    page = browser_page
    phone = Emulator(base, app.config["TWILIO_AUTH_TOKEN"], http_transport)
    assert phone.ring_missed("+77011234567").rejected == "busy"
    assert phone.ring_missed("anonymous").rejected == "busy"  # withheld: never called back

    page.goto(f"{base}/ops/stats")
    page.fill("input[name=name]", "olga")
    page.fill("input[name=password]", OPS_PASSWORDS["olga"])
    page.click("button[type=submit]:not(.link)")
    page.wait_for_url("**/ops/stats")
    section = page.locator("#missed-calls")
    assert section.is_visible() and "Обратные звонки на пропущенные" in section.inner_text()
    day = app.extensions["hotline"].today().isoformat()
    row = section.locator("tbody tr", has_text=day)
    cells = [row.locator("th").inner_text()] + row.locator("td").all_inner_texts()
    assert cells[:4] == [day, "2", "1", "0"]  # rang, not called back, calls placed (no worker here)
