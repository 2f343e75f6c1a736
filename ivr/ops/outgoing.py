"""SMS an operator sends from the dashboard: a retry of a failed follow-up, a reply to a texter.

Both go through the worker's once-only send job (workers/sms_jobs.py, enqueued by dotted name via
`ivr.sms.followups.enqueue_send`), so the transport, the opt-out check, the claim against double
sends and the status callbacks are the same as for every other SMS.

A retry needs the number, which the message record does not keep: it is read from the earlier
send job while RQ still holds it (a failed job for 7 days, a finished one for an hour). The old
claim and the seen-statuses mark are cleared so that the job may send again and the new delivery
statuses count; the message keeps its id. A reply needs the number the inbox kept for the text.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from ..sms import followups
from ..store import calllog, inbox, messages
from . import sms_errors

MAX_RETRIES = 3  # operator retries per message


@dataclass
class Outcome:
    ok: bool
    reason: str  # an i18n key: what the operator is told


def _send_job(svc, msg_id: str) -> Job | None:
    try:
        return Job.fetch(f"sms-{msg_id}", connection=svc.rq_redis, serializer=JSONSerializer)
    except NoSuchJobError:
        return None


def retry(svc, msg_id: str, user: str) -> Outcome:
    record = svc.redis.hgetall(messages.key(msg_id))
    if not record or not sms_errors.retryable(record):
        return Outcome(False, "retry_not_possible")
    if int(record.get("retries") or 0) >= MAX_RETRIES:
        return Outcome(False, "retry_limit")
    if messages.is_opted_out(svc.redis, record.get("to_hash", "")):
        return Outcome(False, "opted_out_note")
    job = _send_job(svc, msg_id)
    if job is None or not job.kwargs.get("to"):
        return Outcome(False, "number_gone")
    if job.get_status() not in (JobStatus.FINISHED, JobStatus.FAILED, JobStatus.CANCELED, JobStatus.STOPPED):
        return Outcome(False, "retry_running")
    payload = dict(job.kwargs)
    job.delete()
    pipe = svc.rq_redis.pipeline()
    followups.enqueue_send(svc, pipe, msg_id=msg_id, number=payload["to"], body=payload["body"],
                           caller=payload["caller"], kind=record.get("kind", "sms"))
    pipe.delete(f"{messages.key(msg_id)}:claim", f"{messages.key(msg_id)}:seen")
    pipe.hset(messages.key(msg_id), mapping={"status": "queued", "error_code": "", "retried_by": user,
                                             "retries": int(record.get("retries") or 0) + 1,
                                             "updated": f"{time.time():.3f}"})
    pipe.execute()
    return Outcome(True, "retry_queued")


def reply(svc, item: str, body: str, user: str) -> Outcome:
    """Answer a text from the inbox: one SMS, logged in the texter's thread, never to an opted-out number."""
    row = inbox.get(svc.redis, item)
    body = body.strip()
    if not row or not body:
        return Outcome(False, "not_found")
    caller = row.get("caller", "")
    if messages.is_opted_out(svc.redis, caller):
        return Outcome(False, "opted_out_note")
    number = inbox.reply_number(svc.redis, item)
    if not number:
        return Outcome(False, "number_gone")
    conv, lang = row.get("conv", ""), row.get("lang", "")
    pipe = svc.rq_redis.pipeline()
    msg_id = f"r{item}{int(time.time())}"[:20]
    followups.enqueue_send(svc, pipe, msg_id=msg_id, number=number, body=body, caller=caller, kind="reply")
    messages.create(pipe, kind="reply", conv=conv, lang=lang, number=number, caller=caller, retention=svc.retention,
                    msg_id=msg_id, status="queued", body=body, by=user, **messages.cost(body))
    if conv:
        calllog.event(pipe, conv, "sms_out", None, body=body, by=user, msg=msg_id)
    pipe.execute()
    inbox.close(svc.redis, item, status="replied", by=user, now=time.time())
    return Outcome(True, "reply_queued")
