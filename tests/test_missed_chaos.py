"""Missed-call callbacks with real processes: a worker running (how soon after the ring the job
starts, measured and printed, not asserted), a worker killed mid-call, Redis and the worker
restarted between the ring and the call, and the terminal phone's `hotline call --missed`."""
import os
import signal
import subprocess
import sys
import time

import pytest
import redis as redis_lib
from rq import Queue
from rq.job import Job
from rq.registry import ScheduledJobRegistry, StartedJobRegistry
from rq.serializers import JSONSerializer

from ivr.store import missed_calls
from workers import context as job_context

from .conftest import ROOT, free_port, redis_server_binary
from .missed_helpers import CALLER, make, records, ring, without_twilio
from .test_chaos import serve, wait_for, worker

pytestmark = pytest.mark.slow


def stop(proc, sig=signal.SIGTERM):
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
    proc.wait(timeout=30)


def test_the_job_starts_within_moments_of_the_ring(env, fake, rdb, capsys):
    """Target: the callback job starts < 2 s after the ring. Measured with a worker running."""
    app, twilio = make(env)
    proc = worker(env)
    try:
        assert wait_for(lambda: rdb.scard("rq:workers") > 0), "the worker did not start"
        delays = []
        for n in range(5):
            ring(twilio, caller=f"+7701000010{n}")
            assert wait_for(lambda n=n: len(fake.calls) == n + 1), "no callback was placed"
        # The fake has the request before the worker has its answer and records the callback placed.
        assert wait_for(lambda: all("placed" in r for r in records(rdb))), "a callback was never recorded"
        for record in records(rdb):
            delays.append((float(record["started"]) - float(record["rang"]),
                           float(record["placed"]) - float(record["rang"])))
    finally:
        stop(proc)
    with capsys.disabled():
        print("\nmissed call → callback job started, s: " + " ".join(f"{s:.3f}" for s, _ in delays)
              + "\nmissed call → call placed at Twilio, s: " + " ".join(f"{p:.3f}" for _, p in delays)
              + "   (pace: 1 call/s, so later calls wait their slot)")
    assert len(delays) == 5 and all(s >= 0 for s, _ in delays)


def test_a_worker_killed_mid_call_does_not_ring_twice(env, fake, rdb, redis_url):
    app, twilio = make(env)
    fake.delay = 3.0  # the worker will be waiting for Twilio's answer when it dies
    ring(twilio)
    proc = worker(env)
    try:
        assert wait_for(lambda: len(fake.requests) == 1), "the worker never called"
        stop(proc, signal.SIGKILL)  # the worker and its scheduler process
    finally:
        stop(proc, signal.SIGKILL)
    fake.delay = 0
    queue = Queue("calls", connection=redis_lib.Redis.from_url(redis_url), serializer=JSONSerializer)
    StartedJobRegistry(queue=queue).cleanup(timestamp=time.time() + 3600)  # the abandoned job is retried …
    scheduled = ScheduledJobRegistry(queue=queue)
    [job_id] = scheduled.get_job_ids()  # … after its retry interval; its time has come
    scheduled.remove(job_id)
    queue.enqueue_job(Job.fetch(job_id, connection=queue.connection, serializer=JSONSerializer))
    again = worker(env, "--burst")
    assert again.wait(timeout=60) == 0
    assert len(fake.calls) == 1  # the retried job did not call again
    [record] = records(rdb)  # it looked at Twilio's Calls list first, and found the call there
    assert record["status"] == "calling" and record["call_sid"] == fake.created[0]["sid"]


@pytest.fixture
def durable_redis(tmp_path):
    """A Redis with the production persistence (AOF), restartable on the same port and files."""
    port, workdir = free_port(), tmp_path / "redis"
    workdir.mkdir()
    args = [redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(workdir),
            "--appendonly", "yes", "--appendfsync", "always", "--save", ""]
    url = f"redis://127.0.0.1:{port}/0"
    procs = []

    def start():
        procs.append(subprocess.Popen(args, stdout=subprocess.DEVNULL))
        with redis_lib.Redis.from_url(url) as client:
            assert wait_for(lambda: _pings(client)), "redis did not start"

    start()
    yield url, start, procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


def _pings(client) -> bool:
    try:
        return client.ping()
    except redis_lib.ConnectionError:
        return False


def test_a_restart_between_the_ring_and_the_call_loses_nothing(env, fake, monkeypatch, durable_redis):
    url, start, procs = durable_redis
    monkeypatch.setenv("REDIS_URL", url)
    job_context.context.cache_clear()
    env = dict(env, REDIS_URL=url)
    app, twilio = make(env)
    ring(twilio)
    procs[-1].kill()  # Redis dies (kill -9) after the ring, before any worker ran
    procs[-1].wait()
    start()
    first = worker(env)  # a worker starts, and is stopped before it could have called (or after)
    stop(first, signal.SIGKILL)
    again = worker(env, "--burst")
    assert again.wait(timeout=60) == 0
    assert len(fake.calls) == 1 and fake.calls[0]["To"] == CALLER
    with redis_lib.Redis.from_url(url, decode_responses=True) as rdb:
        [record] = records(rdb)
        assert record["status"] == "calling" and rdb.exists(missed_calls.pending_key(record["caller"]))


def test_the_terminal_phone_rings_and_is_called_back_without_twilio(env, fake, rdb, monkeypatch):
    """`hotline call --missed`: the reject, then the callback from the local outbox, then the menu; the SMS
    asked for during the callback goes to the caller, not to the hotline's number Twilio posts as From."""
    without_twilio(monkeypatch, env)
    env = dict(env, HOTLINE_PUBLIC_URL="")  # as with `make run`: the outbox, relative URLs
    monkeypatch.setenv("HOTLINE_PUBLIC_URL", "")
    port = free_port()
    web, url = serve(env, port)
    jobs = worker(env)
    try:
        done = subprocess.run([sys.executable, "-m", "ivr.cli", "call", "--missed", "--url", url, "--from", CALLER,
                               "--keys", "2 1 1 1"], cwd=ROOT, env=dict(os.environ, **env), capture_output=True,
                              text=True, timeout=90)
    finally:
        stop(jobs)
        stop(web)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "rejected: busy" in out and "calling you back" in out
    assert "[kk] choose kk" in out and "[ru] main menu" in out and "[ru] facts menu" in out
    assert CALLER not in out.replace(f"--from {CALLER}", "")
    assert "✉ SMS to you (+7 701 *** ** 21" in out and "[ru] fact.a" in out and "ANOTHER" not in out
    assert records(rdb)[0]["status"] == "answered" and fake.calls == []
