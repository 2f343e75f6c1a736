"""Placing one missed-call callback, exactly once however often the job runs.

The same once-only pattern as the SMS send (sms_jobs.py): the job claims
`missed:<id>:claim:<attempt>` (SET NX) before asking Twilio to call and records the CallSid after.
A job that finds the claim taken does not call again; the claim is released only when Twilio
certainly did not take the call (a 429 or 503, a refused connection), so RQ's retry may place it.
If Twilio may have taken it (no answer, a reset, another 5xx) or a worker died between claim and
record, nobody knows yet whether the phone rang: the callback is `uncertain`, and nothing is placed
before a look at Twilio's Calls list (workers/reconcile.py). The status callback
(`/voice/status?cb=<id>&a=<attempt>`) settles the attempt whenever it comes.

The job takes ids only: the number is read from the callback's record, and is gone from there once
the callback has ended, so a job for a forgotten number or a finished callback does nothing.
"""
from __future__ import annotations

import logging
import time

from ivr.store import messages, missed_calls
from ivr.voice import limits
from ivr.voice.calls import CallError

from . import reconcile
from .context import context

log = logging.getLogger(__name__)
JOB = "workers.call_jobs.place_callback"
CLAIM_TTL = 7 * 86400


class TransientCallError(Exception):
    """Raised so that RQ's Retry runs the job again later."""


def place_callback(cid: str, attempt: int = 1) -> str:
    started = time.time()
    ctx = context()
    r = ctx.redis
    # The pace first: a worker killed while it waits for its slot has claimed nothing, so the
    # callback is still placed by the retry (a claim is only taken right before Twilio is asked).
    time.sleep(missed_calls.wait_for_slot(r, float(ctx.config["HOTLINE_CALLBACK_CPS"])))
    claim = missed_calls.claim_key(cid, attempt)
    mine = f"calling:{time.time():.3f}"
    pipe = r.pipeline(transaction=False)
    pipe.hgetall(missed_calls.key(cid))
    pipe.set(claim, mine, nx=True, ex=CLAIM_TTL)
    pipe.get(claim)
    record, claimed, state = pipe.execute()
    caller = record.get("caller", "")
    if not record.get("number") or r.exists(missed_calls.dnc_key(caller)):
        if claimed:
            r.delete(claim)  # nothing was placed
        if record.get("number"):  # on the do-not-call list since the ring
            _end(ctx, record, "do_not_call")
            return "do_not_call"
        return "gone"  # ended, purged, or forgotten: nothing to do
    if not claimed:
        if state and state.startswith("calling"):  # an earlier attempt is in doubt: look before calling
            return _settle(ctx, record, attempt, state, started)
        return "duplicate"
    # Before Twilio is asked: its webhooks for this call (answered, busy) may arrive before its answer
    # to us, and must find the attempt they are about, and not be overwritten afterwards.
    _mark(r, cid, status="calling", attempts=attempt)
    return _place(ctx, record, attempt, mine, started)


def _place(ctx, record: dict, attempt: int, mine: str, started: float) -> str:
    r, cid = ctx.redis, record["id"]
    claim = missed_calls.claim_key(cid, attempt)
    try:
        placed = ctx.calls.place(record["number"], _from(ctx.config), *_urls(ctx.config, cid, attempt),
                                 "DetectMessageEnd" if ctx.config["HOTLINE_CALLBACK_ON_MACHINE"] == "message"
                                 else "Enable", time_limit=limits.twilio_time_limit(ctx.config))
    except CallError as exc:
        if exc.permanent:
            r.set(claim, "failed", ex=CLAIM_TTL)
            _end(ctx, record, "failed", error_code=exc.code or "permanent", attempts=attempt)
            log.warning("callback %s: permanent error %s, not retried: %s", cid, exc.code, exc)
            return "failed"
        if exc.ambiguous:  # Twilio may be ringing the phone: nothing is placed before a look at its list
            _mark(r, cid, status="uncertain")
            log.warning("callback %s attempt %s: Twilio's answer was lost (%s); looking before any new call",
                        cid, attempt, exc)
            _look_later(ctx, cid, attempt, reconcile.began(mine))
            return "uncertain"
        messages.swap_claim(r, claim, mine, "")  # Twilio did not take it: the retry may call
        raise TransientCallError(f"callback {cid}: {exc}") from exc
    _placed(ctx, record, attempt, placed, started)
    return placed.status


def _settle(ctx, record: dict, attempt: int, state: str, started: float) -> str:
    """An attempt in doubt (its answer lost, or its worker killed): look at Twilio's Calls list once it
    can be trusted; record the call found, or place it if there is none."""
    r, cid = ctx.redis, record["id"]
    if int(record.get("attempts") or 0) > attempt:
        return "duplicate"  # a later attempt is under way: this one was settled by its status callback
    began = reconcile.began(state)
    if reconcile.wait(ctx, began) > 0:
        _mark(r, cid, status="uncertain")
        _look_later(ctx, cid, attempt, began)
        return "uncertain"
    try:
        found = ctx.calls.find(record["number"], _from(ctx.config), reconcile.since(began))
    except Exception as exc:  # Twilio unreachable: not knowing is not "not placed"
        raise TransientCallError(f"callback {cid}: could not look at Twilio's list: {exc}") from exc
    if found is not None:
        log.warning("callback %s attempt %s: found at Twilio (%s); not called again", cid, attempt,
                    found.provider_sid)
        _mark(r, cid, status="calling")  # placed after all: Twilio's status callback ends it
        _placed(ctx, record, attempt, found, began or started)
        return found.status
    mine = f"calling:{time.time():.3f}"
    if not messages.swap_claim(r, missed_calls.claim_key(cid, attempt), state, mine):
        return "duplicate"  # its status callback (or another run) settled it while we looked
    log.warning("callback %s attempt %s: not at Twilio after its answer was lost; calling now", cid, attempt)
    _mark(r, cid, status="calling", attempts=attempt)
    return _place(ctx, record, attempt, mine, started)


def _look_later(ctx, cid: str, attempt: int, began: float) -> None:
    if not reconcile.again(ctx, missed_calls.key(cid), "calls", JOB, reconcile.wait(ctx, began),
                           args=(cid, attempt)):
        # Looked at often enough: the number's next ring must not wait behind this one for hours.
        record = missed_calls.get(ctx.redis, cid)
        if record:
            _end(ctx, record, "unconfirmed")


def _mark(r, cid: str, **fields) -> None:
    r.hset(missed_calls.key(cid), mapping=fields)


def _from(config: dict) -> str:
    return config["HOTLINE_CALLBACK_FROM"] or config["TWILIO_FROM_NUMBER"]


def _urls(config: dict, cid: str, attempt: int = 1) -> tuple[str, str]:
    """The app's own voice webhook and status callback; the callback id (and in the status callback,
    the attempt) rides in the (signed) URL: the status callback settles an attempt in doubt."""
    public = config["HOTLINE_PUBLIC_URL"].rstrip("/")
    return f"{public}/voice?cb={cid}", f"{public}/voice/status?cb={cid}&a={attempt}"


def _placed(ctx, record: dict, attempt: int, placed, started: float) -> None:
    r, cid, now = ctx.redis, record["id"], time.time()
    day = ctx.now().date().isoformat()
    gap = int(ctx.config["HOTLINE_CALLBACK_GAP_MINUTES"]) * 60
    pipe = r.pipeline(transaction=False)
    pipe.set(missed_calls.claim_key(cid, attempt), f"placed:{placed.provider_sid}", ex=CLAIM_TTL)
    pipe.hset(missed_calls.key(cid), mapping={"call_sid": placed.provider_sid, "started": f"{started:.3f}",
                                              "placed": f"{now:.3f}"})
    if gap:
        pipe.set(missed_calls.recent_key(record["caller"]), cid, ex=gap)
    missed_calls.count(pipe, day, "placed", ctx.retention)
    if attempt == 1 and not record.get("when"):  # ring to callback, when nothing made it wait
        missed_calls.count(pipe, day, "wait_ms", ctx.retention, int((now - float(record["rang"])) * 1000))
        missed_calls.count(pipe, day, "wait_n", ctx.retention)
    pipe.execute()


def _end(ctx, record: dict, status: str, **fields) -> None:
    pipe = ctx.redis.pipeline(transaction=False)
    missed_calls.finish(pipe, record["id"], record["caller"], status, ctx.retention, **fields)
    day = ctx.now().date().isoformat()
    missed_calls.count(pipe, day, "skip:do_not_call" if status == "do_not_call" else status, ctx.retention)
    if status == "failed":
        missed_calls.count(pipe, day, "gave_up", ctx.retention)
    pipe.execute()
