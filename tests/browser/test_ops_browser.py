"""The dashboard in a real browser: Debian's chromium driven by Playwright, against the app
served by a real HTTP server thread on the test Redis. A call is placed over HTTP with the
Twilio emulator, then an operator finds it, reads its path, works a callback and exports CSV."""
from __future__ import annotations

import os
import shutil
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from werkzeug.serving import make_server

from ivr.phone import Emulator
from ivr.store import callbacks

from .. import catalog_fixture as fx
from ..conftest import OPS_PASSWORDS, free_port

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOT_DIR = os.environ.get("HOTLINE_SCREENSHOT_DIR")  # keep the call-list screenshot here if set

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is missing (apt-get install chromium)")]


@pytest.fixture
def live_app(app_factory, tmp_path, ops_users):
    port = free_port()
    app = app_factory(HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "prompts")))
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(timeout=10)


def http_transport(url, form, headers):
    req = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(),
                                 headers=dict(headers, **{"Content-Type": "application/x-www-form-urlencoded"}))
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(errors="replace")


@pytest.fixture
def browser_page():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(15000)
        yield page
        context.close()
        browser.close()


def test_operator_finds_a_call_reads_its_path_works_a_callback_and_exports(live_app, browser_page, tmp_path, rdb):
    app, base = live_app
    page = browser_page

    phone = Emulator(base, app.config["TWILIO_AUTH_TOKEN"], http_transport).call(caller="+77011234567")
    phone.start()
    for key in ("2", "1", "1", "6"):  # Russian, facts, fact a, a wrong key
        phone.press(key)
    assert phone.hang_up()[0] == 204
    cb = callbacks.request(rdb, "+77015550123", "c" * 32, phone.sid, "ru")

    page.goto(f"{base}/ops/calls")
    assert "/ops/login" in page.url
    page.fill("input[name=name]", "olga")
    page.fill("input[name=password]", OPS_PASSWORDS["olga"])
    page.click("button[type=submit]:not(.link)")
    page.wait_for_url("**/ops/calls")

    row = page.locator("table.list tbody tr", has_text=phone.sid)
    assert row.count() == 1 and "ru" in row.inner_text()
    shot = tmp_path / "calls.png"
    page.screenshot(path=str(shot), full_page=True)
    if SCREENSHOT_DIR:
        shutil.copy(shot, os.path.join(SCREENSHOT_DIR, "ops-calls.png"))

    row.locator("a").first.click()
    page.wait_for_url(f"**/ops/calls/{phone.sid}")
    timeline = page.locator("table.timeline").inner_text()
    for expected in ("меню выбора языка", "[ru] facts menu", "[ru] fact.a text", "неверная клавиша"):
        assert expected in timeline
    if SCREENSHOT_DIR:
        page.screenshot(path=os.path.join(SCREENSHOT_DIR, "ops-timeline.png"), full_page=True)

    page.click("text=Перезвонить")  # the callback's work: test_ops_work_browser.py
    page.wait_for_url("**/ops/callbacks")
    assert "+7 701 *** ** 23" in page.locator(f"#cb-{cb}").inner_text()  # an operator sees the mask

    page.click("nav >> text=Статистика")
    chart = page.locator("#chart-calls_per_day svg")
    assert chart.is_visible() and chart.bounding_box()["height"] > 100  # inline SVG renders under the CSP
    if SCREENSHOT_DIR:
        page.screenshot(path=os.path.join(SCREENSHOT_DIR, "ops-stats.png"), full_page=True)

    page.click("nav >> text=Выгрузка")
    today = app.extensions["hotline"].clock().date().isoformat()
    started_day = page.evaluate("() => new Date().toISOString().slice(0, 10)")
    page.fill("input[name=from]", min(today, started_day, "2020-01-01"))
    page.fill("input[name=to]", "2099-12-31")
    with page.expect_download() as info:
        page.click("#csv")
    saved = tmp_path / "calls.csv"
    info.value.save_as(str(saved))
    content = saved.read_text(encoding="utf-8")
    assert phone.sid in content and "language > main > facts > fact_a" in content
    assert "77011234567" not in content
