"""Calls under the carriers' rules: withheld caller IDs, and status callbacks for calls that
never reached /voice."""
import pytest

from ivr.ops.messages import convlist
from ivr.store import calllog

from . import sms_fixtures
from .conftest import ops_login
from .followup_helpers import ask_for_sms, make, msg_records, run_jobs
from .twilio_bodies import WITHHELD, call_status, sid

HIDDEN = [WITHHELD, "anonymous", "restricted", ""]


@pytest.mark.parametrize("hidden", HIDDEN)
def test_a_second_withheld_caller_is_not_greeted_in_the_first_ones_language(twilio, catalog, rdb, hidden):
    first = twilio.call(caller=hidden)
    first.start()
    first.press("6")  # Turkmen
    second = twilio.call(caller=WITHHELD)
    turn = second.start()
    assert catalog.voice("tk", "ui.welcome_back") not in turn.text
    assert "n=_language" in turn.gather["action"] and "l=" not in turn.gather["action"]  # the language menu
    assert not rdb.keys("caller:*")
    assert rdb.hget(calllog.conv_key(first.sid), "caller") == "anonymous"


@pytest.mark.parametrize("key_path, refused", [(["6", "1"], "callback"), (["1", "2"], "reminder")])
def test_a_withheld_caller_hears_that_nobody_can_call_or_text_a_hidden_number(twilio, catalog, rdb,
                                                                              key_path, refused):
    call = twilio.call(caller=WITHHELD)
    call.start()
    call.press("2")  # Russian
    for key in key_path:
        turn = call.press(key)
    assert catalog.voice("ru", "ui.number_hidden") in turn.text
    assert catalog.voice("ru", "ui.callback_done") not in turn.text
    assert catalog.voice("ru", "ui.reminder_done") not in turn.text
    assert turn.gather  # the call goes on, back where the caller was
    assert not rdb.keys("callback*") and not rdb.keys("msg*") and not rdb.keys("smslimit:*")
    last = calllog.read(rdb, call.sid)[1][-1]
    assert (last["result"], last["refused"], last["reason"]) == ("refused", refused, "withheld")


def test_two_withheld_callers_do_not_share_one_callback_slot(twilio, catalog, rdb):
    from ivr.store import callbacks

    assert callbacks.request(rdb, WITHHELD, "anonymous", "CA1", "ru") is None
    assert callbacks.request(rdb, "+77015550700", "a" * 32, "CA2", "ru")
    assert not rdb.exists("callback:open-for:anonymous")


def test_no_sms_is_queued_to_a_withheld_number(env, fake, rdb, redis_url):
    app, twilio = make(env)
    for _ in range(6):  # more than the daily limit: a hidden number has none to share
        call, turn = ask_for_sms(twilio, caller=WITHHELD)
        assert turn.heard[0].text == "[ru] number hidden"
    run_jobs(redis_url)
    assert fake.sent == [] and msg_records(rdb) == [] and not rdb.keys("smslimit:*")


def test_a_status_callback_for_a_call_that_never_reached_voice_is_a_call_operators_see(app, twilio, rdb, ops_users):
    call_sid = sid("CA")
    for status, sequence in (("ringing", 0), ("completed", 1)):
        code, _ = twilio.post("/voice/status", call_status(call_sid, status, "+77015550800", duration=42,
                                                           sequence=sequence))
        assert code == 204
    record, events = calllog.read(rdb, call_sid)
    assert record["channel"] == "voice" and record["origin"] == "status_callback"
    assert record["status"] == "completed" and record["duration"] == "42" and record["direction"] == "inbound"
    assert convlist.ending(record) == "caller" and [e["status"] for e in events] == ["ringing", "completed"]
    assert call_sid in calllog.recent(rdb, "voice")
    client = app.test_client()
    ops_login(client, "olga")
    assert call_sid in client.get("/ops/calls").get_data(as_text=True)
    assert client.get(f"/ops/calls/{call_sid}").status_code == 200


def test_a_status_callback_for_a_known_call_does_not_restart_its_record(twilio, rdb):
    call = twilio.call(caller="+77015550801")
    call.start()
    started = rdb.hget(calllog.conv_key(call.sid), "started")
    call.hang_up()
    record = rdb.hgetall(calllog.conv_key(call.sid))
    assert record["started"] == started and "origin" not in record and record["status"] == "completed"


def test_an_orphan_withheld_call_is_recorded_without_a_number(twilio, rdb):
    call_sid = sid("CA")
    twilio.post("/voice/status", call_status(call_sid, "no-answer", WITHHELD))
    record = rdb.hgetall(calllog.conv_key(call_sid))
    assert record["caller"] == "anonymous" and convlist.ending(record) == "failed"
    assert not rdb.keys("caller:*")


catalog = sms_fixtures.catalog  # the real catalog, loaded once per session (conftest.py)


def test_status_callbacks_in_any_order_end_a_call_once_and_count_its_drop_once(twilio, rdb):
    """Twilio's call status callbacks may come late, twice or out of order: the record keeps the terminal
    status, the day's drop-off counter for the caller's last menu counts the call once, each status is one
    event, and a status that comes after the end does not reopen the call."""
    import datetime

    call = twilio.call(caller="+77015550802")
    call.start()
    call.press("2")  # Russian: the main menu
    last_node = rdb.hget(calllog.conv_key(call.sid), "last_node")
    day = datetime.date(2026, 11, 23).isoformat()  # conftest's fixed clock
    for status, seq in (("completed", 2), ("in-progress", 1), ("completed", 2), ("ringing", 0)):
        code, _ = twilio.post("/voice/status", call_status(call.sid, status, "+77015550802", duration=30, sequence=seq))
        assert code == 204
    record, events = calllog.read(rdb, call.sid)
    assert record["status"] == "completed" and record["duration"] == "30" and record["ended"]
    assert [e["status"] for e in events if e["type"] == "status"] == ["completed", "in-progress", "ringing"]
    assert rdb.hget(f"stats:{day}", f"drop:{last_node}") == "1"
    assert rdb.ttl(calllog.conv_key(call.sid)) > 0 and rdb.ttl(f"stats:{day}") > 0


def test_a_status_before_the_end_updates_a_call_in_progress(twilio, rdb):
    call = twilio.call(caller="+77015550803")
    call.start()
    twilio.post("/voice/status", call_status(call.sid, "in-progress", "+77015550803", sequence=1))
    record = rdb.hgetall(calllog.conv_key(call.sid))
    assert record["status"] == "in-progress" and "ended" not in record
    assert not any(k.startswith("drop:") for k in rdb.hgetall("stats:2026-11-23"))
