"""Twilio's webhooks answered in front of Flask: the plain form post goes straight to its handler.

A call walks 20 menu steps or more, each a small signed form post that needs nothing of what Flask
builds per request for the dashboard (an app and a request context, URL matching, a session, the
dashboard's after-request hooks, a Response object): that machinery cost as much as the step itself
(docs/performance.md). So for the paths a room registers here (`route`), a request is answered by the
room's own handler — the same function its Flask view calls, with a small request object that has
what the handlers read (`form`, `args`, `path`, `environ`) — when it is exactly what Twilio sends:
a POST of `application/x-www-form-urlencoded` with a Content-Length within MAX_CONTENT_LENGTH, no
repeated field, and a signature that matches the URL as it reached us (or HOTLINE_PUBLIC_URL's).

Everything else goes through Flask unchanged: another method or content type, a signature that only
Twilio's port variants match or none does (403 is Flask's), and any exception a handler raises
(abort(400), Redis down, a bug): the request is rebuilt from the bytes already read and answered by
Flask's error handlers, so the outage line, the spool and the 4xx answers have one place each.
"""
from __future__ import annotations

import io
from collections.abc import Callable
from typing import NamedTuple

from . import request_urls
from .twilio_auth import signed_as_received
from .webhook_request import FORM, parse_pairs


class Reply(NamedTuple):
    """A handler's answer: the HTTP status and the TwiML (empty for 204)."""
    status: int
    body: str


def as_response(reply: Reply):
    """A handler's reply as its Flask view returns it (the front answers the plain case itself)."""
    from flask import Response

    return Response(reply.body, status=reply.status, mimetype="text/xml")


class Post:
    """What a handler reads of a request, for a Twilio form post answered here."""

    __slots__ = ("environ", "form", "args", "path", "query_string")
    method = "POST"

    def __init__(self, environ: dict, form: dict, args: dict):
        self.environ, self.form, self.args = environ, form, args
        self.path = environ.get("PATH_INFO", "")
        self.query_string = environ.get("QUERY_STRING", "").encode("latin-1")


Handler = Callable[[object, object], Reply]
_STATUS = {200: "200 OK", 204: "204 NO CONTENT"}
_XML = "text/xml; charset=utf-8"


def as_pairs(text: str) -> dict | None:
    """The pairs as a dict, or None if a name repeats (then werkzeug's MultiDict keeps every value)."""
    pairs = parse_pairs(text)
    params = dict(pairs)
    return params if len(params) == len(pairs) else None


class TwilioFront:
    """WSGI middleware around the Flask app's own `wsgi_app` (inside ProxyFix, so the environ is already
    the public one)."""

    def __init__(self, app, wsgi_app):
        self.app, self.next = app, wsgi_app
        self.routes: dict[str, Handler] = {}

    def route(self, path: str, handler: Handler) -> None:
        self.routes[path] = handler

    def __call__(self, environ, start_response):
        handler = self.routes.get(environ.get("PATH_INFO"))
        if (handler is None or environ.get("REQUEST_METHOD") != "POST" or environ.get("CONTENT_TYPE") != FORM
                or self.app.config["TRUSTED_HOSTS"] is not None):  # Flask's own host check, then
            return self.next(environ, start_response)
        length = environ.get("CONTENT_LENGTH", "")
        limit = self.app.config["MAX_CONTENT_LENGTH"]
        if not (length.isascii() and length.isdigit()) or (limit is not None and int(length) > limit):
            return self.next(environ, start_response)
        raw = environ["wsgi.input"].read(int(length)) if int(length) else b""
        environ["wsgi.input"] = io.BytesIO(raw)  # whoever answers in the end reads it again
        try:
            query = environ.get("QUERY_STRING", "")  # none on /sms: nothing to parse
            form, args = as_pairs(raw.decode()), as_pairs(query.encode("latin-1").decode()) if query else {}
        except UnicodeDecodeError:
            return self.next(environ, start_response)
        try:
            host, root = request_urls.host_and_root(environ)
        except Exception:  # noqa: BLE001 (an untrusted or malformed Host: werkzeug's answer, on the Flask path)
            return self.next(environ, start_response)
        if form is None or args is None or not signed_as_received(
                self.app.config, environ, host, form, environ.get("HTTP_X_TWILIO_SIGNATURE", "")):
            return self.next(environ, start_response)
        req = Post(environ, form, args)
        token = request_urls.ROOT.set(root)
        try:
            reply = handler(self.app.extensions["hotline"], req)
        except Exception as exc:  # noqa: BLE001 (answered by Flask's handlers, as any view's error is)
            return self._through_flask(environ, exc, start_response)
        finally:
            request_urls.ROOT.reset(token)
        body = reply.body.encode()
        start_response(_STATUS.get(reply.status) or f"{reply.status} ", [
            ("Content-Type", _XML), ("Content-Length", str(len(body)))])
        return [body]

    def _through_flask(self, environ: dict, exc: Exception, start_response):
        """The handler failed: answer as the Flask view's failure would be answered, by the same handlers."""
        environ["wsgi.input"].seek(0)
        app = self.app
        ctx = app.request_context(environ)
        error = None
        try:
            ctx.push()
            try:
                rv = app.handle_user_exception(exc)
            except Exception as again:  # noqa: BLE001
                error = again
                rv = app.handle_exception(again)
            response = app.finalize_request(rv)
            return response(environ, start_response)
        finally:
            ctx.pop(error)
