"""The operators' daily work in Debian's chromium (Playwright), on the app served over HTTP with the
real RQ worker and the fake Twilio API: a callback claimed, its number revealed, attempts recorded
and done; a failed SMS retried; an unanswered text replied to; a caller's history found by number;
statistics by language; and every page at a phone's 390 px without sideways scrolling.

With HOTLINE_SCREENSHOT_DIR set, the tests leave the screenshots docs/operators.md shows there
(`HOTLINE_SCREENSHOT_DIR=docs/img pytest tests/browser/test_ops_work_browser.py`)."""
from __future__ import annotations

import datetime as dt
import os
import threading
import time
from zoneinfo import ZoneInfo

import pytest
from werkzeug.serving import make_server

from ivr.store import callbacks, calllog, inbox, messages

from ..conftest import OPS_PASSWORDS, free_port
from ..followup_helpers import CALLER, ask_for_sms, make, msg_records, run_jobs
from .test_ops_browser import ARGS, CHROMIUM

SCREENSHOT_DIR = os.environ.get("HOTLINE_SCREENSHOT_DIR")
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
ALMATY = ZoneInfo("Asia/Almaty")

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is missing (apt-get install chromium)")]


@pytest.fixture
def served(env, fake, ops_users):
    """The app on the shared settings (so the worker sends through the fake Twilio), over HTTP;
    its clock is today at noon (no quiet hours; the statistics period holds today's records)."""
    app, twilio = make(env, now=dt.datetime.now(ALMATY).replace(hour=12, minute=0))
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, twilio, f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


def open_page(browser, base, user="olga", viewport=LAPTOP):
    context = browser.new_context(viewport=viewport, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{base}/ops/login")
    page.fill("input[name=name]", user)
    page.fill("input[name=password]", OPS_PASSWORDS[user])
    page.click("button[type=submit]:not(.link)")
    page.wait_for_url("**/ops/calls")
    return page


def shot(page, name, part=None):
    """The window (or one part of the page) as docs/img/<name>.png, when screenshots are asked for."""
    if SCREENSHOT_DIR:
        path = os.path.join(SCREENSHOT_DIR, f"{name}.png")
        page.locator(part).screenshot(path=path) if part else page.screenshot(path=path)


def sideways(page) -> int:
    """How many pixels the page is wider than the window (0: no horizontal scrolling)."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


def texted(app, rdb, body, number="+992929123456", lang="tg"):
    svc = app.extensions["hotline"]
    caller = svc.caller_hash(number)
    conv, now = f"SMS-{caller}", time.time()
    pipe = rdb.pipeline()
    calllog.start(pipe, "sms", conv, caller, now, svc.retention)
    calllog.set_language(pipe, "sms", conv, lang, now)
    calllog.event(pipe, conv, "sms_in", svc.retention, body=body)
    calllog.event(pipe, conv, "unknown", None, node="@language")
    calllog.event(pipe, conv, "sms_out", None, body="[tg] welcome")
    calllog.update(pipe, conv, None, updated=f"{now:.3f}")
    pipe.execute()
    item = inbox.record(rdb, conv=conv, caller=caller, lang=lang, body=body, received=now,
                        retention=svc.retention, number=number)
    return item, conv


def test_a_callback_claimed_revealed_attempted_and_done(served, browser, rdb):
    app, twilio, base = served
    call, _ = ask_for_sms(twilio)
    call.hang_up()
    svc = app.extensions["hotline"]
    first = callbacks.request(rdb, "+77015550123", svc.caller_hash("+77015550123"), call.sid, "ru",
                              now=time.time() - 3600)
    callbacks.request(rdb, "+992929123456", svc.caller_hash("+992929123456"), "SMS-" + "d" * 32, "tg")
    page = open_page(browser, base, viewport=PHONE)
    page.click("nav >> text=Перезвонить")
    rows = page.locator("table.list tbody tr")
    assert rows.count() == 2 and first in rows.first.get_attribute("id")  # oldest first
    assert "+7 701 *** ** 23" in rows.first.inner_text() and "+992 92 *** ** 56" in rows.nth(1).inner_text()
    assert sideways(page) <= 0
    shot(page, "callbacks")
    rows.first.locator("button.claim").click()
    page.wait_for_url(f"**/ops/callbacks/{first}")
    assert "+77015550123" not in page.content()
    page.click("#reveal")
    number = page.locator("#number a.revealed")
    assert number.inner_text() == "+77015550123" and number.get_attribute("href") == "tel:+77015550123"
    shot(page, "callback-revealed")
    page.check("input[value=no_answer]")
    page.fill("#attempt textarea", "не берёт трубку")
    page.click("#attempt button")
    page.wait_for_url(f"**/ops/callbacks/{first}")
    assert "не ответил" in page.locator("table.list").inner_text()
    # the number stays on the page for the claimer while she holds the callback (one audited reveal)
    assert page.locator("#number a.revealed").inner_text() == "+77015550123"
    page.check("input[value=done]")
    page.fill("#attempt textarea", "дозвонилась, объяснила")
    page.click("#attempt button")
    page.wait_for_url("**/ops/callbacks")
    assert page.locator(f"#cb-{first}").count() == 0
    page.click("text=Закрытые")
    assert "дозвонилась, объяснила" in page.locator(f"#cb-{first}").inner_text()
    record = callbacks.get(rdb, first)
    assert record["status"] == "done" and "number" not in record and record["attempts"] == "2"

    admin = open_page(browser, base, user="adam", viewport=PHONE)
    admin.click("nav >> text=Журнал доступа")
    entry = admin.locator("table.list tbody tr").first.inner_text()
    assert "olga" in entry and "показан номер" in entry and "+7 701 *** ** 23" in entry
    assert sideways(admin) <= 0


def test_a_failed_sms_retried_and_an_unanswered_text_replied_to(served, browser, rdb, redis_url, fake):
    app, twilio, base = served
    ask_for_sms(twilio)
    run_jobs(redis_url)
    [record] = msg_records(rdb)
    twilio.post("/sms/status", {"MessageSid": record["provider_sid"], "MessageStatus": "undelivered",
                                "ErrorCode": "30003"})
    item, conv = texted(app, rdb, "салом, духтур куҷо? " + "ҳ" * 120)
    page = open_page(browser, base)
    page.click("nav >> text=Сообщения")
    row = page.locator(f"#msg-{record['id']}")
    assert "30003" in row.inner_text() and "Телефон недоступен" in row.inner_text()
    shot(page, "messages")
    row.locator("button.retry").click()
    page.wait_for_url("**/ops/messages**")
    assert "Снова в очереди" in page.locator(".flash").inner_text()
    run_jobs(redis_url)
    assert len(fake.sent) == 2 and fake.sent[1]["To"] == CALLER
    page.reload()
    assert page.locator(f"#msg-{record['id']}").count() == 0  # queued again: no longer failed

    page.set_viewport_size(PHONE)
    page.click("nav >> text=Входящие")
    card = page.locator(f"#in-{item}")
    assert "салом, духтур куҷо?" in card.inner_text() and sideways(page) <= 0
    shot(page, "inbox")
    card.locator("form.reply textarea").fill("Салом! Занг занед: 1406")
    card.locator("form.reply button[type=submit]").click()
    page.wait_for_url("**/ops/inbox")
    assert "Ответ в очереди" in page.locator(".flash").inner_text() and page.locator(f"#in-{item}").count() == 0
    run_jobs(redis_url)
    assert fake.sent[-1]["To"] == "+992929123456" and fake.sent[-1]["Body"] == "Салом! Занг занед: 1406"
    page.goto(f"{base}/ops/sms/{conv}")
    chat = page.locator("ol.chat").inner_text()
    assert "Салом! Занг занед: 1406" in chat and "Оператор olga" in chat and "салом, духтур" in chat
    assert sideways(page) <= 0
    shot(page, "sms-thread", "main")
    reply = [m for m in msg_records(rdb) if m["kind"] == "reply"]
    assert len(reply) == 1 and reply[0]["status"] in ("queued", "sent")


def test_a_callers_history_by_number_and_statistics_by_language(served, browser, rdb, redis_url):
    app, twilio, base = served
    call, _ = ask_for_sms(twilio, caller="+77011234567")
    call.hang_up()
    other = twilio.call(caller="+77015550002")
    other.start()
    other.press("1")  # Kazakh
    other.hang_up()
    run_jobs(redis_url)
    texted(app, rdb, "дәрігер керек", number="+77011234567", lang="kk")
    page = open_page(browser, base, viewport=PHONE)
    page.click("nav >> text=Абонент")
    page.fill("#search input[name=number]", "+7 701 123 45 67")
    page.click("#search button")
    found = page.locator("main").inner_text()
    assert page.locator(f"a[href='/ops/calls/{call.sid}']").count() == 1
    assert "дәрігер керек" in found and "+7 701 *** ** 67" in found and "[ru] fact.a" in found
    assert "77011234567" not in page.content() and "+7 701 123 45 67" not in page.content()
    assert sideways(page) <= 0
    shot(page, "caller")

    page.set_viewport_size(LAPTOP)
    page.click("nav >> text=Статистика")
    table = page.locator("#by-language")
    ru = table.locator("#lang-ru").inner_text()
    kk = table.locator("#lang-kk").inner_text()
    assert "Русский" in ru or "ru" in ru
    assert "fact_a" in ru and "\t1\t" in f"\t{ru}\t".replace("\n", "\t")  # one call, its topic
    assert "дәрігер" not in kk and kk.split("\t")[1:3] == ["1", "1"]  # a call and an SMS conversation in kk
    assert page.locator("#chart-top_sms_topics svg").is_visible()
    page.set_viewport_size(PHONE)
    assert sideways(page) <= 0
    shot(page, "stats")


def test_every_page_fits_a_phone(served, browser, rdb, redis_url, fake):
    app, twilio, base = served
    call, _ = ask_for_sms(twilio)
    call.hang_up()
    run_jobs(redis_url)
    [record] = msg_records(rdb)
    rdb.hset(messages.key(record["id"]), mapping={"status": "failed", "error_code": "21614",
                                                   "body": "Ы" * 700})
    svc = app.extensions["hotline"]
    cb = callbacks.request(rdb, "+77015550123", svc.caller_hash("+77015550123"), call.sid, "ru")
    item, conv = texted(app, rdb, "RTL \u202eesrever\u202c and NUL \x00 " + "x" * 900)
    admin = open_page(browser, base, user="adam", viewport=PHONE)
    pages = ["/ops/calls", f"/ops/calls/{call.sid}", "/ops/sms", f"/ops/sms/{conv}", "/ops/inbox",
             "/ops/inbox?status=all", "/ops/messages", "/ops/messages?status=", "/ops/callbacks",
             f"/ops/callbacks/{cb}", "/ops/callbacks?status=done", "/ops/caller", "/ops/stats", "/ops/coverage",
             "/ops/export", "/ops/audit"]
    wide = {}
    for path in pages:
        admin.goto(base + path)
        assert admin.locator("main").count() == 1, path
        if sideways(admin) > 0:
            wide[path] = sideways(admin)
    assert wide == {}
    admin.goto(f"{base}/ops/inbox")
    html = admin.content()
    assert "\u202e" not in html and "\x00" not in html and "esrever" in html
