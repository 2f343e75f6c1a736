"""Sends whose answer from Twilio was lost: when to look at Twilio's list, and looking again later.

Twilio's REST API has no idempotency key: when a send's answer is lost (a read timeout after the
request went out, a reset, a 5xx that may come after Twilio created the message or call), or a run
finds that an earlier one died mid-send, nobody may send again before looking. The send's claim
keeps the moment the send began (`sending:<time>`, `calling:<time>`); the same job runs again at
that moment + HOTLINE_RECONCILE_AFTER (Twilio's list shows what it accepted by then), and finds
the message or call (then it is recorded as sent), or not (then it is sent, once more). The status
callback, which carries our id, settles it whenever it comes, before or after the look.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
import uuid

from rq import Queue, Retry, get_current_job
from rq.serializers import JSONSerializer

log = logging.getLogger(__name__)
MAX_CHECKS = 6  # looks at one send in doubt before it is left `uncertain` for an operator


def began(state: str) -> float:
    """When the send in doubt began, from its claim (`sending:<time>`); 0 for a claim without one."""
    try:
        return float(state.split(":", 1)[1])
    except (IndexError, ValueError):
        return 0.0


def since(started: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(started, dt.UTC)


def wait(ctx, started: float) -> float:
    """Seconds until Twilio's list can be trusted about a send that began at `started` (0: now)."""
    return max(0.0, started + float(ctx.config["HOTLINE_RECONCILE_AFTER"]) - time.time())


def again(ctx, record_key: str, queue: str, func: str, delay: float, args=(), kwargs=None) -> bool:
    """Run the job `func` again in `delay` seconds, to look at Twilio then. False when the send has
    been looked at MAX_CHECKS times already (it stays `uncertain`: an operator decides)."""
    checks = ctx.redis.hincrby(record_key, "checks", 1)
    if checks > MAX_CHECKS:
        log.error("%s: still in doubt after %s looks at Twilio; left uncertain", record_key, MAX_CHECKS)
        return False
    job = get_current_job()
    conn = job.connection if job is not None else ctx.rq_redis
    intervals = [int(x) for x in str(ctx.config["HOTLINE_SMS_RETRY_INTERVALS"]).split(",") if x.strip()]
    q = Queue(queue, connection=conn, serializer=JSONSerializer)
    # A new id each time: re-enqueueing the running job's own id would overwrite it mid-run.
    options = {"job_id": f"check-{record_key.replace(':', '-')}-{uuid.uuid4().hex[:8]}",
               "retry": Retry(max=len(intervals), interval=intervals) if intervals else None,
               "failure_ttl": 7 * 86400, "result_ttl": 600, "description": f"look for {record_key} at Twilio"}
    if delay <= 0:
        q.enqueue(func, args=args, kwargs=kwargs, **options)
    else:
        q.enqueue_in(dt.timedelta(seconds=delay), func, args=args, kwargs=kwargs, **options)
    return True
