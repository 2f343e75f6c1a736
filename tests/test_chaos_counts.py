"""A chaos run: follow-up SMS and missed-call callbacks sent through a fake Twilio that loses answers
at random (late past the timeout, resets, 500 after accepting, requests lost, 429/503 refusals), with
the worker SIGKILLed midway and a new one started. Prints how many sends were lost and how many
duplicated (target: 0 and 0), counted by our id in each request's status callback URL."""
import collections
import random
import time

import pytest
import redis as redis_lib
from rq import Queue
from rq.job import Job
from rq.registry import ScheduledJobRegistry, StartedJobRegistry
from rq.serializers import JSONSerializer

from ivr.store import messages

from .followup_helpers import ask_for_sms, msg_records
from .missed_helpers import make as make_missed
from .missed_helpers import records, ring
from .test_chaos import wait_for, worker
from .test_lost_answers import stop

pytestmark = pytest.mark.slow
FAULTS = ["", "", "late", "reset", "500", "lost", "429", "503"]


def _settled(rdb, msg_ids, cids) -> bool:
    claims = [rdb.get(messages.claim_key(m)) or "" for m in msg_ids]
    calls = {r["id"]: r for r in records(rdb)}
    return all(c.startswith("sent:") for c in claims) and all(
        calls[c].get("call_sid") and calls[c].get("status") == "calling" for c in cids)


def _requeue_abandoned(redis_url):
    conn = redis_lib.Redis.from_url(redis_url)
    for name in ("sms", "calls"):
        queue = Queue(name, connection=conn, serializer=JSONSerializer)
        StartedJobRegistry(queue=queue).cleanup(timestamp=time.time() + 3600)  # as a live worker's maintenance
        scheduled = ScheduledJobRegistry(queue=queue)
        for job_id in scheduled.get_job_ids():  # retries whose time has come (the clock moved on)
            if job_id.startswith(("sms-", "call-")):
                scheduled.remove(job_id)
                queue.enqueue_job(Job.fetch(job_id, connection=conn, serializer=JSONSerializer))


def test_chaos_loses_nothing_and_sends_nothing_twice(env, fake, rdb, redis_url, monkeypatch, capsys):
    extra = {"TWILIO_HTTP_TIMEOUT": "1", "HOTLINE_RECONCILE_AFTER": "2", "HOTLINE_CALLBACK_CPS": "20"}
    for k, v in extra.items():
        monkeypatch.setenv(k, v)
    env = dict(env, **extra)
    from workers import context as job_context

    job_context.context.cache_clear()
    rng = random.Random(32)
    fake.faults, fake.late_by = [rng.choice(FAULTS) for _ in range(200)], 2.0
    fault_mix = collections.Counter(fake.faults[:40])
    app, twilio = make_missed(env)
    for n in range(12):
        ask_for_sms(twilio, caller=f"+7701200{n:04d}")
    for n in range(6):
        ring(twilio, caller=f"+7701300{n:04d}")
    msg_ids = [r["id"] for r in msg_records(rdb)]
    cids = [r["id"] for r in records(rdb)]
    first = worker(env)
    time.sleep(4)
    stop(first, 9)  # SIGKILL midway: some sends are in flight
    _requeue_abandoned(redis_url)
    second = worker(env)
    try:
        settled = wait_for(lambda: _settled(rdb, msg_ids, cids), timeout=150)
        time.sleep(3)  # anything still scheduled would show now
    finally:
        stop(second)
    sends = collections.Counter(f["StatusCallback"].rsplit("m=", 1)[1] for f in fake.sent)
    calls = collections.Counter(f["StatusCallback"].split("cb=", 1)[1].split("&")[0] for f in fake.calls)
    lost = sum(1 for m in msg_ids if sends[m] == 0) + sum(1 for c in cids if calls[c] == 0)
    duplicated = sum(1 for m in msg_ids if sends[m] > 1) + sum(1 for c in cids if calls[c] > 1)
    with capsys.disabled():
        print(f"\nchaos: {len(msg_ids)} SMS, {len(cids)} callbacks, faults {dict(fault_mix)}, worker SIGKILLed once"
              f"\nchaos: lost {lost}, duplicated {duplicated}")
    assert settled, [(m, rdb.get(messages.claim_key(m))) for m in msg_ids]
    assert (lost, duplicated) == (0, 0)
