"""Keeping no more than needed: the daily purge of old records, and forgetting one number.

Records expire by TTL on their own; the purge trims the sorted-set indexes that point at them
(so the dashboard never lists a conversation whose record is gone) and drops old message and
callback entries. `forget` deletes everything stored about one number, found through the
per-caller sets `caller:<hash>:convs|msgs|callbacks` — never a scan of all keys.
"""
from __future__ import annotations

import time

from . import callbacks, calllog, inbox, messages, missed_calls, sessions

INDEXES = ("convs:voice", "convs:sms", "msgs", "callbacks:open", "callbacks:done", "inbox:all")


def purge(redis, retention_days: int, languages: list[str], now: float | None = None) -> int:
    cutoff = (now or time.time()) - retention_days * 86400
    removed = 0
    indexes = list(INDEXES) + [f"convs:{ch}:lang:{lang}" for ch in ("voice", "sms") for lang in languages]
    for index in indexes:
        while True:
            old = redis.zrangebyscore(index, "-inf", cutoff, start=0, num=500)
            if not old:
                break
            pipe = redis.pipeline(transaction=False)
            for item in old:
                if index.startswith("convs:") and ":lang:" not in index:
                    pipe.delete(calllog.conv_key(item), calllog.events_key(item), calllog.seen_key(item))
                elif index == "msgs":
                    pipe.delete(messages.key(item), f"{messages.key(item)}:seen", f"{messages.key(item)}:claim")
                elif index.startswith("callbacks:"):
                    pipe.delete(callbacks.key(item), callbacks.attempts_key(item), callbacks.kept_key(item))
                elif index == "inbox:all":
                    pipe.delete(inbox.key(item), inbox.number_key(item))
                    pipe.zrem("inbox:open", item)
            pipe.zrem(index, *old)
            pipe.execute()
            removed += len(old)
    return removed


def forget(redis, caller: str, languages: list[str], rq_redis=None) -> int:
    """Delete every record about the number whose hash is `caller`. Returns how many keys went."""
    convs = redis.smembers(f"caller:{caller}:convs") | {f"SMS-{caller}"}
    msgs = redis.smembers(f"caller:{caller}:msgs")
    cbs = redis.smembers(f"caller:{caller}:callbacks")
    texts = redis.smembers(f"caller:{caller}:inbox")
    keys = [sessions.key("sms", caller), sessions.language_key(caller), messages.optout_key(caller),
            f"callback:open-for:{caller}", f"caller:{caller}:convs", f"caller:{caller}:msgs",
            f"caller:{caller}:callbacks", f"caller:{caller}:inbox"]
    for cid in convs:
        keys += [calllog.conv_key(cid), calllog.events_key(cid), calllog.seen_key(cid)]
    for mid in msgs:
        keys += [messages.key(mid), f"{messages.key(mid)}:seen", f"{messages.key(mid)}:claim"]
    keys += [k for cid in cbs for k in (callbacks.key(cid), callbacks.attempts_key(cid), callbacks.kept_key(cid))]
    keys += [k for item in texts for k in (inbox.key(item), inbox.number_key(item))]
    keys.append(f"smslimit:{caller}")
    pipe = redis.pipeline(transaction=False)
    pipe.delete(*keys)
    for channel in ("voice", "sms"):
        pipe.zrem(f"convs:{channel}", *convs)
        for lang in languages:
            pipe.zrem(f"convs:{channel}:lang:{lang}", *convs)
    if msgs:
        pipe.zrem("msgs", *msgs)
        for mid in msgs:
            pipe.lrem("outbox", 0, mid)
    if texts:
        pipe.zrem("inbox:open", *texts)
        pipe.zrem("inbox:all", *texts)
    if cbs:
        pipe.zrem("callbacks:open", *cbs)
        pipe.zrem("callbacks:done", *cbs)
    deleted = pipe.execute()[0]
    # Missed-call callbacks: their records go, the number goes on the do-not-call list (hash only).
    missed, call_jobs = missed_calls.forget(redis, caller)
    deleted += missed
    if rq_redis is not None and (msgs or call_jobs):
        deleted += _cancel_jobs(rq_redis, [f"sms-{mid}" for mid in msgs] + call_jobs)
    return deleted


def _cancel_jobs(rq_redis, job_ids: list[str]) -> int:
    """Queued or scheduled sends and callbacks for a forgotten number: delete them (the SMS jobs carry
    its plaintext number; a callback job would find nothing to do, but need not wait in a queue)."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job
    from rq.serializers import JSONSerializer

    gone = 0
    for job_id in job_ids:
        try:
            job = Job.fetch(job_id, connection=rq_redis, serializer=JSONSerializer)
        except NoSuchJobError:
            continue
        job.delete(remove_from_queue=True)
        gone += 1
    return gone

