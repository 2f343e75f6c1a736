"""Missed-call callbacks in Redis: one pending callback per number, the caps, the outcomes.

A caller rings the missed-call number and the hotline calls back (ivr/voice/missed.py decides and
queues, workers/call_jobs.py places the call once, the answered call and Twilio's status callback
write the outcome). The caller's full number is in `missed:<id>` only while a call may still be
placed; every way a callback ends (`finish`) drops it and keeps the hash and the mask.

  missed:<id>            hash: id, caller (hash), mask, number (plaintext, while needed), rang, status,
                         attempts, when, call_sid, started, placed, answered_by, ended, last
  missed:pending:<hash>  the id of the number's callback not yet ended (one at a time)
  missed:recent:<hash>   a callback was placed in the last HOTLINE_CALLBACK_GAP_MINUTES
  missed:day:<hash>      hash: day -> callbacks queued that day (HOTLINE_CALLBACK_PER_DAY)
  missed:ring:<CallSid>  this ring was handled (Twilio retrying the webhook rings no second time)
  missed:<id>:claim:<n>  attempt n is claimed by a worker: placed at most once
  donotcall:<hash>       never call this number back (`hotline forget`, `hotline dnc add`)
  calls:pace             the next free slot for an outbound call (HOTLINE_CALLBACK_CPS, all workers)

Daily counters in `stats:<day>`: missed:rang, missed:skip:<reason>, missed:queued, missed:scheduled,
missed:placed, missed:<outcome> (answered, machine, busy, no-answer, failed), missed:gave_up, and
missed:wait_ms / missed:wait_n (ring to call placed, immediate callbacks only).
"""
from __future__ import annotations

import time

from . import calllog, privacy

# unconfirmed: an attempt whose answer was lost and that Twilio's list never showed, looked at until
# workers/reconcile.py gave up (the number's next ring is not held back by it).
STATUSES_ENDED = {"answered", "machine", "completed", "gave_up", "failed", "canceled", "do_not_call", "unconfirmed"}
MACHINE = ("machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other", "fax")
MARGIN = 2 * 3600  # how long past its planned time a callback may still be placed and its number kept


def key(cid: str) -> str:
    return f"missed:{cid}"


def pending_key(caller: str) -> str:
    return f"missed:pending:{caller}"


def recent_key(caller: str) -> str:
    return f"missed:recent:{caller}"


def day_key(caller: str) -> str:
    return f"missed:day:{caller}"


def claim_key(cid: str, attempt: int) -> str:
    return f"missed:{cid}:claim:{attempt}"


def dnc_key(caller: str) -> str:
    return f"donotcall:{caller}"


def job_id(cid: str, attempt: int) -> str:
    return f"call-{cid}-{attempt}"


def count(pipe, day: str, what: str, retention: int, amount: int = 1) -> None:
    calllog.count(pipe, day, f"missed:{what}", retention, amount)


# -- the ring ------------------------------------------------------------------------------

def first_ring(redis, ring_sid: str) -> bool:
    """False when Twilio delivers the same ring again (a webhook retry)."""
    return bool(redis.set(f"missed:ring:{ring_sid[:64]}", 1, nx=True, ex=3600))


def blocked(redis, caller: str, day: str, per_day: int) -> str | None:
    """Why this number gets no callback now (do_not_call, pending, recent, daily_cap), or None."""
    pipe = redis.pipeline(transaction=False)
    pipe.exists(dnc_key(caller))
    pipe.exists(pending_key(caller))
    pipe.exists(recent_key(caller))
    pipe.hget(day_key(caller), day)
    dnc, pending, recent, today = pipe.execute()
    if dnc:
        return "do_not_call"
    if pending:
        return "pending"
    if recent:
        return "recent"
    if int(today or 0) >= per_day:
        return "daily_cap"
    return None


def reserve(redis, caller: str, cid: str, ttl: int) -> bool:
    """Take the number's one pending slot; False if another ring took it first."""
    return bool(redis.set(pending_key(caller), cid, nx=True, ex=ttl))


def release(redis, caller: str) -> None:
    redis.delete(pending_key(caller))


def create(pipe, *, cid: str, caller: str, number: str, day: str, status: str, when: str | None, ttl: int,
           retention: int, now: float | None = None) -> None:
    """The callback's record (the number in it lives `ttl`), the day's count for the number, its index."""
    now = now or time.time()
    record = {"id": cid, "caller": caller, "mask": privacy.mask(number), "number": privacy.normalize(number),
              "rang": f"{now:.3f}", "status": status, "attempts": 0}
    if when:
        record["when"] = when
    pipe.hset(key(cid), mapping=record)
    pipe.expire(key(cid), ttl)
    pipe.hincrby(day_key(caller), day, 1)
    pipe.expire(day_key(caller), 2 * 86400)
    calllog.remember_for_caller(pipe, caller, "missed", cid, retention)


def finish(pipe, cid: str, caller: str, status: str, retention: int, **fields) -> None:
    """The callback has ended (any way): the number goes, the hash and mask stay for the statistics."""
    values = {"status": status, "ended": f"{time.time():.3f}"}
    values.update({k: str(v) for k, v in fields.items() if v is not None})
    pipe.hset(key(cid), mapping=values)
    pipe.hdel(key(cid), "number")
    pipe.expire(key(cid), retention)
    pipe.delete(pending_key(caller))


def get(redis, cid: str) -> dict:
    return redis.hgetall(key(cid)) if cid and cid.isalnum() and len(cid) <= 32 else {}


# -- the do-not-call list ------------------------------------------------------------------

def do_not_call(redis, caller: str, on: bool = True) -> None:
    """Put a number on (or take it off) the do-not-call list; kept as its hash, without a TTL."""
    if caller == "anonymous":
        return
    if on:
        redis.set(dnc_key(caller), "1")
    else:
        redis.delete(dnc_key(caller))


def forget(redis, caller: str) -> tuple[int, list[str]]:
    """Delete what is kept about the number's callbacks and put it on the do-not-call list.
    Returns (keys deleted, the RQ job ids that may still carry the callback)."""
    ids = redis.smembers(f"caller:{caller}:missed")
    keys = [pending_key(caller), recent_key(caller), day_key(caller), f"caller:{caller}:missed",
            f"calls:outbox:{caller}"]
    jobs = []
    for cid in ids:
        attempts = int(redis.hget(key(cid), "attempts") or 0) + 1
        keys.append(key(cid))
        keys += [claim_key(cid, n) for n in range(1, attempts + 1)]
        jobs += [job_id(cid, n) for n in range(1, attempts + 1)]
    deleted = redis.delete(*keys)
    do_not_call(redis, caller)
    return deleted, jobs


# -- the pace of outbound calls ---------------------------------------------------------

_PACE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local slot = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
local gap = tonumber(ARGV[1])
redis.call('SET', KEYS[1], slot + gap, 'PX', slot - now + gap + 1000)
return slot - now
"""
_pace = None


def wait_for_slot(redis, calls_per_second: float) -> float:
    """Seconds until this worker may place its call: slots 1/cps apart, shared by every worker
    through Redis (its clock, so hosts' clocks do not matter)."""
    global _pace
    if _pace is None:
        _pace = redis.register_script(_PACE)
    gap_ms = max(1, int(1000 / calls_per_second))
    return int(_pace(keys=["calls:pace"], args=[gap_ms], client=redis)) / 1000
