"""Keeping RQ's scheduler alive: restarted within seconds after a Redis outage, and taken over
within seconds from a worker that was killed.

RQ runs the scheduler (enqueue_at / enqueue_in / Retry intervals) as a child process of one
worker, which holds `rq:scheduler-lock:<queue>` (TTL 61 s, refreshed by its heartbeat). The child
dies on any Redis error, and RQ restarts it only in the worker's maintenance pass, every 10
minutes; a SIGKILLed worker's lock keeps every other worker from scheduling until it expires, and
they retry only in their own maintenance. So `HotlineWorker` (workers/runner.py) wakes every few
seconds and calls `tend`: a dead scheduler is started again, and a lock whose owner is dead is
released: a process of this host that no longer lives, or any holder that has not refreshed its
lock for STALE seconds (a live scheduler refreshes it every second, on any host).
"""
from __future__ import annotations

import logging
import os
import socket

from rq.scheduler import SCHEDULER_KEY_TEMPLATE, RQScheduler
from rq.scripts import release_lock

log = logging.getLogger(__name__)
STALE = 15  # seconds without a refresh after which a scheduler lock's holder is taken for dead


def alive(pid: int) -> bool:
    """Whether process `pid` of this host still runs (a zombie, killed and not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return True


def free_dead_locks(conn, scheduler: RQScheduler) -> list[str]:
    """Release the scheduler locks of our queues held by a scheduler process of this host that is dead."""
    host, freed = socket.gethostname(), []
    for name in sorted(scheduler._queue_names):
        key = RQScheduler.get_locking_key(name)
        owner = conn.get(key)
        owner = owner.decode() if isinstance(owner, bytes) else owner
        if not owner or owner == scheduler.name:
            continue
        info = {(k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
                for k, v in conn.hgetall(SCHEDULER_KEY_TEMPLATE % owner).items()}
        pid = int(info.get("pid") or 0)
        dead = info.get("hostname") == host and pid > 0 and not alive(pid)
        ttl = conn.ttl(key)
        stale = 0 < ttl < scheduler.interval + 60 - STALE  # RQ sets interval + 60 at every refresh
        if (dead or stale) and release_lock(conn, key, owner):
            log.warning("scheduler lock for %s: its holder (%s) is %s; released", name, pid or owner,
                        "dead" if dead else f"silent for {STALE} s")
            freed.append(name)
    return freed


def tend(conn, scheduler: RQScheduler | None) -> bool:
    """Start the scheduler again if its process is gone and the locks can be had. True if started."""
    if scheduler is None:
        return False
    process = scheduler._process
    if process is not None and process.is_alive():
        return False
    free_dead_locks(conn, scheduler)
    scheduler.acquire_locks(auto_start=True)
    started = scheduler._process is not None and scheduler._process is not process and scheduler._process.is_alive()
    if started:
        log.warning("scheduler (re)started for %s", ", ".join(sorted(scheduler.acquired_locks)))
    return started
