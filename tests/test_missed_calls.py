"""Missed-call callbacks end to end: a ring on /voice/missed is rejected (free), RQ places one
callback through the fake Twilio Calls API, and the answered callback runs the menu."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import redis as redis_lib
from rq import Queue
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from rq.serializers import JSONSerializer

from ivr.phone import parse_twiml
from ivr.store import callbacks, calllog, messages, missed_calls, privacy
from workers import context as job_context

from .conftest import FIXED_NOW, ops_login
from .fake_twilio import FakeTwilio
from .missed_helpers import CALLER, make, placed, records, ring, run_calls, stats, without_twilio

ALMATY = ZoneInfo("Asia/Almaty")
DAY = FIXED_NOW.date().isoformat()


def answer(twilio, fake, rdb, answered_by="human", index=-1):
    call = twilio.answer(CALLER, placed(fake, rdb, index), answered_by=answered_by)
    return call, call.start()


def test_the_ring_is_rejected_first_and_called_back_exactly_once(env, fake, rdb, redis_url):
    app, twilio = make(env)
    turn = ring(twilio)
    root = parse_twiml(turn.raw)
    assert [v.tag for v in root] == ["Reject"] and root[0].get("reason") == "busy"  # never answered, never billed
    [record] = records(rdb)
    assert record["status"] == "queued" and record["number"] == CALLER and record["mask"] == "+7 701 *** ** 21"
    q = run_calls(redis_url)
    [sent] = fake.calls
    cid = record["id"]
    assert sent["To"] == CALLER and sent["From"] == "+77270000000"
    assert sent["Url"] == f"https://hotline.example.org/voice?cb={cid}"
    assert sent["StatusCallback"] == f"https://hotline.example.org/voice/status?cb={cid}"
    assert sent["MachineDetection"] == "DetectMessageEnd"
    record = rdb.hgetall(missed_calls.key(cid))
    assert record["status"] == "calling" and record["call_sid"].startswith("CA") and record["attempts"] == "1"
    # The job runs again (a duplicate enqueue, an RQ retry): still one call.
    q.enqueue_job(q.fetch_job(missed_calls.job_id(cid, 1)))
    run_calls(redis_url)
    assert len(fake.calls) == 1
    assert stats(rdb)["rang"] == 1 and stats(rdb)["placed"] == 1 and stats(rdb)["wait_n"] == 1


def test_twilio_retrying_the_ring_webhook_rings_back_once(env, fake, rdb, redis_url):
    app, twilio = make(env)
    call = twilio.call(caller=CALLER)
    form = call.form(CallStatus="ringing")
    assert twilio.post("/voice/missed", form)[0] == twilio.post("/voice/missed", form)[0] == 200
    run_calls(redis_url)
    assert len(fake.calls) == 1 and stats(rdb)["rang"] == 1


def test_an_unsigned_ring_is_refused_and_changes_nothing(env, fake, rdb, redis_url):
    app, twilio = make(env)
    status, _ = twilio.post("/voice/missed", twilio.call(caller=CALLER).form(), sign=False)
    assert status == 403 and records(rdb) == []


def test_redis_down_still_rejects(app_factory, tmp_path):
    from . import catalog_fixture as fx
    from .conftest import client_transport, free_port

    app = app_factory(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0", HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "p")))
    from ivr.phone import Emulator

    twilio = Emulator("http://localhost", app.config["TWILIO_AUTH_TOKEN"], client_transport(app.test_client()))
    assert ring(twilio).rejected == "busy"


def test_the_answered_callback_runs_the_menu_in_the_remembered_language(env, fake, rdb, redis_url):
    app, twilio = make(env)
    first = twilio.call(caller=CALLER)
    first.start()
    first.press("2")  # Russian, remembered for this number
    first.hang_up()
    ring(twilio)
    run_calls(redis_url)
    call, turn = answer(twilio, fake, rdb)
    assert turn.heard[0].text == "[ru] we call you back" and "[ru] main menu" in turn.text
    assert call.press("1").heard[0].text == "[ru] facts menu"  # the same tree
    call.hang_up()
    record, events = calllog.read(rdb, call.sid)
    assert record["kind"] == "callback" and record["lang"] == "ru" and record["status"] == "completed"
    assert events[0]["type"] == "start" and events[0]["callback"] and events[0]["answered_by"] == "human"
    assert call.sid in rdb.zrange("convs:voice", 0, -1)  # in the operators' call list like any call
    [cb] = records(rdb)
    assert cb["status"] == "answered" and "number" not in cb and cb["mask"] == "+7 701 *** ** 21"
    assert not rdb.exists(missed_calls.pending_key(cb["caller"]))
    assert stats(rdb)["answered"] == 1


def test_a_first_time_caller_is_called_back_with_the_language_menu(env, fake, rdb, redis_url):
    app, twilio = make(env)
    ring(twilio)
    run_calls(redis_url)
    call, turn = answer(twilio, fake, rdb)
    assert [h.text for h in turn.heard[:2]] == ["[kk] hotline 1 0 3", "[kk] choose kk"]  # greeting, language menu
    assert call.press("2").heard[0].text == "[ru] main menu"


def test_one_pending_callback_per_number_and_none_again_soon(env, fake, rdb, redis_url):
    app, twilio = make(env)
    ring(twilio)
    ring(twilio)  # rang again before the callback
    run_calls(redis_url)
    ring(twilio)  # rang again while the callback rings
    assert len(fake.calls) == 1
    call, _ = answer(twilio, fake, rdb)
    call.hang_up()
    ring(twilio)  # rang again a minute after the callback: no second call within the gap
    run_calls(redis_url)
    assert len(fake.calls) == 1 and len(records(rdb)) == 1
    counts = stats(rdb)
    assert (counts["rang"], counts["skip:pending"], counts["skip:recent"]) == (4, 2, 1)
    ring(twilio, caller="+77010000077")  # somebody else is called back at once
    run_calls(redis_url)
    assert len(fake.calls) == 2


def test_the_daily_cap_per_number(env, fake, rdb, redis_url, monkeypatch):
    monkeypatch.setenv("HOTLINE_CALLBACK_GAP_MINUTES", "0")  # the worker sets the gap
    job_context.context.cache_clear()
    app, twilio = make(dict(env, HOTLINE_CALLBACK_GAP_MINUTES="0", HOTLINE_CALLBACK_PER_DAY="2"))
    for _ in range(3):
        ring(twilio)
        run_calls(redis_url)
        if records(rdb)[-1]["status"] == "calling":  # called back: answer, so that it is no longer pending
            call, _ = answer(twilio, fake, rdb)
            call.hang_up()
    assert len(fake.calls) == 2 and stats(rdb)["skip:daily_cap"] == 1


def test_busy_and_no_answer_are_retried_with_backoff_then_given_up(env, fake, rdb, redis_url):
    app, twilio = make(env)
    ring(twilio)
    q = run_calls(redis_url)
    scheduled = ScheduledJobRegistry(queue=q)
    for attempt, (status, delay) in enumerate((("busy", 120), ("no-answer", 600)), start=1):
        info = placed(fake, rdb)
        call = twilio.answer(CALLER, info)
        call.hang_up(status)  # Twilio's status callback: the phone was busy / nobody answered
        call.hang_up(status)  # delivered twice: one retry only
        record, _ = calllog.read(rdb, info["sid"])  # the unanswered callback is in the call log, as the callee's
        assert record["kind"] == "callback" and record["caller"] == privacy.number_hash("test-hash-secret", CALLER)
        job_id = missed_calls.job_id(info["cid"], attempt + 1)
        assert scheduled.get_job_ids() == [job_id]
        when = scheduled.get_scheduled_time(job_id)
        assert abs((when - dt.datetime.now(dt.UTC)).total_seconds() - delay) < 30
        scheduled.remove(job_id)  # the scheduler's time has come
        q.enqueue_job(Job.fetch(job_id, connection=q.connection, serializer=JSONSerializer))
        run_calls(redis_url)
        assert len(fake.calls) == attempt + 1
    call = twilio.answer(CALLER, placed(fake, rdb))
    call.hang_up("failed")
    assert scheduled.get_job_ids() == [] and len(q) == 0
    [cb] = records(rdb)
    assert (cb["status"], cb["last"], cb["attempts"]) == ("gave_up", "failed", "3") and "number" not in cb
    counts = stats(rdb)
    assert [counts[k] for k in ("busy", "no-answer", "failed", "gave_up", "placed")] == [1, 1, 1, 1, 3]
    # given up by the robot: a person tries, from the operators' callback queue
    [operator_cb] = [callbacks.get(rdb, c) for c in rdb.zrange("callbacks:open", 0, -1)]
    assert operator_cb["source"] == "missed" and operator_cb["number"] == CALLER


def test_retries_with_no_wait_run_straight_away(env, fake, rdb, redis_url):
    app, twilio = make(dict(env, HOTLINE_CALLBACK_RETRY_INTERVALS="0,0"))
    ring(twilio)
    run_calls(redis_url)
    twilio.answer(CALLER, placed(fake, rdb)).hang_up("no-answer")
    run_calls(redis_url)
    call, turn = answer(twilio, fake, rdb)
    assert len(fake.calls) == 2 and "[kk] choose kk" in turn.text


@pytest.mark.parametrize("answered_by", ["machine_end_beep", "machine_start", "fax"])
def test_a_voicemail_hears_1406_and_103_and_is_counted(env, fake, rdb, redis_url, answered_by):
    app, twilio = make(env)
    rdb.set(f"caller:{privacy.number_hash('test-hash-secret', CALLER)}:lang", "ru")
    ring(twilio)
    run_calls(redis_url)
    call, turn = answer(twilio, fake, rdb, answered_by=answered_by)
    assert turn.text == "[ru] machine 1 4 0 6 1 0 3" and turn.hangup and turn.gather is None
    call.hang_up()
    [cb] = records(rdb)
    assert cb["status"] == "machine" and cb["answered_by"] == answered_by and "number" not in cb
    assert stats(rdb)["machine"] == 1 and "answered" not in stats(rdb)
    record, _ = calllog.read(rdb, call.sid)
    assert record["outcome"] == "machine" and record["kind"] == "callback"


def test_a_voicemail_can_be_hung_up_on_instead(env, fake, rdb, redis_url, monkeypatch):
    monkeypatch.setenv("HOTLINE_CALLBACK_ON_MACHINE", "hangup")
    job_context.context.cache_clear()
    app, twilio = make(dict(env, HOTLINE_CALLBACK_ON_MACHINE="hangup"))
    ring(twilio)
    run_calls(redis_url)
    assert fake.calls[0]["MachineDetection"] == "Enable"  # no need to wait for the beep
    _, turn = answer(twilio, fake, rdb, answered_by="machine_start")
    assert turn.heard == [] and turn.hangup


@pytest.mark.parametrize("number", ["+266696687", "anonymous", "restricted", ""])
def test_withheld_numbers_are_rejected_and_never_called(env, fake, rdb, redis_url, number):
    app, twilio = make(env)
    assert ring(twilio, caller=number).rejected == "busy"
    run_calls(redis_url)
    assert fake.calls == [] and records(rdb) == []
    assert stats(rdb) == {"rang": 1, "skip:withheld": 1}


def test_numbers_on_the_do_not_call_list_are_never_called(env, fake, rdb, redis_url):
    from click.testing import CliRunner

    from ivr.cli import main

    app, twilio = make(env)
    result = CliRunner().invoke(main, ["dnc", "add", CALLER])
    assert result.exit_code == 0 and "+7 701 *** ** 21" in result.output and CALLER not in result.output
    ring(twilio)
    run_calls(redis_url)
    assert fake.calls == [] and stats(rdb)["skip:do_not_call"] == 1
    assert CliRunner().invoke(main, ["dnc", "remove", CALLER]).exit_code == 0
    assert CliRunner().invoke(main, ["dnc", "check", CALLER]).exit_code == 1
    ring(twilio)
    run_calls(redis_url)
    assert len(fake.calls) == 1


def test_a_number_forgotten_after_the_ring_is_not_called(env, fake, rdb, redis_url):
    from ivr.store import retention

    app, twilio = make(env)
    ring(twilio)
    svc = app.extensions["hotline"]
    caller = svc.caller_hash(CALLER)
    q = Queue("calls", connection=redis_lib.Redis.from_url(redis_url), serializer=JSONSerializer)
    assert len(q) == 1
    retention.forget(rdb, caller, svc.catalog.languages, svc.rq_redis)
    assert len(q) == 0 and records(rdb) == []  # the job is gone with the record
    ring(twilio)  # and it never rings back again
    run_calls(redis_url)
    assert fake.calls == []


def test_a_job_whose_record_is_gone_calls_nobody(env, fake, rdb, redis_url):
    app, twilio = make(env)
    ring(twilio)
    [cb] = records(rdb)
    rdb.delete(missed_calls.key(cb["id"]))  # forgotten by another path, or expired
    run_calls(redis_url)
    assert fake.calls == []


def test_callback_hours_call_at_the_next_window_and_say_so_by_sms(env, fake, rdb, redis_url):
    night = dt.datetime(2026, 11, 23, 22, 30, tzinfo=ALMATY)
    app, twilio = make(dict(env, HOTLINE_CALLBACK_HOURS="09:00-20:00"), now=night)
    ring(twilio)
    [cb] = records(rdb)
    assert cb["status"] == "scheduled" and cb["when"] == "2026-11-24T09:00:00+05:00"
    q = Queue("calls", connection=redis_lib.Redis.from_url(redis_url), serializer=JSONSerializer)
    registry = ScheduledJobRegistry(queue=q)
    assert registry.get_scheduled_time(missed_calls.job_id(cb["id"], 1)) == dt.datetime(2026, 11, 24, 4, tzinfo=dt.UTC)
    assert rdb.ttl(missed_calls.key(cb["id"])) > 10 * 3600  # the number lives until the callback can be made
    [msg_id] = rdb.zrange("msgs", 0, -1)
    msg = rdb.hgetall(messages.key(msg_id))
    # Sent at once, though it is night: the caller has just rung. No language known: Kazakh and Russian.
    assert msg["kind"] == "callback_at" and msg["status"] == "queued"
    assert msg["body"] == "[kk] we will call at 09:00 24.11\n[ru] we will call at 09:00 24.11"
    run_calls(redis_url)
    assert fake.calls == []  # not before nine


def test_callback_time_windows():
    from ivr.voice.missed import callback_time

    at = lambda h, m=0: dt.datetime(2026, 11, 23, h, m, tzinfo=ALMATY)  # noqa: E731
    assert callback_time(at(12), "") is None
    assert callback_time(at(12), "09:00-20:00") is None
    assert callback_time(at(7, 30), "09:00-20:00") == at(9)
    assert callback_time(at(20), "09:00-20:00") == at(9) + dt.timedelta(days=1)
    assert callback_time(at(23), "20:00-02:00") is None  # a window over midnight
    assert callback_time(at(3), "20:00-02:00") == at(20)


def test_outbound_calls_keep_a_global_pace(rdb):
    """Slots 1/cps apart, whichever worker asks: at 0.01 calls/s, 100 s between calls."""
    waits = [missed_calls.wait_for_slot(rdb, 0.01) for _ in range(3)]
    assert waits[0] == 0 and 99 < waits[1] <= 100 and 199 < waits[2] <= 200


def test_twilio_refusing_the_number_gives_up_without_retrying(env, fake, rdb, redis_url):
    app, twilio = make(env)
    fake.plan = [FakeTwilio.error(400, 21215, "Geo permission")]
    ring(twilio)
    for _ in range(2):
        run_calls(redis_url)
    [cb] = records(rdb)
    assert (cb["status"], cb["error_code"]) == ("failed", "21215") and "number" not in cb
    assert fake.plan == [] and fake.calls == []
    assert stats(rdb)["gave_up"] == 1


def test_a_twilio_outage_is_retried_by_the_worker(env, fake, rdb, redis_url):
    app, twilio = make(env)
    fake.plan = [FakeTwilio.error(500, 20500, "server error")]
    ring(twilio)
    [cb] = records(rdb)
    conn = redis_lib.Redis.from_url(redis_url)
    q = Queue("calls", connection=conn, serializer=JSONSerializer)
    job = q.fetch_job(missed_calls.job_id(cb["id"], 1))
    assert job.retries_left == 3
    run_calls(redis_url)  # fails: RQ schedules the retry in 5 s
    job = Job.fetch(job.id, connection=conn, serializer=JSONSerializer)
    ScheduledJobRegistry(queue=q).remove(job)
    q.enqueue_job(job)
    run_calls(redis_url)
    assert len(fake.calls) == 1 and rdb.hget(missed_calls.key(cb["id"]), "status") == "calling"


def test_without_credentials_the_callback_goes_to_the_local_outbox(monkeypatch, env, fake, rdb, redis_url):
    import json

    from ivr.voice.calls import outbox_key

    without_twilio(monkeypatch, env)
    app, twilio = make(env)
    ring(twilio)
    run_calls(redis_url)
    assert fake.calls == []
    caller = privacy.number_hash("test-hash-secret", CALLER)
    [entry] = [json.loads(e) for e in rdb.lrange(outbox_key(caller), 0, -1)]
    assert CALLER not in json.dumps(entry) and rdb.ttl(outbox_key(caller)) > 0
    call = twilio.answer(CALLER, entry)
    assert call.start().heard[1].text == "[kk] choose kk"  # after the greeting
    call.hang_up()
    assert records(rdb)[0]["status"] == "answered"


def test_the_plaintext_number_is_kept_only_while_the_callback_needs_it(env, fake, rdb, redis_url):
    from .redis_scan import keys_containing

    app, twilio = make(env)
    ring(twilio)
    assert {k.split(":")[0] for k in keys_containing(redis_url, "7017654321")} == {"missed"}  # not in the job
    run_calls(redis_url)
    call, _ = answer(twilio, fake, rdb)
    call.hang_up()
    assert keys_containing(redis_url, "7017654321") == set()


def test_the_stats_page_shows_missed_call_callbacks(env, fake, rdb, redis_url, ops_users):
    now = dt.datetime.now(ALMATY)  # the worker counts on the real clock: the page must show the same day
    app, twilio = make(env, now=now)
    ring(twilio)
    run_calls(redis_url)
    call, _ = answer(twilio, fake, rdb)
    call.hang_up()
    ring(twilio, caller="anonymous")
    ring(twilio, caller="+77010000099")
    run_calls(redis_url)
    voicemail = twilio.answer("+77010000099", placed(fake, rdb), answered_by="machine_end_beep")
    voicemail.start()
    client = app.test_client()
    ops_login(client, "olga")
    for sid in (call.sid, voicemail.sid):  # both callbacks are in the call log an operator reads
        assert client.get(f"/ops/calls/{sid}").status_code == 200
    page = client.get("/ops/stats?days=3").get_data(as_text=True)
    section = page.split('id="missed-calls"', 1)[1]
    assert "Обратные звонки на пропущенные" in page
    import re

    row = section.split(f">{now.date().isoformat()}</th>", 1)[1].split("</tr>", 1)[0]
    cells = re.findall(r'<td [^>]*class="num">([^<]*)</td>', row)
    # rang, not called back, placed, answered, voicemail, busy, no answer, failed, given up, ring → call
    assert cells[:9] == ["3", "1", "2", "1", "1", "0", "0", "0", "0"]
    assert float(cells[9]) >= 0
