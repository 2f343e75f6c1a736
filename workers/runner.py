"""Starting an RQ worker with its scheduler, on the app's Redis and JSON serializer.

By default the worker runs jobs in its own process (rq's SimpleWorker). RQ's default Worker
forks a child for every job, and each child builds the job context (settings, Redis client,
Twilio HTTP client) again: 8 jobs/s instead of ~140 on two cores (see
docs/performance.md). A send job is short, has a timeout and keeps no state between jobs, so
the fork's isolation buys little; `max_jobs` recycles the process now and then and systemd
restarts it. `fork=True` (`hotline worker --fork`) keeps RQ's fork-per-job Worker.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import redis
from rq import Queue, SimpleWorker, Worker
from rq.serializers import JSONSerializer

from ivr.settings import load_settings

from . import housekeeping

QUEUES = ("sms", "default")


def run_worker(burst: bool = False, fork: bool = False, max_jobs: int | None = None) -> None:
    conf = load_settings()
    # RQ needs bytes responses and a longer socket timeout than webhooks do (it blocks on BLPOP).
    conn = redis.Redis.from_url(conf["REDIS_URL"])
    queues = [Queue(name, connection=conn, serializer=JSONSerializer) for name in QUEUES]
    housekeeping.schedule(conn, dt.datetime.now(ZoneInfo(conf["HOTLINE_TIMEZONE"])))
    # log_job_description=False: RQ would otherwise log the job's arguments, the number among them.
    worker_class = Worker if fork else SimpleWorker
    worker = worker_class(queues, connection=conn, serializer=JSONSerializer, log_job_description=False)
    worker.work(with_scheduler=True, burst=burst, max_jobs=max_jobs)
