"""Starting an RQ worker with its scheduler, on the app's Redis and JSON serializer."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import redis
from rq import Queue, Worker
from rq.serializers import JSONSerializer

from ivr.settings import load_settings

from . import housekeeping

QUEUES = ("sms", "default")


def run_worker(burst: bool = False) -> None:
    conf = load_settings()
    # RQ needs bytes responses and a longer socket timeout than webhooks do (it blocks on BLPOP).
    conn = redis.Redis.from_url(conf["REDIS_URL"])
    queues = [Queue(name, connection=conn, serializer=JSONSerializer) for name in QUEUES]
    housekeeping.schedule(conn, dt.datetime.now(ZoneInfo(conf["HOTLINE_TIMEZONE"])))
    # log_job_description=False: RQ would otherwise log the job's arguments, the number among them.
    worker = Worker(queues, connection=conn, serializer=JSONSerializer, log_job_description=False)
    worker.work(with_scheduler=True, burst=burst)
