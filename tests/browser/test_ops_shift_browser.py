"""A shift on a phone and a laptop (issue 30), in Debian's chromium (Playwright) on the app served over
HTTP with the real RQ worker and the fake Twilio API: two operators racing on one inbox text (one reply
sent, the other told, their words kept); a timed-out session keeps a typed note; an address change keeps
the session; `8 701 …` finds the caller; an urgent text comes first, flagged; the audit log has a row for
each action a supervisor asks about. Each at 390 px and 1366 px.

With HOTLINE_SCREENSHOT_DIR set, the tests leave the screenshots docs/operators.md shows there."""
from __future__ import annotations

import datetime as dt
import os
import threading
import time

import pytest
from werkzeug.serving import make_server

from ivr.store import audit, callbacks, inbox

from ..conftest import OPS_PASSWORDS, free_port
from ..followup_helpers import make, msg_records, run_jobs
from .test_ops_browser import ARGS, CHROMIUM
from .test_ops_work_browser import ALMATY, LAPTOP, PHONE, shot, sideways, texted

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is missing (apt-get install chromium)")]
SIZES = [pytest.param(PHONE, id="390px"), pytest.param(LAPTOP, id="1366px")]


@pytest.fixture
def served(env, fake, ops_users):
    """The app behind one trusted proxy hop (so a test can move the browser to another address with
    X-Forwarded-For, as nginx reports a phone that left the Wi-Fi), over HTTP, at noon today."""
    app, twilio = make(dict(env, HOTLINE_PROXY_HOPS="1"), now=dt.datetime.now(ALMATY).replace(hour=12, minute=0))
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


def open_page(browser, base, user="olga", viewport=LAPTOP, address="10.0.0.7"):
    context = browser.new_context(viewport=viewport, accept_downloads=True,
                                  extra_http_headers={"X-Forwarded-For": address})
    page = context.new_page()
    page.set_default_timeout(15000)
    log_in(page, base, user)
    page.wait_for_url("**/ops/calls")
    return page


def log_in(page, base, user, here=False):
    if not here:
        page.goto(f"{base}/ops/login")
    page.fill("input[name=name]", user)
    page.fill("input[name=password]", OPS_PASSWORDS[user])
    page.click("button[type=submit]:not(.link)")


@pytest.mark.parametrize("size", SIZES)
def test_two_operators_race_on_one_text_one_reply_is_sent_the_other_is_told(served, browser, rdb, redis_url,
                                                                              fake, size):
    app, _, base = served
    item, conv = texted(app, rdb, "духтур лозим, кӯдак бемор аст")
    olga, adam = open_page(browser, base, "olga", size), open_page(browser, base, "adam", size)
    for page in (olga, adam):
        page.goto(f"{base}/ops/inbox")
    olga.locator(f"#in-{item} textarea[name=body]").fill("Салом! Агар вазъ вазнин бошад, ба 103 занг занед.")
    counter = olga.locator(f"#in-{item} .seg-count").inner_text()
    assert "SMS" in counter and "UCS-2" in counter  # the live segment counter
    adam.locator(f"#in-{item} textarea[name=body]").fill("Ответ Адама")
    shot(olga, f"inbox-reply-{size['width']}")
    olga.locator(f"#in-{item} form.reply button[type=submit]").click()
    olga.wait_for_url("**/ops/inbox**")
    assert "Ответ в очереди" in olga.locator(".flash").inner_text()
    adam.locator(f"#in-{item} form.reply button[type=submit]").click()
    adam.wait_for_url("**/ops/inbox**")
    told = adam.locator(".flash").inner_text()
    assert "olga" in told and "не отправлен" in told
    assert "Ответ Адама" in adam.locator("#draft-left").inner_text()  # his words are not lost
    assert sideways(adam) <= 0
    shot(adam, f"inbox-race-told-{size['width']}")
    run_jobs(redis_url)
    assert [s["Body"] for s in fake.sent] == ["Салом! Агар вазъ вазнин бошад, ба 103 занг занед."]
    [reply] = [m for m in msg_records(rdb) if m["kind"] == "reply"]
    assert inbox.get(rdb, item)["reply_msg"] == reply["id"]
    olga.goto(f"{base}/ops/inbox?status=replied")
    assert olga.locator(f"#in-{item} .reply-status").inner_text() in ("отправлено", "в очереди", "принято")


@pytest.mark.parametrize("size", SIZES)
def test_a_timed_out_session_keeps_the_typed_note(served, browser, rdb, size):
    app, _, base = served
    svc = app.extensions["hotline"]
    cid = callbacks.request(rdb, "+77015550123", svc.caller_hash("+77015550123"), "", "ru")
    page = open_page(browser, base, viewport=size)
    page.goto(f"{base}/ops/callbacks/{cid}")
    note = "Просила перезвонить после обеда, говорит по-русски и по-узбекски."
    page.fill("form[action$='/note'] textarea", note)
    for key in rdb.scan_iter("ops:session:*"):
        rdb.delete(key)  # the idle timeout passed while she typed
    page.click("form[action$='/note'] button[type=submit]")
    page.wait_for_selector("#draft-kept")
    assert "Сеанс закончился" in page.content() and note in page.inner_text("main")
    assert "Bad Request" not in page.content()
    shot(page, f"session-ended-{size['width']}")
    log_in(page, base, "olga", here=True)  # the login form the refused post answered with
    page.wait_for_url(f"**/ops/callbacks/{cid}")
    assert page.input_value("form[action$='/note'] textarea") == note  # back in the form, to send
    page.click("form[action$='/note'] button[type=submit]")
    page.wait_for_url(f"**/ops/callbacks/{cid}")
    assert note in [a["note"] for a in callbacks.history(rdb, cid)]
    assert sideways(page) <= 0


@pytest.mark.parametrize("size", SIZES)
def test_an_address_change_keeps_the_session(served, browser, size):
    _, _, base = served
    page = open_page(browser, base, viewport=size, address="192.168.1.23")  # on the office Wi-Fi
    page.context.set_extra_http_headers({"X-Forwarded-For": "100.64.17.5"})  # now on 4G
    page.goto(f"{base}/ops/inbox")
    assert "/ops/inbox" in page.url and page.locator("header .who").inner_text().startswith("olga")


@pytest.mark.parametrize("size", SIZES)
def test_8_701_finds_the_caller_and_an_urgent_text_comes_first_flagged(served, browser, rdb, size):
    app, _, base = served
    texted(app, rdb, "где врач", number="+77011110001", lang="ru")
    svc = app.extensions["hotline"]
    caller = svc.caller_hash("+77019990000")
    urgent = inbox.record(rdb, conv=f"SMS-{caller}", caller=caller, lang="ru", received=time.time(),
                          body="ребенок горит температура 39 что делать ночью", retention=svc.retention,
                          number="+77019990000", reason="urgent")
    page = open_page(browser, base, viewport=size)
    page.click("nav >> text=Входящие")
    first = page.locator("ul.cards > li").first
    assert first.get_attribute("id") == f"in-{urgent}"
    assert "срочно" in first.inner_text() and "требует внимания" in first.inner_text()
    shot(page, f"inbox-urgent-{size['width']}")
    page.click("nav >> text=Абонент")
    page.fill("#search input[name=number]", "8 701 111 00 01")
    page.click("#search button")
    found = page.locator("main").inner_text()
    assert "где врач" in found and "+7 701 *** ** 01" in found
    assert sideways(page) <= 0
    shot(page, f"caller-found-{size['width']}")


@pytest.mark.parametrize("size", SIZES)
def test_the_audit_log_has_a_row_for_each_action(served, browser, rdb, size):
    app, _, base = served
    _, conv = texted(app, rdb, "вопрос", number="+77011110001", lang="ru")
    caller = conv.removeprefix("SMS-")
    page = open_page(browser, base, "adam", size)
    page.goto(f"{base}/ops/caller?h={caller}")  # history opened by hash
    page.goto(f"{base}/ops/export")
    with page.expect_download():
        page.click("#csv")
    page.goto(f"{base}/ops/admin/users")
    page.fill("input[name=name]", "zhanna")
    page.click("form[action$='/ops/admin/users'] button[type=submit]")
    row = page.locator("#user-zhanna")
    row.locator("summary", has_text="Отключить").click()
    row.locator("button.disable").click()
    page.locator("#user-zhanna button.enable").click()
    row = page.locator("#user-zhanna")
    row.locator("summary", has_text="Сбросить").click()
    row.locator("button.reset").click()
    page.locator("#reset-link").wait_for()
    actions = [e["action"] for e in audit.page(rdb)][::-1]
    assert actions == ["history", "export", "user.add", "user.disable", "user.enable", "user.reset"]
    page.click("nav >> text=Журнал доступа")
    log = page.locator("table.list").inner_text()
    for words in ("открыта история", "выгрузка", "добавлен пользователь", "отключён пользователь",
                  "включён пользователь", "сброшен пароль"):
        assert words in log, words
    assert sideways(page) <= 0
    shot(page, f"audit-{size['width']}")
