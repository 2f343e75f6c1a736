"""Sending one follow-up SMS, exactly once however often the job runs.

RQ runs a job again after a retry, and after a worker killed mid-job (SIGKILL). So the send is
guarded in Redis: the job claims `msg:<id>:claim` (SET NX, `sending:<time>`) before calling the
transport and records the provider's MessageSid after (`sent:<sid>`). A job that finds the claim
taken does not send again. The claim is released only when the transport certainly did not accept
the message (a refused connection, a 429 or 503), so the retry can send. When Twilio may have
accepted it (no answer, a reset, another 5xx) or a worker died between claim and record, the
message is `uncertain` and nothing is sent before a look at Twilio's list (workers/reconcile.py):
found, it is recorded as sent; not found, it is sent once more. Its status callback carries our id
(`/sms/status?m=<id>`) and settles it whenever it comes (ivr/store/messages.py `settle`).
"""
from __future__ import annotations

import logging
import time

from ivr.sms.transport import SendError
from ivr.store import messages

from . import reconcile
from .context import context

log = logging.getLogger(__name__)
JOB = "workers.sms_jobs.send_sms"
CLAIM_TTL = messages.CLAIM_TTL


class TransientSendError(Exception):
    """Raised so that RQ's Retry runs the job again later."""


def send_sms(msg_id: str, to: str, body: str, caller: str) -> str:
    ctx = context()
    r = ctx.redis
    claim = messages.claim_key(msg_id)
    mine = f"sending:{time.time():.3f}"
    # One round trip: is the message still wanted, may we send, and the claim itself.
    pipe = r.pipeline(transaction=False)
    pipe.exists(messages.key(msg_id))
    pipe.exists(messages.optout_key(caller))
    pipe.set(claim, mine, nx=True, ex=CLAIM_TTL)
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
        if state and state.startswith("sending"):  # an earlier send is in doubt: look before sending
            return _settle(ctx, msg_id, to, body, caller, state)
        return "duplicate"
    return _send(ctx, msg_id, to, body, caller, mine)


def _send(ctx, msg_id: str, to: str, body: str, caller: str, mine: str) -> str:
    r, claim = ctx.redis, messages.claim_key(msg_id)
    try:
        sent = ctx.transport.send(to, body, ctx.status_callback(msg_id))
    except SendError as exc:
        if exc.permanent:
            r.set(claim, "failed", ex=CLAIM_TTL)
            status = "opted_out" if exc.code == 21610 else "failed"
            if exc.code == 21610:
                messages.opt_out(r, caller, "twilio-21610")
            messages.set_status(r, msg_id, status, error_code=exc.code or "permanent")
            log.warning("message %s: permanent error %s, not retried: %s", msg_id, exc.code, exc)
            return status
        if exc.ambiguous:  # Twilio may have it: the claim stays, and nothing is sent before a look
            messages.set_status(r, msg_id, "uncertain", error_code=exc.code or "no_answer")
            log.warning("message %s: Twilio's answer was lost (%s); looking at its list before any resend",
                        msg_id, exc)
            _look_later(ctx, msg_id, to, body, caller, reconcile.began(mine))
            return "uncertain"
        # Twilio did not take it: the retry may send (unless a status callback says otherwise meanwhile).
        messages.swap_claim(r, claim, mine, "")
        messages.set_status(r, msg_id, "queued", replaces="uncertain", error_code=exc.code or "transient")
        raise TransientSendError(f"message {msg_id}: {exc}") from exc
    return _record(ctx, msg_id, sent)


def _settle(ctx, msg_id: str, to: str, body: str, caller: str, state: str) -> str:
    """A send in doubt (its answer lost, or its worker killed): look at Twilio's list once that can be
    trusted, record what is found, or send if nothing is."""
    r = ctx.redis
    started = reconcile.began(state)
    if reconcile.wait(ctx, started) > 0:
        messages.set_status(r, msg_id, "uncertain")
        _look_later(ctx, msg_id, to, body, caller, started)
        return "uncertain"
    try:
        found = ctx.transport.find(to, body, reconcile.since(started))
    except Exception as exc:  # Twilio unreachable: not knowing is not "not sent"
        raise TransientSendError(f"message {msg_id}: could not look at Twilio's list: {exc}") from exc
    if found is not None:
        log.warning("message %s: found at Twilio (%s) after its answer was lost; not sent again", msg_id,
                    found.provider_sid)
        return _record(ctx, msg_id, found)
    mine = f"sending:{time.time():.3f}"
    if not messages.swap_claim(r, messages.claim_key(msg_id), state, mine):
        return "duplicate"  # a status callback (or another run) settled it while we looked
    log.warning("message %s: not at Twilio after its answer was lost; sending it now", msg_id)
    return _send(ctx, msg_id, to, body, caller, mine)


def _look_later(ctx, msg_id: str, to: str, body: str, caller: str, started: float) -> None:
    reconcile.again(ctx, messages.key(msg_id), "sms", JOB, reconcile.wait(ctx, started),
                    kwargs={"msg_id": msg_id, "to": to, "body": body, "caller": caller})


def _record(ctx, msg_id: str, sent) -> str:
    r = ctx.redis
    if sent.status == "outbox":
        pipe = r.pipeline(transaction=True)
        pipe.set(messages.claim_key(msg_id), "sent:", ex=CLAIM_TTL)
        pipe.lpush("outbox", msg_id)
        pipe.ltrim("outbox", 0, 9999)
        pipe.execute()
    else:
        # The claim, the sid's index and the sid in one step; a status callback with our id may have done it.
        messages.settle(r, msg_id, sent.provider_sid, ctx.retention)
    # The provider's own word (queued / outbox); later status callbacks move it on, never back.
    messages.set_status(r, msg_id, sent.status, replaces="uncertain")
    if sent.provider_sid:  # callbacks that came before the sid was stored
        messages.link_provider(r, sent.provider_sid, msg_id, ctx.retention)
    return sent.status
