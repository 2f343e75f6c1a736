"""Asking for a follow-up SMS: the web side of it. The sending is workers/sms_jobs.py.

`request()` writes the message record, composes the text in the caller's language from the
catalog, and enqueues the send by dotted name (the web code never imports the job module).
Nothing is sent between 21:00 and 09:00 Asia/Almaty: such sends are scheduled for 09:00.
A caller can ask for at most SMS_PER_DAY messages a day (no SMS bombing someone's phone).
A withheld caller ID (+266696687, anonymous, …) is never texted: there is no number to send to.
The plaintext number goes only into the job's payload, which RQ deletes after the job ends.
"""
from __future__ import annotations

import datetime as dt
import uuid

from rq import Queue, Retry

from ..store import messages

JOB = "workers.sms_jobs.send_sms"
QUIET_FROM, QUIET_UNTIL = dt.time(21, 0), dt.time(9, 0)
SMS_PER_DAY = 5
JOB_TTL = 3 * 86400  # a job not run in three days is dropped: the caller has moved on


def compose(catalog, lang: str, prompt_ids: list[str]) -> str:
    return "\n".join(catalog.sms(lang, p) for p in prompt_ids)


def send_time(now: dt.datetime) -> dt.datetime | None:
    """None to send now; else the next 09:00 in `now`'s time zone."""
    t = now.timetz().replace(tzinfo=None)
    if QUIET_UNTIL <= t < QUIET_FROM:
        return None
    day = now.date() if t < QUIET_UNTIL else now.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, QUIET_UNTIL, tzinfo=now.tzinfo)


def next_working_day(now: dt.datetime, at: dt.time = dt.time(10, 0)) -> dt.datetime:
    """The next Monday–Friday after `now`, at `at` (public holidays are not known here)."""
    day = now.date() + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, at, tzinfo=now.tzinfo)


def queue(svc) -> Queue:
    return svc.queue("sms")


def enqueue_send(svc, pipe, *, msg_id: str, number: str, body: str, caller: str, kind: str,
                 when: dt.datetime | None = None) -> None:
    """Add the once-only send job (workers/sms_jobs.py) for message `msg_id` to `pipe`: now, or at `when`."""
    payload = {"msg_id": msg_id, "to": number, "body": body, "caller": caller}
    intervals = [int(x) for x in str(svc.config["HOTLINE_SMS_RETRY_INTERVALS"]).split(",")]
    # description: RQ's default is the call with its arguments, the plaintext number among them.
    options = {"job_id": f"sms-{msg_id}", "retry": Retry(max=len(intervals), interval=intervals), "ttl": JOB_TTL,
               "failure_ttl": 7 * 86400, "result_ttl": 3600, "pipeline": pipe, "description": f"{kind} SMS {msg_id}"}
    if when is None:
        queue(svc).enqueue(JOB, kwargs=payload, **options)
    else:
        queue(svc).enqueue_at(when, JOB, kwargs=payload, **options)


def reachable(svc, number: str, caller: str) -> bool:
    """False for a withheld caller ID (+266696687, anonymous, …): nobody to text, and no one's daily limit."""
    return not (caller == "anonymous" or svc.caller_hash(number) == "anonymous")


def check(pipe, caller: str, now: dt.datetime) -> None:
    """Queue on `pipe` what deciding a request reads: the caller's count for the day, this request counted
    (its TTL renewed), and whether the number opted out. Their three replies are `plan`'s `checked`."""
    limit_key = f"smslimit:{caller}"  # a hash of day -> count; forgotten with the caller
    pipe.hincrby(limit_key, now.date().isoformat(), 1)
    pipe.expire(limit_key, 2 * 86400)
    pipe.exists(messages.optout_key(caller))


def plan(svc, pipe, checked: list, now: dt.datetime, *, kind: str, number: str, caller: str, conv: str, lang: str,
         prompt_ids: list[str], at: dt.datetime | None = None, body: str | None = None, quiet_hours: bool = True,
         once: str | None = None) -> tuple[str, str]:
    """Queue on `pipe` the message record and, when it is to be sent, its RQ job, as `check`'s replies
    (`checked`) allow. `pipe` must run them as one (a MULTI, or a script): a worker must never see a job whose
    record is not written yet. Returns (outcome, message id)."""
    count, _, opted_out = checked
    record = {"kind": kind, "conv": conv, "lang": lang, "number": number, "caller": caller,
              "retention": svc.retention, "msg_id": uuid.uuid4().hex[:20]}
    msg_id = record["msg_id"]
    if opted_out or count > SMS_PER_DAY:
        outcome = "opted_out" if opted_out else "limited"
        status = {"opted_out": "opted_out", "limited": "rejected"}[outcome]
        messages.create(pipe, **record, status=status, error_code=None if opted_out else "daily-limit")
    else:
        body = body or compose(svc.catalog, lang, prompt_ids)
        when = at or (send_time(now) if quiet_hours else None)
        if when is not None and at is None:
            when = max(when, now)
        outcome = "queued" if when is None else "scheduled"
        # RQ adds its commands first, then the record joins them
        enqueue_send(svc, pipe, msg_id=msg_id, number=number, body=body, caller=caller, kind=kind, when=when)
        messages.create(pipe, **record, status=outcome, body=body, send_at=when.isoformat() if when else None,
                        **messages.cost(body))
    if once:
        pipe.set(once, msg_id, ex=svc.retention)
    return outcome, msg_id


def request(svc, *, kind: str, number: str, caller: str, conv: str, lang: str, prompt_ids: list[str],
            at: dt.datetime | None = None, body: str | None = None, quiet_hours: bool = True,
            once: str | None = None) -> tuple[str, str | None]:
    """Queue one SMS. Returns (outcome, message id): queued, scheduled, limited, opted_out, no_number.
    `body`: a text already composed (else the prompts'); `quiet_hours=False`: an answer to something
    the caller has just done, sent at once even at night; `once`: a key set to the message id in the same
    MULTI as the message (whoever finds it set knows this SMS was asked for).
    Two round trips: `check`, then `plan`'s writes in one MULTI. (A voice key asking for an SMS sends `check`
    with its once-only mark and `plan`'s writes with its own: ivr/voice/webhooks.py.)"""
    if not reachable(svc, number, caller):
        return "no_number", None
    now = svc.clock()
    pipe = svc.redis.pipeline(transaction=False)
    check(pipe, caller, now)
    checked = pipe.execute()
    pipe = svc.rq_redis.pipeline()
    outcome = plan(svc, pipe, checked, now, kind=kind, number=number, caller=caller, conv=conv, lang=lang,
                   prompt_ids=prompt_ids, at=at, body=body, quiet_hours=quiet_hours, once=once)
    pipe.execute()
    return outcome
