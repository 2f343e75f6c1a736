"""Texts the hotline did not understand, kept for operators to answer (the dashboard's inbox).

Keys (no plaintext numbers; the texter is the number's hash, as in the call log):
  inbox:<id>       hash: id, conv (the SMS thread), caller (hash), lang, body, received, status
                   (open, replied, closed), reason (why a person must see it: REASONS), topic (what an
                   operator said it was about), by, done_at, claimed_by/claimed_at (the operator
                   answering it: `claim`), reply_msg (the id of the reply sent, for its delivery status)
  inbox:open       sorted set of open ids by time received — the inbox pages through it
  inbox:all        sorted set of every id by time received (trimmed by the retention purge)
  caller:<hash>:inbox  set of ids, so `hotline forget` finds them without a scan
  inbox:<id>:to    the texter's number, so that an operator can answer: the one plaintext number
                   here, kept REPLY_WINDOW at most and deleted when the text is closed
  corpus:sms       list of JSON {text, lang, topic, by, t}: texts an operator said were about a topic,
                   for the SMS matcher's test corpus (`hotline` exports it; the dashboard too)
Everything expires with the retention period.
"""
from __future__ import annotations

import hashlib
import json
import uuid

import redis as redis_lib

STATUSES = ("open", "replied", "closed")
# Why a text reaches a person: nobody understood it; it asks what the hotline does not cover; it sounds urgent;
# the texter asked for a person / a callback; the texter said the answer did not help; understanding failed.
REASONS = ("unclear", "out_of_scope", "urgent", "callback", "flagged", "error")
REPLY_WINDOW = 7 * 86400
CORPUS = "corpus:sms"
CORPUS_MAX = 50_000
CLAIM_STALE = 30 * 60  # a claim older than this may be taken over (the operator left the text)


def key(item: str) -> str:
    return f"inbox:{item}"


def clean(text: str) -> str:
    """NUL and other C0 controls (but newlines and tabs) never reach Redis or a page."""
    return "".join(ch for ch in text if ch in "\n\t" or ord(ch) >= 32)


def number_key(item: str) -> str:
    return f"inbox:{item}:to"


def record(redis, *, conv: str, caller: str, lang: str, body: str, received: float, retention: int,
           number: str | None = None, reason: str = "unclear", item: str | None = None) -> str:
    """Keep a text a person must see (`reason`, one of REASONS); returns its id. With `number`, operators
    can reply for REPLY_WINDOW. `item`: its id, when one text must make one item however often it is kept
    (`item_for`)."""
    if reason not in REASONS:
        raise ValueError(f"unknown inbox reason {reason!r}")
    item = item or uuid.uuid4().hex[:16]
    pipe = redis.pipeline(transaction=True)
    pipe.hset(key(item), mapping={"id": item, "conv": conv, "caller": caller, "lang": lang or "",
                                  "body": clean(body)[:1600], "received": f"{received:.3f}", "status": "open",
                                  "reason": reason})
    pipe.expire(key(item), retention)
    pipe.zadd("inbox:open", {item: received})
    pipe.zadd("inbox:all", {item: received})
    if number:
        pipe.set(number_key(item), number, ex=min(REPLY_WINDOW, retention))
    if caller and caller != "anonymous":
        pipe.sadd(f"caller:{caller}:inbox", item)
        pipe.expire(f"caller:{caller}:inbox", retention)
    pipe.execute()
    return item


def item_for(message_sid: str) -> str:
    """The inbox id of an inbound text: the same for every delivery of it (an id like any other: 16 hex)."""
    return hashlib.sha256(message_sid.encode()).hexdigest()[:16]


def get(redis, item: str) -> dict | None:
    return redis.hgetall(key(item)) or None


URGENT_FIRST_WINDOW = 1000  # open texts sorted by urgency; past this many, by time alone
FIRST = {"urgent": 0, "flagged": 1, "callback": 1}  # what needs attention comes before the rest


def page(redis, status: str = "open", offset: int = 0, limit: int = 50) -> list[dict]:
    """Open texts: urgent ones first, then those whose texter asked for a person, then the rest, each
    group oldest first (the one waiting longest on top); other statuses newest first."""
    if status == "open" and redis.zcard("inbox:open") <= URGENT_FIRST_WINDOW:
        ids = redis.zrange("inbox:open", 0, -1)
        pipe = redis.pipeline(transaction=False)
        for item in ids:
            pipe.hget(key(item), "reason")
        ranked = sorted(zip(ids, pipe.execute(), strict=True), key=lambda pair: FIRST.get(pair[1] or "", 2))
        ids = [item for item, _ in ranked][offset:offset + limit]
    elif status == "open":
        ids = redis.zrange("inbox:open", offset, offset + limit - 1)
    else:
        ids = redis.zrevrange("inbox:all", offset, offset + limit - 1)
    pipe = redis.pipeline(transaction=False)
    for item in ids:
        pipe.hgetall(key(item))
    rows = [row for row in pipe.execute() if row]
    return rows if status in ("open", "all") else [r for r in rows if r.get("status") == status]


def count_open(redis) -> int:
    return redis.zcard("inbox:open")


def close(redis, item: str, *, status: str, by: str, now: float, topic: str | None = None) -> bool:
    """Mark a text replied or closed (optionally with the topic it was about). False if it is gone."""
    if status not in STATUSES[1:]:
        raise ValueError(f"status must be one of {STATUSES[1:]}")
    if not redis.exists(key(item)):
        return False
    fields = {"status": status, "by": by, "done_at": f"{now:.3f}"}
    if topic:
        fields["topic"] = topic
    pipe = redis.pipeline(transaction=True)
    pipe.hset(key(item), mapping=fields)
    pipe.zrem("inbox:open", item)
    if status == "closed":
        pipe.delete(number_key(item))
    pipe.execute()
    return True


def _locked(redis, item: str, change) -> bool:
    """Run `change(pipe, row) -> bool` on a consistent row (WATCH/MULTI): False if it refused or vanished."""
    def body(pipe) -> bool:
        row = pipe.hgetall(key(item))
        if not row:
            return False
        pipe.multi()
        return change(pipe, row)

    try:
        return redis.transaction(body, key(item), value_from_callable=True)
    except redis_lib.WatchError:  # pragma: no cover - redis-py retries on its own
        return False


def holder(row: dict, now: float) -> str:
    """Who is answering an open text now ('' when nobody is, or their claim went stale)."""
    who = row.get("claimed_by") or ""
    if who and now - float(row.get("claimed_at") or 0) > CLAIM_STALE:
        return ""
    return who


def claim(redis, item: str, user: str, now: float) -> str:
    """Take an open text to answer it. Returns who holds it afterwards: `user`, or the operator who
    already has it (a fresh claim is respected), or '' if the text is no longer open."""
    seen: list[str] = []

    def change(pipe, row):
        if row.get("status") != "open":
            seen.append("")
            return False
        other = holder(row, now)
        if other and other != user:
            seen.append(other)
            return False
        pipe.hset(key(item), mapping={"claimed_by": user, "claimed_at": f"{now:.3f}"})
        seen.append(user)
        return True

    _locked(redis, item, change)
    return seen[0] if seen else ""


def release(redis, item: str, user: str) -> bool:
    def change(pipe, row):
        if row.get("claimed_by") != user:
            return False
        pipe.hdel(key(item), "claimed_by", "claimed_at")
        return True

    return _locked(redis, item, change)


def take_for_reply(redis, item: str, user: str, now: float, msg_id: str) -> str:
    """The one step that lets exactly one operator answer a text: if it is open and nobody else holds
    it, mark it replied by `user` with `msg_id`. Returns '' when it did, else why not: the name of the
    operator who holds or answered it, or 'closed'."""
    why: list[str] = []

    def change(pipe, row):
        if row.get("status") != "open":
            why.append(row.get("by") or "closed")
            return False
        other = holder(row, now)
        if other and other != user:
            why.append(other)
            return False
        pipe.hset(key(item), mapping={"status": "replied", "by": user, "done_at": f"{now:.3f}",
                                      "reply_msg": msg_id, "claimed_by": user, "claimed_at": f"{now:.3f}"})
        pipe.zrem("inbox:open", item)
        return True

    if _locked(redis, item, change):
        return ""
    return why[0] if why else "closed"


def reply_number(redis, item: str) -> str | None:
    return redis.get(number_key(item))


def by_ids(redis, ids) -> list[dict]:
    pipe = redis.pipeline(transaction=False)
    for item in ids:
        pipe.hgetall(key(item))
    return [row for row in pipe.execute() if row]


def label(redis, item: str, *, topic: str, by: str, now: float, retention: int) -> bool:
    """Say what a text was about: kept on the text and appended to the SMS test corpus."""
    row = get(redis, item)
    if not row:
        return False
    entry = {"text": row.get("body", ""), "lang": row.get("lang", ""), "topic": topic, "by": by, "t": round(now, 3)}
    pipe = redis.pipeline(transaction=True)
    pipe.hset(key(item), "topic", topic)
    pipe.rpush(CORPUS, json.dumps(entry, ensure_ascii=False))
    pipe.ltrim(CORPUS, -CORPUS_MAX, -1)
    pipe.expire(CORPUS, retention)
    pipe.execute()
    return True


def corpus(redis) -> list[dict]:
    return [json.loads(e) for e in redis.lrange(CORPUS, 0, -1)]
