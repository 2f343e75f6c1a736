"""Chaos with real processes: a worker killed mid-send, an app server killed mid-call."""
import os
import signal
import subprocess
import sys
import time

import pytest
import redis as redis_lib
from rq import Queue
from rq.registry import StartedJobRegistry
from rq.serializers import JSONSerializer

from ivr.cli import _http_transport
from ivr.phone import Emulator

from .conftest import ROOT, free_port
from .followup_helpers import ask_for_sms, make, msg_records

pytestmark = pytest.mark.slow


def wait_for(predicate, timeout=20.0, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def worker(env, *args):
    return subprocess.Popen([sys.executable, "-m", "ivr.cli", "worker", *args], cwd=ROOT,
                            env=dict(os.environ, **env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def test_worker_killed_mid_send_sends_exactly_once(env, fake, rdb, redis_url):
    app, twilio = make(env)
    fake.delay = 3.0  # the worker will be waiting for Twilio's answer when it dies
    ask_for_sms(twilio)
    proc = worker(env)
    try:
        assert wait_for(lambda: len(fake.requests) == 1), "the worker never sent"
        os.killpg(proc.pid, signal.SIGKILL)  # the worker and its scheduler process
        proc.wait()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    fake.delay = 0
    conn = redis_lib.Redis.from_url(redis_url)
    queue = Queue("sms", connection=conn, serializer=JSONSerializer)
    # The dead worker's job is abandoned; RQ's cleanup retries it (what a live worker does after its TTL).
    StartedJobRegistry(queue=queue).cleanup(timestamp=time.time() + 3600)
    assert len(queue) == 1
    again = worker(env, "--burst")
    assert again.wait(timeout=60) == 0
    assert len(fake.sent) == 1  # the retried job did not send again
    [record] = msg_records(rdb)
    # It looked at Twilio's list first (HOTLINE_RECONCILE_AFTER=0 here), and found the message there.
    assert record["status"] == "queued" and record["provider_sid"] == fake.created[0]["sid"]


def serve(env, port):
    proc = subprocess.Popen([sys.executable, "-m", "ivr.cli", "serve", "--port", str(port), "--workers", "1"],
                            cwd=ROOT, env=dict(os.environ, **env), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    import urllib.request

    def up():
        try:
            urllib.request.urlopen(url + "/voice", timeout=1)
        except Exception as exc:  # 405 on GET means it is serving
            return getattr(exc, "code", None) == 405
        return True

    assert wait_for(up), "the server did not start"
    return proc, url


def test_app_killed_mid_call_continues_from_the_session(env, rdb):
    port = free_port()
    proc, url = serve(env, port)
    phone = Emulator(url, env["TWILIO_AUTH_TOKEN"], _http_transport).call()
    try:
        phone.start()
        phone.press("2")  # Russian
        phone.press("1")  # facts menu
        os.killpg(proc.pid, signal.SIGKILL)  # the master and its workers, all at once
        proc.wait()
        proc, _ = serve(env, port)
        turn = phone.press("1")  # the new server continues where the caller was
        assert turn.heard[0].text == "[ru] fact.a text"
        assert phone.press("*").heard[0].text == "[ru] facts menu"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
