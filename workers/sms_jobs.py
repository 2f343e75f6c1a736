"""Sending one follow-up SMS, exactly once however often the job runs.

RQ runs a job again after a retry, and after a worker killed mid-job (SIGKILL). So the send is
guarded in Redis: the job claims `msg:<id>:claim` (SET NX) before calling the transport and
records the provider's MessageSid after. A job that finds the claim taken does not send again.
The claim is released only when the transport certainly did not accept the message (a 5xx, a
429, a refused connection), so the retry can send. If a worker died between claim and record,
nobody can know whether the message left: it is marked `uncertain` for an operator rather
than sent twice.
"""
from __future__ import annotations

import logging

from ivr.sms.transport import SendError
from ivr.store import messages

from .context import context

log = logging.getLogger(__name__)
CLAIM_TTL = 7 * 86400


class TransientSendError(Exception):
    """Raised so that RQ's Retry runs the job again later."""


def send_sms(msg_id: str, to: str, body: str, caller: str) -> str:
    ctx = context()
    r = ctx.redis
    claim = f"msg:{msg_id}:claim"
    # One round trip: is the message still wanted, may we send, and the claim itself.
    pipe = r.pipeline(transaction=False)
    pipe.exists(messages.key(msg_id))
    pipe.exists(messages.optout_key(caller))
    pipe.set(claim, "sending", nx=True, ex=CLAIM_TTL)
    pipe.get(claim)
    wanted, opted_out, claimed, state = pipe.execute()
    if not wanted or opted_out:
        if claimed:
            r.delete(claim)  # nothing was sent
        if not wanted:
            return "gone"  # retention purged it, or `hotline forget`: nothing to do
        messages.set_status(r, msg_id, "opted_out")
        return "opted_out"
    if not claimed:
        if state == "sending":  # an earlier run died mid-send: never risk a second SMS
            messages.set_status(r, msg_id, "uncertain")
            log.warning("message %s: an earlier attempt died mid-send; not sending again", msg_id)
            return "uncertain"
        return "duplicate"
    try:
        sent = ctx.transport.send(to, body, ctx.status_callback())
    except SendError as exc:
        if exc.permanent:
            r.set(claim, "failed", ex=CLAIM_TTL)
            status = "opted_out" if exc.code == 21610 else "failed"
            if exc.code == 21610:
                messages.opt_out(r, caller, "twilio-21610")
            messages.set_status(r, msg_id, status, error_code=exc.code or "permanent")
            log.warning("message %s: permanent error %s, not retried: %s", msg_id, exc.code, exc)
            return status
        r.delete(claim)  # Twilio did not take it: the retry may send
        messages.update(r, msg_id, error_code=exc.code or "transient", status="queued")
        raise TransientSendError(f"message {msg_id}: {exc}") from exc
    # One MULTI: a status callback that finds the provider's sid finds the provider's status written too.
    pipe = r.pipeline(transaction=True)
    pipe.set(claim, f"sent:{sent.provider_sid}", ex=CLAIM_TTL)
    if sent.provider_sid:
        pipe.set(messages.provider_key(sent.provider_sid), msg_id, ex=ctx.retention)
    if sent.status == "outbox":
        pipe.lpush("outbox", msg_id)
        pipe.ltrim("outbox", 0, 9999)
    # The provider's own word (queued / outbox); later status callbacks move it on.
    messages.update(pipe, msg_id, status=sent.status, provider_sid=sent.provider_sid or None)
    pipe.execute()
    if sent.provider_sid:  # callbacks that came before the sid was stored
        messages.link_provider(r, sent.provider_sid, msg_id, ctx.retention)
    return sent.status
