"""The callback queue: callers who asked an operator to call them back, and the work on each.

The only place a full phone number is kept at rest: operators need it to call. It lives in
`callback:<id>` (field `number`) for at most CALLBACK_TTL. An operator claims a callback, and
only the claimer can reveal the number (each reveal goes to the audit log, `ivr.store.audit`)
and record attempts: no answer, busy, wrong number, done. `done` and `wrong_number` close the
callback and delete the number; after `max_failed` unanswered or busy attempts it closes as
`unreachable`. A closed callback can be reopened: for REOPEN_WINDOW after closing the number is
kept aside in `callback:<id>:kept` (not after a wrong number), so a reopened one can be dialled.
Attempts and notes are a JSON list in `callback:<id>:attempts`.
"""
from __future__ import annotations

import json
import time
import uuid

import redis as redis_lib

from . import audit, calllog, privacy

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
    if not redis.set(guard, cid, nx=True, ex=CALLBACK_TTL):
        return None
    pipe = redis.pipeline(transaction=False)
    pipe.hset(key(cid), mapping={
        "id": cid, "conv": conv, "lang": lang or "", "caller": caller, "number": privacy.normalize(number),
        "masked": privacy.mask(number), "created": f"{now:.3f}", "status": "open", "attempts": 0, "failed": 0,
        "source": source if source in SOURCES else "voice"})
    pipe.expire(key(cid), CALLBACK_TTL)
    pipe.zadd("callbacks:open", {cid: now})
    calllog.remember_for_caller(pipe, caller, "callbacks", cid, CALLBACK_TTL)
    pipe.execute()
    return cid


def get(redis, cid: str) -> dict:
    return redis.hgetall(key(cid))


def list_ids(redis, status: str = "open", offset: int = 0, count: int = 50) -> list[str]:
    """Open callbacks oldest first (the caller waiting longest on top); closed ones newest first."""
    if status == "open":
        return redis.zrange("callbacks:open", offset, offset + count - 1)
    return redis.zrevrange("callbacks:done", offset, offset + count - 1)


def history(redis, cid: str) -> list[dict]:
    return [json.loads(a) for a in redis.lrange(attempts_key(cid), 0, -1)]


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


def claim(redis, cid: str, user: str, now: float | None = None) -> bool:
    """Take an open callback to work on it. Someone else's fresh claim is respected."""
    now = now or time.time()

    def change(pipe, record):
        if record.get("status") != "open" or not _claimable(record, user, now):
            return False
        pipe.hset(key(cid), mapping={"claimed_by": user, "claimed_at": f"{now:.3f}"})
        return True

    return _locked(redis, cid, change)


def release(redis, cid: str, user: str, admin: bool = False) -> bool:
    def change(pipe, record):
        if record.get("claimed_by") != user and not admin:
            return False
        pipe.hdel(key(cid), "claimed_by", "claimed_at")
        return True

    return _locked(redis, cid, change)


def reveal(redis, cid: str, user: str, now: float | None = None) -> str | None:
    """The full number, for the operator who claimed the callback; every reveal is audited."""
    record = get(redis, cid)
    if record.get("status") != "open" or record.get("claimed_by") != user or not record.get("number"):
        return None
    audit.log(redis, user, "reveal", cid, record.get("masked", ""), now)
    return record["number"]


def attempt(redis, cid: str, user: str, outcome: str, note: str = "", max_failed: int = 3,
            now: float | None = None) -> str | None:
    """Record one call attempt by the claimer. Returns the callback's status after it, None if refused."""
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {OUTCOMES}")
    now = now or time.time()
    result: list[str] = []

    def change(pipe, record):
        if record.get("status") != "open" or record.get("claimed_by") != user:
            return False
        failed = int(record.get("failed") or 0) + (outcome in FAILED)
        status = outcome if outcome in ("done", "wrong_number") else "open"
        if status == "open" and failed >= max_failed:
            status = "unreachable"
        entry = {"t": round(now, 3), "by": user, "outcome": outcome, "note": note[:1000]}
        pipe.rpush(attempts_key(cid), json.dumps(entry, ensure_ascii=False))
        pipe.expire(attempts_key(cid), CALLBACK_TTL)
        pipe.hset(key(cid), mapping={"attempts": int(record.get("attempts") or 0) + 1, "failed": failed,
                                     "last_outcome": outcome, "last_at": f"{now:.3f}"})
        if note:
            pipe.hset(key(cid), "note", note[:1000])
        if status != "open":
            _close(pipe, cid, record, status, user, now)
        result.append(status)
        return True

    return result[0] if _locked(redis, cid, change) else None


def _close(pipe, cid: str, record: dict, status: str, user: str, now: float) -> None:
    pipe.hset(key(cid), mapping={"status": status, "done_by": user, "done_at": f"{now:.3f}"})
    pipe.hdel(key(cid), "number", "claimed_by", "claimed_at")  # the number leaves the queue with the work
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

