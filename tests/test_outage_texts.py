"""A text sent while Redis is down: the texter is told, in their language, that it is kept and the answer
comes by SMS, and then gets exactly one real answer — also when Redis went away half-way through its
handling, after its once-only mark was set. A real Redis (AOF, as deployed) stopped and started, the
signed webhook, a real RQ worker (burst) sending to the fake Twilio."""
import json
import time

import pytest
import redis as redis_lib

from ivr.store import calllog, inbox, messages, sessions, sms_seen, spool

from .conftest import free_port
from .followup_helpers import make, run_jobs
from .test_chaos import wait_for
from .test_outage_spool import durable  # noqa: F401 - the fixture: a stoppable Redis with AOF

pytestmark = pytest.mark.slow
TEXTER = "+77015550011"
KEPT_RU = "[ru] kept: the answer comes by SMS 103"


@pytest.fixture
def app_on(env, monkeypatch):
    """The app, and the worker's settings, on the Redis at `port`."""
    from workers import context as job_context

    def build(port, **extra):
        monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{port}/0")
        job_context.context.cache_clear()
        return make(dict(env, REDIS_URL=f"redis://127.0.0.1:{port}/0", **extra))
    return build


def replayed(app):
    return wait_for(lambda: not spool.pending(app.config) and not list(spool.directory(app.config).iterdir()),
                    timeout=30)


def sent_to(fake, number):
    return [m for m in fake.sent if m["To"] == number]


def test_a_text_in_an_outage_is_kept_then_answered_once_by_sms(app_on, fake, durable):  # noqa: F811
    port, down, up = durable
    app, twilio = app_on(port)
    down()
    sid = "SM" + "a" * 32
    status, replies = twilio.sms("документы", sender=TEXTER, sid=sid)
    assert (status, replies) == (200, [KEPT_RU])  # in the text's own language, the answer promised by SMS
    assert twilio.sms("документы", sender=TEXTER, sid=sid) == (200, [KEPT_RU])  # Twilio delivers it again
    status, replies = twilio.sms("құжаттар", sender="+77015550012")  # a Kazakh text: the Kazakh line
    assert (status, replies) == (200, ["[kk] kept: the answer comes by SMS 103"])
    assert not fake.sent
    up()
    assert replayed(app), "the spool was not replayed"
    run_jobs(f"redis://127.0.0.1:{port}/0")
    [answer] = sent_to(fake, TEXTER)  # exactly one SMS, with the real answer
    assert "[ru] fact.a" in answer["Body"] and "kept" not in answer["Body"]
    assert len(sent_to(fake, "+77015550012")) == 1
    # Twilio delivering the text once more, now: nothing more is sent or answered.
    assert twilio.sms("документы", sender=TEXTER, sid=sid) == (200, [])
    run_jobs(f"redis://127.0.0.1:{port}/0")
    assert len(sent_to(fake, TEXTER)) == 1


def test_a_text_the_spool_cannot_keep_gets_the_outage_line(app_on, tmp_path):
    var = tmp_path / "broken-var"
    var.mkdir()
    (var / "spool").write_text("not a folder")  # the spool cannot be written
    app, twilio = app_on(free_port(), HOTLINE_VAR_DIR=str(var))  # no Redis listens there
    status, replies = twilio.sms("документы", sender=TEXTER)
    assert status == 200 and len(replies) == 1
    assert "1406" in replies[0] and "kept" not in replies[0]  # never "we have your message" unless it is kept


class StopsRedisAfter(redis_lib.Connection):
    """Fault injection at one point: the real Redis is stopped right after a command `at(words)` picks out
    has been answered (its reply read: the first one read after it was sent, as in a pipeline whose first
    command it is), before anything else of the request reaches Redis."""
    stop = None  # set by the test: stops the server, once
    at = None

    def send_packed_command(self, command, *args, **kwargs):
        packed = command if isinstance(command, (bytes, str)) else b"".join(
            c if isinstance(c, bytes) else bytes(c) for c in command)
        packed = packed.encode() if isinstance(packed, str) else packed
        words = packed.decode(errors="replace").split("\r\n")
        if StopsRedisAfter.at is not None and StopsRedisAfter.at(words):
            self._marked = True
        return super().send_packed_command(command, *args, **kwargs)

    def read_response(self, *args, **kwargs):
        marked, self._marked = getattr(self, "_marked", False), False
        response = super().read_response(*args, **kwargs)  # NOSCRIPT raises here: nothing was written
        if marked and StopsRedisAfter.stop is not None:
            stop, StopsRedisAfter.stop = StopsRedisAfter.stop, None
            stop()
        return response


def setting_the_mark(words):
    """The text's once-only mark being set (the script that sets it, first in the webhook's first pipeline)."""
    return "EVALSHA" in words and any(w.startswith("sms:seen:") for w in words)


def saving_the_answer(words):
    """The script that saves the session with the answer, which still has something to do (an inbox item)."""
    return "EVALSHA" in words and any(w.startswith('{"reply"') for w in words)


@pytest.fixture
def fault(app_on):
    def inject(app, stop, at):
        pool = app.extensions["hotline"].redis.connection_pool
        pool.connection_class = StopsRedisAfter
        pool.reset()
        StopsRedisAfter.stop, StopsRedisAfter.at = stop, at
    yield inject
    StopsRedisAfter.stop = StopsRedisAfter.at = None


def test_redis_dying_after_the_mark_leaves_the_text_to_be_answered_once(app_on, fault, fake, durable):  # noqa: F811
    port, down, up = durable
    app, twilio = app_on(port)
    rdb = redis_lib.Redis(port=port, decode_responses=True)
    fault(app, down, setting_the_mark)
    sid = "SM" + "b" * 32
    status, replies = twilio.sms("документы", sender=TEXTER, sid=sid)
    assert StopsRedisAfter.stop is None, "the fault was not injected"
    assert (status, replies) == (200, [KEPT_RU])  # Redis went away mid-text: kept, and told so
    up()
    assert rdb.get(sms_seen.key(sid)).startswith("taking:")  # the mark survived the restart, "in progress"
    assert replayed(app), "the spool was not replayed"
    run_jobs(f"redis://127.0.0.1:{port}/0")
    [answer] = sent_to(fake, TEXTER)
    assert "[ru] fact.a" in answer["Body"]
    caller = app.extensions["hotline"].caller_hash(TEXTER)
    events = [json.loads(e) for e in rdb.lrange(calllog.events_key(f"SMS-{caller}"), 0, -1)]
    assert [e["type"] for e in events].count("sms_in") == 1
    assert twilio.sms("документы", sender=TEXTER, sid=sid) == (200, [])  # a late redelivery: nothing more
    run_jobs(f"redis://127.0.0.1:{port}/0")
    assert len(sent_to(fake, TEXTER)) == 1


def test_redis_dying_after_the_answer_is_saved_still_does_what_it_asked_and_sends_it(app_on, fault, fake,
                                                                                     durable):  # noqa: F811
    """The answer saved, then Redis gone before the inbox item was kept: the texter had the 'kept' line, so
    the saved answer comes by SMS after the replay, and the inbox item is kept — each once."""
    port, down, up = durable
    app, twilio = app_on(port)
    rdb = redis_lib.Redis(port=port, decode_responses=True)
    fault(app, down, saving_the_answer)
    sid = "SM" + "f" * 32
    status, replies = twilio.sms("абракадабра", sender=TEXTER, sid=sid)  # nobody understands it: the inbox
    assert StopsRedisAfter.stop is None, "the fault was not injected"
    assert (status, replies) == (200, ["[kk] kept: the answer comes by SMS 103 / " + KEPT_RU])  # no language
    up()
    assert replayed(app), "the spool was not replayed"
    run_jobs(f"redis://127.0.0.1:{port}/0")
    [answer] = sent_to(fake, TEXTER)
    assert "welcome" in answer["Body"]  # the answer that was saved: the language menu for a new texter
    caller = app.extensions["hotline"].caller_hash(TEXTER)
    assert rdb.smembers(f"caller:{caller}:inbox") == {inbox.item_for(sid)}
    assert rdb.hget(inbox.key(inbox.item_for(sid)), "body") == "абракадабра"
    assert twilio.sms("абракадабра", sender=TEXTER, sid=sid) == (200, [])
    run_jobs(f"redis://127.0.0.1:{port}/0")
    assert len(sent_to(fake, TEXTER)) == 1 and rdb.smembers(f"caller:{caller}:inbox") == {inbox.item_for(sid)}


def test_a_delivery_takes_over_a_text_whose_handler_is_gone_but_not_one_in_progress(env, fake, rdb):
    app, twilio = make(env)
    fresh, stale = "SM" + "c" * 32, "SM" + "d" * 32
    now = time.time()
    rdb.set(sms_seen.key(fresh), f"taking:{now:.3f}:alive", ex=60)  # another request is answering it now
    rdb.set(sms_seen.key(stale), f"taking:{now - sms_seen.TAKEOVER_AFTER - 5:.3f}:gone", ex=60)  # died
    assert twilio.sms("документы", sender=TEXTER, sid=fresh) == (200, [])
    assert rdb.get(sms_seen.key(fresh)).endswith(":alive")  # left to the request that holds it
    status, replies = twilio.sms("документы", sender=TEXTER, sid=stale)
    assert status == 200 and any("[ru] fact.a" in r for r in replies)  # answered by this delivery
    assert json.loads(rdb.get(sms_seen.key(stale))) == replies
    assert twilio.sms("документы", sender=TEXTER, sid=stale) == (200, replies)  # and only once


def test_a_handler_whose_text_was_taken_over_never_writes_its_answer(rdb):
    """The final reply is written with the session only while the mark is the writer's own."""
    sid = "SM" + "e" * 32
    first, _ = sms_seen.begin(rdb, sid, now=time.time() - sms_seen.TAKEOVER_AFTER - 1)
    second, _ = sms_seen.begin(rdb, sid)  # the first is old enough: taken over
    assert first.state == second.state == "mine" and first.value != second.value
    session = sessions.Session(id="h" * 16, caller="h" * 16, lang="ru")

    def commit(mark, text):
        pipe = rdb.pipeline(transaction=False)
        sms_seen.finish(pipe, sid, [text])
        return sessions.commit(rdb, pipe, "sms", session, 60, rdb.get(sessions.key("sms", session.id)),
                               also=sms_seen.guard(sid, mark))

    assert not commit(first, "first")
    assert commit(second, "second")
    assert sms_seen.current(rdb, sid).replies == ["second"]
    assert sms_seen.begin(rdb, sid, take_over=True)[0].state == "done"  # a replay finds it answered


def test_a_late_answer_another_replay_just_decided_is_left_to_it_then_sent_once(env, fake, rdb):
    """Two web processes each spooled a delivery of one text; one replayed it and answered it by SMS a moment
    ago. The other's replay leaves the sending to it (the entry stays spooled) — and, if the late SMS is still
    not asked for TAKEOVER_AFTER later (that process died), asks for it itself, once."""
    app, _ = make(env)
    sid = "SM" + "9" * 32
    form = {"MessageSid": sid, "From": TEXTER, "To": "+77270000000", "Body": "документы"}
    decided = {"sms": ["[ru] fact.a"], "at": round(time.time(), 3)}
    rdb.set(sms_seen.key(sid), json.dumps(decided, ensure_ascii=False))
    spool.keep(app, "/sms", "", form)  # this process's replay thread starts at once (Redis is up)
    time.sleep(2.5)  # two rounds or more
    assert list(spool.directory(app.config).iterdir()) and not rdb.zcard("msgs")  # kept, nothing sent
    rdb.set(sms_seen.key(sid), json.dumps(dict(decided, at=decided["at"] - sms_seen.TAKEOVER_AFTER - 1)))
    assert replayed(app)
    late = [rdb.hgetall(messages.key(m)) for m in rdb.zrange("msgs", 0, -1)]
    assert [(m["kind"], m["body"]) for m in late] == [("late_reply", "[ru] fact.a")]
    spool.keep(app, "/sms", "", form)  # the first process's entry, replayed at last: nothing more
    assert replayed(app) and rdb.zcard("msgs") == 1
