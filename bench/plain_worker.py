"""The SMS phase's baseline: RQ's own SimpleWorker on the same queues, jobs and job context.

`python -m bench.plain_worker` runs it in burst mode, as `hotline worker --burst` runs HotlineWorker,
so the two differ only in the worker class (and its log level, set the same here).
"""
import redis
from rq import SimpleWorker

from ivr.settings import load_settings
from workers.runner import make_worker

if __name__ == "__main__":
    worker = make_worker(SimpleWorker, redis.Redis.from_url(load_settings()["REDIS_URL"]))
    worker.work(with_scheduler=True, burst=True, logging_level="WARNING")
