"""The conversation log operators read: one record and an event list per call or SMS thread.

Keys (all expire after the retention period; no plaintext numbers):
  conv:<id>            hash: channel, caller (hash), lang, started, ended, status, duration, last_node, outcome
  conv:<id>:events     list of JSON events {t, type, node, page, key, ...}
  conv:<id>:seen       hash of webhooks already handled (step:<s>, status:<status>)
  convs:<channel>      sorted set of ids by start time — the dashboard pages through it
  convs:<channel>:lang:<lang>  the same, per language (filters use indexes, never a key scan)
  stats:<YYYY-MM-DD>   hash of daily counters: <channel>:<lang>, topic:<node>, drop:<node>, sms:<status>
"""
from __future__ import annotations

import json
import time


def conv_key(cid: str) -> str:
    return f"conv:{cid}"


def events_key(cid: str) -> str:
    return f"conv:{cid}:events"


def start(pipe, channel: str, cid: str, caller: str, started: float, retention: int) -> None:
    pipe.hset(conv_key(cid), mapping={"channel": channel, "caller": caller, "started": f"{started:.3f}",
                                      "status": "in-progress"})
    pipe.zadd(f"convs:{channel}", {cid: started})
    pipe.expire(conv_key(cid), retention)
    remember_for_caller(pipe, caller, "convs", cid, retention)


def remember_for_caller(pipe, caller: str, kind: str, item: str, retention: int) -> None:
    """`caller:<hash>:<kind>` lists what belongs to one number, so `hotline forget` needs no scan."""
    if caller and caller != "anonymous":
        pipe.sadd(f"caller:{caller}:{kind}", item)
        pipe.expire(f"caller:{caller}:{kind}", retention)


# One encoder for every event: json.dumps with options builds a new JSONEncoder on each call.
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def event(pipe, cid: str, type_: str, retention: int | None, **fields) -> None:
    """Append an event. `retention` None: the list already has its TTL (RPUSH keeps it)."""
    record = {"t": round(time.time(), 3), "type": type_}
    record.update({k: v for k, v in fields.items() if v is not None})
    pipe.rpush(events_key(cid), _encode(record))
    if retention:
        pipe.expire(events_key(cid), retention)


def update(pipe, cid: str, retention: int | None, **fields) -> None:
    pipe.hset(conv_key(cid), mapping={k: str(v) for k, v in fields.items() if v is not None})
    if retention:
        pipe.expire(conv_key(cid), retention)


def seen_key(cid: str) -> str:
    """Marks of webhooks already handled (Twilio retries), so a retry changes nothing."""
    return f"conv:{cid}:seen"


def mark_seen(pipe, cid: str, what: str, retention: int) -> None:
    """Record that `what` happened in this conversation (Twilio retries callbacks): the pipeline's
    result for this command is 1 the first time, 0 after."""
    pipe.hsetnx(seen_key(cid), what, 1)
    pipe.expire(seen_key(cid), retention)


def set_language(pipe, channel: str, cid: str, lang: str, started: float) -> None:
    pipe.hset(conv_key(cid), "lang", lang)
    pipe.zadd(f"convs:{channel}:lang:{lang}", {cid: started})


def read(redis, cid: str) -> tuple[dict, list[dict]]:
    pipe = redis.pipeline(transaction=False)
    pipe.hgetall(conv_key(cid))
    pipe.lrange(events_key(cid), 0, -1)
    record, events = pipe.execute()
    return record, [json.loads(e) for e in events]


def recent(redis, channel: str, offset: int = 0, count: int = 50, lang: str | None = None) -> list[str]:
    index = f"convs:{channel}:lang:{lang}" if lang else f"convs:{channel}"
    return redis.zrevrange(index, offset, offset + count - 1)


def stats_key(day: str) -> str:
    return f"stats:{day}"


def count(pipe, day: str, field: str, retention: int, amount: int = 1) -> None:
    """A daily counter for the statistics page (one small hash per day, no scans)."""
    pipe.hincrby(stats_key(day), field, amount)
    pipe.expire(stats_key(day), retention)
