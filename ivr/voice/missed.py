"""The missed-call callback: a caller rings, the hotline does not answer, and calls back for free.

  POST /voice/missed   a ring on the missed-call number: `<Reject reason="busy"/>` first (Twilio then
                       never answers nor bills the call), and a callback queued for the worker

The callback is an outbound call (workers/call_jobs.py) whose Url is the app's own `/voice?cb=<id>`:
`answered` tells the voice webhook whether the call it is fetching is a callback and who picked up,
`human_answer` adds the "you asked us to call back" line and the log writes, `machine_answer`
hangs up or leaves 1406/103 on a voicemail. Twilio's status callback (`/voice/status?cb=<id>`)
ends in `on_status`: busy, no-answer and failed are retried after HOTLINE_CALLBACK_RETRY_INTERVALS,
then given up — and handed to the operators' callback queue (ivr.store.callbacks, source `missed`).
Records and caps: ivr/store/missed_calls.py.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from dataclasses import dataclass

from flask import Blueprint, Response, current_app, g, request
from rq import Queue, Retry
from twilio.twiml.voice_response import VoiceResponse

from ..services import services
from ..sms import followups
from ..store import callbacks, calllog, missed_calls, privacy, spool, write_once
from ..store.sessions import language_key
from ..twilio_auth import require_twilio_signature

log = logging.getLogger(__name__)
bp = Blueprint("missed", __name__, url_prefix="/voice/missed")
bp.before_request(require_twilio_signature)

JOB = "workers.call_jobs.place_callback"
QUEUE = "calls"
RETRY_STATUSES = ("busy", "no-answer", "failed")
_REJECT = VoiceResponse()
_REJECT.reject(reason="busy")
REJECT = str(_REJECT)


def queue(svc) -> Queue:
    return svc.queue(QUEUE)


@bp.post("")
def ring():
    # The first verb must be <Reject> whatever else happens: any other answer picks the call up and
    # the caller pays for it. So a failure to queue is logged, not turned into the fallback TwiML.
    try:
        request_callback(services(), request.form.get("From", ""), request.form.get("CallSid", ""))
    except Exception as exc:  # noqa: BLE001
        if g.get("spool_replay"):
            raise  # a replay that failed stays in the spool
        if spool.is_redis_down(exc):  # kept on disk, and queued when Redis is back (ivr/store/spool.py)
            spool.keep(current_app, request.path, request.query_string.decode(), request.form.to_dict())
        else:
            log.exception("missed call: the callback could not be queued")
    return Response(REJECT, mimetype="text/xml")


def request_callback(svc, number: str, ring_sid: str) -> str:
    """Queue a callback for `number`. Returns queued, scheduled, or why not (withheld, do_not_call,
    pending, recent, daily_cap, repeat)."""
    now, r, retention = svc.clock(), svc.redis, svc.retention
    day = now.date().isoformat()
    if ring_sid and not missed_calls.first_ring(r, ring_sid):
        return "repeat"
    pipe = r.pipeline(transaction=False)
    missed_calls.count(pipe, day, "rang", retention)
    pipe.execute()
    caller = svc.caller_hash(number)
    reason = "withheld" if privacy.is_withheld(number) else missed_calls.blocked(
        r, caller, day, int(svc.config["HOTLINE_CALLBACK_PER_DAY"]))
    cid = uuid.uuid4().hex[:16]
    when = callback_time(now, svc.config["HOTLINE_CALLBACK_HOURS"])
    ttl = int((when - now).total_seconds() if when else 0) + missed_calls.MARGIN
    if reason is None and not missed_calls.reserve(r, caller, cid, ttl):
        reason = "pending"
    if reason:
        pipe = r.pipeline(transaction=False)
        missed_calls.count(pipe, day, f"skip:{reason}", retention)
        pipe.execute()
        return reason
    try:
        _enqueue(svc, cid, caller, number, day, when, ttl)
    except Exception:
        missed_calls.release(r, caller)  # nothing was queued: the next ring may try again
        raise
    if when:
        _tell_when(svc, number, caller, when)
    return "scheduled" if when else "queued"


def _enqueue(svc, cid, caller, number, day, when, ttl) -> None:
    """The record and the job in one MULTI: a worker never sees a job without its record."""
    pipe = svc.rq_redis.pipeline()
    options = {"job_id": missed_calls.job_id(cid, 1), "retry": Retry(max=3, interval=[5, 15, 30]),
               "ttl": ttl, "failure_ttl": 7 * 86400, "result_ttl": 600, "pipeline": pipe,
               "description": f"missed-call callback {cid}"}
    if when is None:  # RQ adds its commands first (it may WATCH), then the record joins the same MULTI
        queue(svc).enqueue(JOB, args=(cid, 1), **options)
    else:
        queue(svc).enqueue_at(when, JOB, args=(cid, 1), **options)
    status = "scheduled" if when else "queued"
    missed_calls.create(pipe, cid=cid, caller=caller, number=number, day=day, status=status,
                        when=when.isoformat() if when else None, ttl=ttl, retention=svc.retention)
    missed_calls.count(pipe, day, status, svc.retention)
    pipe.execute()


def callback_time(now: dt.datetime, hours: str) -> dt.datetime | None:
    """None to call back now; else the start of the next callback window ("09:00-20:00")."""
    if not hours:
        return None
    start, end = (dt.time.fromisoformat(part) for part in hours.split("-"))
    t = now.timetz().replace(tzinfo=None)
    inside = start <= t < end if start < end else (t >= start or t < end)
    if inside:
        return None
    day = now.date() if t < start else now.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, start, tzinfo=now.tzinfo)


def _tell_when(svc, number: str, caller: str, when: dt.datetime) -> None:
    """An SMS saying when the hotline will call: in the remembered language, else Kazakh and Russian."""
    lang = svc.redis.get(language_key(caller))
    langs = [lang] if lang in svc.catalog.langs else ["kk", "ru"]
    time_text = when.strftime("%H:%M %d.%m")
    body = "\n".join(svc.catalog.sms(code, "ui.callback_sms_at", time=time_text) for code in langs)
    followups.request(svc, kind="callback_at", number=number, caller=caller, conv="", lang=langs[0],
                      prompt_ids=[], body=body, quiet_hours=False)


# -- the callback answered -----------------------------------------------------------------

@dataclass
class Answer:
    cid: str
    caller: str
    answered_by: str

    @property
    def machine(self) -> bool:
        return self.answered_by in missed_calls.MACHINE


def answered(svc, cid: str, caller: str, answered_by: str) -> Answer | None:
    """The callback this outbound call is, or None (not ours, or forgotten since it was placed)."""
    record = missed_calls.get(svc.redis, cid)
    if not record or record.get("caller") != caller:
        return None
    return Answer(cid, caller, (answered_by or "unknown")[:32])


def human_answer(svc, step, session, answer: Answer):
    """Start the menu with the callback line (the language menu if no language is known), and
    return the writes that go with the call's first log entry (one write, once)."""
    step.event.update(callback=answer.cid, answered_by=answer.answered_by)
    if session.lang:
        step.notices = ["ui.callback_intro"]

    def writes(pipe):
        calllog.update(pipe, session.id, None, kind="callback")
        _answered(svc, pipe, answer, "answered")

    return writes


def machine_answer(svc, sid: str, answer: Answer, country_lang: str | None = None) -> str:
    """A voicemail or fax: log and count it, then hang up or leave the 1406/103 message — in one language, at
    most 10 s: the one remembered, else the one the number's country code names, else the greeting's."""
    pipe = svc.redis.pipeline(transaction=False)
    calllog.start(pipe, "voice", sid, answer.caller, time.time(), svc.retention)
    calllog.event(pipe, sid, "start", svc.retention, node="_machine", callback=answer.cid,
                  answered_by=answer.answered_by)
    # No last_node: a voicemail did not leave a menu, so it is no drop-off on the stats page.
    calllog.update(pipe, sid, None, kind="callback", outcome="machine")
    _answered(svc, pipe, answer, "machine")
    write_once.apply(svc.redis, sid, "start", pipe, svc.retention)
    if svc.config["HOTLINE_CALLBACK_ON_MACHINE"] == "hangup":
        response = VoiceResponse()
        response.hangup()
        return str(response)
    lang = svc.redis.get(language_key(answer.caller)) or country_lang or svc.catalog.greeting_languages[0]
    return svc.voice.goodbye(lang, "ui.callback_machine")


def _answered(svc, pipe, answer: Answer, outcome: str) -> None:
    missed_calls.finish(pipe, answer.cid, answer.caller, outcome, svc.retention, answered_by=answer.answered_by,
                        answered=f"{time.time():.3f}")
    missed_calls.count(pipe, svc.today().isoformat(), outcome, svc.retention)


# -- how the callback call ended -----------------------------------------------------------

def on_status(svc, cid: str, call_sid: str, status: str, attempt: str = "") -> None:
    """Twilio's final status for a callback call (each status once: `/voice/status` dedups).
    `attempt` (from the status callback's URL) names the attempt even when Twilio's answer to the
    call's creation was lost: this callback then settles it (workers/call_jobs.py looks no further)."""
    record = missed_calls.get(svc.redis, cid)
    ended = record.get("status") in missed_calls.STATUSES_ENDED
    current = str(record.get("attempts") or "")
    if not record or ended or (attempt and attempt != current):
        return  # not ours, an older attempt, or already ended (answered: counted when it was)
    if record.get("call_sid", call_sid) != call_sid and not attempt:
        return  # an older attempt (a callback URL without the attempt in it)
    day, caller, retention = svc.today().isoformat(), record["caller"], svc.retention
    pipe = svc.redis.pipeline(transaction=False)
    if record.get("call_sid") != call_sid:  # its placing was in doubt, or its answer not stored yet
        pipe.set(missed_calls.claim_key(cid, int(current or 1)), f"placed:{call_sid}", ex=7 * 86400)
        pipe.hset(missed_calls.key(cid), "call_sid", call_sid)
    if status in RETRY_STATUSES:
        missed_calls.count(pipe, day, status, retention)
        attempt = int(record.get("attempts") or 1)
        intervals = [int(x) for x in str(svc.config["HOTLINE_CALLBACK_RETRY_INTERVALS"]).split(",") if x.strip()]
        if attempt <= len(intervals):
            pipe.hset(missed_calls.key(cid), mapping={"status": status, "last": status})
            pipe.execute()
            _retry(svc, cid, attempt + 1, intervals[attempt - 1])
            return
        missed_calls.finish(pipe, cid, caller, "gave_up", retention, last=status)
        missed_calls.count(pipe, day, "gave_up", retention)
        log.info("callback %s: %s after %s attempts, given up", cid, status, attempt)
        _to_operators(svc, record, call_sid)
    else:  # completed without an answer webhook, or canceled
        missed_calls.finish(pipe, cid, caller, "completed" if status == "completed" else "canceled", retention)
    pipe.execute()


def _to_operators(svc, record: dict, call_sid: str) -> None:
    """A callback the robot gave up on becomes an operator's callback (source `missed`): a person tries
    at another hour. One open request per caller, as always; a number that asked not to be called is not."""
    number, caller = record.get("number", ""), record.get("caller", "")
    if not number or svc.redis.exists(missed_calls.dnc_key(caller)):
        return
    callbacks.request(svc.redis, number, caller, call_sid,
                      svc.redis.get(language_key(caller)), source="missed")


def _retry(svc, cid: str, attempt: int, delay: int) -> None:
    options = {"job_id": missed_calls.job_id(cid, attempt), "retry": Retry(max=3, interval=[5, 15, 30]),
               "ttl": delay + missed_calls.MARGIN, "failure_ttl": 7 * 86400, "result_ttl": 600,
               "description": f"missed-call callback {cid}, attempt {attempt}"}
    if delay <= 0:
        queue(svc).enqueue(JOB, args=(cid, attempt), **options)
    else:
        queue(svc).enqueue_in(dt.timedelta(seconds=delay), JOB, args=(cid, attempt), **options)
