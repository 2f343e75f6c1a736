"""Nothing lost in a Redis outage: texts, status callbacks and missed-call rings that come while
Redis is down are kept in the web host's spool and replayed once when it is back; a call in progress
walks on from its signed URL. A real Redis (with AOF, as deployed), stopped for 20 s and started again."""
import json
import time

import pytest
import redis as redis_lib

from ivr.phone import Emulator
from ivr.store import calllog, messages, spool

from . import catalog_fixture as fx
from .conftest import client_transport, free_port
from .missed_helpers import records
from .test_chaos import wait_for
from .test_redis_outage import start_redis

pytestmark = pytest.mark.slow
TEXTER, RINGER, CALLER = "+77015550001", "+77015550002", "+77015550003"


@pytest.fixture
def durable(tmp_path):
    port, data = free_port(), tmp_path / "redis"
    data.mkdir()
    args = ("--appendonly", "yes", "--appendfsync", "always", "--dir", str(data))
    procs = [start_redis(port, *args)]

    def down():
        procs[-1].terminate()
        procs[-1].wait()

    yield port, down, lambda: procs.append(start_redis(port, *args))
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=10)


def make(app_factory, tmp_path, port):
    app = app_factory(REDIS_URL=f"redis://127.0.0.1:{port}/0", HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "p")),
                      HOTLINE_PUBLIC_URL="https://hotline.example.org")
    return app, Emulator("http://localhost", app.config["TWILIO_AUTH_TOKEN"], client_transport(app.test_client()))


def ask_for_sms(twilio, caller=CALLER):
    call = twilio.call(caller=caller)
    call.start()
    for key in ("2", "1", "1"):  # Russian, facts, fact a (it offers SMS on 1)
        call.press(key)
    return call


def test_texts_callbacks_and_rings_during_an_outage_are_replayed_once(app_factory, tmp_path, durable):
    port, down, up = durable
    app, twilio = make(app_factory, tmp_path, port)
    rdb = redis_lib.Redis(port=port, decode_responses=True)
    ask_for_sms(twilio).press("1")  # a follow-up SMS that a status callback will be about
    [msg_id] = rdb.zrange("msgs", 0, -1)
    down()
    started = time.monotonic()
    status, replies = twilio.sms("документы", sender=TEXTER, sid="SM" + "1" * 32)
    assert status == 200 and replies == ["[ru] kept: the answer comes by SMS 103"]  # kept: the answer comes later
    status, _ = twilio.sms("документы", sender=TEXTER, sid="SM" + "1" * 32)  # Twilio delivers it again
    assert status == 200
    assert twilio.post(f"/sms/status?m={msg_id}", {"MessageSid": "SM" + "2" * 32,
                                                   "MessageStatus": "delivered"})[0] == 204
    assert twilio.ring_missed(RINGER).rejected == "busy"  # the ring is never answered, nor billed
    assert twilio.post("/voice/status", {"CallSid": "CA" + "3" * 32, "CallStatus": "completed", "From": CALLER,
                                         "To": "+77270000000", "CallDuration": "30"})[0] == 204
    [spooled] = spool.pending(app.config)
    lines = [json.loads(line) for line in spooled.read_text().splitlines()]
    assert [entry["path"] for entry in lines] == ["/sms", "/sms", "/sms/status", "/voice/missed", "/voice/status"]
    time.sleep(max(0.0, 20 - (time.monotonic() - started)))  # Redis stays away 20 s
    up()
    assert wait_for(lambda: not spool.pending(app.config) and not list(spool.directory(app.config).iterdir()),
                    timeout=30), "the spool was not replayed"
    # The text: logged once, and its answer sent by SMS (the texter had only the outage line).
    texter = app.extensions["hotline"].caller_hash(TEXTER)
    events = [json.loads(e) for e in rdb.lrange(calllog.events_key(f"SMS-{texter}"), 0, -1)]
    assert [e["type"] for e in events].count("sms_in") == 1
    late = [rdb.hgetall(messages.key(m)) for m in rdb.zrange("msgs", 0, -1)]
    assert [m["kind"] for m in late].count("late_reply") == 1
    # The status callback settled the follow-up SMS; the ring queued its callback; the call has its record.
    record = rdb.hgetall(messages.key(msg_id))
    assert record["status"] == "delivered" and record["provider_sid"] == "SM" + "2" * 32
    [ring] = records(rdb)
    assert ring["status"] == "queued" and ring["caller"] == app.extensions["hotline"].caller_hash(RINGER)
    assert rdb.hget(calllog.conv_key("CA" + "3" * 32), "status") == "completed"
    # Replaying again (another process finding nothing) changes nothing.
    assert spool.replay(app) == 0


def test_a_call_in_progress_walks_on_while_redis_is_down(app_factory, tmp_path, durable):
    port, down, up = durable
    app, twilio = make(app_factory, tmp_path, port)
    call = twilio.call(caller=CALLER)
    call.start()
    call.press("2")  # Russian
    call.press("1")  # facts
    down()
    try:
        turn = call.press("1")
        assert turn.heard[0].text == "[ru] fact.a text" and not turn.hangup
        turn = call.press("1")  # "send it by SMS": that must write, so the caller is told, and goes on
        assert "[ru] unavailable" in turn.text and not turn.hangup and turn.gather is not None
        assert call.press("*").heard[0].text == "[ru] facts menu"
    finally:
        up()


def test_a_new_call_while_redis_is_down_gets_the_language_menu_and_walks_on(app_factory, tmp_path, durable):
    port, down, up = durable
    app, twilio = make(app_factory, tmp_path, port)
    rdb = redis_lib.Redis(port=port, decode_responses=True)
    down()
    call = twilio.call(caller=CALLER)
    try:
        turn = call.start()
        assert "choose ru" in turn.text and not turn.hangup and turn.gather is not None  # no state needed
        assert call.press("2").heard[0].text == "[ru] main menu"  # Russian, as any first call
        call.press("1")
        assert call.press("1").heard[0].text == "[ru] fact.a text"
        turn = call.press("1")  # "send it by SMS": nothing can be queued, so the caller is told, and goes on
        assert "[ru] unavailable" in turn.text and not turn.hangup and turn.gather is not None
        assert twilio.post("/voice/status", {"CallSid": call.sid, "CallStatus": "completed", "From": CALLER,
                                             "To": "+77270000000", "CallDuration": "40"})[0] == 204
    finally:
        up()
    # A file claimed for replay is no longer pending but stays in the folder until its requests have run.
    assert wait_for(lambda: not spool.pending(app.config) and not list(spool.directory(app.config).iterdir()),
                    timeout=30), "the spool was not replayed"
    assert rdb.hget(calllog.conv_key(call.sid), "status") == "completed"  # the call has its record after all
