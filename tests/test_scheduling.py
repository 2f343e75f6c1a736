"""Scheduling that comes back: RQ's scheduler (enqueue_in, Retry intervals, quiet-hours sends)
after a 20 s Redis outage, and after a worker is SIGKILLed and another one starts. Real Redis, real
worker processes; the bounds are generous deadlines, not timings."""
import datetime as dt
import os
import signal
import time

import pytest
import redis as redis_lib
from rq import Queue
from rq.serializers import JSONSerializer

from .conftest import ROOT, free_port
from .test_chaos import wait_for
from .test_redis_outage import start_redis

pytestmark = pytest.mark.slow
LOCK = "rq:scheduler-lock:sms"


def worker(env, log_path):
    """`hotline worker` (with its scheduler), its log kept for a failure's message."""
    import subprocess
    import sys

    with open(log_path, "ab") as log:
        return subprocess.Popen([sys.executable, "-m", "ivr.cli", "worker", "--verbose"], cwd=ROOT,
                                env=dict(os.environ, **env), stdout=subprocess.DEVNULL, stderr=log,
                                start_new_session=True)


def stop(proc, sig=signal.SIGTERM):
    """Stop the worker; one that does not stop within 30 s is killed (no leftover) and the test fails."""
    import subprocess

    if proc.poll() is None:
        os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise


def pings(conn) -> bool:
    try:
        return conn.ping()
    except redis_lib.ConnectionError:
        return False


def schedule_touch(conn, name: str, seconds: int) -> None:
    Queue("sms", connection=conn, serializer=JSONSerializer).enqueue_in(
        dt.timedelta(seconds=seconds), "tests.scheduled_probe.touch", name)


@pytest.fixture
def own_redis(tmp_path):
    """A Redis with AOF, as deploy/ runs it, that a test may stop and start again on the same port."""
    port, data = free_port(), tmp_path / "redis"
    data.mkdir()
    args = ("--appendonly", "yes", "--appendfsync", "everysec", "--dir", str(data))
    procs = [start_redis(port, *args)]
    yield port, procs, lambda: procs.append(start_redis(port, *args))
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=10)


def test_the_scheduler_comes_back_after_a_redis_outage(env, own_redis, monkeypatch, tmp_path):
    port, procs, restart = own_redis
    url = f"redis://127.0.0.1:{port}/0"
    monkeypatch.setenv("REDIS_URL", url)
    env = dict(env, REDIS_URL=url)
    conn = redis_lib.Redis.from_url(url)
    log = tmp_path / "worker.log"
    proc = worker(env, log)
    try:
        assert wait_for(lambda: conn.exists(LOCK), timeout=30), "the worker's scheduler never started"
        procs[-1].terminate()  # Redis goes away for 20 s
        procs[-1].wait()
        time.sleep(20)
        restart()
        assert wait_for(lambda: pings(conn), timeout=10)
        schedule_touch(conn, "probe:after-outage", 10)
        assert wait_for(lambda: conn.exists("probe:after-outage"), timeout=40), \
            "a job due 10 s after the outage did not run within 30 s of its time\n" + log.read_text()[-3000:]
        assert proc.poll() is None  # the worker lived through it
    finally:
        stop(proc)


def test_a_new_worker_takes_scheduling_over_from_a_killed_one(env, redis_url, tmp_path):
    conn = redis_lib.Redis.from_url(redis_url)
    log = tmp_path / "worker.log"
    first = worker(env, log)
    try:
        assert wait_for(lambda: conn.exists(LOCK), timeout=30), "the first worker's scheduler never started"
        held_by = conn.get(LOCK)
    finally:
        stop(first, signal.SIGKILL)  # the worker and its scheduler, no chance to release the lock
    assert conn.get(LOCK) == held_by  # the dead scheduler's lock is still there
    second = worker(env, log)
    try:
        schedule_touch(conn, "probe:after-kill", 5)
        assert wait_for(lambda: conn.exists("probe:after-kill"), timeout=60), \
            "no scheduled job ran within 60 s of a new worker's start\n" + log.read_text()[-3000:]
    finally:
        stop(second)
