"""The operators' daily work through the dashboard, with the real worker and the fake Twilio API:
a failed SMS explained and retried through the once-only send job, an unanswered text replied to
(opt-out respected), a text labelled for the SMS corpus, one caller's history found by number,
statistics by language and channel, and the new exports."""
import csv
import io
import time

from ivr.store import audit, callbacks, calllog, inbox, messages

from .conftest import csrf_token_from, ops_login
from .fake_twilio import FakeTwilio
from .followup_helpers import CALLER, ask_for_sms, make, msg_records, run_jobs


def dashboard(app, name="olga"):
    client = app.test_client()
    ops_login(client, name)
    return client


def page(resp):
    assert resp.status_code == 200, resp.status_code
    return resp.get_data(as_text=True)


def test_an_undelivered_sms_is_explained_and_retried_once(env, fake, rdb, redis_url, ops_users):
    app, twilio = make(env)
    ask_for_sms(twilio)
    run_jobs(redis_url)
    [record] = msg_records(rdb)
    twilio.post("/sms/status", {"MessageSid": record["provider_sid"], "MessageStatus": "undelivered",
                                "ErrorCode": "30003"})
    client = dashboard(app)
    listing = page(client.get("/ops/messages"))
    assert f"msg-{record['id']}" in listing and "Телефон недоступен" in listing and "sms_retry" not in listing
    token = csrf_token_from(listing)
    resp = client.post(f"/ops/messages/{record['id']}/retry", data={"csrf_token": token})
    assert resp.status_code == 302
    assert rdb.hget(messages.key(record["id"]), "status") == "queued"
    run_jobs(redis_url)
    assert len(fake.sent) == 2 and fake.sent[1]["To"] == CALLER and fake.sent[1]["Body"] == fake.sent[0]["Body"]
    again = rdb.hgetall(messages.key(record["id"]))
    assert again["provider_sid"] != record["provider_sid"] and again["retried_by"] == "olga"
    twilio.post("/sms/status", {"MessageSid": again["provider_sid"], "MessageStatus": "delivered"})
    assert rdb.hget(messages.key(record["id"]), "status") == "delivered"  # the new send's statuses count
    run_jobs(redis_url)
    assert len(fake.sent) == 2  # once only
    assert f"msg-{record['id']}" not in page(client.get("/ops/messages"))


def test_an_unsubscribed_number_has_no_retry(env, fake, rdb, redis_url, ops_users):
    app, twilio = make(env)
    fake.plan = [FakeTwilio.error(400, 21610, "Attempt to send to unsubscribed recipient")]
    ask_for_sms(twilio)
    run_jobs(redis_url)
    [record] = msg_records(rdb)
    client = dashboard(app)
    listing = page(client.get("/ops/messages?status=opted_out&code=21610"))
    assert f"msg-{record['id']}" in listing and "отписался" in listing and 'class="retry"' not in listing
    token = csrf_token_from(listing)
    client.post(f"/ops/messages/{record['id']}/retry", data={"csrf_token": token})
    run_jobs(redis_url)
    assert fake.sent == []


def texted(app, rdb, body="помогите пожалуйста", number="+992929123456"):
    svc = app.extensions["hotline"]
    caller = svc.caller_hash(number)
    conv = f"SMS-{caller}"
    pipe = rdb.pipeline()
    calllog.start(pipe, "sms", conv, caller, time.time(), svc.retention)
    calllog.set_language(pipe, "sms", conv, "tg", time.time())
    calllog.event(pipe, conv, "sms_in", svc.retention, body=body)
    calllog.event(pipe, conv, "unknown", None, node="@language")
    pipe.execute()
    item = inbox.record(rdb, conv=conv, caller=caller, lang="tg", body=body, received=time.time(),
                        retention=svc.retention, number=number)
    return item, caller, conv


def test_an_unanswered_text_is_replied_to_by_the_worker_and_logged(env, fake, rdb, redis_url, ops_users):
    app, _ = make(env)
    item, caller, conv = texted(app, rdb)
    client = dashboard(app)
    listing = page(client.get("/ops/inbox"))
    assert f"in-{item}" in listing and "помогите пожалуйста" in listing
    token = csrf_token_from(listing)
    client.post(f"/ops/inbox/{item}/reply", data={"body": "Позвоните 1406", "csrf_token": token})
    run_jobs(redis_url)
    assert [(s["To"], s["Body"]) for s in fake.sent] == [("+992929123456", "Позвоните 1406")]
    assert inbox.get(rdb, item)["status"] == "replied" and f"in-{item}" not in page(client.get("/ops/inbox"))
    thread = page(client.get(f"/ops/sms/{conv}"))
    assert "Позвоните 1406" in thread and "Оператор olga" in thread and "помогите пожалуйста" in thread
    [record] = msg_records(rdb)
    assert record["kind"] == "reply" and record["conv"] == conv and "+992929123456" not in str(record)


def test_no_reply_to_an_opted_out_texter(env, fake, rdb, redis_url, ops_users):
    app, _ = make(env)
    item, caller, conv = texted(app, rdb)
    rdb.set(messages.optout_key(caller), "1")
    client = dashboard(app)
    listing = page(client.get("/ops/inbox"))
    assert "отписался (STOP)" in listing and "send_reply" not in listing
    client.post(f"/ops/inbox/{item}/reply", data={"body": "x", "csrf_token": csrf_token_from(listing)})
    run_jobs(redis_url)
    assert fake.sent == [] and inbox.get(rdb, item)["status"] == "open"
    assert "badge-optout" in page(client.get(f"/ops/sms/{conv}"))


def test_a_text_labelled_with_a_topic_feeds_the_corpus(env, rdb, ops_users):
    app, _ = make(env)
    item, _, _ = texted(app, rdb, body="dokumentlar kerak")
    client = dashboard(app)
    token = csrf_token_from(page(client.get("/ops/inbox")))
    assert client.post(f"/ops/inbox/{item}/topic", data={"topic": "no-such", "csrf_token": token}).status_code == 400
    topic = sorted(app.extensions["hotline"].catalog.keywords)[0]
    client.post(f"/ops/inbox/{item}/topic", data={"topic": topic, "csrf_token": token})
    assert inbox.corpus(rdb)[0]["text"] == "dokumentlar kerak" and inbox.corpus(rdb)[0]["topic"] == topic
    lines = page(client.get("/ops/export/sms-corpus.jsonl")).splitlines()
    assert len(lines) == 1 and '"dokumentlar kerak"' in lines[0]


def test_bidi_overrides_and_nul_never_reach_the_page(env, rdb, ops_users):
    app, _ = make(env)
    item, _, conv = texted(app, rdb, body="abc\u202edef\x00ghi")
    client = dashboard(app)
    for url in ("/ops/inbox", f"/ops/sms/{conv}"):
        html = page(client.get(url))
        assert "\u202e" not in html and "\x00" not in html and "abc\ufffddefghi" in html


def test_a_callers_history_is_found_by_number_and_the_search_audited(env, fake, rdb, redis_url, ops_users):
    app, twilio = make(env)
    call, _ = ask_for_sms(twilio, caller="+77011234567")
    call.hang_up()
    run_jobs(redis_url)
    svc = app.extensions["hotline"]
    cb = callbacks.request(rdb, "+77011234567", svc.caller_hash("+77011234567"), call.sid, "ru")
    texted(app, rdb, body="где врач", number="+77011234567")
    client = dashboard(app)
    form = page(client.get("/ops/caller"))
    resp = client.post("/ops/caller", data={"number": "8 701 123 45 67".replace("8 ", "+7 ", 1),
                                            "csrf_token": csrf_token_from(form)})
    found = page(resp)
    assert call.sid in found and cb in found and "где врач" in found and "[ru] fact.a" in found
    assert "+7 701 *** ** 67" in found and "77011234567" not in found
    [entry] = audit.page(rdb)
    assert entry["action"] == "search" and entry["by"] == "olga" and "77011234567" not in str(entry)
    nothing = page(client.post("/ops/caller", data={"number": "+77019999999", "csrf_token": csrf_token_from(form)}))
    assert "ничего не хранится" in nothing


def test_statistics_by_language_and_channel(env, fake, rdb, redis_url, ops_users):
    import datetime as dt
    from zoneinfo import ZoneInfo

    app, twilio = make(env, now=dt.datetime.now(ZoneInfo("Asia/Almaty")).replace(hour=12))
    call, _ = ask_for_sms(twilio)  # ru: facts → fact a
    call.hang_up()
    svc = app.extensions["hotline"]
    callbacks.request(rdb, "+77010000001", svc.caller_hash("+77010000001"), "SMS-" + "e" * 32, "kk")
    texted(app, rdb)  # tg, by SMS
    client = dashboard(app)
    html = page(client.get("/ops/stats?days=2"))
    ru = html.split('id="lang-ru"', 1)[1].split("</tr>", 1)[0]
    assert "[ru] fact.a text" in ru or "fact_a" in ru
    assert 'id="lang-kk"' in html and 'id="lang-tg"' in html and "По языкам" in html
    kk = html.split('id="lang-kk"', 1)[1].split("</tr>", 1)[0]
    assert '>1</td>' in kk  # one callback asked for by SMS


def test_exports_for_sms_callbacks_and_deliveries_are_formula_safe(env, fake, rdb, redis_url, ops_users):
    import datetime as dt
    from zoneinfo import ZoneInfo

    app, twilio = make(env, now=dt.datetime.now(ZoneInfo("Asia/Almaty")).replace(hour=12))
    ask_for_sms(twilio)
    run_jobs(redis_url)
    svc = app.extensions["hotline"]
    cb = callbacks.request(rdb, "+77010000001", svc.caller_hash("+77010000001"), "CA1", "ru")
    callbacks.claim(rdb, cb, "olga")
    callbacks.attempt(rdb, cb, "olga", "busy", "=HYPERLINK(\"x\")")
    texted(app, rdb, body="=1+1")
    client = dashboard(app)
    today = svc.today()
    rng = f"from={(today - dt.timedelta(days=1)).isoformat()}&to={today.isoformat()}"
    rows = {}
    for kind in ("sms", "callbacks", "deliveries"):
        resp = client.get(f"/ops/export/{kind}.csv?{rng}")
        assert resp.status_code == 200 and resp.mimetype == "text/csv"
        rows[kind] = list(csv.reader(io.StringIO(resp.get_data(as_text=True))))
    assert len(rows["sms"]) == 2 and rows["sms"][1][4] == "1"  # one text in
    assert rows["callbacks"][1][5] == "1" and rows["callbacks"][1][7] == "busy"
    assert rows["deliveries"][1][6] == "" and rows["deliveries"][1][5] == "queued"
    body = "".join(",".join(r) for k in rows for r in rows[k])
    assert "+7701" not in body and "=1+1" not in body and "=HYPERLINK" not in body


def test_flow_results_of_sms_conversations(env, rdb, ops_users):
    import datetime as dt
    import json
    from zoneinfo import ZoneInfo

    app, twilio = make(env, now=dt.datetime.now(ZoneInfo("Asia/Almaty")).replace(hour=12))
    for text in ("русский", "1"):  # the language by name, then the first option of the main menu
        twilio.sms(text, sender="+77011112233")
    client = dashboard(app)
    today = app.extensions["hotline"].today()
    rng = f"from={(today - dt.timedelta(days=1)).isoformat()}&to={today.isoformat()}"
    package = json.loads(page(client.get(f"/ops/export/flow-results.json?{rng}&channel=sms")))
    rows = package["resources"][0]["data"]
    assert rows and all(r[6]["channel"] == "sms" for r in rows) and rows[-1][4] == "main"
    assert json.loads(page(client.get(f"/ops/export/flow-results.json?{rng}")))["resources"][0]["data"] == []
