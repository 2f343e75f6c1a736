"""The voice channel: Twilio's call webhooks, answered with TwiML.

  POST /voice         an incoming call: language menu, or main menu for a returning caller
  POST /voice/key     a key pressed (or nothing: ?noinput=1) at the position the URL describes
  POST /voice/status  the call status callback: how the call ended, and how long it took (a call
                      that never reached /voice gets its record here, so operators still see it)

A withheld caller ID (+266696687, anonymous, …) is nobody in particular: no language is remembered
for it, and a callback or a reminder it asks for is refused out loud (ui.number_hidden).

A missed-call callback (`missed.py`) is an outbound call to this same `/voice`, marked `?cb=<id>`:
the menu starts with the callback line. On every webhook of such a call the person is `To`, not
`From` (the hotline): `caller.number` decides it for every path here.

Where the caller is travels in the signed action URL (`call_state`), so a key press reads
nothing from Redis and writes once (`write_once`: the log event, the call record, counters).
The URL carries the step number `s`: a webhook delivered twice writes nothing the second time
and answers the same TwiML. So while Redis is down a call in progress walks on from its URL (its
steps go unlogged); only a step that must write (an SMS, a reminder, a callback request) says that
the service is briefly unavailable, and the menu goes on. A new call then starts at the language
menu (no remembered language can be read), unlogged until its status callback, which the outage
spool keeps; only a callback the hotline placed hears the outage line (its answer must be recorded).
"""
from __future__ import annotations

import logging
import time
from typing import NamedTuple

from flask import Blueprint, abort, request

from ..flow import Step
from ..services import services
from ..sms import followups
from ..store import call_status as call_status_store
from ..store import callbacks, calllog, messages, sessions, spool, write_once
from ..store.sessions import Session
from ..twilio_auth import require_twilio_signature
from ..twilio_front import Reply
from ..twilio_front import as_response as response
from . import call_state, limits, missed
from . import caller as person

log = logging.getLogger(__name__)
bp = Blueprint("voice", __name__, url_prefix="/voice")
bp.before_request(require_twilio_signature)

CHANNEL = "voice"
ANONYMOUS = "anonymous"  # the caller hash of a withheld caller ID (services.caller_hash)
TERMINAL = {"completed", "busy", "failed", "no-answer", "canceled"}
DROP = "drop:"  # the day's counter of calls that ended at a menu: drop:<node>


class Remembered(NamedTuple):
    """`_answer`'s word that the caller has a language remembered: nothing was written."""
    lang: str


def twiml(body: str) -> Reply:
    return Reply(200, body)


def _call_sid(req) -> str:
    sid = req.form.get("CallSid", "")
    if not sid or len(sid) > 64 or not sid.isalnum():
        abort(400)
    return sid


def _answer(svc, session: Session, step: Step, mark: str, is_new: bool = False, claimed: bool = False,
            also=None, unless_set: str | None = None) -> Reply | Remembered:
    """Write the step's event and record once (`mark` names this webhook), then render where it stands.
    `claimed`: the mark was already taken by this request (a step with side effects), so just write.
    `also(pipe)`: more writes that belong to the same once-only step.
    `unless_set`: a key the step was worked out without (the caller's remembered language, guessed empty):
    if it holds something, nothing is written and it is returned (`Remembered`), for the step to be worked out
    again."""
    today = svc.today()
    screen = None if step.hangup else svc.flow.screen(session, today, notices=step.notices)
    pipe = write_once.Writes(svc.redis)
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
    if also:
        also(pipe)
    try:
        if claimed:
            write_once.apply_claimed(svc.redis, pipe)
        elif unless_set:
            found = write_once.apply_unless_set(svc.redis, session.id, mark, pipe, svc.retention, unless_set)
            if found is not None:
                return Remembered(found)
        else:
            write_once.apply(svc.redis, session.id, mark, pipe, svc.retention)
    except Exception as exc:
        if also or not spool.is_redis_down(exc):
            raise  # a callback answered, an SMS asked for: not promised unwritten (the outage line, or 1406)
        log.warning("Redis unavailable: call %s walks on from its URL, this step unlogged", session.id[:10])
    # after seq += 1: the URLs in the body carry the next step's number (rendered after the write: a first
    # call guessed wrongly is worked out again, and its first rendering would be wasted)
    return twiml(_goodbye(svc, session, step) if step.hangup else _menu(svc, screen, session))


@bp.post("")
def incoming():
    return response(handle_incoming(services(), request._get_current_object()))


def handle_incoming(svc, req) -> Reply:
    sid = _call_sid(req)
    number = person.number(req.form)
    caller = svc.caller_hash(number)
    callback = person.is_outbound(req.form) and missed.answered(svc, req.args.get("cb", ""), caller,
                                                                 req.form.get("AnsweredBy"))
    if callback and callback.machine:
        return twiml(missed.machine_answer(svc, sid, callback, person.country_language(svc.catalog, number)))
    offer = person.country_language(svc.catalog, number)
    if not callback:
        # Most calls are first calls: worked out as one (the language menu), and written in the round trip
        # that finds out whether the number has a language remembered; if it has, worked out again with it.
        # While Redis is down that round trip fails: the caller hears the language menu, which needs no
        # state, and the call stays unlogged until its status callback, which the outage spool keeps.
        session = Session(id=sid, caller=caller)
        step = svc.flow.begin(session, None, offer)
        guess = None if caller == ANONYMOUS else sessions.language_key(caller)  # a withheld number has none
        reply = _answer(svc, session, step, "start", is_new=True, unless_set=guess)
        if not isinstance(reply, Remembered):
            return reply  # Twilio asking again for the same call gets the same answer; the mark keeps the log single
        lang = reply.lang
    else:  # a callback the hotline placed: while Redis is down it hears the outage line (errors.py)
        lang = _remembered_language(svc, caller)
    session = Session(id=sid, caller=caller)
    step = svc.flow.begin(session, lang, offer)
    also = missed.human_answer(svc, step, session, callback) if callback else None
    return _answer(svc, session, step, "start", is_new=True, also=also)


def _remembered_language(svc, caller: str) -> str | None:
    """A returning caller's language; a withheld caller ID is nobody in particular and has none."""
    return None if caller == ANONYMOUS else svc.redis.get(sessions.language_key(caller))


@bp.post("/key")
def key():
    return response(handle_key(services(), request._get_current_object()))


def handle_key(svc, req) -> Reply:
    sid = _call_sid(req)
    mark = "step:" + req.args.get("s", "")[:8]
    session = call_state.decode(req.args, sid, "", svc.catalog)
    if session is None:  # an action URL without a whole state: the main menu, not an error
        caller = svc.caller_hash(person.number(req.form))
        lang = req.args.get("l")
        if lang not in svc.catalog.langs:
            lang = _remembered_language(svc, caller)
        session = Session(id=sid, caller=caller)
        return _answer(svc, session, svc.flow.restart(session, lang), mark)
    digits = req.form.get("Digits", "").strip()
    if req.args.get("noinput") or not digits:
        step = svc.flow.silence(session, svc.today())
    else:
        step = svc.flow.press(session, digits[:8], svc.today())
    if _needs_caller(step):  # on a callback too: To, never the hotline
        session.caller = svc.caller_hash(person.number(req.form))
    if session.caller == ANONYMOUS and step.action in ("reminder", "callback"):
        _refuse_hidden(svc, session, step)
    try:
        return _step_that_may_write(svc, req, sid, mark, session, step)
    except Exception as exc:
        if not spool.is_redis_down(exc):
            raise
        return _answer(svc, session, _unavailable(step), mark)  # nothing was asked for: say so, go on


def _needs_caller(step: Step) -> bool:
    """Whether who is calling matters to this key: it remembers a language, or asks for an SMS, a reminder or
    a callback. A plain menu step writes nothing about the caller (the call record has them), so it does
    not hash the number again."""
    return bool(step.sms_request or step.action in ("reminder", "callback") or step.event.get("result") == "language"
                or step.event.get("returning"))


def _step_that_may_write(svc, req, sid: str, mark: str, session: Session, step: Step) -> Reply:
    if step.action == "reminder" and messages.is_opted_out(svc.redis, session.caller):
        _refuse_opted_out(svc, session, step)
    reached = limits.CallLimits.from_config(svc.config).reached(session, time.time())
    if reached:  # a call goes on only so long: the goodbye (1406, 103) instead of the next screen
        limits.end(step, reached)
    if not (step.sms_request or step.action in ("reminder", "callback")):
        return _answer(svc, session, step, mark)  # walks on from the URL even when Redis is down
    # A step that sends or queues something claims its mark first: a retried webhook must not send a second
    # SMS, and hears where the first delivery left the caller. An SMS's checks (the day's count, an opt-out)
    # ride with the claim, and its record and job with the step's own writes: two round trips.
    checks = write_once.Writes(svc.redis)
    texts = bool(step.sms_request or step.action == "reminder") and session.caller != ANONYMOUS  # a number to text
    if texts:
        followups.check(checks, session.caller, svc.clock())
    checked = write_once.claim_then(svc.redis, sid, mark, svc.retention, checks)
    if checked is None:
        return _replay(svc, session, step)
    writes = write_once.Writes(svc.redis)
    _carry_out(svc, req, session, step, checked if texts else None, writes)
    also = (lambda pipe: pipe.command_stack.extend(writes.command_stack)) if writes.command_stack else None
    return _answer(svc, session, step, mark, claimed=True, also=also)


def _unavailable(step: Step) -> Step:
    """A step that had to write while Redis is down: the caller hears that the service is briefly
    unavailable (1406, 103) and stays where they were, nothing promised."""
    step.event.update(result="unavailable", wanted=step.action or "sms")
    step.action, step.sms_request, step.notices = None, (), ["ui.unavailable"]
    return step


def _refuse_hidden(svc, session: Session, step: Step) -> None:
    """Nothing can reach a hidden number: say so, and take the caller back instead of promising a
    callback or a reminder (no side effect is left, so the step is an ordinary one)."""
    step.event.update(result="refused", refused=step.action, reason="withheld")
    step.action, step.notices = None, ["ui.number_hidden"]
    if not session.back():
        session.goto(svc.catalog.start, remember=False)


def _refuse_opted_out(svc, session: Session, step: Step) -> None:
    """A reminder is an SMS, and this number said STOP: say why none can come (and how to get SMS again),
    and take the caller back rather than let the reminder screen promise one."""
    step.event.update(result="refused", refused=step.action, reason="opted_out")
    step.action, step.notices = None, ["ui.optout_voice"]
    if not session.back():
        session.goto(svc.catalog.start, remember=False)


def _replay(svc, session: Session, step: Step) -> Reply:
    session.seq += 1
    if step.hangup:
        return twiml(_goodbye(svc, session, step))
    return twiml(_menu(svc, svc.flow.screen(session, svc.today()), session))


def _goodbye(svc, session: Session, step: Step) -> str:
    if not step.farewell:
        return svc.voice.goodbye(session.lang or session.offer)
    return svc.voice.farewell(session.lang, step.farewell,
                              call_state.key_url(session) if step.farewell_sms else None)


def _menu(svc, screen, session: Session) -> str:
    url = call_state.key_url(session)
    return svc.voice.menu(screen, url, url + "&noinput=1")


def _carry_out(svc, req, session: Session, step: Step, checked: list | None, writes) -> None:
    """What a key asked the hotline to do besides moving: an SMS, a reminder, a callback. An SMS's record and
    job are queued on `writes` (`checked`: its checks' replies; None: the number cannot get one)."""
    number = person.number(req.form)
    if step.sms_request or step.action == "reminder":
        now = svc.clock()
        outcome, msg_id = "no_number", None
        if checked is not None:
            reminder = not step.sms_request
            outcome, msg_id = followups.plan(
                svc, writes, checked, now, kind="reminder" if reminder else session.node, number=number,
                caller=session.caller, conv=session.id, lang=session.lang,
                prompt_ids=["algo.reminder"] if reminder else list(step.sms_request),
                at=followups.next_working_day(now) if reminder else None)
        step.event.update(sms=outcome, msg=msg_id)
        if step.sms_request:  # Promise an SMS only when one is on its way; say why when none is.
            step.notices = {"queued": ["ui.sms_queued"], "scheduled": ["ui.sms_morning"],
                            "limited": ["ui.sms_limit"], "no_number": ["ui.number_hidden"],
                            "opted_out": ["ui.optout_voice"]}.get(outcome, [])
    elif step.action == "callback":
        queued = callbacks.request(svc.redis, number, session.caller, session.id, session.lang)
        step.event["callback"] = "queued" if queued else "already_open"


@bp.post("/status")
def status():
    return response(handle_status(services(), request._get_current_object()))


def handle_status(svc, req) -> Reply:
    sid = _call_sid(req)
    call_status = req.form.get("CallStatus", "")[:32]
    duration = req.form.get("CallDuration", "")
    ending = call_status in TERMINAL
    always, unless_ended = write_once.Writes(svc.redis), write_once.Writes(svc.redis)
    calllog.event(always, sid, "status", svc.retention, status=call_status,
                  seq=req.form.get("SequenceNumber", "")[:8] or None)
    fields = {"status": call_status}
    if duration.isdigit():
        fields["duration"] = int(duration)
    if ending:
        fields["ended"] = f"{time.time():.3f}"
    # Callbacks may arrive out of order: a terminal status is never overwritten by an earlier one.
    calllog.update(unless_ended, sid, svc.retention, **fields)
    # One round trip: the once-only mark, the record's state, and the writes it allows (call_status.py).
    done = call_status_store.record(svc.redis, sid, f"status:{call_status}", always, unless_ended, ending,
                                    calllog.stats_key(svc.today().isoformat()), DROP, svc.retention)
    if done == call_status_store.DUPLICATE:
        return Reply(204, "")  # the same callback again
    if done == call_status_store.ORPHAN:  # no record yet (rare): it gets one, then the same writes
        pipe = write_once.Writes(svc.redis)
        _orphan(svc, req, pipe, sid, duration)
        pipe.command_stack += always.command_stack + unless_ended.command_stack
        pipe.execute()
    if req.args.get("cb") and ending:  # a missed-call callback: retry, or done
        missed.on_status(svc, req.args["cb"], sid, call_status, req.args.get("a", "")[:4])
    return Reply(204, "")


def _orphan(svc, req, pipe, sid: str, duration: str) -> None:
    """A status for a call that never reached /voice (its first webhook failed, or timed out):
    a call record of its own, listed like every call, so operators see that the call happened."""
    seconds = int(duration) if duration.isdigit() else 0
    direction = req.form.get("Direction", "")[:16]
    caller = svc.caller_hash(person.number(req.form))  # a callback nobody answered: the person it rang
    calllog.start(pipe, CHANNEL, sid, caller, time.time() - seconds, svc.retention)
    calllog.update(pipe, sid, svc.retention, origin="status_callback", direction=direction or None,
                   kind="callback" if req.args.get("cb") else None)


FRONT_ROUTES = {"/voice": handle_incoming, "/voice/key": handle_key, "/voice/status": handle_status}  # twilio_front.py
