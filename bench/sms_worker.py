"""One SMS worker (`hotline worker --burst`) against the local fake of Twilio's REST API: jobs per second.

The VM's speed moves by a third within minutes, so the hotline's worker and a baseline (RQ's own
SimpleWorker, bench/plain_worker.py) run in turns, several times each, and the medians are compared.
"""
from __future__ import annotations

import datetime as dt
import os
import resource
import statistics
import subprocess
import sys
import time
from zoneinfo import ZoneInfo

from ivr import services
from ivr.settings import load_settings
from ivr.sms import followups
from tests.fake_twilio import FakeTwilio

from .servers import ROOT

NOON = dt.datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("Asia/Almaty"))  # outside quiet hours: send now


def enqueue(env: dict, count: int) -> None:
    """Requests as the app makes them (message record + RQ job), one caller each (the daily limit is 5)."""
    conf = load_settings(env)
    conf["CLOCK"] = lambda: NOON
    svc = services.build(conf)
    leaf = next((n for n in svc.catalog.nodes.values() if n.sms), None)
    lang = svc.catalog.languages[1]
    for i in range(count):
        number = f"+7702{i:07d}"
        followups.request(svc, kind=leaf.id, number=number, caller=svc.caller_hash(number), conv=f"CAbench{i}",
                          lang=lang, prompt_ids=list(leaf.sms))


WORKERS = {  # name -> command (after the Python executable)
    "HotlineWorker (in-process)": ["-m", "ivr.cli", "worker", "--burst"],
    "rq SimpleWorker (baseline)": ["-m", "bench.plain_worker"],
    "rq Worker (fork per job)": ["-m", "ivr.cli", "worker", "--burst", "--fork"],
}


def run(env: dict, jobs: int, worker: str, timeout: float = 120) -> dict:
    """Enqueue `jobs`, start one burst worker, time the sends from the first to the last (start-up excluded)."""
    with FakeTwilio() as fake:
        wenv = dict(os.environ, **env, TWILIO_ACCOUNT_SID="AC" + "1" * 32, TWILIO_FROM_NUMBER="+77270000000",
                    TWILIO_API_BASE_URL=fake.url, HOTLINE_PUBLIC_URL="https://hotline.example.org",
                    PYTHONPATH=str(ROOT))
        enqueue(wenv, jobs)
        cmd = [sys.executable, *WORKERS[worker]]
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        t_start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=wenv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        first = None
        deadline = t_start + timeout
        # len(fake.requests), not fake.sent: the poll must not hold the GIL the fake's server thread needs
        # (fake.sent builds a list of every message each time)
        while len(fake.requests) < jobs and time.perf_counter() < deadline and proc.poll() is None:
            if first is None and fake.requests:
                first = time.perf_counter()
            time.sleep(0.002)
        done = time.perf_counter()
        sent = len(fake.sent)
        proc.wait(timeout=30)
    used = resource.getrusage(resource.RUSAGE_CHILDREN)  # the worker (and its job children, if forking)
    cpu = used.ru_utime + used.ru_stime - children.ru_utime - children.ru_stime
    first = first or t_start
    rate = (sent - 1) / (done - first) if sent > 1 and done > first else 0.0
    return {"worker": worker, "jobs": jobs, "sent": sent, "jobs_per_s": rate, "startup_s": first - t_start,
            "worker_cpu_ms_per_job": 1000 * cpu / max(sent, 1)}  # start-up included: a little high


def compare(env: dict, flush, jobs: int, runs: int, workers: list[str]) -> dict:
    """`runs` turns of each worker, alternating; each run starts from an empty Redis (`flush`)."""
    rows = []
    for _ in range(runs):
        for worker in workers:
            flush()
            rows.append(run(env, jobs, worker))
    summary = {}
    for worker in workers:
        mine = [r for r in rows if r["worker"] == worker]
        summary[worker] = {"runs": len(mine), "sent": sum(r["sent"] for r in mine),
                           "jobs": sum(r["jobs"] for r in mine),
                           "median_jobs_per_s": statistics.median(r["jobs_per_s"] for r in mine),
                           "best_jobs_per_s": max(r["jobs_per_s"] for r in mine),
                           "worst_jobs_per_s": min(r["jobs_per_s"] for r in mine),
                           "median_cpu_ms_per_job": statistics.median(r["worker_cpu_ms_per_job"] for r in mine)}
    return {"runs": rows, "summary": summary}
