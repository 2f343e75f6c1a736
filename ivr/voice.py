"""The voice channel: Twilio's call webhooks, answered with TwiML.

  POST /voice         an incoming call: language menu, or main menu for a returning caller
  POST /voice/key     a key pressed (or nothing: ?noinput=1) at the session's position
  POST /voice/status  the call status callback: how the call ended, and how long it took

Each webhook is one Redis read (session + remembered language) and one pipelined write
(session + log events). The action URL carries the session's step number `s`: a webhook
delivered twice, or a stale one, re-renders the current menu and changes nothing.
"""
from __future__ import annotations

import time
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, request

from . import callbacks, calllog, followups, sessions
from .flow import Step
from .services import services
from .sessions import Session
from .twilio_auth import require_twilio_signature

bp = Blueprint("voice", __name__, url_prefix="/voice")
bp.before_request(require_twilio_signature)

CHANNEL = "voice"
TERMINAL = {"completed", "busy", "failed", "no-answer", "canceled"}


def twiml(body: str) -> Response:
    return Response(body, mimetype="text/xml")


def _call_sid() -> str:
    sid = request.form.get("CallSid", "")
    if not sid or len(sid) > 64 or not sid.isalnum():
        abort(400)
    return sid


def _key_url(session: Session, **extra) -> str:
    params = {"s": session.seq}
    if session.lang:
        params["l"] = session.lang
    params.update(extra)
    return "/voice/key?" + urlencode(params)


def _answer(session: Session, step: Step | None, is_new: bool = False) -> Response:
    """Save the session and the step's event in one round trip, then render where it stands."""
    svc = services()
    today = svc.today()
    if step and step.hangup:
        body = svc.voice.goodbye(session.lang)
    else:
        screen = svc.flow.screen(session, today, notices=step.notices if step else ())
        body = None
    pipe = svc.redis.pipeline(transaction=False)
    if step:
        session.seq += 1
        if is_new:
            calllog.start(pipe, CHANNEL, session.id, session.caller, session.started, svc.retention)
        ttl = svc.retention if is_new else None  # set once; RPUSH and HSET keep a key's TTL
        calllog.event(pipe, session.id, step.event.pop("type"), ttl, node=session.node,
                      page=session.page or None, **step.event)
        calllog.update(pipe, session.id, ttl, last_node=session.node, outcome="hangup" if step.hangup else None)
        day = today.isoformat()
        if step.event.get("result") == "goto":
            calllog.count(pipe, day, f"topic:{session.node}", svc.retention)
        if session.lang and (is_new or step.event.get("result") == "language" or step.event.get("returning")):
            calllog.set_language(pipe, CHANNEL, session.id, session.lang, session.started)
            calllog.count(pipe, day, f"voice:{session.lang}", svc.retention)
            sessions.remember_language(pipe, session.caller, session.lang, svc.config["HOTLINE_LANGUAGE_TTL"])
    if body is None:
        body = svc.voice.menu(screen, _key_url(session), _key_url(session, noinput=1))
    sessions.save(pipe, CHANNEL, session, svc.config["HOTLINE_SESSION_TTL"])
    pipe.execute()
    return twiml(body)


@bp.post("")
def incoming():
    svc = services()
    sid = _call_sid()
    caller = svc.caller_hash(request.form.get("From", ""))
    pipe = svc.redis.pipeline(transaction=False)
    pipe.get(sessions.key(CHANNEL, sid))
    pipe.get(sessions.language_key(caller))
    raw, lang = pipe.execute()
    session = sessions.decode(raw)
    if session:  # Twilio asked again for the same call: say the same thing, log nothing
        return _answer(session, None)
    session = Session(id=sid, caller=caller)
    return _answer(session, svc.flow.begin(session, lang), is_new=True)


@bp.post("/key")
def key():
    svc = services()
    sid = _call_sid()
    session = sessions.load(svc.redis, CHANNEL, sid)
    if session is None:
        caller = svc.caller_hash(request.form.get("From", ""))
        lang = request.args.get("l") or svc.redis.get(sessions.language_key(caller))
        session = Session(id=sid, caller=caller)
        return _answer(session, svc.flow.restart(session, lang))
    if request.args.get("s") != str(session.seq):
        return _answer(session, None)  # a duplicate or out-of-date webhook
    digits = request.form.get("Digits", "").strip()
    if request.args.get("noinput") or not digits:
        step = svc.flow.silence(session)
    else:
        step = svc.flow.press(session, digits[:8], svc.today())
    _carry_out(svc, session, step)
    return _answer(session, step)


def _carry_out(svc, session: Session, step: Step) -> None:
    """What a key asked the hotline to do besides moving: an SMS, a reminder, a callback."""
    number = request.form.get("From", "")
    if step.sms_request:
        outcome, msg_id = followups.request(svc, kind=session.node, number=number, caller=session.caller,
                                            conv=session.id, lang=session.lang, prompt_ids=list(step.sms_request))
        step.event.update(sms=outcome, msg=msg_id)
        # Promise an SMS only when one is on its way (an opted-out or hidden number gets none).
        step.notices = {"queued": ["ui.sms_queued"], "scheduled": ["ui.sms_morning"],
                        "limited": ["ui.sms_limit"]}.get(outcome, [])
    elif step.action == "reminder":
        when = followups.next_working_day(svc.clock())
        outcome, msg_id = followups.request(svc, kind="reminder", number=number, caller=session.caller,
                                            conv=session.id, lang=session.lang, prompt_ids=["algo.reminder"], at=when)
        step.event.update(sms=outcome, msg=msg_id)
    elif step.action == "callback":
        queued = callbacks.request(svc.redis, number, session.caller, session.id, session.lang)
        step.event["callback"] = "queued" if queued else "already_open"


@bp.post("/status")
def status():
    svc = services()
    sid = _call_sid()
    call_status = request.form.get("CallStatus", "")[:32]
    duration = request.form.get("CallDuration", "")
    # One read round trip: the dedup mark, and what the record already says (last node, ended).
    pipe = svc.redis.pipeline(transaction=False)
    calllog.mark_seen(pipe, sid, f"status:{call_status}", svc.retention)
    pipe.hmget(calllog.conv_key(sid), "last_node", "ended")
    first, _, (last_node, ended) = pipe.execute()
    if not first:
        return Response("", status=204)  # the same callback again
    pipe = svc.redis.pipeline(transaction=False)
    calllog.event(pipe, sid, "status", svc.retention, status=call_status,
                  seq=request.form.get("SequenceNumber", "")[:8] or None)
    fields = {"status": call_status}
    if duration.isdigit():
        fields["duration"] = int(duration)
    if call_status in TERMINAL:
        fields["ended"] = f"{time.time():.3f}"
        sessions.delete(pipe, CHANNEL, sid)
        if last_node:
            calllog.count(pipe, svc.today().isoformat(), f"drop:{last_node}", svc.retention)
    # Callbacks may arrive out of order: a terminal status is never overwritten by an earlier one.
    if call_status in TERMINAL or ended is None:
        calllog.update(pipe, sid, svc.retention, **fields)
    pipe.execute()
    return Response("", status=204)
