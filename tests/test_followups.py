"""Follow-up SMS end to end: a call asks, RQ runs the job, the fake Twilio API receives it once."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from rq import Queue
from rq.registry import ScheduledJobRegistry
from rq.serializers import JSONSerializer

from ivr.store import messages, privacy
from workers import context as job_context

from .fake_twilio import FakeTwilio
from .followup_helpers import CALLER, ask_for_sms, make, msg_records, run_jobs

ALMATY = ZoneInfo("Asia/Almaty")


def test_one_request_gives_exactly_one_sms(env, fake, rdb, redis_url):
    app, twilio = make(env)
    call, turn = ask_for_sms(twilio)
    assert turn.heard[0].text == "[ru] sms queued"  # the call goes on at once
    assert "[ru] fact.a text" in turn.text
    q = run_jobs(redis_url)
    assert len(fake.sent) == 1
    sent = fake.sent[0]
    assert sent["To"] == CALLER and sent["Body"] == "[ru] fact.a" and sent["From"] == "+77270000000"
    [record] = msg_records(rdb)
    # Our id rides in the callback's URL: Twilio's callback names the message even if its answer was lost.
    assert sent["StatusCallback"] == f"https://hotline.example.org/sms/status?m={record['id']}"
    assert record["status"] == "queued" and record["provider_sid"].startswith("SM")
    assert record["to_mask"] == "+7 701 *** ** 21" and CALLER not in str(record)
    # The job runs again (a retry, a duplicate enqueue): still one SMS.
    job = q.fetch_job(f"sms-{record['id']}")
    q.enqueue_job(job)
    run_jobs(redis_url)
    assert len(fake.sent) == 1


def test_the_sms_key_webhook_delivered_twice_queues_one_sms(env, fake, rdb, redis_url):
    """Twilio retries a webhook it got no answer to: the second delivery sends nothing more."""
    from ivr.store import calllog

    app, twilio = make(env)
    call = twilio.call(caller=CALLER)
    call.start()
    for key in ("2", "1", "1"):
        call.press(key)
    action, form = call.turn.gather["action"], call.form(Digits="1")
    first = twilio.post(action, form)
    events = rdb.llen(calllog.events_key(call.sid))
    again = twilio.post(action, form)
    assert first[0] == again[0] == 200 and "[ru] sms queued" in first[1]
    assert "[ru] fact.a text" in again[1]  # the retry hears where the first left the caller
    assert rdb.llen(calllog.events_key(call.sid)) == events
    [record] = msg_records(rdb)
    day = app.extensions["hotline"].today().isoformat()
    assert rdb.hget(f"smslimit:{record['to_hash']}", day) == "1"  # counted once towards the day's limit
    run_jobs(redis_url)
    assert len(fake.sent) == 1 and len(msg_records(rdb)) == 1


def test_status_callbacks_update_the_log(env, fake, rdb, redis_url):
    app, twilio = make(env)
    ask_for_sms(twilio)
    run_jobs(redis_url)
    [record] = msg_records(rdb)
    sid = record["provider_sid"]
    for state in ("sent", "delivered", "sent"):  # out of order: delivered is never undone
        status, _ = twilio.post("/sms/status", {"MessageSid": sid, "MessageStatus": state})
        assert status == 204
    assert rdb.hget(messages.key(record["id"]), "status") == "delivered"
    twilio.post("/sms/status", {"MessageSid": sid, "MessageStatus": "delivered"})  # retried callback
    day = app.extensions["hotline"].today().isoformat()
    assert rdb.hget(f"stats:{day}", "sms:delivered") == "1"


def test_failed_delivery_records_the_error_code(env, fake, rdb, redis_url):
    app, twilio = make(env)
    ask_for_sms(twilio)
    run_jobs(redis_url)
    [record] = msg_records(rdb)
    twilio.post("/sms/status", {"MessageSid": record["provider_sid"], "MessageStatus": "undelivered",
                                "ErrorCode": "30005"})
    record = rdb.hgetall(messages.key(record["id"]))
    assert (record["status"], record["error_code"]) == ("undelivered", "30005")


def test_retry_on_500_then_success(env, fake, rdb, redis_url):
    app, twilio = make(env)
    fake.plan = [FakeTwilio.error(500, 20500, "server error"), FakeTwilio.error(429, 20429, "too many")]
    ask_for_sms(twilio)
    for _ in range(3):
        run_jobs(redis_url)
    assert len(fake.sent) == 1
    [record] = msg_records(rdb)
    assert record["status"] == "queued" and record["provider_sid"]


def test_no_retry_on_21610_unsubscribed(env, fake, rdb, redis_url):
    app, twilio = make(env)
    fake.plan = [FakeTwilio.error(400, 21610, "Attempt to send to unsubscribed recipient")]
    ask_for_sms(twilio)
    for _ in range(3):
        run_jobs(redis_url)
    assert fake.sent == [] and len(fake.plan) == 0
    [record] = msg_records(rdb)
    assert (record["status"], record["error_code"]) == ("opted_out", "21610")
    assert rdb.exists(messages.optout_key(privacy.number_hash("test-hash-secret", CALLER)))


def test_nothing_is_sent_to_an_opted_out_number(env, fake, rdb, redis_url):
    app, twilio = make(env)
    rdb.set(messages.optout_key(privacy.number_hash("test-hash-secret", CALLER)), "1")
    ask_for_sms(twilio)
    run_jobs(redis_url)
    assert fake.sent == []
    assert msg_records(rdb)[0]["status"] == "opted_out"


def test_opt_out_after_the_request_still_stops_the_send(env, fake, rdb, redis_url):
    app, twilio = make(env)
    ask_for_sms(twilio)
    rdb.set(messages.optout_key(privacy.number_hash("test-hash-secret", CALLER)), "1")
    run_jobs(redis_url)
    assert fake.sent == []


def test_quiet_hours_schedule_for_nine(env, fake, rdb, redis_url):
    night = dt.datetime(2026, 11, 23, 22, 30, tzinfo=ALMATY)
    app, twilio = make(env, now=night)
    _, turn = ask_for_sms(twilio)
    assert turn.heard[0].text == "[ru] sms in the morning"  # not "in a minute"
    run_jobs(redis_url)
    assert fake.sent == []
    [record] = msg_records(rdb)
    assert record["status"] == "scheduled" and record["send_at"] == "2026-11-24T09:00:00+05:00"
    import redis

    q = Queue("sms", connection=redis.Redis.from_url(redis_url), serializer=JSONSerializer)
    registry = ScheduledJobRegistry(queue=q)
    assert registry.get_job_ids() == [f"sms-{record['id']}"]
    when = registry.get_scheduled_time(f"sms-{record['id']}")
    assert when == dt.datetime(2026, 11, 24, 4, 0, tzinfo=dt.UTC)


def test_early_morning_waits_for_nine_the_same_day(env):
    from ivr.sms.followups import send_time

    assert send_time(dt.datetime(2026, 11, 24, 6, 15, tzinfo=ALMATY)) == dt.datetime(2026, 11, 24, 9, tzinfo=ALMATY)
    assert send_time(dt.datetime(2026, 11, 24, 9, 0, tzinfo=ALMATY)) is None
    assert send_time(dt.datetime(2026, 11, 24, 20, 59, tzinfo=ALMATY)) is None
    assert send_time(dt.datetime(2026, 11, 24, 21, 0, tzinfo=ALMATY)) == dt.datetime(2026, 11, 25, 9, tzinfo=ALMATY)


def test_next_working_day_skips_the_weekend():
    from ivr.sms.followups import next_working_day

    friday = dt.datetime(2026, 11, 27, 15, tzinfo=ALMATY)
    assert next_working_day(friday) == dt.datetime(2026, 11, 30, 10, tzinfo=ALMATY)


def test_per_number_daily_limit(env, fake, rdb, redis_url):
    app, twilio = make(env)
    call, _ = ask_for_sms(twilio)
    turns = [call.press("1") for _ in range(5)]
    assert turns[-1].heard[0].text == "[ru] sms limit"
    run_jobs(redis_url)
    assert len(fake.sent) == 5


def test_without_credentials_sends_go_to_the_outbox(monkeypatch, env, fake, rdb, redis_url):
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_FROM_NUMBER"):
        monkeypatch.delenv(name)
        env.pop(name)
    job_context.context.cache_clear()
    app, twilio = make(env)
    ask_for_sms(twilio)
    run_jobs(redis_url)
    assert fake.sent == []
    [msg_id] = rdb.lrange("outbox", 0, -1)
    assert rdb.hget(messages.key(msg_id), "status") == "outbox"
    assert rdb.hget(messages.key(msg_id), "body") == "[ru] fact.a"


def test_the_job_payload_holds_the_only_plaintext_number(env, fake, rdb, redis_url):
    from .redis_scan import keys_containing

    app, twilio = make(env)
    ask_for_sms(twilio)
    [job_key] = keys_containing(redis_url, "7017654321")
    assert job_key.startswith("rq:job:sms-")
    assert "7017654321" not in rdb.hget(job_key, "description")  # only the compressed payload has it
    run_jobs(redis_url)
    assert all(rdb.ttl(k) > 0 for k in keys_containing(redis_url, "7017654321"))  # gone after result_ttl


def test_the_worker_keeps_its_heartbeat_and_state_with_fewer_writes(env, fake, rdb, redis_url):
    """HotlineWorker thins RQ's repeated heartbeats and state writes; monitoring still sees it."""
    import redis as redis_lib
    from rq import Worker

    from workers.runner import HotlineWorker

    app, twilio = make(env)
    ask_for_sms(twilio)
    conn = redis_lib.Redis.from_url(redis_url)
    q = Queue("sms", connection=conn, serializer=JSONSerializer)
    worker = HotlineWorker([q], connection=conn, serializer=JSONSerializer)
    seen = {}
    original = HotlineWorker.execute_job

    def execute_job(self, job, queue):
        original(self, job, queue)
        [found] = Worker.all(connection=conn)
        seen.update(state=found.get_state(), beat=found.last_heartbeat, ttl=conn.ttl(found.key))

    worker.execute_job = execute_job.__get__(worker)
    worker.work(burst=True)
    assert len(fake.sent) == 1
    assert seen["state"] == "idle" and seen["beat"] is not None and seen["ttl"] > 60


def test_the_worker_goes_idle_in_the_jobs_closing_transaction(redis_url, monkeypatch):
    """`idle` travels with RQ's success or failure transaction, not in a round trip of its own."""
    import redis as redis_lib
    from rq.worker.base import BaseWorker

    from workers.runner import HotlineWorker

    writes = []
    original = BaseWorker.set_state

    def set_state(self, state, pipeline=None):
        writes.append((getattr(state, "value", state), "in a transaction" if pipeline is not None else "alone"))
        return original(self, state, pipeline=pipeline)

    monkeypatch.setattr(BaseWorker, "set_state", set_state)
    conn = redis_lib.Redis.from_url(redis_url)
    queue = Queue("sms", connection=conn, serializer=JSONSerializer)
    for _ in range(2):
        queue.enqueue("tests.worker_probe.started_state")
    queue.enqueue("tests.worker_probe.fails")
    HotlineWorker([queue], connection=conn, serializer=JSONSerializer).work(burst=True)
    idle = [how for state, how in writes if state == "idle"]
    assert idle == ["alone"] + ["in a transaction"] * 3  # once as the worker starts, then with each job
    assert [s for s, _ in writes].count("busy") == 3 and len(queue.failed_job_registry) == 1


@pytest.mark.parametrize("names", [("sms", "default"), ("sms",)])  # one queue: RQ dequeues with LMOVE
def test_a_running_job_is_marked_started_and_registered_as_rq_does_it(redis_url, names):
    """HotlineWorker writes the execution and the job's start in one MULTI; all of it is there while the job runs."""
    import redis as redis_lib

    from workers.runner import HotlineWorker

    conn = redis_lib.Redis.from_url(redis_url)
    queues = [Queue(name, connection=conn, serializer=JSONSerializer) for name in names]
    job = queues[0].enqueue("tests.worker_probe.started_state", ttl=600)
    assert conn.ttl(job.key) > 0
    worker = HotlineWorker(queues, connection=conn, serializer=JSONSerializer)
    worker.work(burst=True)
    job.refresh()
    seen = job.return_value()
    assert seen["status"] == "started" and seen["worker_name"] == worker.name
    assert seen["started_at"] and seen["last_heartbeat"] and seen["in_started_registry"]
    assert seen["ttl"] == -1  # persisted while it runs, as RQ does
    assert job.get_status() == "finished" and not queues[0].started_job_registry.get_job_ids()
    assert conn.llen(queues[0].intermediate_queue_key) == 0 and len(queues[0]) == 0


def test_the_worker_logs_each_job_only_when_verbose_and_never_the_number(env, fake):
    import os
    import subprocess
    import sys

    from .conftest import ROOT

    app, twilio = make(env)

    def worker(*args):
        done = subprocess.run([sys.executable, "-m", "ivr.cli", "worker", "--burst", *args], cwd=ROOT,
                              env=dict(os.environ, **env), capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout + done.stderr

    ask_for_sms(twilio)
    quiet = worker()
    ask_for_sms(twilio, caller="+77017654322")
    verbose = worker("--verbose")
    assert len(fake.sent) == 2
    assert "warnings and errors only" in quiet and "Job OK" not in quiet
    assert "Job OK" in verbose
    assert "765432" not in quiet + verbose
