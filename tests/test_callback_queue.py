"""The callback queue's rules in the store (ivr.store.callbacks), on the real Redis: one claimer at
a time (a stale claim may be taken over), only the claimer reveals and records, auto-close after
the allowed failed attempts, reopen with the kept number, one open callback per caller."""
import time

import pytest

from ivr.store import audit, callbacks

NUMBER = "+77015550123"


@pytest.fixture
def cb(rdb):
    return callbacks.request(rdb, NUMBER, "c" * 32, "CA1", "ru", now=time.time() - 60)


def test_one_claimer_a_stale_claim_is_taken_over_and_admins_release(rdb, cb):
    now = time.time()
    assert callbacks.claim(rdb, cb, "olga", now) and callbacks.claim(rdb, cb, "olga", now)
    assert not callbacks.claim(rdb, cb, "ivan", now + 60)
    assert callbacks.claim(rdb, cb, "ivan", now + callbacks.CLAIM_STALE + 1)
    assert callbacks.get(rdb, cb)["claimed_by"] == "ivan"
    assert not callbacks.release(rdb, cb, "olga") and callbacks.release(rdb, cb, "adam", admin=True)
    assert "claimed_by" not in callbacks.get(rdb, cb)


def test_only_the_claimer_reveals_and_records_and_every_reveal_is_audited(rdb, cb):
    assert callbacks.reveal(rdb, cb, "olga") is None
    callbacks.claim(rdb, cb, "olga")
    assert callbacks.reveal(rdb, cb, "ivan") is None and callbacks.attempt(rdb, cb, "ivan", "busy") is None
    assert callbacks.reveal(rdb, cb, "olga") == NUMBER and callbacks.reveal(rdb, cb, "olga") == NUMBER
    entries = audit.page(rdb)
    shown = [(e["by"], e["action"], e["ref"], e["masked"]) for e in entries]
    assert shown == [("olga", "reveal", cb, "+7 701 *** ** 23")] * 2
    with pytest.raises(ValueError):
        callbacks.attempt(rdb, cb, "olga", "hung-up")


def test_failed_attempts_close_it_and_a_reopen_starts_the_count_again(rdb, cb):
    callbacks.claim(rdb, cb, "olga")
    statuses = [callbacks.attempt(rdb, cb, "olga", o, max_failed=2) for o in ("busy", "no_answer")]
    assert statuses == ["open", "unreachable"]
    assert callbacks.attempt(rdb, cb, "olga", "done") is None  # closed: nothing more to record
    assert rdb.zscore("callbacks:done", cb) and not rdb.zscore("callbacks:open", cb)
    assert not rdb.exists("callback:open-for:" + "c" * 32)
    assert callbacks.reopen(rdb, cb, "ivan")
    record = callbacks.get(rdb, cb)
    assert record["status"] == "open" and record["number"] == NUMBER and record["failed"] == "0"
    assert not callbacks.reopen(rdb, cb, "ivan")  # already open
    outcomes = [a["outcome"] for a in callbacks.history(rdb, cb)]
    assert outcomes == ["busy", "no_answer", "reopened"]


def test_reopen_is_refused_while_the_caller_has_another_open_callback(rdb, cb):
    callbacks.claim(rdb, cb, "olga")
    callbacks.reveal(rdb, cb, "olga")
    callbacks.attempt(rdb, cb, "olga", "done", "reached")
    again = callbacks.request(rdb, NUMBER, "c" * 32, "CA2", "ru")
    assert again and not callbacks.reopen(rdb, cb, "olga")


def test_notes_join_the_history(rdb, cb):
    assert callbacks.add_note(rdb, cb, "olga", "  asked for an Uzbek speaker ")
    assert not callbacks.add_note(rdb, cb, "olga", "   ") and not callbacks.add_note(rdb, "nope", "olga", "x")
    [entry] = callbacks.history(rdb, cb)
    assert (entry["outcome"], entry["note"], entry["by"]) == ("note", "asked for an Uzbek speaker", "olga")


def test_a_failed_attempt_waits_the_minimum_interval_and_sets_call_after(rdb, cb):
    now = time.time()
    callbacks.claim(rdb, cb, "olga", now)
    assert callbacks.attempt(rdb, cb, "olga", "no_answer", now=now, min_interval=1800) == "open"
    for later in (now + 1, now + 2):  # three clicks in two seconds no longer close it
        assert callbacks.attempt(rdb, cb, "olga", "no_answer", now=later, min_interval=1800) == callbacks.TOO_SOON
    record = callbacks.get(rdb, cb)
    assert record["failed"] == "1" and float(record["call_after"]) == pytest.approx(now + 1800, abs=1)
    assert callbacks.attempt(rdb, cb, "olga", "busy", now=now + 1801, min_interval=1800) == "open"
    assert callbacks.set_call_after(rdb, cb, "olga", now + 7200) and not callbacks.set_call_after(rdb, cb, "ivan", 1)
    assert float(callbacks.get(rdb, cb)["call_after"]) == pytest.approx(now + 7200, abs=1)


def test_done_needs_a_reveal_in_this_claim_or_a_logged_call(rdb, cb):
    callbacks.claim(rdb, cb, "olga")
    assert callbacks.attempt(rdb, cb, "olga", "done") == callbacks.NOT_CALLED
    assert callbacks.reveal(rdb, cb, "olga") == NUMBER
    assert callbacks.shown_to(callbacks.get(rdb, cb), "olga") == NUMBER  # stays visible during the claim
    assert callbacks.release(rdb, cb, "olga") and callbacks.claim(rdb, cb, "ivan")
    assert callbacks.shown_to(callbacks.get(rdb, cb), "ivan") is None  # a reveal lasts its own claim
    assert callbacks.attempt(rdb, cb, "ivan", "done") == callbacks.NOT_CALLED
    assert callbacks.attempt(rdb, cb, "ivan", "done", logged_call=True) == "done"
    assert [e["action"] for e in audit.page(rdb)][:2] == ["call.logged", "reveal"]


def test_one_operator_holds_at_most_the_claim_limit(rdb):
    ids = [callbacks.request(rdb, f"+7701555{n:04d}", f"{n:032d}", "CA", "ru") for n in range(3)]
    assert callbacks.claim(rdb, ids[0], "olga", limit=2) and callbacks.claim(rdb, ids[1], "olga", limit=2)
    assert not callbacks.claim(rdb, ids[2], "olga", limit=2) and callbacks.at_limit(rdb, "olga", 2)
    assert callbacks.claim(rdb, ids[0], "olga", limit=2)  # one already held: still fine
    callbacks.release(rdb, ids[0], "olga")
    assert callbacks.claim(rdb, ids[2], "olga", limit=2)


def test_a_request_whose_writes_fail_leaves_no_guard_behind(rdb):
    """The one-open-request guard is set last, in the script that writes the callback: when a write fails
    (here the queue's key holds the wrong type), the caller is not told "already open" for two weeks after."""
    import redis

    caller = "d" * 32
    rdb.set("callbacks:open", "not a sorted set")
    with pytest.raises(redis.ResponseError):
        callbacks.request(rdb, NUMBER, caller, "CA2", "ru")
    assert not rdb.exists(f"callback:open-for:{caller}")
    rdb.delete("callbacks:open")
    cid = callbacks.request(rdb, NUMBER, caller, "CA2", "ru")
    assert cid and rdb.get(f"callback:open-for:{caller}") == cid and rdb.zscore("callbacks:open", cid)
    assert callbacks.request(rdb, NUMBER, caller, "CA3", "ru") is None  # one open request per caller
    assert 0 < rdb.ttl(f"callback:open-for:{caller}") <= callbacks.CALLBACK_TTL
