"""Outgoing SMS records: what was asked for, what was sent, what the network says happened.

`msg:<id>` hashes (layout in docs/architecture.md) are written when a follow-up SMS is
requested, updated by the worker that sends it and by delivery status callbacks (also those that
arrive before the worker has stored the provider's sid: `msg:early:<sid>`). The opt-out list lives
here too: `optout:<hash>` — a number that said STOP, or that Twilio reports as unsubscribed (21610),
is never sent to.
"""
from __future__ import annotations

import json
import time
import uuid

from ..sms import segments
from . import calllog, privacy

# Delivery states in the order they happen; a late callback never moves a message backwards.
# Every status Twilio reports for an outgoing message is here (accepted, scheduled and canceled come
# with Messaging Services and scheduled sends, read and partially_delivered from some channels).
ORDER = {"requested": 0, "scheduled": 1, "queued": 2, "accepted": 2, "sending": 3, "sent": 4, "uncertain": 4,
         "outbox": 5, "delivered": 5, "partially_delivered": 5, "read": 6, "undelivered": 6, "failed": 6,
         "canceled": 6, "opted_out": 6, "rejected": 6}
TWILIO_STATUSES = {"accepted", "scheduled", "queued", "sending", "sent", "delivered", "partially_delivered",
                   "read", "undelivered", "failed", "canceled"}
FINAL_COUNTED = {"delivered", "partially_delivered", "failed", "undelivered", "canceled"}
UNSUBSCRIBED = "21610"  # Twilio: "Attempt to send to unsubscribed recipient" (STOP, or a carrier's block)
EARLY_TTL = 86400  # a callback for a MessageSid not recorded yet waits this long for its message


def optout_key(caller: str) -> str:
    return f"optout:{caller}"


def is_opted_out(redis, caller: str) -> bool:
    return bool(redis.exists(optout_key(caller)))


def opt_out(pipe, caller: str, reason: str) -> None:
    """The number said STOP (or Twilio says 21610): nothing is sent to it until it opts back in."""
    if caller and caller != "anonymous":
        pipe.set(optout_key(caller), reason)


def opt_in(pipe, caller: str) -> None:
    pipe.delete(optout_key(caller))


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


def provider_key(provider_sid: str) -> str:
    return f"msg:provider:{provider_sid}"


def early_key(provider_sid: str) -> str:
    return f"msg:early:{provider_sid}"


# A status callback may come before the worker has stored the MessageSid (Twilio calls back while
# the REST call that created the message is still returning). Looking the sid up and parking the
# callback happen in one script, so it is either applied now or found by `link_provider`.
_LOOKUP_OR_PARK = """
local id = redis.call('GET', KEYS[1])
if id then return id end
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[2])
return false
"""
_lookup_or_park = None


def record_status(redis, provider_sid: str, status: str, error_code: str, day: str, retention: int) -> str:
    """Apply a delivery status callback. Returns applied, repeated, early (kept for later) or ignored."""
    if status not in TWILIO_STATUSES:
        return "ignored"  # not a status of an outgoing message: nothing to move
    global _lookup_or_park
    if _lookup_or_park is None:
        _lookup_or_park = redis.register_script(_LOOKUP_OR_PARK)
    parked = json.dumps([status, error_code or "", day])  # counted under the day it arrived
    msg_id = _lookup_or_park(keys=[provider_key(provider_sid), early_key(provider_sid)],
                             args=[parked, EARLY_TTL], client=redis)
    if not msg_id:
        return "early"
    return apply_status(redis, msg_id, status, error_code, day, retention)


def link_provider(redis, provider_sid: str, msg_id: str, retention: int) -> int:
    """After the provider's sid is stored (`msg:provider:<sid>`): apply the callbacks that came first."""
    pipe = redis.pipeline(transaction=True)
    pipe.lrange(early_key(provider_sid), 0, -1)
    pipe.delete(early_key(provider_sid))
    parked, _ = pipe.execute()
    for raw in parked:
        status, error_code, day = json.loads(raw)
        apply_status(redis, msg_id, status, error_code, day, retention)
    return len(parked)


def apply_status(redis, msg_id: str, status: str, error_code: str, day: str, retention: int) -> str:
    """Move the message once per status (Twilio retries callbacks), never backwards; 21610 opts the
    number out. WATCH/MULTI: two callbacks for one message at once cannot undo each other."""
    seen = f"{key(msg_id)}:seen"

    def move(pipe) -> str:
        current, caller, repeated = pipe.hmget(key(msg_id), "status", "to_hash") + [pipe.hexists(seen, status)]
        if repeated or current is None:
            return "repeated" if repeated else "ignored"
        pipe.multi()
        pipe.hset(seen, status, 1)
        pipe.expire(seen, retention)
        unsubscribed = str(error_code) == UNSUBSCRIBED
        new = "opted_out" if unsubscribed else status
        if ORDER.get(current, 0) <= ORDER[new]:
            pipe.hset(key(msg_id), mapping={"status": new, "updated": f"{time.time():.3f}",
                                            **({"error_code": str(error_code)} if error_code else {})})
        if unsubscribed:
            opt_out(pipe, caller, f"twilio-{UNSUBSCRIBED}")
        if status in FINAL_COUNTED:
            pipe.hincrby(f"stats:{day}", f"sms:{status}", 1)
            pipe.expire(f"stats:{day}", retention)
        return "applied"

    return redis.transaction(move, key(msg_id), seen, value_from_callable=True)
