"""The SMS channel: Twilio's messaging webhooks.

  POST /sms          an incoming text: answered from the same menu tree as the voice channel
  POST /sms/status   a delivery status for a follow-up SMS the workers sent (`?m=<id>`: ours, which
                     settles a send whose answer from Twilio was lost)

A MessageSid is answered and logged once (ivr/store/sms_seen.py): it is marked "in progress" first, and
the reply is kept for a day under the sid in the same script that saves the session, only while the mark
is still this request's. A second delivery of the same sid (Twilio retries when it did not get our
answer) gets that same reply back without logging it again or moving the session; a text whose handling
never finished (Redis went away half-way) is taken over by the spool's replay or a later delivery.
Two different texts from one number answered at the same time are serialised by `sessions.commit`
(compare-and-set): the one that loses the race is answered again from the session the other one left.

Carrier rules (docs/security.md): opt-out/opt-in/help words are whole messages (ivr/sms/optout.py)
and Twilio's `OptOutType` means Twilio has answered; a withheld sender is never remembered or
answered; a status callback may come before the message's sid is known (kept, applied later),
with any of Twilio's statuses, or empty (accepted and ignored).
"""
from __future__ import annotations

import logging
import re
import time

from flask import Blueprint, abort, g, request

from ..services import services
from ..store import callbacks, calllog, inbox, messages, sessions, sms_seen, spool, write_once
from ..store.sessions import Session
from ..twilio_auth import require_twilio_signature
from ..twilio_front import Reply
from ..twilio_front import as_response as response
from ..voice.missed import callback_time
from . import followups, optout

log = logging.getLogger(__name__)
bp = Blueprint("sms", __name__, url_prefix="/sms")
bp.before_request(require_twilio_signature)

CHANNEL = "sms"
COMMIT_ATTEMPTS = 50  # texts from one number answered at once: each conflict means another one was saved


def conv_id(caller: str) -> str:
    return f"SMS-{caller}"


@bp.post("")
def inbound():
    reply, answered = handle_inbound(services(), request._get_current_object(), replay=bool(g.get("spool_replay")))
    if answered:
        g.sms_answered = True  # this request answered the text (a replay sends the answer by SMS: _replayed)
    return response(reply)


def _reply(svc, texts: list[str]) -> Reply:
    return Reply(200, svc.transport.twiml(texts))


def handle_inbound(svc, req, replay: bool = False) -> tuple[Reply, bool]:
    """The TwiML reply to a text, and whether this request answered it (rather than a retry's copy, or
    another request that is answering it). `replay`: the spool's replay after an outage (its answer goes by
    SMS); Twilio's own posts come through twilio_front.py or the Flask view."""
    msg = svc.transport.parse(req.form)
    if not msg.sid:
        abort(400)
    caller = svc.caller_hash(msg.sender)  # "anonymous": withheld (phonenumbers' answer, kept by hash)
    # One round trip: the once-only mark, the text in its thread's log the first time it is seen, and what the
    # texter's session is (read for nothing if the mark says another request has the text).
    withheld = caller == "anonymous"
    mark, read = sms_seen.begin(svc.redis, msg.sid, take_over=replay,
                                reads=() if withheld else _session_keys(caller),
                                first=None if withheld else _inbound(svc, caller, msg))
    if mark.state == "todo" and sms_seen.may_finish(mark, replay):
        return _finish(svc, msg, mark, replay)  # answered, but its request failed before the end: finish it
    if mark.state != "mine":  # answered already (its reply again), or being answered by another request now
        return _reply(svc, mark.replies), False
    if withheld:
        return _withheld(svc, msg), True
    loaded, known = _loaded(svc, caller, read), mark.known
    now = svc.clock()
    today = now.date()  # svc.today(), read once for the text
    callback_at = callback_time(now, svc.config["HOTLINE_CALLBACK_HOURS"])  # the voice side's rule
    for attempt in range(COMMIT_ATTEMPTS):
        session, raw, is_new, blocked = loaded if attempt == 0 else _load(svc, caller)
        try:
            answer = svc.texting.answer(session, msg.body, today, is_new=is_new and not known,
                                        opt_out_type=msg.opt_out_type, blocked=blocked, now=now,
                                        callback_at=callback_at)
        except Exception:  # the text is stored; the texter gets the menu and an operator sees it
            log.exception("SMS answer failed; answering with the menu")
            answer = svc.texting.failed(session, today)
        if blocked:
            optout.refuse_reminder(answer, blocked, svc.catalog.sms(session.lang or "ru", "ui.optout_voice"))
            optout.withhold_undeliverable(answer, blocked)  # Twilio would drop it (21610): say so, send nothing
        session.seq += 1
        saved = _record(svc, session, msg, answer, raw, mark, replay, today)
        if saved:
            break
        now_mark = sms_seen.current(svc.redis, msg.sid)
        if now_mark.value != mark.value:  # another request took the text over and answers it: not this one
            return _reply(svc, now_mark.replies), False
    else:
        raise RuntimeError(f"SMS session of {caller[:8]} kept changing under {COMMIT_ATTEMPTS} attempts")
    todo = _todo(session, answer)
    if todo:
        _carry_out(svc, msg, todo)
        sms_seen.settle(svc.redis, msg.sid, saved, answer.replies, replay)
    return _reply(svc, answer.replies), True


def _todo(session: Session, answer) -> dict | None:
    """What the answer asks the hotline to do after the session is saved, as plain data (kept with the mark)."""
    if not (answer.inbox or answer.action in ("reminder", "callback")):
        return None
    return {"caller": session.caller, "lang": session.lang, "inbox": answer.inbox,
            "action": answer.action if answer.action in ("reminder", "callback") else None}


def _finish(svc, msg, mark: sms_seen.Mark, replay: bool) -> tuple[Reply, bool]:
    """A text answered and saved whose request failed before it was done (Redis went away): what it asked for
    is done (each step once), and the saved reply delivered — this time, since the texter had the outage line
    instead: by SMS on a replay (`_replayed`), in this reply on Twilio's later delivery."""
    saved = mark.saved
    _carry_out(svc, msg, saved["todo"])
    by_sms = replay or saved.get("by_sms", False)
    if not sms_seen.settle(svc.redis, msg.sid, mark.value, saved["reply"], by_sms):
        return _reply(svc, []), False  # another request finished it first
    return _reply(svc, [] if by_sms else saved["reply"]), True


def _inbound(svc, caller: str, msg) -> sms_seen.FirstDelivery:
    """The text, in the thread's log, written with its once-only mark before anything tries to understand it:
    whatever fails later, an operator can read what was sent. The thread's record is started if it has none."""
    cid, now = conv_id(caller), time.time()
    if_new, pipe = write_once.Writes(svc.redis), write_once.Writes(svc.redis)
    calllog.start(if_new, CHANNEL, cid, caller, now, svc.retention)
    pipe.zadd(f"convs:{CHANNEL}", {cid: now})  # an SMS thread sorts by its latest message
    calllog.event(pipe, cid, "sms_in", svc.retention, body=msg.body[:1600], sid=msg.sid)
    return sms_seen.FirstDelivery(calllog.conv_key(cid), if_new, pipe)


def _load(svc, caller: str) -> tuple[Session, str | None, bool, str | None]:
    """The texter's session, the raw value read (for `commit`), whether the session is new, and the number's
    opt-out record. One round trip."""
    return _loaded(svc, caller, svc.redis.mget(_session_keys(caller)))


def _session_keys(caller: str) -> tuple[str, str, str]:
    """What a text is answered from: the session, the language remembered for the number, its opt-out record."""
    return sessions.key(CHANNEL, caller), sessions.language_key(caller), messages.optout_key(caller)


def _loaded(svc, caller: str, results) -> tuple[Session, str | None, bool, str | None]:
    """`_load`'s answer from the values of `_session_keys`."""
    raw, remembered, blocked = results
    session = sessions.decode(raw)
    if session is not None:
        return session, raw, False, blocked
    session = Session(id=caller, caller=caller, lang=remembered if remembered in svc.catalog.langs else None)
    session.node = svc.catalog.start if session.lang else "@language"
    return session, raw, True, blocked


def _withheld(svc, msg):
    """A text from a hidden number: kept for operators as a thread of its own, never remembered
    and never answered (no reply can reach a number that is not there; all hidden senders are not one)."""
    cid, now = "SMS-withheld-" + re.sub(r"[^A-Za-z0-9]", "", msg.sid)[:40], time.time()
    pipe = svc.redis.pipeline(transaction=False)
    calllog.start(pipe, CHANNEL, cid, "anonymous", now, svc.retention)
    calllog.event(pipe, cid, "sms_in", svc.retention, body=msg.body[:500], sid=msg.sid, withheld=True)
    calllog.update(pipe, cid, svc.retention, outcome="withheld", updated=f"{now:.3f}")
    sms_seen.finish(pipe, msg.sid, [])
    pipe.execute()
    return _reply(svc, [])


def _carry_out(svc, msg, todo: dict) -> None:
    """A reminder or a callback asked for by text, as the voice menu would do it, and a text nobody
    understood kept in the operators' inbox; after the session is saved, so that a message answered
    twice (a conflict) never asks or keeps twice. Each step is done once per MessageSid, also when a
    request that failed half-way is finished by another (`_finish`): the inbox item's id comes from the
    sid, the reminder has its own once-key, a second callback request finds the first one open."""
    events, caller, lang = [], todo["caller"], todo["lang"]
    cid = conv_id(caller)
    if todo["inbox"] and not inbox.get(svc.redis, inbox.item_for(msg.sid)):
        item = inbox.record(svc.redis, conv=cid, caller=caller, lang=lang or "", body=msg.body, received=time.time(),
                            retention=svc.retention, number=msg.sender, reason=todo["inbox"],
                            item=inbox.item_for(msg.sid))
        events.append({"type": "inbox", "item": item, "reason": todo["inbox"]})
    if todo["action"] == "reminder":
        once = f"sms:reminder:{msg.sid}"
        if not svc.redis.exists(once):
            outcome, msg_id = followups.request(svc, kind="reminder", number=msg.sender, caller=caller, conv=cid,
                                                lang=lang, prompt_ids=["algo.reminder"],
                                                at=followups.next_working_day(svc.clock()), once=once)
            events.append({"type": "sms_request", "sms": outcome, "msg": msg_id})
    elif todo["action"] == "callback":
        queued = callbacks.request(svc.redis, msg.sender, caller, cid, lang,
                                   source="sms")  # asked for by text: in words, or through the menu
        events.append({"type": "callback", "callback": "queued" if queued else "already_open", "source": "sms"})
    if events:
        pipe = svc.redis.pipeline(transaction=False)
        for event in events:
            calllog.event(pipe, cid, event.pop("type"), None, **event)
        write_once.apply(svc.redis, cid, f"carried:{msg.sid}", pipe, svc.retention)


def _record(svc, session: Session, msg, answer, read_raw, mark: sms_seen.Mark, replay: bool,
            today) -> str | None:
    """Session, opt-out state, log events, counters and the kept reply: one round trip, applied only
    if the session is still the one read and the text's mark still this request's (else None: the
    caller answers the message again, or leaves it to the request that took it over). Returns the
    text's mark as written."""
    cid, now, retention = conv_id(session.caller), time.time(), svc.retention
    pipe = write_once.Writes(svc.redis)  # queued for the commit script, never executed as a pipeline
    logged = [(e["type"], {k: v for k, v in e.items() if k != "type"}) for e in answer.events]
    logged += [("sms_out", dict(body=text, **messages.cost(text))) for text in answer.replies]
    for i, (type_, fields) in enumerate(logged):  # the list's TTL renewed once, after its last event
        calllog.event(pipe, cid, type_, retention if i == len(logged) - 1 else None, **fields)
    if session.lang:
        calllog.set_language(pipe, CHANNEL, cid, session.lang, now)
        sessions.remember_language(pipe, session.caller, session.lang, svc.config["HOTLINE_LANGUAGE_TTL"])
        calllog.count(pipe, today.isoformat(), f"sms:{session.lang}", retention)
    calllog.update(pipe, cid, retention, last_node=session.node, updated=f"{now:.3f}")
    if answer.optout in (optout.CARRIER, optout.HOTLINE):
        messages.opt_out(pipe, session.caller, optout.record(answer.optout, now))
    elif answer.optout is False:
        messages.opt_in(pipe, session.caller)
    written = sms_seen.finish(pipe, msg.sid, answer.replies, by_sms=replay, todo=_todo(session, answer))
    committed = sessions.commit(svc.redis, pipe, CHANNEL, session, svc.config["HOTLINE_SESSION_TTL"], read_raw,
                                also=sms_seen.guard(msg.sid, mark))
    return written if committed else None


@bp.post("/status")
def status():
    return response(handle_status(services(), request._get_current_object()))


def handle_status(svc, req) -> Reply:
    provider_sid = req.form.get("MessageSid", "")[:64]
    state = req.form.get("MessageStatus", req.form.get("SmsStatus", ""))[:32].strip().lower()
    if not provider_sid or not state:
        return _reply(svc, [])  # an empty callback says nothing: 200 (an empty <Response/>), no change
    messages.record_status(svc.redis, provider_sid, state, req.form.get("ErrorCode", "")[:16].strip(),
                           svc.today().isoformat(), svc.retention, msg_id=req.args.get("m", "")[:32])
    return Reply(204, "")


def _replayed(app, form: dict, run) -> None:
    """An inbound text replayed from the outage spool (ivr/store/spool.py): the texter was told its answer would
    come by SMS, so it goes as one follow-up SMS, once (`sms:late:<sid>` is written with the send job) — none
    when Twilio delivered the text again once Redis was back and it was answered in that reply."""
    svc = app.extensions["hotline"]
    sid = form.get("MessageSid", "")[:64]
    run()
    late = sms_seen.answered_by_sms(sms_seen.current(svc.redis, sid))
    if late is None or svc.redis.exists(_late_key(sid)):
        return
    texts, decided = late
    if not g.get("sms_answered") and time.time() - decided < sms_seen.TAKEOVER_AFTER:
        # Another process's replay answered this sid a moment ago and is sending it: look again later.
        raise spool.NotYet(f"late answer of {sid[:12]} decided elsewhere {time.time() - decided:.1f} s ago")
    number = form.get("From", "")
    caller = svc.caller_hash(number)
    texts = [t for t in texts if t.strip()]
    if not texts or caller == "anonymous":
        return
    lang = svc.redis.get(sessions.language_key(caller)) or ""
    followups.request(svc, kind="late_reply", number=number, caller=caller, conv=conv_id(caller),
                      lang=lang, prompt_ids=[], body="\n\n".join(texts), quiet_hours=False, once=_late_key(sid))


def _late_key(sid: str) -> str:
    return f"sms:late:{sid}"


spool.on_replay("/sms", _replayed)

FRONT_ROUTES = {"/sms": lambda svc, req: handle_inbound(svc, req)[0], "/sms/status": handle_status}  # twilio_front.py
