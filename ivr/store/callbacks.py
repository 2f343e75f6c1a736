"""The callback queue: callers who asked an operator to call them back.

The only place a full phone number is kept at rest: operators need it to call. It lives in
`callback:<id>` for at most CALLBACK_TTL and is removed as soon as the callback is marked done.
"""
from __future__ import annotations

import time
import uuid

from . import calllog, privacy

CALLBACK_TTL = 14 * 86400


def request(redis, number: str, caller: str, conv: str, lang: str | None, now: float | None = None) -> str | None:
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
    pipe.hset(f"callback:{cid}", mapping={
        "id": cid, "conv": conv, "lang": lang or "", "caller": caller, "number": privacy.normalize(number),
        "masked": privacy.mask(number), "created": f"{now:.3f}", "status": "open"})
    pipe.expire(f"callback:{cid}", CALLBACK_TTL)
    pipe.zadd("callbacks:open", {cid: now})
    calllog.remember_for_caller(pipe, caller, "callbacks", cid, CALLBACK_TTL)
    pipe.execute()
    return cid


def get(redis, cid: str) -> dict:
    return redis.hgetall(f"callback:{cid}")


def list_ids(redis, status: str = "open", offset: int = 0, count: int = 50) -> list[str]:
    return redis.zrevrange(f"callbacks:{status}", offset, offset + count - 1)


def mark_done(redis, cid: str, operator: str, note: str, now: float | None = None) -> bool:
    now = now or time.time()
    record = get(redis, cid)
    if not record or record.get("status") != "open":
        return False
    pipe = redis.pipeline(transaction=True)
    pipe.hset(f"callback:{cid}", mapping={"status": "done", "note": note[:1000], "done_by": operator,
                                          "done_at": f"{now:.3f}"})
    pipe.hdel(f"callback:{cid}", "number")  # the number is not needed once the call is made
    pipe.zrem("callbacks:open", cid)
    pipe.zadd("callbacks:done", {cid: float(record.get("created") or now)})
    pipe.delete(f"callback:open-for:{record.get('caller', '')}")
    pipe.execute()
    return True
