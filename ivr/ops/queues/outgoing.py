"""SMS an operator sends from the dashboard: a retry of a failed follow-up, a reply to a texter.

Both go through the worker's once-only send job (workers/sms_jobs.py, enqueued by dotted name via
`ivr.sms.followups.enqueue_send`), so the transport, the opt-out check, the claim against double
sends and the status callbacks are the same as for every other SMS.

A reply has an id of its own (never derived from the text or the time: two replies never share one),
and the inbox text is taken for it in one WATCH/MULTI step before anything is queued, so two
operators answering one text send one reply and the second is told who has it. Replies longer than
MAX_SEGMENTS segments (the cap automated replies keep) need the operator's confirmation.

A retry needs the number, which the message record does not keep: it is read from the earlier
send job while RQ still holds it (a failed job for 7 days, a finished one for an hour). The old
claim and the seen-statuses mark are cleared so that the job may send again and the new delivery
statuses count; the message keeps its id. A reply needs the number the inbox kept for the text.
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from ...sms import followups, segments
from ...store import calllog, inbox, messages
from ..messages import sms_errors

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


MAX_SEGMENTS = 3  # as for automated replies: more only when the operator confirms


@dataclass
class Reply(Outcome):
    holder: str = ""  # who has the text when this operator was refused
    segments: int = 0


def reply(svc, item: str, body: str, user: str, confirmed_long: bool = False) -> Reply:
    """Answer a text: one SMS with an id of its own, logged in the texter's thread, never to an opted-out
    number. Exactly one operator answers a text: the text is taken (`inbox.take_for_reply`) before
    anything is queued, so a second operator racing on it is told who has it and keeps their words."""
    row = inbox.get(svc.redis, item)
    body = inbox.clean(body).strip()
    if not row:
        return Reply(False, "not_found")
    refused, number, count = _sendable(svc, item, row.get("caller", ""), body, confirmed_long)
    if refused:
        return refused
    msg_id = "r" + uuid.uuid4().hex[:19]
    holder = inbox.take_for_reply(svc.redis, item, user, time.time(), msg_id)
    if holder:
        return Reply(False, "reply_taken", holder=holder)
    _send(svc, row, item, msg_id, number, body, user)
    return Reply(True, "reply_queued", segments=count)


def _sendable(svc, item: str, caller: str, body: str, confirmed_long: bool) -> tuple[Reply | None, str, int]:
    """(a refusal or None, the number, the segments): the checks every operator reply passes before it is sent."""
    if not body:
        return Reply(False, "not_found"), "", 0
    count = segments.segments(body)
    if count > MAX_SEGMENTS and not confirmed_long:
        return Reply(False, "reply_too_long", segments=count), "", count
    if messages.is_opted_out(svc.redis, caller):
        return Reply(False, "opted_out_note"), "", count
    number = inbox.reply_number(svc.redis, item)
    if not number:
        return Reply(False, "number_gone"), "", count
    return None, number, count


def _send(svc, row: dict, item: str, msg_id: str, number: str, body: str, user: str) -> None:
    conv, lang, caller = row.get("conv", ""), row.get("lang", ""), row.get("caller", "")
    pipe = svc.rq_redis.pipeline()
    followups.enqueue_send(svc, pipe, msg_id=msg_id, number=number, body=body, caller=caller, kind="reply")
    messages.create(pipe, kind="reply", conv=conv, lang=lang, number=number, caller=caller, retention=svc.retention,
                    msg_id=msg_id, status="queued", body=body, by=user, inbox=item, **messages.cost(body))
    if conv:
        calllog.event(pipe, conv, "sms_out", None, body=body, by=user, msg=msg_id)
    pipe.execute()


def latest_replyable(redis, caller: str) -> str | None:
    """The caller's newest text whose number is still kept (REPLY_WINDOW, not closed): a reply from the
    thread or the caller page goes through it, because nowhere else keeps the number."""
    ids = redis.smembers(f"caller:{caller}:inbox") if caller and caller != "anonymous" else set()
    rows = sorted(inbox.by_ids(redis, ids), key=lambda r: float(r.get("received") or 0), reverse=True)
    for row in rows:
        if row.get("status") != "closed" and redis.exists(inbox.number_key(row["id"])):
            return row["id"]
    return None


def reply_to_caller(svc, caller: str, body: str, user: str, confirmed_long: bool = False) -> Reply:
    """A reply from a thread or the caller page: an open text is answered (taken as from the inbox);
    when every text is answered already, a further SMS goes to the number the newest one kept."""
    item = latest_replyable(svc.redis, caller)
    if item is None:
        return Reply(False, "number_gone")
    row = inbox.get(svc.redis, item) or {}
    if row.get("status") == "open":
        return reply(svc, item, body, user, confirmed_long)
    body = inbox.clean(body).strip()
    refused, number, count = _sendable(svc, item, caller, body, confirmed_long)
    if refused:
        return refused
    msg_id = "r" + uuid.uuid4().hex[:19]
    _send(svc, row, item, msg_id, number, body, user)
    return Reply(True, "reply_queued", segments=count)
