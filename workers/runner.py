"""Starting an RQ worker with its scheduler, on the app's Redis and JSON serializer.

By default the worker runs jobs in its own process (`HotlineWorker`, rq's SimpleWorker with its
repeated bookkeeping thinned). RQ's default Worker forks a child for every job, and each child
builds the job context (settings, Redis client, Twilio HTTP client) again: under 10 jobs/s
instead of a few hundred on two cores (see docs/performance.md). A send job is short, has a
timeout and keeps no state between jobs, so the fork's isolation buys little; `max_jobs`
recycles the process now and then and systemd restarts it. `fork=True` (`hotline worker --fork`)
keeps RQ's fork-per-job Worker.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
from zoneinfo import ZoneInfo

import redis
from rq import Queue, SimpleWorker, Worker
from rq.executions import Execution
from rq.serializers import JSONSerializer
from rq.utils import now
from rq.worker import WorkerStatus

from ivr.settings import load_settings

from . import housekeeping, schedulers

MAINTENANCE_EVERY = 60
QUEUES = ("calls", "sms", "default")  # callbacks first: the caller has just rung and waits


class HotlineWorker(SimpleWorker):
    """RQ's SimpleWorker with its bookkeeping thinned where it repeats itself.

    A MONITOR trace of one job showed RQ beating the worker's key (an HSET and two EXPIREs) up to
    three times, writing the state `idle` twice, asking Redis whether workers are suspended, and
    stamping the job's heartbeat again after it ran — each its own round trip. Here the worker
    beats and checks for `rq suspend` at most once a second (its key lives 8 minutes), writes a
    state only when it changes (`idle` goes with the job's closing transaction), and leaves the
    job's stamp in memory (RQ saves the job right after) unless the job has callbacks. The job's
    start is one MULTI, not two: RQ writes the execution record in one (the parent, in its forking
    Worker) and marks the job started in another (the child); without a child both happen here,
    back to back, so they go together.
    """

    EVERY = 1.0  # seconds between heartbeats, and between suspension checks
    SCHEDULER_EVERY = 2.0  # seconds between looks at the scheduler process (workers/schedulers.py)
    WAKE = 5  # seconds a dequeue blocks (RQ: 405): the look at the scheduler needs the loop to turn
    max_connection_wait_time = 5.0  # Redis gone: try again every few seconds (RQ backs off to 60)
    _scheduler_checked = float("-inf")
    _tending = False
    log_result_lifespan = False  # "result is kept for 3600 seconds" after every job says nothing new
    _suspension_checked = float("-inf")
    _start = None  # the job-start transaction, from prepare_execution to prepare_job_execution

    @property
    def dequeue_timeout(self) -> int:
        return self.WAKE

    def work(self, burst=False, *args, **kwargs):
        self._tending = not burst and bool(kwargs.get("with_scheduler"))
        return super().work(burst, *args, **kwargs)

    def heartbeat(self, timeout=None, pipeline=None):
        if pipeline is not None or timeout is not None:
            return super().heartbeat(timeout, pipeline=pipeline)
        self._tend_scheduler()  # the dequeue loop beats here after every job and every WAKE seconds
        if self.last_heartbeat and (now() - self.last_heartbeat).total_seconds() < self.EVERY:
            return None
        pipe = self.connection.pipeline(transaction=False)
        super().heartbeat(pipeline=pipe)
        pipe.execute()
        return None

    def run_maintenance_tasks(self):
        try:
            super().run_maintenance_tasks()
        except (redis.ConnectionError, redis.TimeoutError):
            return  # as for check_for_suspension: RQ would quit; the next pass comes after Redis is back

    def _shutdown(self):
        # `idle` is set with the job's closing transaction: a SIGTERM during it raises StopRequested
        # inside the job's bookkeeping, where RQ swallows it. The request is kept here first.
        self._stop_requested = True
        super()._shutdown()

    def _tend_scheduler(self) -> None:
        """RQ restarts a dead scheduler only every 10 minutes: here within seconds (workers/schedulers.py)."""
        if not self._tending or self._stop_requested:
            return  # stopping: the scheduler was stopped on purpose
        if time.monotonic() - self._scheduler_checked < self.SCHEDULER_EVERY:
            return
        self._scheduler_checked = time.monotonic()
        schedulers.tend(self.connection, self.scheduler)

    def set_state(self, state, pipeline=None):
        if pipeline is None and state == getattr(self, "_state", None):
            return
        super().set_state(state, pipeline=pipeline)

    def check_for_suspension(self, burst):
        if time.monotonic() - self._suspension_checked < self.EVERY:
            return
        try:
            super().check_for_suspension(burst)
        except (redis.ConnectionError, redis.TimeoutError):
            # RQ would quit on this (its work loop takes any error here for fatal); the dequeue that
            # follows waits for Redis to come back, and then the scheduler is restarted at once.
            return
        self._suspension_checked = time.monotonic()

    def prepare_execution(self, job):
        """RQ's prepare_execution, with the transaction left open for prepare_job_execution."""
        pipe = self.connection.pipeline()
        execution = Execution.create(job, self.get_heartbeat_ttl(job), pipeline=pipe, worker_name=self.name)
        self.executions[execution.id] = execution
        self.set_state(WorkerStatus.BUSY, pipeline=pipe)
        self._start = pipe
        return execution

    def prepare_job_execution(self, job, remove_from_intermediate_queue=False):
        """RQ's prepare_job_execution in the execution's transaction. The job's own heartbeat is
        not written separately: prepare_for_execution sets the same field in the same HSET."""
        pipe, self._start = self._start, None
        if pipe is None:  # not called after our prepare_execution
            return super().prepare_job_execution(job, remove_from_intermediate_queue)
        with pipe:
            if not self.last_heartbeat or (now() - self.last_heartbeat).total_seconds() >= self.EVERY:
                self.heartbeat(self.get_heartbeat_ttl(job), pipeline=pipe)
            job.prepare_for_execution(self.name, pipeline=pipe)
            pipe.persist(job.key)
            if remove_from_intermediate_queue:  # a worker on one queue dequeues with LMOVE, as RQ does
                pipe.lrem(Queue(job.origin, connection=self.connection).intermediate_queue_key, 1, job.id)
            pipe.execute()
        return None

    def cleanup_execution(self, job, pipeline, execution=None):
        """RQ's cleanup, with the worker's `idle` in the same transaction (success, failure or
        retry). SimpleWorker writes it in a round trip of its own right after the job, where
        `set_state` now finds nothing changed: one round trip fewer per job, which counts when
        Redis is on another host."""
        super().cleanup_execution(job, pipeline=pipeline, execution=execution)
        self.set_state(WorkerStatus.IDLE, pipeline=pipeline)

    def handle_execution_ended(self, job, queue, heartbeat_ttl):
        if job.success_callback or job.failure_callback:
            return super().handle_execution_ended(job, queue, heartbeat_ttl)
        job.ended_at = job.last_heartbeat = now()  # saved with the job by the success/failure handling
        return None


def make_worker(worker_class, conn) -> Worker:
    """A worker of `worker_class` on the hotline's queues and serializer."""
    queues = [Queue(name, connection=conn, serializer=JSONSerializer) for name in QUEUES]
    # log_job_description=False: RQ would otherwise log the job's arguments, the number among them.
    # maintenance_interval: RQ's registry cleanup (a killed worker's job retried, RQ's own scheduler
    # check) every minute rather than every 10: a job abandoned by a SIGKILL comes back sooner.
    return worker_class(queues, connection=conn, serializer=JSONSerializer, log_job_description=False,
                        maintenance_interval=MAINTENANCE_EVERY)


def run_worker(burst: bool = False, fork: bool = False, max_jobs: int | None = None, verbose: bool = False) -> None:
    conf = load_settings()
    # RQ needs bytes responses and a longer socket timeout than webhooks do (it blocks on BLPOP).
    conn = redis.Redis.from_url(conf["REDIS_URL"])
    housekeeping.schedule(conn, dt.datetime.now(ZoneInfo(conf["HOTLINE_TIMEZONE"])))
    while True:
        # RQ logs three INFO lines per job. At a few hundred SMS a second that is more than journald
        # keeps (10 000 lines per 30 s per unit by default) and ~4 % of the worker's instructions; each
        # message's fate is in its record (the dashboard), and retries and failures are warnings.
        try:
            # Inside the try: building a worker names it in Redis (CLIENT SETNAME), and a worker started
            # again while Redis is still down met that error and ended the process.
            worker = make_worker(Worker if fork else HotlineWorker, conn)
            worker.work(with_scheduler=True, burst=burst, max_jobs=max_jobs,
                        logging_level="INFO" if verbose else "WARNING")
        except (redis.ConnectionError, redis.TimeoutError):
            # RQ's construction, start (register_birth) or teardown (register_death) met Redis down: not a
            # reason to exit.
            if burst or max_jobs:
                raise
            logging.getLogger(__name__).warning("worker met Redis down outside a job; starting again")
            time.sleep(1)
            continue
        if burst or max_jobs or getattr(worker, "_stop_requested", False) or fork:
            return
        # RQ's work loop quits on a Redis error outside its dequeue (a Redis outage at the wrong
        # moment): start again here, as systemd would, without waiting for its restart delay.
        logging.getLogger(__name__).warning("worker stopped on an error; starting again")
        time.sleep(1)
