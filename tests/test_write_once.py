"""write_once: a webhook's queued writes run once, in one round trip, whatever Redis has forgotten."""
from ivr.store import calllog, write_once


def queue_step(rdb, cid):
    pipe = rdb.pipeline(transaction=False)
    calllog.event(pipe, cid, "key", None, node="facts", key="1")
    calllog.update(pipe, cid, None, last_node="facts")
    calllog.count(pipe, "2026-11-23", "topic:facts", 3600)
    return pipe


def test_the_writes_run_once_per_mark(rdb):
    assert write_once.apply(rdb, "CA1", "step:3", queue_step(rdb, "CA1"), 3600) is True
    assert write_once.apply(rdb, "CA1", "step:3", queue_step(rdb, "CA1"), 3600) is False  # a retry
    assert rdb.llen(calllog.events_key("CA1")) == 1 and rdb.hget("stats:2026-11-23", "topic:facts") == "1"
    assert rdb.hget(calllog.conv_key("CA1"), "last_node") == "facts" and 0 < rdb.ttl("stats:2026-11-23") <= 3600
    assert 0 < rdb.ttl(calllog.seen_key("CA1")) <= 3600  # the marks expire with the call's log
    assert write_once.apply(rdb, "CA1", "step:4", queue_step(rdb, "CA1"), 3600) is True
    assert rdb.llen(calllog.events_key("CA1")) == 2


def test_a_mark_alone_is_a_claim(rdb):
    empty = rdb.pipeline(transaction=False)
    assert write_once.apply(rdb, "CA2", "step:1", empty, 60) is True
    assert write_once.apply(rdb, "CA2", "step:1", rdb.pipeline(transaction=False), 60) is False


def test_a_claim_runs_its_checks_once_and_returns_their_replies(rdb):
    """claim_then: the first delivery gets the checks' replies (they ran with the mark), a retry gets None and
    runs nothing; apply_claimed then writes without a mark."""
    def checks():
        pipe = write_once.Writes(rdb)
        pipe.hincrby("count:CA5", "day", 1)
        pipe.exists("optout:someone")
        return pipe

    rdb.set("optout:someone", "stop")
    assert write_once.claim_then(rdb, "CA5", "step:1", 60, checks()) == [1, 1]
    assert write_once.claim_then(rdb, "CA5", "step:1", 60, checks()) is None
    assert rdb.hget("count:CA5", "day") == "1"
    assert write_once.claim_then(rdb, "CA5", "step:2", 60, write_once.Writes(rdb)) == []
    write_once.apply_claimed(rdb, queue_step(rdb, "CA5"))
    assert rdb.llen(calllog.events_key("CA5")) == 1


def test_it_survives_redis_forgetting_its_scripts(rdb):
    """After a Redis restart the script cache is empty; redis-py loads the script again."""
    assert write_once.apply(rdb, "CA3", "step:1", queue_step(rdb, "CA3"), 60)
    rdb.script_flush()
    assert write_once.apply(rdb, "CA3", "step:2", queue_step(rdb, "CA3"), 60)
    assert rdb.llen(calllog.events_key("CA3")) == 2


def test_a_connection_the_server_dropped_is_replaced(rdb, redis_url):
    """The step's EVALSHA goes straight to a pooled connection: one the server dropped is replaced (by the
    pool, else under the app's Retry), and the writes land once."""
    from ivr.store.connection import connect

    app_client = connect(redis_url)
    assert write_once.apply(app_client, "CA4", "step:1", queue_step(app_client, "CA4"), 60)
    assert rdb.client_kill_filter(_type="normal", skipme=True) >= 1  # the app client's idle pooled connection
    assert write_once.apply(app_client, "CA4", "step:2", queue_step(app_client, "CA4"), 60)
    assert write_once.apply(app_client, "CA4", "step:2", queue_step(app_client, "CA4"), 60) is False
    assert rdb.llen(calllog.events_key("CA4")) == 2
    app_client.close()


def test_the_light_queue_queues_every_command_as_redis_py_does(rdb):
    """write_once.Writes stands in for a redis-py pipeline in the step's writes: the same commands, the same
    arguments, in the same order — including a command it has no shortcut for (redis-py builds that one)."""
    from datetime import timedelta

    def queue(pipe):
        pipe.hset("h", mapping={"a": "1", "b": 2})
        pipe.hset("h", "lang", "kk")
        pipe.rpush("l", '{"t":1}', "x")
        pipe.sadd("s", "m1")
        pipe.expire("h", 3600)
        pipe.expire("l", timedelta(seconds=60))
        pipe.hincrby("stats", "topic:main")
        pipe.hincrby("stats", "drop:main", 3)
        pipe.zadd("z", {"CA1": 1796678907.123})
        pipe.set("lang:x", "ru", ex=86400)
        pipe.set("once:x", "m1", ex=timedelta(hours=1))
        pipe.set("plain", "v")
        pipe.set("nx", "v", ex=60, nx=True)  # no shortcut with options: redis-py's pipeline builds it
        pipe.hsetnx("seen", "step:1", 1)  # no shortcut
        return pipe

    ours, theirs = queue(write_once.Writes(rdb)), queue(rdb.pipeline(transaction=False))
    assert [args for args, _ in ours.command_stack] == [args for args, _ in theirs.command_stack]
    results = ours.execute()
    state = {k: rdb.dump(k) for k in rdb.keys("*")}
    rdb.flushdb()
    assert results == theirs.execute() and state == {k: rdb.dump(k) for k in rdb.keys("*")}
    assert rdb.hgetall("h") == {"a": "1", "b": "2", "lang": "kk"} and rdb.get("lang:x") == "ru"
