"""What a caller hears when something inside breaks: never Twilio's English error message.

A Twilio webhook that fails (Redis down, a bug) still answers valid TwiML: voice says a short
message in the caller's language if known (else Kazakh and Russian) with 1406 and 103, and
hangs up; SMS replies with the same in a message. 4xx errors (bad signature, bad input) stay
4xx: they are answers to whoever forged or garbled the request, not to a caller. When Redis is
what failed, inbound texts, status callbacks and missed-call rings are kept in the spool first; a text
safely kept is told its answer will come by SMS (ivr/sms/outage.py), and only then.
"""
from __future__ import annotations

import logging

from flask import Flask, Response, current_app, g, request
from twilio.twiml.messaging_response import MessagingResponse
from werkzeug.exceptions import HTTPException

from .store import spool

log = logging.getLogger(__name__)


def register(app: Flask) -> None:
    @app.errorhandler(Exception)
    def unexpected(exc):
        if isinstance(exc, HTTPException):
            return exc
        kept = False
        if spool.is_redis_down(exc) and request.path in spool.SPOOLED_PATHS and not g.get("spool_replay"):
            # What the person sent is kept on disk and replayed when Redis is back (ivr/store/spool.py).
            try:
                spool.keep(current_app, request.path, request.query_string.decode(), request.form.to_dict())
                kept = True
            except OSError:  # a full or broken disk: the person is told the service is unavailable
                log.exception("Redis down and the spool failed: %s not kept", request.path)
        else:
            log.exception("webhook failed: %s %s", request.method, request.path)
        if request.path.startswith(("/voice", "/sms")):
            return fallback_twiml(kept)
        return Response("Internal error", status=500, mimetype="text/plain")


def fallback_twiml(kept: bool = False) -> Response:
    """The outage line; `kept`: what the person sent is safely in the spool (a text is told its answer
    will come by SMS, ivr/sms/outage.py)."""
    from .services import services
    from .sms import outage

    svc = services()
    lang = request.args.get("l")
    langs = [lang] if lang in svc.catalog.langs else ["kk", "ru"]
    if request.path.startswith("/sms"):
        if request.path.startswith("/sms/status"):
            return Response("", status=204)
        if kept:
            return svc.transport.reply(outage.kept_reply(svc, request.form))
        reply = MessagingResponse()
        reply.message(" / ".join(svc.catalog.sms(code, "ui.unavailable") for code in langs))
        return Response(str(reply), mimetype="text/xml")
    if request.path.startswith("/voice/status"):
        return Response("", status=204)
    return Response(svc.voice.goodbye(langs[0] if len(langs) == 1 else None, "ui.unavailable"), mimetype="text/xml")
