"""The callback queue: callers who asked an operator to call them back, and the work on each.

The only place a full phone number is kept at rest: operators need it to call. It lives in
`callback:<id>` (field `number`) for at most CALLBACK_TTL. An operator claims a callback, and
only the claimer can reveal the number (each reveal goes to the audit log, `ivr.store.audit`)
and record attempts: no answer, busy, wrong number, done. `done` and `wrong_number` close the
callback and delete the number; after `max_failed` unanswered or busy attempts it closes as
`unreachable`. A closed callback can be reopened: for REOPEN_WINDOW after closing the number is
kept aside in `callback:<id>:kept` (not after a wrong number), so a reopened one can be dialled.
Attempts and notes are a JSON list in `callback:<id>:attempts`.

Like a call centre's queue: a failed attempt sets `call_after` (now + the minimum interval), and a
further failed attempt before it is refused (`too_soon`), so three "no answer" clicks in two seconds
no longer close a callback; an operator may also set `call_after` by hand ("call after 14:00").
`done` needs a call: the claimer revealed the number during this claim (`revealed_by`), or says they
called (`logged_call`, audited as `call.logged`). The reveal lasts the claim: the claimer sees the
number until the callback is released, closed or taken over. `callbacks:claims:<user>` holds the ids
a user has claimed, so `claim` can refuse more than a per-operator limit.
"""
from __future__ import annotations

import json
import time
import uuid

import redis as redis_lib

from . import audit, calllog, privacy, write_once

CALLBACK_TTL = 14 * 86400
REOPEN_WINDOW = 86400  # seconds a closed callback's number is kept so that it can be reopened
CLAIM_STALE = 2 * 3600  # a claim older than this may be taken over (the claimer went home)
OUTCOMES = ("no_answer", "busy", "wrong_number", "done")
FAILED = {"no_answer", "busy"}
CLOSED = ("done", "unreachable", "wrong_number")


def key(cid: str) -> str:
    return f"callback:{cid}"


def attempts_key(cid: str) -> str:
    return f"callback:{cid}:attempts"


def kept_key(cid: str) -> str:
    return f"callback:{cid}:kept"


SOURCES = ("voice", "sms", "missed")  # how the request came: the voice menu, a text, a given-up missed call


def request(redis, number: str, caller: str, conv: str, lang: str | None, now: float | None = None,
            source: str = "voice") -> str | None:
    """Queue a callback; one open request per caller (asking twice does not queue twice).
    A withheld caller ID is refused: nobody can be called back on it, and all hidden callers are not one."""
    if privacy.is_withheld(number) or caller == "anonymous":
        return None
    now = now or time.time()
    guard = f"callback:open-for:{caller}"
    cid = uuid.uuid4().hex[:16]
    pipe = write_once.Writes(redis)
    pipe.hset(key(cid), mapping={
        "id": cid, "conv": conv, "lang": lang or "", "caller": caller, "number": privacy.normalize(number),
        "masked": privacy.mask(number), "created": f"{now:.3f}", "status": "open", "attempts": 0, "failed": 0,
        "source": source if source in SOURCES else "voice"})
    pipe.expire(key(cid), CALLBACK_TTL)
    pipe.zadd("callbacks:open", {cid: now})
    calllog.remember_for_caller(pipe, caller, "callbacks", cid, CALLBACK_TTL)
    keys, argv = write_once.pack(pipe, [guard], [cid, CALLBACK_TTL])
    return cid if write_once.run(redis, _REQUEST, keys, argv) else None


# One open request per caller, in one script: the guard is looked at first and set last, after the record and
# the queue entry are written. (Set first, as it was, a failure after it left a guard with no callback behind
# it, and the caller's next requests were "already open" for CALLBACK_TTL.)
_REQUEST = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
""" + write_once.run_queued(3, then="redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])\nreturn 1")


def get(redis, cid: str) -> dict:
    return redis.hgetall(key(cid))


def list_ids(redis, status: str = "open", offset: int = 0, count: int = 50) -> list[str]:
    """Open callbacks oldest first (the caller waiting longest on top); closed ones newest first."""
    if status == "open":
        return redis.zrange("callbacks:open", offset, offset + count - 1)
    return redis.zrevrange("callbacks:done", offset, offset + count - 1)


def history(redis, cid: str) -> list[dict]:
    return [json.loads(a) for a in redis.lrange(attempts_key(cid), 0, -1)]


def claims_key(user: str) -> str:
    return f"callbacks:claims:{user}"


def claimed_by(redis, user: str, now: float | None = None) -> list[str]:
    """The open callbacks `user` holds now (the index may keep ids that closed or were taken: checked)."""
    now = now or time.time()
    ids = sorted(redis.smembers(claims_key(user)))
    pipe = redis.pipeline(transaction=False)
    for cid in ids:
        pipe.hmget(key(cid), "status", "claimed_by", "claimed_at")
    held, gone = [], []
    for cid, (status, holder, at) in zip(ids, pipe.execute(), strict=True):
        fresh = holder == user and status == "open" and now - float(at or 0) <= CLAIM_STALE
        (held if fresh else gone).append(cid)
    if gone:
        redis.srem(claims_key(user), *gone)
    return held


def _claimable(record: dict, user: str, now: float) -> bool:
    holder = record.get("claimed_by")
    return not holder or holder == user or now - float(record.get("claimed_at") or 0) > CLAIM_STALE


def _locked(redis, cid: str, change) -> bool:
    """Run `change(pipe, record) -> bool` on a consistent record (WATCH): False if it refused or vanished."""
    def body(pipe) -> bool:
        record = pipe.hgetall(key(cid))
        if not record:
            return False
        pipe.multi()
        return change(pipe, record)

    try:
        return redis.transaction(body, key(cid), value_from_callable=True)
    except redis_lib.WatchError:  # pragma: no cover - redis-py retries on its own
        return False


def claim(redis, cid: str, user: str, now: float | None = None, limit: int = 0) -> bool:
    """Take an open callback to work on it. Someone else's fresh claim is respected; with `limit`,
    a user already holding that many open callbacks is refused (see `claim_refusal` for why)."""
    now = now or time.time()
    if limit and cid not in (held := claimed_by(redis, user, now)) and len(held) >= limit:
        return False

    def change(pipe, record):
        if record.get("status") != "open" or not _claimable(record, user, now):
            return False
        fields = {"claimed_by": user, "claimed_at": f"{now:.3f}"}
        pipe.hset(key(cid), mapping=fields)
        if record.get("claimed_by") != user:
            pipe.hdel(key(cid), "revealed_by")  # a reveal lasts its own claim
            if record.get("claimed_by"):
                pipe.srem(claims_key(record["claimed_by"]), cid)
        pipe.sadd(claims_key(user), cid)
        pipe.expire(claims_key(user), CALLBACK_TTL)
        return True

    return _locked(redis, cid, change)


def at_limit(redis, user: str, limit: int, now: float | None = None) -> bool:
    return bool(limit) and len(claimed_by(redis, user, now)) >= limit


def set_call_after(redis, cid: str, user: str, when: float | None) -> bool:
    """The claimer says when to call ("after 14:00"); None clears it."""
    def change(pipe, record):
        if record.get("status") != "open" or record.get("claimed_by") != user:
            return False
        if when:
            pipe.hset(key(cid), "call_after", f"{when:.3f}")
        else:
            pipe.hdel(key(cid), "call_after")
        return True

    return _locked(redis, cid, change)


def release(redis, cid: str, user: str, admin: bool = False) -> bool:
    def change(pipe, record):
        if record.get("claimed_by") != user and not admin:
            return False
        pipe.hdel(key(cid), "claimed_by", "claimed_at", "revealed_by")
        if record.get("claimed_by"):
            pipe.srem(claims_key(record["claimed_by"]), cid)
        return True

    return _locked(redis, cid, change)


def reveal(redis, cid: str, user: str, now: float | None = None) -> str | None:
    """The full number, for the operator who claimed the callback; every reveal is audited."""
    record = get(redis, cid)
    if record.get("status") != "open" or record.get("claimed_by") != user or not record.get("number"):
        return None
    audit.log(redis, user, "reveal", cid, record.get("masked", ""), now)
    redis.hset(key(cid), mapping={"revealed_by": user, "revealed_at": f"{now or time.time():.3f}"})
    return record["number"]


def shown_to(record: dict, user: str) -> str | None:
    """The number for the claimer who revealed it during this claim (it stays visible while they hold it)."""
    if record.get("status") == "open" and record.get("claimed_by") == user and record.get("revealed_by") == user:
        return record.get("number")
    return None


TOO_SOON, NOT_CALLED = "too_soon", "not_called"  # why an attempt was refused (besides None: not yours)


def _refusal(record: dict, user: str, outcome: str, now: float, min_interval: float, logged_call: bool) -> str | None:
    """Why this attempt may not be recorded ('' when it is not the user's to record), or None."""
    if record.get("status") != "open" or record.get("claimed_by") != user:
        return ""
    if outcome in FAILED and min_interval and now < float(record.get("last_failed_at") or 0) + min_interval:
        return TOO_SOON
    if outcome == "done" and record.get("revealed_by") != user and not logged_call:
        return NOT_CALLED
    return None


def attempt(redis, cid: str, user: str, outcome: str, note: str = "", max_failed: int = 3,
            now: float | None = None, min_interval: float = 0, logged_call: bool = False) -> str | None:
    """Record one call attempt by the claimer. Returns the callback's status after it; None if it is not
    the user's to record; TOO_SOON for a failed attempt within `min_interval` of the last one; NOT_CALLED
    for `done` without a reveal during this claim or a `logged_call`."""
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {OUTCOMES}")
    now = now or time.time()
    result: list[str] = []
    unrevealed: list[bool] = []

    def change(pipe, record):
        result.clear()
        unrevealed.clear()  # redis-py runs this again after a WatchError
        refused = _refusal(record, user, outcome, now, min_interval, logged_call)
        if refused is not None:
            if refused:
                result.append(refused)
            return False
        failed = int(record.get("failed") or 0) + (outcome in FAILED)
        status = outcome if outcome in ("done", "wrong_number") else "open"
        if status == "open" and failed >= max_failed:
            status = "unreachable"
        entry = {"t": round(now, 3), "by": user, "outcome": outcome, "note": note[:1000]}
        if logged_call and record.get("revealed_by") != user:
            entry["logged_call"] = True
            unrevealed.append(True)
        pipe.rpush(attempts_key(cid), json.dumps(entry, ensure_ascii=False))
        pipe.expire(attempts_key(cid), CALLBACK_TTL)
        fields = {"attempts": int(record.get("attempts") or 0) + 1, "failed": failed,
                  "last_outcome": outcome, "last_at": f"{now:.3f}"}
        if outcome in FAILED:
            fields["last_failed_at"] = f"{now:.3f}"
            if min_interval:
                fields["call_after"] = f"{max(now + min_interval, float(record.get('call_after') or 0)):.3f}"
        pipe.hset(key(cid), mapping=fields)
        if note:
            pipe.hset(key(cid), "note", note[:1000])
        if status != "open":
            _close(pipe, cid, record, status, user, now)
        result.append(status)
        return True

    if _locked(redis, cid, change) and unrevealed:
        audit.log(redis, user, "call.logged", cid, "", now)  # a call the operator says they made
    return result[0] if result else None


def _close(pipe, cid: str, record: dict, status: str, user: str, now: float) -> None:
    pipe.hset(key(cid), mapping={"status": status, "done_by": user, "done_at": f"{now:.3f}"})
    pipe.hdel(key(cid), "number", "claimed_by", "claimed_at", "revealed_by")  # the number leaves with the work
    if record.get("claimed_by"):
        pipe.srem(claims_key(record["claimed_by"]), cid)
    if status != "wrong_number" and record.get("number"):
        pipe.set(kept_key(cid), record["number"], ex=REOPEN_WINDOW)
    pipe.zrem("callbacks:open", cid)
    pipe.zadd("callbacks:done", {cid: float(record.get("created") or now)})
    pipe.delete(f"callback:open-for:{record.get('caller', '')}")


def add_note(redis, cid: str, user: str, note: str, now: float | None = None) -> bool:
    """A note without a call (e.g. 'asked for an Uzbek speaker'), kept in the attempts list."""
    note = note.strip()[:1000]
    if not note or not redis.exists(key(cid)):
        return False
    entry = {"t": round(now or time.time(), 3), "by": user, "outcome": "note", "note": note}
    pipe = redis.pipeline(transaction=True)
    pipe.rpush(attempts_key(cid), json.dumps(entry, ensure_ascii=False))
    pipe.expire(attempts_key(cid), CALLBACK_TTL)
    pipe.hset(key(cid), "note", note)
    pipe.execute()
    return True


def reopen(redis, cid: str, user: str, now: float | None = None) -> bool:
    """Put a closed callback back in the queue (the number comes back if it was kept aside).
    Refused while the same caller has another open callback."""
    now = now or time.time()
    record = get(redis, cid)
    if record.get("status") not in CLOSED:
        return False
    guard = f"callback:open-for:{record.get('caller', '')}"
    if not redis.set(guard, cid, nx=True, ex=CALLBACK_TTL):
        return False
    number = redis.get(kept_key(cid))
    entry = {"t": round(now, 3), "by": user, "outcome": "reopened", "note": ""}
    pipe = redis.pipeline(transaction=True)
    pipe.hset(key(cid), mapping={"status": "open", "failed": 0, "reopened_by": user})
    pipe.hdel(key(cid), "done_by", "done_at")
    if number:
        pipe.hset(key(cid), "number", number)
    pipe.delete(kept_key(cid))
    pipe.rpush(attempts_key(cid), json.dumps(entry, ensure_ascii=False))
    pipe.zrem("callbacks:done", cid)
    pipe.zadd("callbacks:open", {cid: float(record.get("created") or now)})
    pipe.execute()
    return True

