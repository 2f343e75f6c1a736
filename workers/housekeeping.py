"""Daily housekeeping: the retention purge, which schedules its own next run."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import redis
from rq import Queue
from rq.serializers import JSONSerializer

from ivr.content.catalog import load_catalog
from ivr.store.retention import purge

from .context import context

JOB = "workers.housekeeping.purge_job"
AT = dt.time(3, 30)  # a quiet hour on the line


def next_run(now: dt.datetime) -> dt.datetime:
    day = now.date() if now.timetz().replace(tzinfo=None) < AT else now.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, AT, tzinfo=now.tzinfo)


def schedule(connection, now: dt.datetime) -> None:
    """Idempotent: the job id is the run's date, so several workers schedule it once."""
    when = next_run(now)
    queue = Queue("default", connection=connection, serializer=JSONSerializer)
    job_id = f"purge-{when.date().isoformat()}"
    if queue.fetch_job(job_id) is None:
        queue.enqueue_at(when, JOB, job_id=job_id, result_ttl=86400)


def purge_job() -> int:
    ctx = context()
    languages = load_catalog(ctx.config["HOTLINE_PROMPTS_DIR"], ctx.config["HOTLINE_SOURCES_DIR"]).languages
    removed = purge(ctx.redis, int(ctx.config["HOTLINE_LOG_RETENTION_DAYS"]), languages)
    schedule(redis.Redis.from_url(ctx.config["REDIS_URL"]), dt.datetime.now(ZoneInfo(ctx.config["HOTLINE_TIMEZONE"])))
    return removed
