"""Outgoing SMS records: what was asked for, what was sent, what the network says happened.

`msg:<id>` hashes (layout in docs/architecture.md) are written when a follow-up SMS is
requested, updated by the worker that sends it and by delivery status callbacks (also those that
arrive before the worker has stored the provider's sid: `msg:early:<sid>`). The opt-out list lives
here too: `optout:<hash>` — a number that said STOP, or that Twilio reports as unsubscribed (21610),
is never sent to.

Each message's send is claimed in `msg:<id>:claim` (workers/sms_jobs.py): `sending:<time>` while a
send is under way or in doubt, `sent:<MessageSid>` once Twilio's sid is known, `failed`. The status
callback URL carries the message's id (`/sms/status?m=<id>`, signed by Twilio with the URL), so a
callback settles a send in doubt (`settle`) whenever it comes, as Twilio's answer would have.
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
ORDER = {"requested": 0, "scheduled": 1, "queued": 2, "accepted": 2, "sending": 3, "sent": 4, "uncertain": 3,
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


# Read and write in one step: a status callback between the two would be undone.
_ADVANCE = """
local current = redis.call('HGET', KEYS[1], 'status')
local order = cjson.decode(ARGV[1])
if current and current ~= ARGV[3] and (order[current] or 0) > (order[ARGV[2]] or 0) then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[2], unpack(ARGV, 4))
return 1
"""
_scripts: dict[str, object] = {}


def _script(redis, name: str, source: str):
    if name not in _scripts:
        _scripts[name] = redis.register_script(source)
    return _scripts[name]


def set_status(redis, msg_id: str, status: str, replaces: str = "", **fields) -> bool:
    """Move a message to `status` unless it is already further along (or is `replaces`, which any
    status may replace: a send in doubt that turned out sent). True if it moved."""
    fields["updated"] = f"{time.time():.3f}"
    pairs = [str(x) for k, v in fields.items() if v is not None for x in (k, v)]
    return bool(_script(redis, "advance", _ADVANCE)(keys=[key(msg_id)], args=[json.dumps(ORDER), status, replaces,
                                                                              *pairs], client=redis))


def claim_key(msg_id: str) -> str:
    return f"msg:{msg_id}:claim"


CLAIM_TTL = 7 * 86400

# The provider's sid is known (Twilio's answer, its list, or a status callback with our id): the claim
# says sent, and the sid finds the message. A claim that already names a sid keeps it.
_SETTLE = """
local claim = redis.call('GET', KEYS[1])
if claim and string.sub(claim, 1, 5) == 'sent:' and claim ~= 'sent:' then return claim end
redis.call('SET', KEYS[1], 'sent:' .. ARGV[1], 'EX', ARGV[3])
if ARGV[1] ~= '' then
  redis.call('SET', KEYS[3], ARGV[2], 'EX', ARGV[4])
  redis.call('HSET', KEYS[2], 'provider_sid', ARGV[1])
end
return false
"""


def settle(redis, msg_id: str, provider_sid: str, retention: int) -> str | None:
    """Record that message `msg_id` is Twilio's `provider_sid`. None if this settled it, else the
    claim it already had (`sent:<sid>`)."""
    return _script(redis, "settle", _SETTLE)(
        keys=[claim_key(msg_id), key(msg_id), provider_key(provider_sid)],
        args=[provider_sid, msg_id, CLAIM_TTL, retention], client=redis) or None


# Swap a claim only if it is still the one read: another run, or a status callback, may have moved it.
_SWAP = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) end
return 1
"""


def swap_claim(redis, claim: str, expected: str, new: str, ttl: int = CLAIM_TTL) -> bool:
    """Set `claim` to `new` ('' deletes it) if it is still `expected`. Also for calls' claims."""
    return bool(_script(redis, "swap", _SWAP)(keys=[claim], args=[expected, new, ttl], client=redis))


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


def record_status(redis, provider_sid: str, status: str, error_code: str, day: str, retention: int,
                  msg_id: str = "") -> str:
    """Apply a delivery status callback. Returns applied, repeated, early (kept for later) or ignored.
    `msg_id`: our id from the callback's URL, which settles a send whose answer was lost."""
    if status not in TWILIO_STATUSES:
        return "ignored"  # not a status of an outgoing message: nothing to move
    if msg_id and msg_id.isalnum() and len(msg_id) <= 32 and redis.exists(key(msg_id)):
        if settle(redis, msg_id, provider_sid, retention) is None:
            set_status(redis, msg_id, "queued", replaces="uncertain")  # in doubt no longer: Twilio has it
        return apply_status(redis, msg_id, status, error_code, day, retention)
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
        if ORDER.get(current, 0) <= ORDER[new] or current == "uncertain":
            pipe.hset(key(msg_id), mapping={"status": new, "updated": f"{time.time():.3f}",
                                            **({"error_code": str(error_code)} if error_code else {})})
        if unsubscribed:
            opt_out(pipe, caller, f"twilio-{UNSUBSCRIBED}")
        if status in FINAL_COUNTED:
            pipe.hincrby(f"stats:{day}", f"sms:{status}", 1)
            pipe.expire(f"stats:{day}", retention)
        return "applied"

    return redis.transaction(move, key(msg_id), seen, value_from_callable=True)
