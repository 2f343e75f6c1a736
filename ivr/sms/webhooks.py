"""The SMS channel: Twilio's messaging webhooks.

  POST /sms          an incoming text: answered from the same menu tree as the voice channel
  POST /sms/status   a delivery status for a follow-up SMS the workers sent

A MessageSid is answered and logged once: the reply is kept for a day under the sid, and a
second delivery of the same sid (Twilio retries when it did not get our answer) gets that
same reply back without logging it again or moving the session.
"""
from __future__ import annotations

import json
import time

from flask import Blueprint, Response, abort, request

from ..services import services
from ..store import callbacks, calllog, inbox, messages, sessions
from ..store.sessions import Session
from ..twilio_auth import require_twilio_signature
from . import followups

bp = Blueprint("sms", __name__, url_prefix="/sms")
bp.before_request(require_twilio_signature)

CHANNEL = "sms"
SEEN_TTL = 86400


def conv_id(caller: str) -> str:
    return f"SMS-{caller}"


@bp.post("")
def inbound():
    svc = services()
    msg = svc.transport.parse(request.form)
    if not msg.sid:
        abort(400)
    seen = f"sms:seen:{msg.sid}"
    if not svc.redis.set(seen, "[]", nx=True, ex=SEEN_TTL):
        return svc.transport.reply(json.loads(svc.redis.get(seen) or "[]"))
    caller = svc.caller_hash(msg.sender)
    pipe = svc.redis.pipeline(transaction=False)
    pipe.get(sessions.key(CHANNEL, caller))
    pipe.get(sessions.language_key(caller))
    pipe.exists(calllog.conv_key(conv_id(caller)))
    raw, remembered, known = pipe.execute()
    session = sessions.decode(raw)
    is_new = session is None
    if session is None:
        session = Session(id=caller, caller=caller, lang=remembered if remembered in svc.catalog.langs else None)
        session.node = svc.catalog.start if session.lang else "@language"
    answer = svc.texting.answer(session, msg.body, svc.today(), is_new=is_new and not known)
    _carry_out(svc, session, msg, answer)
    _record(svc, session, msg, answer, first=not known)
    return svc.transport.reply(answer.replies)


def _carry_out(svc, session: Session, msg, answer) -> None:
    """A reminder or a callback asked for by text, as the voice menu would do it; a text nobody
    understood goes to the operators' inbox."""
    if answer.unmatched:
        item = inbox.record(svc.redis, conv=conv_id(session.caller), caller=session.caller, lang=session.lang or "",
                            body=msg.body, received=time.time(), retention=svc.retention)
        answer.events.append({"type": "inbox", "item": item})
    if answer.action == "reminder":
        outcome, msg_id = followups.request(svc, kind="reminder", number=msg.sender, caller=session.caller,
                                            conv=conv_id(session.caller), lang=session.lang,
                                            prompt_ids=["algo.reminder"], at=followups.next_working_day(svc.clock()))
        answer.events.append({"type": "sms_request", "sms": outcome, "msg": msg_id})
    elif answer.action == "callback":
        queued = callbacks.request(svc.redis, msg.sender, session.caller, conv_id(session.caller), session.lang)
        answer.events.append({"type": "callback", "callback": "queued" if queued else "already_open"})


def _record(svc, session: Session, msg, answer, first: bool) -> None:
    """Session, opt-out state, log events, counters and the kept reply: one round trip."""
    cid, now, retention = conv_id(session.caller), time.time(), svc.retention
    pipe = svc.redis.pipeline(transaction=False)
    if first:
        calllog.start(pipe, CHANNEL, cid, session.caller, now, retention)
    pipe.zadd(f"convs:{CHANNEL}", {cid: now})  # an SMS thread sorts by its latest message
    calllog.event(pipe, cid, "sms_in", retention, body=msg.body[:500], sid=msg.sid)
    for event in answer.events:
        calllog.event(pipe, cid, event.pop("type"), retention, **event)
    for text in answer.replies:
        calllog.event(pipe, cid, "sms_out", retention, body=text, **messages.cost(text))
    if session.lang:
        calllog.set_language(pipe, CHANNEL, cid, session.lang, now)
        sessions.remember_language(pipe, session.caller, session.lang, svc.config["HOTLINE_LANGUAGE_TTL"])
        calllog.count(pipe, svc.today().isoformat(), f"sms:{session.lang}", retention)
    calllog.update(pipe, cid, retention, last_node=session.node, updated=f"{now:.3f}")
    if answer.optout is True:
        pipe.set(messages.optout_key(session.caller), f"{now:.0f}")
    elif answer.optout is False:
        pipe.delete(messages.optout_key(session.caller))
    sessions.save(pipe, CHANNEL, session, svc.config["HOTLINE_SESSION_TTL"])
    pipe.set(f"sms:seen:{msg.sid}", json.dumps(answer.replies, ensure_ascii=False), ex=SEEN_TTL)
    pipe.execute()


@bp.post("/status")
def status():
    svc = services()
    provider_sid = request.form.get("MessageSid", "")[:64]
    state = request.form.get("MessageStatus", request.form.get("SmsStatus", ""))[:32]
    if not provider_sid or not state:
        abort(400)
    messages.record_status(svc.redis, provider_sid, state, request.form.get("ErrorCode", "")[:16],
                           svc.today().isoformat(), svc.retention)
    return Response("", status=204)
