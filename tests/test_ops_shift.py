"""A shift's work without losses (issue 30): two operators on one inbox text send one reply and the
second is told; every reply has its own id and status; a timed-out session and a refused form keep
what was typed; replies from a thread and the caller page; the 3-segment cap; the audit of exports,
history by hash and account changes; no node id or English status word on any Russian page."""
import re
import time
from html.parser import HTMLParser
from pathlib import Path

from ivr.store import audit, inbox, messages

from .conftest import csrf_token_from
from .followup_helpers import make, msg_records, run_jobs
from .test_ops_work import dashboard, page, texted


def test_two_operators_on_one_text_send_one_reply_and_the_second_is_told(env, fake, rdb, redis_url, ops_users):
    app, twilio = make(env)
    item, caller, conv = texted(app, rdb)
    olga, adam = dashboard(app), dashboard(app, "adam")
    olga_page, adam_page = page(olga.get("/ops/inbox")), page(adam.get("/ops/inbox"))  # both see it open
    assert f"ops/inbox/{item}/reply" in olga_page and f"ops/inbox/{item}/reply" in adam_page
    first = olga.post(f"/ops/inbox/{item}/reply", data={
        "body": "Звоните 1406", "csrf_token": csrf_token_from(olga_page), "back": "/ops/inbox"})
    second = adam.post(f"/ops/inbox/{item}/reply", data={
        "body": "Скорая: 103", "csrf_token": csrf_token_from(adam_page), "back": "/ops/inbox"})
    assert first.status_code == second.status_code == 302
    told = page(adam.get("/ops/inbox?status=all"))
    assert "olga" in told and "уже отвечает" in told.replace("\u00a0", " ")
    run_jobs(redis_url)
    assert [s["Body"] for s in fake.sent] == ["Звоните 1406"]
    [record] = msg_records(rdb)
    assert record["provider_sid"] and inbox.get(rdb, item)["reply_msg"] == record["id"]
    twilio.post("/sms/status", {"MessageSid": record["provider_sid"], "MessageStatus": "delivered"})
    shown = page(olga.get("/ops/inbox?status=replied"))
    assert re.search(r'reply-status">доставлено<', shown)  # the reply's own, real delivery status


def test_each_reply_has_its_own_id(env, fake, rdb, redis_url, ops_users):
    app, _ = make(env)
    client = dashboard(app)
    ids = set()
    for n in range(3):
        item, _, _ = texted(app, rdb, body=f"вопрос {n}")
        token = csrf_token_from(page(client.get("/ops/inbox")))
        client.post(f"/ops/inbox/{item}/reply", data={"body": f"ответ {n}", "csrf_token": token})
        ids.add(inbox.get(rdb, item)["reply_msg"])
    run_jobs(redis_url)
    assert len(ids) == 3 and sorted(s["Body"] for s in fake.sent) == ["ответ 0", "ответ 1", "ответ 2"]


def test_a_claimed_text_shows_who_has_it(env, rdb, ops_users):
    app, _ = make(env)
    item, _, _ = texted(app, rdb)
    olga, adam = dashboard(app), dashboard(app, "adam")
    olga.post(f"/ops/inbox/{item}/claim", data={"csrf_token": csrf_token_from(page(olga.get("/ops/inbox")))})
    assert inbox.get(rdb, item)["claimed_by"] == "olga"
    other = page(adam.get("/ops/inbox"))
    assert "Отвечает olga" in other and f"ops/inbox/{item}/reply" not in other
    assert "Отвечаете вы" in page(olga.get("/ops/inbox"))


def test_a_timed_out_session_keeps_the_typed_reply(env, rdb, ops_users):
    app, _ = make(env)
    item, _, _ = texted(app, rdb)
    client = dashboard(app)
    token = csrf_token_from(page(client.get("/ops/inbox")))
    for key in rdb.scan_iter("ops:session:*"):
        rdb.delete(key)  # the idle timeout: the session's key expired
    words = "Салом! Ба 103 занг занед, агар вазъ вазнин бошад."
    resp = client.post(f"/ops/inbox/{item}/reply", data={"body": words, "csrf_token": token,
                                                         "back": f"/ops/inbox#in-{item}"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 401 and "Сеанс закончился" in html and words in html and "Bad Request" not in html
    assert inbox.get(rdb, item)["status"] == "open"
    relogin = client.post("/ops/login", data={
        "name": "olga", "password": ops_users["olga"], "csrf_token": csrf_token_from(html),
        **{k: re.search(rf'name="{k}" value="([^"]*)"', html).group(1)
           for k in ("draft_action", "draft_field", "draft_back")},
        "draft_text": words})
    assert relogin.status_code == 302 and relogin.headers["Location"].startswith("/ops/inbox")
    again = page(client.get("/ops/inbox"))
    assert f">{words}</textarea>" in again
    assert f">{words}</textarea>" not in page(client.get("/ops/inbox"))  # shown once


def test_a_refused_form_is_a_russian_page_that_keeps_the_words(env, rdb, ops_users):
    app, _ = make(env)
    item, _, _ = texted(app, rdb)
    client = dashboard(app)
    resp = client.post(f"/ops/inbox/{item}/reply", data={"body": "мой ответ", "csrf_token": "stale",
                                                         "back": "/ops/inbox"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "Не удалось сохранить" in html and "мой ответ" in html
    assert ">мой ответ</textarea>" in page(client.get("/ops/inbox"))


def test_a_long_reply_needs_confirmation_and_the_words_stay(env, fake, rdb, redis_url, ops_users):
    app, _ = make(env)
    item, _, _ = texted(app, rdb)
    client = dashboard(app)
    long = "ы" * 250  # UCS-2: 4 segments
    token = csrf_token_from(page(client.get("/ops/inbox")))
    client.post(f"/ops/inbox/{item}/reply", data={"body": long, "csrf_token": token})
    listing = page(client.get("/ops/inbox"))
    assert "4 SMS" in listing and f">{long}</textarea>" in listing and inbox.get(rdb, item)["status"] == "open"
    client.post(f"/ops/inbox/{item}/reply", data={"body": long, "confirm_long": "y", "csrf_token": token})
    run_jobs(redis_url)
    assert [s["Body"] for s in fake.sent] == [long]


def test_reply_from_the_thread_and_the_caller_page(env, fake, rdb, redis_url, ops_users):
    app, _ = make(env)
    item, caller, conv = texted(app, rdb)
    client = dashboard(app)
    thread = page(client.get(f"/ops/sms/{conv}"))
    assert f"/ops/sms/{conv}/reply" in thread and "Готовые ответы" in thread
    client.post(f"/ops/sms/{conv}/reply", data={"body": "первый", "csrf_token": csrf_token_from(thread)})
    assert inbox.get(rdb, item)["status"] == "replied"
    who = page(client.get(f"/ops/caller?h={caller}"))
    client.post(f"/ops/caller/{caller}/reply", data={"body": "второй", "csrf_token": csrf_token_from(who)})
    run_jobs(redis_url)
    assert [s["Body"] for s in fake.sent] == ["первый", "второй"]
    assert len({m["id"] for m in msg_records(rdb)}) == 2
    entry = audit.page(rdb)[-1]
    assert entry["action"] == "history" and entry["ref"] == caller[:8]


def test_exports_and_account_changes_are_audited(env, rdb, ops_users):
    app, _ = make(env)
    admin = dashboard(app, "adam")
    assert admin.get("/ops/export/calls.csv").status_code == 200
    assert admin.get("/ops/export/sms-corpus.jsonl").status_code == 200
    listing = page(admin.get("/ops/admin/users"))
    token = csrf_token_from(listing)
    admin.post("/ops/admin/users", data={"name": "zara", "role": "operator", "csrf_token": token})
    admin.post("/ops/admin/users/zara/role", data={"role": "admin", "csrf_token": token})
    admin.post("/ops/admin/users/zara/disable", data={"csrf_token": token})
    admin.post("/ops/admin/users/zara/enable", data={"csrf_token": token})
    admin.post("/ops/admin/users/zara/reset", data={"csrf_token": token})
    actions = [(e["action"], e["ref"]) for e in audit.page(rdb)][::-1]
    assert actions == [("export", "calls.csv"), ("export", "sms-corpus.jsonl"), ("user.add", "zara"),
                       ("user.role", "zara"), ("user.disable", "zara"), ("user.enable", "zara"),
                       ("user.reset", "zara")]
    log = page(admin.get("/ops/audit"))
    assert "выгрузка" in log and "сброшен пароль" in log and "изменена роль" in log


def test_a_number_is_read_in_every_usual_form():
    from ivr.store.privacy import from_typed

    for typed in ("8 701 111 00 01", "87011110001", "7 701 111-00-01", "+7 (701) 111-00-01", "8-701-111-00-01",
                  "701 111 00 01"):
        assert from_typed(typed) == "+77011110001", typed
    for typed in ("+992 92 912 3456", "00992929123456", "810 992 92 912 3456", "992929123456"):
        assert from_typed(typed) == "+992929123456", typed
    assert from_typed("abc") == "" and from_typed("12") == ""


def test_8_701_finds_the_caller(env, rdb, ops_users):
    app, _ = make(env)
    item, caller, _ = texted(app, rdb, body="где врач", number="+77011110001")
    client = dashboard(app)
    form = page(client.get("/ops/caller"))
    found = page(client.post("/ops/caller", data={"number": "8 701 111 00 01", "csrf_token": csrf_token_from(form)}))
    assert "где врач" in found and "+7 701 *** ** 01" in found and "77011110001" not in found
    listing = page(client.get("/ops/inbox"))
    assert f'href="/ops/caller?h={caller}"' in listing  # the caller's hash links to their page


def test_callbacks_like_a_call_centre(env, fake, rdb, redis_url, ops_users):
    """Number visible through the claim, 'done' only after a call, a failed attempt texts the caller in
    their language when we call again, the minimum interval, age and 'mine' columns, the claim limit."""
    from ivr.store import callbacks

    app, _ = make(env)
    svc = app.extensions["hotline"]
    cid = callbacks.request(rdb, "+992929123456", svc.caller_hash("+992929123456"), "", "tg", source="sms")
    client = dashboard(app)
    listing = page(client.get("/ops/callbacks"))
    assert "Ждёт" in listing and "SMS" in listing and "таджикский" in listing
    token = csrf_token_from(listing)
    client.post(f"/ops/callbacks/{cid}/claim", data={"csrf_token": token})
    assert "мой" in page(client.get("/ops/callbacks"))
    client.post(f"/ops/callbacks/{cid}/attempt", data={"outcome": "done", "csrf_token": token, "note": "ок"})
    assert callbacks.get(rdb, cid)["status"] == "open"
    detail = page(client.get(f"/ops/callbacks/{cid}"))
    assert "только после звонка" in detail and ">ок</textarea>" in detail  # refused, the note kept
    client.post(f"/ops/callbacks/{cid}/reveal", data={"csrf_token": token})
    assert 'href="tel:+992929123456"' in page(client.get(f"/ops/callbacks/{cid}"))  # still shown while claimed
    client.post(f"/ops/callbacks/{cid}/attempt", data={"outcome": "no_answer", "send_sms": "y", "csrf_token": token})
    again = client.post(f"/ops/callbacks/{cid}/attempt", data={"outcome": "no_answer", "csrf_token": token})
    assert "Слишком скоро" in page(client.get(again.headers["Location"]))
    assert callbacks.get(rdb, cid)["failed"] == "1"
    run_jobs(redis_url)
    [sms] = [m for m in msg_records(rdb) if m["kind"] == "callback_at"]
    assert sms["lang"] == "tg" and any(s["To"] == "+992929123456" for s in fake.sent)


def test_the_claim_limit_is_a_setting(env, rdb, ops_users):
    from ivr.store import callbacks

    app, _ = make(dict(env, HOTLINE_CALLBACK_CLAIM_LIMIT="1"))
    svc = app.extensions["hotline"]
    ids = [callbacks.request(rdb, n, svc.caller_hash(n), "", "ru") for n in ("+77015550001", "+77015550002")]
    client = dashboard(app)
    token = csrf_token_from(page(client.get("/ops/callbacks")))
    client.post(f"/ops/callbacks/{ids[0]}/claim", data={"csrf_token": token})
    client.post(f"/ops/callbacks/{ids[1]}/claim", data={"csrf_token": token})
    assert "claimed_by" not in callbacks.get(rdb, ids[1])
    assert "У вас уже 1" in page(client.get("/ops/callbacks"))


class _Text(HTMLParser):
    """The words a page shows (not its markup, attributes, scripts or styles)."""

    def __init__(self):
        super().__init__()
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("script", "style", "textarea")

    def handle_endtag(self, tag):
        self.skip -= tag in ("script", "style", "textarea") and self.skip > 0

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def shown_words(html: str) -> set[str]:
    parser = _Text()
    parser.feed(html)
    return set(re.findall(r"[@A-Za-z_][A-Za-z0-9_.@-]*[A-Za-z0-9_]", " ".join(parser.parts)))


STATUS_WORDS = {"requested", "scheduled", "queued", "accepted", "sending", "sent", "delivered", "undelivered",
                "failed", "read", "canceled", "partially_delivered", "outbox", "opted_out", "rejected", "uncertain",
                "completed", "busy", "no-answer", "in-progress", "ringing", "reply", "callback_at", "inbox",
                "open", "replied", "closed", "unreachable", "wrong_number", "no_answer", "done", "unclear",
                "out_of_scope", "urgent", "flagged", "voice", "missed", "gave_up", "reveal", "search", "history",
                "export"}


def test_no_node_id_or_english_status_on_any_russian_page(env, rdb, ops_users):
    """Every dashboard page, with the real catalog and records of every kind, in Russian: no menu node id,
    no English status or kind word in what the page shows (attributes and ids in URLs may keep them)."""
    from ivr.content.catalog import load_catalog
    from ivr.store import callbacks, calllog

    prompts = Path(__file__).resolve().parents[1] / "prompts"
    app, _ = make(dict(env, HOTLINE_PROMPTS_DIR=str(prompts)))
    svc = app.extensions["hotline"]
    catalog = load_catalog(prompts)
    nodes = [n for n in catalog.nodes if n not in ("main", "more", "callback")] + ["@language"]
    caller = svc.caller_hash("+77011110001")
    pipe = rdb.pipeline()
    calllog.start(pipe, "voice", "CA" + "1" * 32, caller, time.time(), svc.retention)
    calllog.update(pipe, "CA" + "1" * 32, None, lang="ru", last_node="algorithm.checklist", status="completed")
    for node in ("@language", "main", "algorithm.checklist"):
        calllog.event(pipe, "CA" + "1" * 32, "key", svc.retention, node=node, key="1", result="goto")
    calllog.start(pipe, "sms", f"SMS-{caller}", caller, time.time(), svc.retention)
    calllog.update(pipe, f"SMS-{caller}", None, lang="ru", last_node="osms.amount")
    calllog.event(pipe, f"SMS-{caller}", "sms_in", svc.retention, body="сколько платить")
    calllog.event(pipe, f"SMS-{caller}", "inbox", None, node="osms.amount", reason="urgent")
    calllog.event(pipe, f"SMS-{caller}", "keyword", None, topic="amount", node="osms.amount", lang="ru")
    messages.create(pipe, kind="reply", conv=f"SMS-{caller}", lang="ru", number="+77011110001", caller=caller,
                    retention=svc.retention, status="undelivered", body="ответ", error_code="30003")
    messages.create(pipe, kind="algorithm.checklist", conv="CA" + "1" * 32, lang="ru", number="+77011110001",
                    caller=caller, retention=svc.retention, status="delivered", body="памятка")
    pipe.execute()
    for n, reason in enumerate(inbox.REASONS):
        inbox.record(rdb, conv=f"SMS-{caller}", caller=caller, lang="ru", body=f"текст {n}", received=time.time(),
                     retention=svc.retention, number="+77011110001", reason=reason)
    cid = callbacks.request(rdb, "+77011110001", caller, "CA" + "1" * 32, "ru", source="missed")
    for action in ("reveal", "search", "history", "export", "user.add", "recording_accept", "recording_revert"):
        audit.log(rdb, "adam", action, "x")
    client = dashboard(app, "adam")
    ids = {"cid": cid, "conv": "CA" + "1" * 32, "sms": f"SMS-{caller}"}
    urls = ["/ops/calls", "/ops/sms", "/ops/inbox", "/ops/inbox?status=all", "/ops/messages",
            "/ops/messages?status=", "/ops/callbacks", f"/ops/callbacks/{ids['cid']}", f"/ops/calls/{ids['conv']}",
            f"/ops/sms/{ids['sms']}", f"/ops/caller?h={caller}", "/ops/stats", "/ops/coverage", "/ops/export",
            "/ops/audit", "/ops/admin/users", "/ops/admin/reviewers", "/ops/recordings"]
    problems = {}
    for url in urls:
        html = page(client.get(url))
        bad = sorted(w for w in shown_words(html) if w in nodes or w in STATUS_WORDS)
        if bad:
            problems[url] = bad
    assert problems == {}, problems
    token = csrf_token_from(page(client.get("/ops/calls")))
    client.post("/ops/lang", data={"lang": "en", "next": "/ops/calls", "csrf_token": token})
    dotted = {n for n in nodes if any(c in n for c in "._@")}  # ids that are no English word ("urgent" is)
    for url in urls:  # in English too, no menu node id (English status words are words there)
        html = page(client.get(url))
        assert 'lang="en"' in html
        bad = sorted(w for w in shown_words(html) if w in dotted)
        if bad:
            problems[url] = bad
    assert problems == {}, problems
