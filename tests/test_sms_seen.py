"""The once-only mark's first round trip (ivr/store/sms_seen.py `begin`): the texter's session read with it, and
the text logged with it the first time it is seen — once, also when another request takes the text over."""
import json
import time

from ivr.store import calllog, sms_seen, write_once


def first(rdb, cid: str, body: str, sid: str) -> sms_seen.FirstDelivery:
    if_new, writes = write_once.Writes(rdb), write_once.Writes(rdb)
    calllog.start(if_new, "sms", cid, "h" * 16, time.time(), 3600)
    calllog.event(writes, cid, "sms_in", 3600, body=body, sid=sid)
    return sms_seen.FirstDelivery(calllog.conv_key(cid), if_new, writes)


def events(rdb, cid: str) -> list[dict]:
    return [json.loads(e) for e in rdb.lrange(calllog.events_key(cid), 0, -1)]


def test_a_text_is_logged_with_its_mark_once_and_its_session_read_in_the_same_script(rdb):
    cid, sid = "SMS-" + "h" * 16, "SM" + "1" * 32
    rdb.set("session:x", "{}")
    mark, read = sms_seen.begin(rdb, sid, reads=("session:x", "missing:y"), first=first(rdb, cid, "врач", sid))
    assert mark.state == "mine" and not mark.known and read == ["{}", None]
    assert rdb.hget(calllog.conv_key(cid), "status") == "in-progress"  # a new thread: started
    assert 0 < rdb.ttl(calllog.events_key(cid)) <= 3600
    # Another request finds it in progress: nothing logged, nothing read.
    busy, read = sms_seen.begin(rdb, sid, reads=("session:x",), first=first(rdb, cid, "врач", sid))
    assert busy.state == "busy" and read == [None]
    # Taken over (a replay): its reads, the thread known, and still logged once.
    taken, read = sms_seen.begin(rdb, sid, take_over=True, reads=("session:x",), first=first(rdb, cid, "врач", sid))
    assert taken.state == "mine" and taken.known and read == ["{}"]
    assert [e["type"] for e in events(rdb, cid)] == ["sms_in"]


def test_a_second_text_of_a_thread_is_logged_without_starting_it_again(rdb):
    cid = "SMS-" + "k" * 16
    sms_seen.begin(rdb, "SM" + "2" * 32, first=first(rdb, cid, "one", "SM" + "2" * 32))
    started = rdb.hget(calllog.conv_key(cid), "started")
    rdb.hset(calllog.conv_key(cid), "status", "kept")
    time.sleep(0.01)
    mark, _ = sms_seen.begin(rdb, "SM" + "3" * 32, first=first(rdb, cid, "two", "SM" + "3" * 32))
    assert mark.known
    assert rdb.hget(calllog.conv_key(cid), "started") == started  # not started again
    assert rdb.hget(calllog.conv_key(cid), "status") == "kept"
    assert [e["body"] for e in events(rdb, cid)] == ["one", "two"]


def test_the_mark_is_set_again_after_redis_forgot_its_script(rdb):
    rdb.script_flush()
    mark, read = sms_seen.begin(rdb, "SM" + "4" * 32, reads=("nothing:here",))
    assert mark.state == "mine" and read == [None]
    assert sms_seen.begin(rdb, "SM" + "4" * 32)[0].state == "busy"
