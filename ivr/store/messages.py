"""Outgoing SMS records: what was asked for, what was sent, what the network says happened.

`msg:<id>` hashes (layout in docs/architecture.md) are written when a follow-up SMS is
requested, updated by the worker that sends it and by delivery status callbacks. The opt-out
list lives here too: `optout:<hash>` — a number that said STOP is never sent to.
"""
from __future__ import annotations

import time
import uuid

from ..sms import segments
from . import calllog, privacy

# Delivery states in the order they happen; a late callback never moves a message backwards.
ORDER = {"requested": 0, "scheduled": 1, "queued": 2, "accepted": 2, "sending": 3, "sent": 4, "uncertain": 4,
         "outbox": 5, "delivered": 5, "read": 6, "undelivered": 6, "failed": 6, "opted_out": 6, "rejected": 6}
FINAL_COUNTED = {"delivered", "failed", "undelivered"}


def optout_key(caller: str) -> str:
    return f"optout:{caller}"


def is_opted_out(redis, caller: str) -> bool:
    return bool(redis.exists(optout_key(caller)))


def cost(text: str) -> dict:
    return {"segments": segments.segments(text), "encoding": segments.encoding(text)}


def key(msg_id: str) -> str:
    return f"msg:{msg_id}"


def create(pipe, *, kind: str, conv: str, lang: str, number: str, caller: str, retention: int,
           msg_id: str | None = None, now: float | None = None, **fields) -> str:
    """Add a new message record to the caller's pipeline (which also carries its RQ job)."""
    now = now or time.time()
    msg_id = msg_id or uuid.uuid4().hex[:20]
    record = {"id": msg_id, "kind": kind, "conv": conv, "lang": lang, "to_hash": caller,
              "to_mask": privacy.mask(number), "status": "requested", "created": f"{now:.3f}", "updated": f"{now:.3f}"}
    record.update({k: str(v) for k, v in fields.items() if v is not None})
    pipe.hset(key(msg_id), mapping=record)
    pipe.expire(key(msg_id), retention)
    pipe.zadd("msgs", {msg_id: now})
    calllog.remember_for_caller(pipe, caller, "msgs", msg_id, retention)
    return msg_id


def update(redis, msg_id: str, **fields) -> None:
    fields["updated"] = f"{time.time():.3f}"
    redis.hset(key(msg_id), mapping={k: str(v) for k, v in fields.items() if v is not None})


def set_status(redis, msg_id: str, status: str, **fields) -> bool:
    """Move a message to `status` unless it is already further along. True if it moved."""
    current = redis.hget(key(msg_id), "status")
    if current and ORDER.get(current, 0) > ORDER.get(status, 0):
        return False
    update(redis, msg_id, status=status, **fields)
    return True


def record_status(redis, provider_sid: str, status: str, error_code: str, day: str, retention: int) -> None:
    msg_id = redis.get(f"msg:provider:{provider_sid}")
    if not msg_id:
        return  # not ours, or expired: nothing to record
    first = redis.hsetnx(f"{key(msg_id)}:seen", status, 1)
    redis.expire(f"{key(msg_id)}:seen", retention)
    if not first:
        return  # the same callback again
    set_status(redis, msg_id, status, error_code=error_code or None)
    if status in FINAL_COUNTED:
        redis.hincrby(f"stats:{day}", f"sms:{status}", 1)
        redis.expire(f"stats:{day}", retention)
