"""The audit log: who saw a full phone number, looked a caller up, exported data or changed an account, when.

Key: `audit:reveals`, a list of JSON entries newest first {t, by, action, ref, masked}
(action `reveal`: a callback's number shown to its claimer, ref = callback id; `search`: a caller's
history found by number, ref = the first 8 characters of the number's hash; `history`: a caller's
history opened by hash (a link), same ref; `export`: a download, ref = its file name, masked = the
dates; `user.add|role|reset|disable|enable`: an account change, ref = the account, masked = the role;
`recording.accept|revert`: a native recording, ref = language/prompt; `call.logged`: a callback
closed as done without a reveal, after a call the operator logged). `masked` holds details, never a
plaintext number.
It holds no plaintext number. Kept AUDIT_TTL after the last entry, at most AUDIT_MAX entries.
"""
from __future__ import annotations

import json
import time

KEY = "audit:reveals"
AUDIT_TTL = 400 * 86400
AUDIT_MAX = 100_000


def log(redis, by: str, action: str, ref: str, masked: str = "", now: float | None = None) -> None:
    entry = {"t": round(now or time.time(), 3), "by": by, "action": action, "ref": ref, "masked": masked}
    pipe = redis.pipeline(transaction=True)
    pipe.lpush(KEY, json.dumps(entry, ensure_ascii=False))
    pipe.ltrim(KEY, 0, AUDIT_MAX - 1)
    pipe.expire(KEY, AUDIT_TTL)
    pipe.execute()


def page(redis, offset: int = 0, count: int = 50) -> list[dict]:
    return [json.loads(e) for e in redis.lrange(KEY, offset, offset + count - 1)]
