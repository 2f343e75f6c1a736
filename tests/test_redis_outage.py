"""Redis down, frozen or full: every Twilio webhook still answers valid TwiML within 2 seconds,
with 1406 and 103, and the app recovers by itself when Redis comes back."""
import os
import signal
import subprocess
import time

import pytest
import redis as redis_lib

from ivr.phone import Emulator, parse_twiml

from . import catalog_fixture as fx
from .conftest import client_transport, free_port, redis_server_binary


def start_redis(port, *extra):
    proc = subprocess.Popen([redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", *extra], stdout=subprocess.DEVNULL)
    client = redis_lib.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            return proc
        except redis_lib.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError("redis did not start")


@pytest.fixture
def own_redis():
    port = free_port()
    proc = start_redis(port)
    yield port, proc
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGCONT)
        proc.terminate()
        proc.wait()


def make(app_factory, tmp_path, port):
    app = app_factory(REDIS_URL=f"redis://127.0.0.1:{port}/0", HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "p")))
    return app, Emulator("http://localhost", app.config["TWILIO_AUTH_TOKEN"], client_transport(app.test_client()))


def timed(fn):
    start = time.monotonic()
    result = fn()
    return result, time.monotonic() - start


def assert_fallback_voice(status_body):
    status, body = status_body
    assert status == 200
    root = parse_twiml(body)
    said = " ".join(s.text for s in root.iter("Say"))
    assert "1 4 0 6" in said and root.find("Hangup") is not None


def assert_language_menu(status_body):
    """A new call while Redis is unavailable: the language menu, which needs no state, not the outage line."""
    status, body = status_body
    assert status == 200
    root = parse_twiml(body)
    assert "choose ru" in body and root.find("Gather") is not None and root.find("Hangup") is None


def voice_form(sid="CA" + "9" * 32):
    return {"CallSid": sid, "From": "+77010000009", "To": "+77270000000", "CallStatus": "ringing"}


@pytest.mark.slow
def test_redis_down_then_back(app_factory, tmp_path, own_redis):
    port, proc = own_redis
    app, twilio = make(app_factory, tmp_path, port)
    assert twilio.post("/voice", voice_form())[0] == 200
    proc.terminate()
    proc.wait()
    result, took = timed(lambda: twilio.post("/voice", voice_form("CA" + "8" * 32)))
    assert_language_menu(result)
    assert took < 2
    callback = dict(voice_form("CA" + "4" * 32), Direction="outbound-api", From="+77270000000", To="+77010000009")
    assert_fallback_voice(twilio.post("/voice?cb=c1", callback))  # a callback we placed: its answer can't be kept
    (status, replies), took = timed(lambda: twilio.sms("документы"))
    assert status == 200 and replies == ["[ru] kept: the answer comes by SMS 103"] and took < 2  # spooled: told so
    result, took = timed(lambda: twilio.post("/voice/key?s=1&l=ru", dict(voice_form(), Digits="1")))
    # A call in progress walks on from its URL (the main menu, in the caller's language, here)
    assert "[ru] main menu" in result[1] and "<Gather" in result[1] and took < 2
    proc2 = start_redis(port)
    try:
        status, body = twilio.post("/voice", voice_form("CA" + "7" * 32))
        assert status == 200 and "choose ru" in body  # recovered without a restart (ru: said by Twilio)
    finally:
        proc2.terminate()
        proc2.wait()


@pytest.mark.slow
def test_redis_frozen(app_factory, tmp_path, own_redis):
    port, proc = own_redis
    app, twilio = make(app_factory, tmp_path, port)
    assert twilio.post("/voice", voice_form())[0] == 200
    os.kill(proc.pid, signal.SIGSTOP)
    try:
        result, took = timed(lambda: twilio.post("/voice", voice_form("CA" + "6" * 32)))
        assert_language_menu(result)
        assert took < 2
    finally:
        os.kill(proc.pid, signal.SIGCONT)
    time.sleep(0.1)
    assert "choose ru" in twilio.post("/voice", voice_form("CA" + "5" * 32))[1]


def test_redis_out_of_memory(app_factory, tmp_path, own_redis):
    port, proc = own_redis
    client = redis_lib.Redis(port=port)
    client.set("ballast", "x" * 2_000_000)
    client.config_set("maxmemory-policy", "noeviction")
    client.config_set("maxmemory", "1mb")
    app, twilio = make(app_factory, tmp_path, port)
    assert_language_menu(twilio.post("/voice", voice_form()))
    status, replies = twilio.sms("hello")
    assert status == 200 and "kept: the answer comes by SMS 103" in replies[0]  # spooled, answered when Redis can


@pytest.mark.slow
def test_queued_jobs_survive_a_redis_restart_with_aof(app_factory, tmp_path):
    """With AOF (as deploy/redis.conf configures it) a restart keeps the queue and the sessions."""
    from rq import Queue
    from rq.serializers import JSONSerializer

    port = free_port()
    data = tmp_path / "redis-data"
    data.mkdir()
    aof = ("--appendonly", "yes", "--appendfsync", "everysec", "--dir", str(data))
    proc = start_redis(port, *aof)
    try:
        conn = redis_lib.Redis(port=port)
        queue = Queue("sms", connection=conn, serializer=JSONSerializer)
        job = queue.enqueue("workers.sms_jobs.send_sms", kwargs={"msg_id": "m1", "to": "+7", "body": "b",
                                                                  "caller": "c"}, job_id="sms-m1")
        conn.set("session:voice:CA1", "{}")
        time.sleep(1.2)  # appendfsync everysec: at most about a second is at risk
        os.kill(proc.pid, signal.SIGKILL)  # no chance to save on the way out
        proc.wait()
        proc = start_redis(port, *aof)
        assert Queue("sms", connection=conn, serializer=JSONSerializer).job_ids == [job.id]
        assert conn.exists("session:voice:CA1")
    finally:
        proc.terminate()
        proc.wait()


def test_redis_lost_between_an_sms_keys_claim_and_its_writes_promises_no_sms(app_factory, tmp_path, own_redis,
                                                                            monkeypatch):
    """A key asking for an SMS claims its mark (with the day's count) in one round trip and writes the message,
    its RQ job and the step in the next. Redis really going away between the two: the caller hears 1406, not
    "an SMS is coming", and the call goes on."""
    from ivr.store import write_once

    port, proc = own_redis
    app, twilio = make(app_factory, tmp_path, port)
    call = twilio.call(caller="+77010000019")
    call.start()
    for key in ("2", "1", "1"):  # Russian, facts, fact a (which offers its SMS on 1)
        call.press(key)
    claim_then = write_once.claim_then

    def claim_then_redis_goes(*args, **kwargs):
        checked = claim_then(*args, **kwargs)
        proc.terminate()
        proc.wait()
        return checked

    monkeypatch.setattr(write_once, "claim_then", claim_then_redis_goes)
    turn = call.press("1")
    assert turn.status == 200 and "sms queued" not in turn.text and "1 4 0 6" in turn.text, turn.text
    assert turn.gather is not None  # the call goes on where it was
