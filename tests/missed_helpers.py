"""Helpers for the missed-call callback tests: ring, run the call jobs, answer as Twilio would."""
from __future__ import annotations

import redis as redis_lib
from rq import Queue
from rq.serializers import JSONSerializer

from ivr.store import missed_calls
from workers.runner import HotlineWorker

CALLER = "+77017654321"


def make(env, now=None):
    """The app on `env` and an emulator that hears a <Play> as its words (kk, ky, … are played, not said)."""
    from .conftest import FIXED_NOW, words_of
    from .followup_helpers import make as make_app

    app, twilio = make_app(env, now or FIXED_NOW)
    twilio.words = words_of(app)
    return app, twilio


def without_twilio(monkeypatch, env: dict) -> None:
    """No Twilio account, as with `make run`: SMS and callbacks go to the outboxes."""
    from workers import context as job_context

    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_FROM_NUMBER"):
        monkeypatch.delenv(name)
        env.pop(name)
    job_context.context.cache_clear()


def ring(twilio, caller=CALLER):
    """Ring /voice/missed; returns the parsed answer (a Turn)."""
    return twilio.ring_missed(caller)


def run_calls(redis_url) -> Queue:
    conn = redis_lib.Redis.from_url(redis_url)
    q = Queue("calls", connection=conn, serializer=JSONSerializer)
    HotlineWorker([q], connection=conn, serializer=JSONSerializer, log_job_description=False).work(burst=True)
    return q


def records(rdb) -> list[dict]:
    found = []
    for name in rdb.scan_iter("missed:*"):
        if name.count(":") == 1:
            found.append(rdb.hgetall(name))
    return sorted(found, key=lambda r: r["rang"])


def placed(fake, rdb, index: int = -1) -> dict:
    """What the app asked Twilio for, with the CallSid Twilio gave it: enough to answer the call."""
    form = fake.calls[index]
    cid = form["Url"].rsplit("cb=", 1)[1]
    record = rdb.hgetall(missed_calls.key(cid))
    return {"sid": record["call_sid"], "url": form["Url"], "status_callback": form["StatusCallback"],
            "from": form["From"], "cid": cid}


def stats(rdb, day: str | None = None) -> dict:
    """The missed-call counters of `day`, or of every day: the app's clock is stopped in the tests,
    the worker's is not, so their counters can land on different days."""
    out: dict[str, int] = {}
    for name in [f"stats:{day}"] if day else rdb.scan_iter("stats:*"):
        for k, v in rdb.hgetall(name).items():
            if k.startswith("missed:"):
                out[k[7:]] = out.get(k[7:], 0) + int(v)
    return out
