"""Dashboard pages against records made the way production makes them: calls placed through
the Twilio emulator, and SMS / follow-up / callback records written to the documented keys."""
import csv
import datetime as dt
import io
import json
import time
from zoneinfo import ZoneInfo

import pytest

from ivr.store import callbacks, calllog

from . import catalog_fixture as fx
from .conftest import csrf_token_from, ops_login

TZ = ZoneInfo("Asia/Almaty")


@pytest.fixture
def app(app_factory, tmp_path):
    # The real clock: the dashboard's periods (statistics by language) meet the records' real timestamps.
    # No minimum interval between callback attempts here (its own test: tests/test_callback_queue.py).
    return app_factory(HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "prompts")), HOTLINE_OPS_PAGE_SIZE="3",
                       HOTLINE_CALLBACK_MIN_INTERVAL_MINUTES="0", CLOCK=lambda: dt.datetime.now(TZ))


@pytest.fixture
def client(app, ops_users):
    client = app.test_client()
    ops_login(client, "olga")
    return client


def place(twilio, keys, caller="+77011234567", end=True):
    call = twilio.call(caller=caller)
    call.start()
    for k in keys:
        if k == "-":
            call.silence()
        else:
            call.press(k)
    if end:
        call.hang_up()
    return call


def write_message(rdb, mid, conv, status, created=None, outbox=False):
    created = created or time.time()
    rdb.hset(f"msg:{mid}", mapping={"id": mid, "kind": "checklist", "conv": conv, "lang": "ru", "to_hash": "h" * 32,
                                    "to_mask": "+7 701 *** ** 67", "body": f"текст {mid}", "segments": 1,
                                    "encoding": "UCS-2", "status": status, "created": created, "updated": created})
    rdb.zadd("msgs", {mid: created})
    if outbox:
        rdb.lpush("outbox", mid)


def text(resp):
    assert resp.status_code == 200, resp.status_code
    return resp.get_data(as_text=True)


def test_call_list_newest_first_with_pages(twilio, client):
    sids = [place(twilio, ["2"]).sid for _ in range(4)]
    first = text(client.get("/ops/calls"))
    assert sids[3] in first and sids[1] in first and sids[0] not in first
    assert first.index(sids[3]) < first.index(sids[2])
    assert "ops/calls?page=2" in first
    second = text(client.get("/ops/calls?page=2"))
    assert sids[0] in second and sids[3] not in second
    assert "+7701" not in first and "77011234567" not in first


def test_filters_language_ending_topic_duration_and_dates(twilio, client):
    in_ru = place(twilio, ["2", "1", "1"]).sid  # ru → facts → fact_a
    in_kk = place(twilio, ["1"], caller="+77015550002").sid
    timed_out = place(twilio, ["2", "-", "-"], caller="+77015550003").sid
    assert in_ru in text(client.get("/ops/calls?lang=ru")) and in_kk not in text(client.get("/ops/calls?lang=ru"))
    page = text(client.get("/ops/calls?topic=fact_a"))
    assert in_ru in page and in_kk not in page and timed_out not in page
    assert "newest 2000" in page or "последние 2000" in page  # says the window is bounded
    page = text(client.get("/ops/calls?ending=timeout"))
    assert timed_out in page and in_ru not in page
    assert in_ru in text(client.get("/ops/calls?min_dur=0&max_dur=3600"))
    assert in_ru not in text(client.get("/ops/calls?min_dur=3600"))
    today = dt.datetime.now(TZ).date()
    assert in_ru in text(client.get(f"/ops/calls?from={today}&to={today}"))
    old = today - dt.timedelta(days=10)
    assert in_ru not in text(client.get(f"/ops/calls?from={old}&to={old}"))


def test_timeline_shows_path_prompts_keys_no_inputs_and_sms(twilio, client, rdb):
    call = place(twilio, ["2", "1", "1", "6", "-", "1"])  # ru, facts, fact_a, wrong key, silence, sms
    write_message(rdb, "m1", call.sid, "delivered")
    write_message(rdb, "m2", "CAother", "failed")
    page = text(client.get(f"/ops/calls/{call.sid}"))
    for node in ("@language", "main", "facts", "fact_a"):
        assert f'title="{node}"' in page and f">{node}<" not in page  # the id only on hover; words shown
    assert "меню выбора языка" in page
    assert "[ru] facts menu" in page and "[ru] fact.a text" in page and "[ru] choose ru" in page
    assert "неверная клавиша" in page and "тишина" in page and "запросил SMS" in page
    assert "текст m1" in page and "delivered" in page and "текст m2" not in page
    assert "+7 701 *** ** 67" in page
    assert client.get("/ops/calls/CAnothere").status_code == 404
    assert client.get("/ops/sms/" + call.sid).status_code == 404


def test_timeline_in_english_ui(twilio, client):
    call = place(twilio, ["2", "1"])
    token = csrf_token_from(text(client.get("/ops/calls")))
    client.post("/ops/lang", data={"lang": "en", "next": "/ops/calls", "csrf_token": token})
    page = text(client.get(f"/ops/calls/{call.sid}"))
    assert "What was said" in page and "[ru] facts menu" in page and "went to" in page


def sms_thread(rdb, hash_, lang="ru"):
    cid = f"SMS-{hash_}"
    now = time.time()
    rdb.hset(f"conv:{cid}", mapping={"channel": "sms", "caller": hash_, "lang": lang, "started": f"{now:.3f}",
                                     "status": "open", "last_node": "facts"})
    rdb.zadd("convs:sms", {cid: now})
    rdb.zadd(f"convs:sms:lang:{lang}", {cid: now})
    for e in ({"t": now, "type": "sms_in", "body": "ПРИВЕТ", "node": "main"},
              {"t": now + 1, "type": "sms_out", "node": "facts", "body": "[ru] facts menu"}):
        rdb.rpush(f"conv:{cid}:events", json.dumps(e, ensure_ascii=False))
    return cid


def test_sms_threads_and_their_timeline(client, rdb):
    cid = sms_thread(rdb, "ab" * 16)
    page = text(client.get("/ops/sms"))
    assert cid in page and "#abababab" in page
    thread = text(client.get(f"/ops/sms/{cid}"))
    assert "ПРИВЕТ" in thread and "bubble bubble-in" in thread and "[ru] facts menu" in thread
    assert "bubble bubble-out" in thread and "Ход звонка" not in thread  # a conversation, not a call page
    assert cid not in text(client.get("/ops/calls"))


def test_outbox_is_a_filter_of_the_messages_page(client, rdb):
    write_message(rdb, "o1", "SMS-" + "ab" * 16, "outbox", outbox=True)
    write_message(rdb, "o2", "CA123", "outbox", outbox=True)
    resp = client.get("/ops/outbox")
    assert resp.status_code == 302 and "/ops/messages?status=outbox" in resp.headers["Location"]
    page = text(client.get("/ops/messages?status=outbox"))
    assert page.index("текст o2") < page.index("текст o1")  # newest first
    assert "+7 701 *** ** 67" in page and "/ops/calls/CA123" in page and f"/ops/sms/SMS-{'ab' * 16}" in page


def test_callbacks_oldest_first_masked_for_everyone_claim_reveal_attempts(app, client, rdb):
    old = callbacks.request(rdb, "+77015550123", "c" * 32, "CA999", "ru", now=time.time() - 600)
    new = callbacks.request(rdb, "+992929123456", "d" * 32, "SMS-" + "d" * 32, "tg")
    page = text(client.get("/ops/callbacks"))
    assert page.index(f"cb-{old}") < page.index(f"cb-{new}")  # oldest first
    assert "+7 701 *** ** 23" in page and "+77015550123" not in page and "+992 92 *** ** 56" in page
    assert f"/ops/sms/SMS-{'d' * 32}" in page  # a callback asked for by SMS links to its thread
    admin = app.test_client()
    ops_login(admin, "adam")
    assert "+77015550123" not in text(admin.get("/ops/callbacks"))  # admins too: only by an audited reveal
    token = csrf_token_from(page)
    assert client.post(f"/ops/callbacks/{old}/claim").status_code == 400  # no CSRF token
    assert client.post(f"/ops/callbacks/{old}/reveal", data={"csrf_token": token}).status_code == 302  # not claimed
    client.post(f"/ops/callbacks/{old}/claim", data={"csrf_token": token})
    admin.post(f"/ops/callbacks/{old}/claim", data={"csrf_token": csrf_token_from(text(admin.get("/ops/callbacks")))})
    assert callbacks.get(rdb, old)["claimed_by"] == "olga"  # a fresh claim is respected
    shown = text(client.post(f"/ops/callbacks/{old}/reveal", data={"csrf_token": token}))
    assert 'href="tel:+77015550123"' in shown
    refused = admin.post(f"/ops/callbacks/{old}/reveal", data={
        "csrf_token": csrf_token_from(text(admin.get("/ops/callbacks")))})
    assert refused.status_code == 302 and "+77015550123" not in refused.get_data(as_text=True)
    log = text(admin.get("/ops/audit"))
    assert "olga" in log and old in log and "+77015550123" not in log
    assert client.get("/ops/audit").status_code == 403
    for outcome in ("no_answer", "busy"):
        client.post(f"/ops/callbacks/{old}/attempt", data={"outcome": outcome, "note": "", "csrf_token": token})
    assert callbacks.get(rdb, old)["status"] == "open"
    client.post(f"/ops/callbacks/{old}/attempt", data={"outcome": "done", "note": "перезвонила, записала",
                                                       "csrf_token": token})
    record = callbacks.get(rdb, old)
    assert record["status"] == "done" and record["done_by"] == "olga" and "number" not in record
    done = text(admin.get("/ops/callbacks?status=done"))
    assert "перезвонила, записала" in done and "+77015550123" not in done
    assert f"cb-{old}" not in text(client.get("/ops/callbacks"))
    detail = text(client.get(f"/ops/callbacks/{old}"))
    assert detail.count("занято") >= 1 and "не ответил" in detail


def test_callback_closes_after_max_failed_attempts_and_reopens_with_its_number(client, rdb):
    cb = callbacks.request(rdb, "+77015550123", "c" * 32, "CA999", "ru")
    token = csrf_token_from(text(client.get("/ops/callbacks")))
    client.post(f"/ops/callbacks/{cb}/claim", data={"csrf_token": token})
    for _ in range(3):
        client.post(f"/ops/callbacks/{cb}/attempt", data={"outcome": "no_answer", "csrf_token": token})
    record = callbacks.get(rdb, cb)
    assert record["status"] == "unreachable" and "number" not in record and record["attempts"] == "3"
    client.post(f"/ops/callbacks/{cb}/reopen", data={"csrf_token": token})
    record = callbacks.get(rdb, cb)
    assert record["status"] == "open" and record["number"] == "+77015550123" and record["failed"] == "0"
    assert callbacks.request(rdb, "+77015550123", "c" * 32, "CA1000", "ru") is None  # still one open per caller
    client.post(f"/ops/callbacks/{cb}/claim", data={"csrf_token": token})
    client.post(f"/ops/callbacks/{cb}/attempt", data={"outcome": "wrong_number", "csrf_token": token})
    client.post(f"/ops/callbacks/{cb}/reopen", data={"csrf_token": token})
    assert "number" not in callbacks.get(rdb, cb)  # a wrong number is not kept for a reopen


def test_statistics_charts_are_inline_svg(twilio, client, rdb, app):
    place(twilio, ["2", "1", "1"])
    place(twilio, ["1"], caller="+77015550002")
    day = app.extensions["hotline"].today().isoformat()
    rdb.hset(f"stats:{day}", mapping={"sms:ru": 2, "sms:delivered": 3, "sms:failed": 1, "sms:undelivered": 1})
    page = text(client.get("/ops/stats?days=7"))
    assert page.count("<svg") == 6 and "http" not in page.split("<svg", 1)[1].split("xmlns", 1)[0]
    assert "ru: 1" in page and "kk: 1" in page  # calls per language that day
    assert "fact_a — [ru] fact.a text" in page  # top topics, labelled with the prompt
    assert "delivered" in page.lower() or "доставлено: 3" in page
    assert "доставлено: 3" in page and "не доставлено: 2" in page
    assert "<script" not in page


def test_coverage_page(client):
    page = text(client.get("/ops/coverage"))
    assert "name-ru" in page and "name-hy" in page and "Не проверено" in page
    assert "могли устареть" in page and "у источника 000 нет даты" in page  # the fixture has no sources.yaml
    assert "Нет звука" in page and "missing" not in page  # audio coverage, its columns in words


def export_range():
    today = dt.datetime.now(TZ).date()
    return f"from={today - dt.timedelta(days=1)}&to={today}"


def test_csv_export(twilio, client):
    call = place(twilio, ["2", "1", "6", "1"])
    place(twilio, ["1", "-", "-"], caller="+77015550002")
    resp = client.get(f"/ops/export/calls.csv?{export_range()}")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert len(rows) == 2
    row = next(r for r in rows if r["id"] == call.sid)
    assert row["lang"] == "ru" and row["keys"] == "2 1 6 1" and row["wrong_keys"] == "1"
    assert row["path"] == "language > main > facts > fact_a" and row["ending"] == "caller"
    assert "77011234567" not in resp.get_data(as_text=True)
    assert len(list(csv.reader(io.StringIO(client.get("/ops/export/calls.csv?from=2020-01-01&to=2020-01-02")
                                          .get_data(as_text=True))))) == 1


def test_flow_results_package(twilio, client, rdb):
    call = place(twilio, ["2", "1", "1"])
    resp = client.get(f"/ops/export/flow-results.json?{export_range()}")
    package = json.loads(resp.get_data(as_text=True))
    assert package["profile"] == "flow-results-package"
    assert package["flow-results-specification"] == "1.0.0-rc1"
    resource = package["resources"][0]
    assert [f["name"] for f in resource["schema"]["fields"]] == [
        "timestamp", "row_id", "contact_id", "session_id", "question_id", "response", "response_metadata"]
    questions = resource["schema"]["questions"]
    assert questions["main"]["type"] == "select_one" and questions["main"]["label"] == "[ru] main menu"
    assert set(questions["main"]["type_options"]["choices"]) == {"facts", "listy", "language"}
    answers = [(r[3], r[4], r[5]) for r in resource["data"]]
    assert answers == [(call.sid, "language", "ru"), (call.sid, "main", "facts"), (call.sid, "facts", "fact_a")]
    record, _ = calllog.read(rdb, call.sid)
    assert resource["data"][0][2] == record["caller"]


def test_no_key_scans(twilio, client, rdb, monkeypatch):
    """The pages use the indexes: KEYS and SCAN are never called."""
    import redis

    place(twilio, ["2", "1"])

    def refuse(*a, **k):
        raise AssertionError("the dashboard scanned the key space")

    monkeypatch.setattr(redis.Redis, "keys", refuse)
    monkeypatch.setattr(redis.Redis, "scan", refuse)
    monkeypatch.setattr(redis.Redis, "scan_iter", refuse)
    for url in ("/ops/calls?topic=facts&ending=caller", "/ops/calls", "/ops/sms", "/ops/messages", "/ops/callbacks",
                "/ops/inbox", "/ops/messages?status=", "/ops/caller", "/ops/stats",
                f"/ops/export/calls.csv?{export_range()}", f"/ops/export/sms.csv?{export_range()}",
                f"/ops/export/callbacks.csv?{export_range()}", f"/ops/export/deliveries.csv?{export_range()}"):
        assert client.get(url).status_code == 200, url


def test_work_pages_are_paged(client, rdb):
    ids = [callbacks.request(rdb, f"+7701555000{n}", f"{n}" * 32, f"CA{n}", "ru", now=time.time() - 100 + n)
           for n in range(5)]
    first = text(client.get("/ops/callbacks"))
    assert f"cb-{ids[0]}" in first and f"cb-{ids[3]}" not in first and "/ops/callbacks?page=2&amp;status=open" in first
    second = text(client.get("/ops/callbacks?page=2&status=open"))
    assert f"cb-{ids[3]}" in second and f"cb-{ids[4]}" in second and "page=1" in second


def test_unknown_or_malformed_ids_are_404(client):
    for url in ("/ops/callbacks/nope", "/ops/callbacks/..%2F..", "/ops/sms/SMS-nope", "/ops/calls/CAnope"):
        assert client.get(url).status_code == 404, url


def test_the_top_bar_counts_what_waits(client, rdb):
    callbacks.request(rdb, "+77015550123", "c" * 32, "CA999", "ru")
    page = text(client.get("/ops/calls"))
    assert 'Перезвонить <span class="count">1</span>' in page and "Входящие</a>" in page
