"""Once, through ambiguous failures: Twilio accepts a send and its answer is lost (late past the
client's timeout, a reset after the request went out, a 500 after creating it), or a worker dies
mid-send. With a real RQ worker (and its scheduler): exactly one SMS and one call, each settled by
a look at Twilio's list or by the status callback that carries our id."""
import os
import signal
import time

import pytest
import redis as redis_lib
from rq import Queue
from rq.job import Job
from rq.registry import ScheduledJobRegistry, StartedJobRegistry
from rq.serializers import JSONSerializer

from ivr.store import messages, missed_calls
from workers import context as job_context

from .followup_helpers import ask_for_sms, msg_records
from .missed_helpers import CALLER, records, ring
from .missed_helpers import make as make_missed
from .test_chaos import wait_for, worker

pytestmark = pytest.mark.slow


@pytest.fixture
def lossy(env, monkeypatch):
    """The worker gives up on Twilio after 1 s, and trusts Twilio's list 2 s after a send in doubt."""
    extra = {"TWILIO_HTTP_TIMEOUT": "1", "HOTLINE_RECONCILE_AFTER": "2"}
    for k, v in extra.items():
        monkeypatch.setenv(k, v)
    job_context.context.cache_clear()
    return dict(env, **extra)


def stop(proc, sig=signal.SIGTERM):
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
    proc.wait(timeout=30)


def settled_sms(rdb):
    found = msg_records(rdb)
    return found and found[0].get("provider_sid") and rdb.get(messages.claim_key(found[0]["id"])).startswith("sent:")


def settled_call(rdb):
    found = records(rdb)
    return found and found[0].get("call_sid") and found[0].get("status") != "uncertain"


def quiet(rdb_bytes) -> bool:
    """Nothing left to run: no job queued, scheduled or running on the hotline's queues."""
    for name in ("sms", "calls"):
        q = Queue(name, connection=rdb_bytes, serializer=JSONSerializer)
        if len(q) or ScheduledJobRegistry(queue=q).count or StartedJobRegistry(queue=q).count:
            return False
    return True


@pytest.mark.parametrize("fault", ["late", "reset", "500", "lost"])
def test_an_sms_whose_answer_is_lost_is_sent_exactly_once(lossy, fake, rdb, redis_url, fault):
    from .followup_helpers import make

    app, twilio = make(lossy)
    fake.faults, fake.late_by = [fault], 3.0
    ask_for_sms(twilio)
    proc = worker(lossy)
    try:
        assert wait_for(lambda: settled_sms(rdb), timeout=60), msg_records(rdb)
        assert wait_for(lambda: quiet(redis_lib.Redis.from_url(redis_url)), timeout=30)
    finally:
        stop(proc)
    assert len(fake.sent) == 1, fake.sent
    [record] = msg_records(rdb)
    assert record["provider_sid"] == fake.created[0]["sid"] and record["status"] == "queued"
    assert any("/Messages.json?" in g["path"] for g in fake.gets)  # Twilio's list was read first


@pytest.mark.parametrize("fault", ["late", "reset", "500", "lost"])
def test_a_callback_whose_answer_is_lost_rings_exactly_once(lossy, fake, rdb, redis_url, fault):
    app, twilio = make_missed(lossy)
    fake.faults, fake.late_by = [fault], 3.0
    ring(twilio)
    proc = worker(lossy)
    try:
        assert wait_for(lambda: settled_call(rdb), timeout=60), records(rdb)
        assert wait_for(lambda: quiet(redis_lib.Redis.from_url(redis_url)), timeout=30)
    finally:
        stop(proc)
    assert len(fake.calls) == 1 and fake.calls[0]["To"] == CALLER
    [record] = records(rdb)
    assert record["call_sid"] == fake.created[0]["sid"] and record["status"] == "calling"
    assert any("/Calls.json?" in g["path"] for g in fake.gets)


def _kill_mid_send(env, fake, rdb):
    fake.delay = 3.0  # the worker is waiting for Twilio's answer when it dies
    proc = worker(env)
    try:
        assert wait_for(lambda: len(fake.requests) == 1), "the worker never sent"
    finally:
        stop(proc, signal.SIGKILL)
    fake.delay = 0


def _rerun_abandoned(redis_url, queue_name):
    """RQ's cleanup of a dead worker's job (what a live worker does in its maintenance), then its retry."""
    queue = Queue(queue_name, connection=redis_lib.Redis.from_url(redis_url), serializer=JSONSerializer)
    StartedJobRegistry(queue=queue).cleanup(timestamp=time.time() + 3600)
    scheduled = ScheduledJobRegistry(queue=queue)
    for job_id in scheduled.get_job_ids():
        scheduled.remove(job_id)
        queue.enqueue_job(Job.fetch(job_id, connection=queue.connection, serializer=JSONSerializer))


def test_a_status_callback_settles_an_sms_left_in_doubt_by_a_killed_worker(env, fake, rdb, redis_url, monkeypatch):
    from .followup_helpers import make

    monkeypatch.setenv("HOTLINE_RECONCILE_AFTER", "600")  # no look at Twilio's list: the callback alone
    env = dict(env, HOTLINE_RECONCILE_AFTER="600")
    app, twilio = make(env)
    ask_for_sms(twilio)
    _kill_mid_send(env, fake, rdb)
    [record] = msg_records(rdb)
    assert record["status"] in ("requested", "queued") and "provider_sid" not in record
    sid = fake.created[0]["sid"]
    status, _ = twilio.post(f"/sms/status?m={record['id']}", {"MessageSid": sid, "MessageStatus": "delivered"})
    assert status == 204
    [record] = msg_records(rdb)
    assert record["status"] == "delivered" and record["provider_sid"] == sid
    _rerun_abandoned(redis_url, "sms")
    again = worker(env, "--burst")
    assert again.wait(timeout=60) == 0
    assert len(fake.sent) == 1 and msg_records(rdb)[0]["status"] == "delivered"


def test_a_status_callback_settles_a_callback_left_in_doubt_and_frees_the_number(env, fake, rdb, redis_url,
                                                                                  monkeypatch):
    monkeypatch.setenv("HOTLINE_RECONCILE_AFTER", "600")
    env = dict(env, HOTLINE_RECONCILE_AFTER="600")
    app, twilio = make_missed(env)
    ring(twilio)
    _kill_mid_send(env, fake, rdb)
    _rerun_abandoned(redis_url, "calls")
    again = worker(env, "--burst")
    assert again.wait(timeout=60) == 0
    [record] = records(rdb)
    assert record["status"] == "uncertain" and len(fake.calls) == 1
    form = fake.calls[0]
    path = form["StatusCallback"].split("hotline.example.org", 1)[1]
    status, _ = twilio.post(path, {"CallSid": fake.created[0]["sid"], "CallStatus": "completed", "From": form["From"],
                                   "To": CALLER, "Direction": "outbound-api", "CallDuration": "12"})
    assert status == 204
    [record] = records(rdb)
    assert record["status"] == "completed" and record["call_sid"] == fake.created[0]["sid"]
    assert not rdb.exists(missed_calls.pending_key(record["caller"]))  # the number's next ring is not held back

