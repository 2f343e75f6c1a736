"""The reviewers' allow list: native speakers who may record the hotline's lines by phone.

Reviewers are not callers and not dashboard operators. Admins add them in the dashboard
(/ops/admin/reviewers): the number is kept only as the caller hash the app uses everywhere
(`services.caller_hash`) and a mask for display; the languages they record; a PIN hashed with
werkzeug (scrypt), never shown again. Durable like operator accounts (no TTL).

Guards for the reviewers' number (ivr/voice/review.py):
  - wrong PINs per number: PIN_TRIES, then the number is locked for LOCK_SECONDS (a locked number
    is refused before it may try again, even with the right PIN);
  - recordings kept per reviewer per day (the caller of `count_take` passes the limit).
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass

from werkzeug.security import check_password_hash, generate_password_hash

INDEX = "reviewers"  # a set of caller hashes, so listing never scans keys
PIN_RE = re.compile(r"^\d{4,8}$")
PIN_TRIES = 5
LOCK_SECONDS = 3600
_DUMMY_HASH = generate_password_hash("0000")  # the same time spent for unknown numbers


class ReviewerError(ValueError):
    pass


@dataclass
class Reviewer:
    caller: str  # the number's keyed hash
    mask: str
    langs: list[str]
    pin_hash: str
    added: str = ""
    by: str = ""


def key(caller: str) -> str:
    return f"reviewer:{caller}"


def fail_key(caller: str) -> str:
    return f"reviewer:pinfail:{caller}"


def lock_key(caller: str) -> str:
    return f"reviewer:locked:{caller}"


def day_key(caller: str, day: str) -> str:
    return f"reviewer:day:{caller}:{day}"


def add(redis, caller: str, mask: str, langs: list[str], pin: str, by: str) -> Reviewer:
    """Add a reviewer, or replace one's languages and PIN (the same number again)."""
    if not caller or caller == "anonymous":
        raise ReviewerError("a reviewer needs a real phone number")
    if not langs:
        raise ReviewerError("choose at least one language")
    if not PIN_RE.match(pin or ""):
        raise ReviewerError("PIN: 4 to 8 digits")
    reviewer = Reviewer(caller, mask, list(langs), generate_password_hash(pin), f"{time.time():.0f}", by)
    pipe = redis.pipeline(transaction=True)
    pipe.delete(key(caller))
    pipe.hset(key(caller), mapping={"caller": caller, "mask": mask, "langs": ",".join(langs),
                                    "pin": reviewer.pin_hash, "added": reviewer.added, "by": by})
    pipe.sadd(INDEX, caller)
    pipe.delete(fail_key(caller), lock_key(caller))
    pipe.execute()
    return reviewer


def get(redis, caller: str) -> Reviewer | None:
    return _reviewer(redis.hgetall(key(caller))) if caller else None


def _reviewer(record: dict) -> Reviewer | None:
    if not record or not record.get("pin"):
        return None
    return Reviewer(record["caller"], record.get("mask", ""), [x for x in record.get("langs", "").split(",") if x],
                    record["pin"], record.get("added", ""), record.get("by", ""))


def remove(redis, caller: str) -> bool:
    pipe = redis.pipeline(transaction=True)
    pipe.delete(key(caller))
    pipe.srem(INDEX, caller)
    pipe.delete(fail_key(caller), lock_key(caller))
    return bool(pipe.execute()[0])


def all_reviewers(redis) -> list[Reviewer]:
    found = sorted(redis.smembers(INDEX))
    pipe = redis.pipeline(transaction=False)
    for caller in found:
        pipe.hgetall(key(caller))
    return sorted((r for r in map(_reviewer, pipe.execute()) if r), key=lambda r: r.added)


def locked(redis, caller: str) -> bool:
    return bool(redis.exists(lock_key(caller)))


def check_pin(redis, caller: str, pin: str) -> str:
    """'ok', 'wrong' (tries left) or 'locked' (too many wrong PINs: refused for LOCK_SECONDS).
    A locked number is refused without looking at the PIN."""
    if locked(redis, caller):
        return "locked"
    reviewer = get(redis, caller)
    ok = check_password_hash(reviewer.pin_hash if reviewer else _DUMMY_HASH, pin or "") and reviewer is not None
    if ok:
        redis.delete(fail_key(caller))
        return "ok"
    pipe = redis.pipeline(transaction=True)
    pipe.hincrby(fail_key(caller), "n", 1)
    pipe.expire(fail_key(caller), LOCK_SECONDS)
    failures = pipe.execute()[0]
    if failures >= PIN_TRIES:
        pipe = redis.pipeline(transaction=True)
        pipe.set(lock_key(caller), "1", ex=LOCK_SECONDS)
        pipe.delete(fail_key(caller))
        pipe.execute()
        return "locked"
    return "wrong"


def takes_today(redis, caller: str, day: str) -> int:
    return int(redis.get(day_key(caller, day)) or 0)


def count_take(redis, caller: str, day: str, limit: int) -> bool:
    """Count one kept recording; False (and not counted) when the day's limit is reached."""
    pipe = redis.pipeline(transaction=True)
    pipe.incr(day_key(caller, day))
    pipe.expire(day_key(caller, day), 2 * 86400)
    n = pipe.execute()[0]
    if n > limit:
        redis.decr(day_key(caller, day))
        return False
    return True


# -- one call on the reviewers' number ------------------------------------------------------
# `review:call:<CallSid>`: caller (hash), pin (1 once the PIN was right), lang, skipped (line ids,
# comma-separated), take (JSON: the recording waiting for keep / redo / skip). Two hours.

CALL_TTL = 2 * 3600


def call_key(sid: str) -> str:
    return f"review:call:{sid}"


def start_call(redis, sid: str, caller: str) -> None:
    pipe = redis.pipeline(transaction=True)
    pipe.delete(call_key(sid))
    pipe.hset(call_key(sid), mapping={"caller": caller, "pin": ""})
    pipe.expire(call_key(sid), CALL_TTL)
    pipe.execute()


def call_state(redis, sid: str) -> dict:
    return redis.hgetall(call_key(sid)) if sid else {}


def update_call(redis, sid: str, **fields) -> None:
    pipe = redis.pipeline(transaction=True)
    pipe.hset(call_key(sid), mapping=fields)
    pipe.expire(call_key(sid), CALL_TTL)
    pipe.execute()


def end_call(redis, sid: str) -> None:
    redis.delete(call_key(sid))
