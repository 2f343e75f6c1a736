"""A request's host and URL root, worked out once per distinct set of inputs rather than per request.

werkzeug derives `request.host` and `request.url_root` from the environ on every request (parsing and
validating the Host header, IRI-decoding the root): a few per cent of a webhook's CPU, for a value
that is the same on every request behind one proxy. The result depends only on the environ keys
below (ProxyFix has already rewritten them), so it is remembered per key; the table is bounded,
as the Host header is the client's to choose — past the bound, werkzeug works it out each time.

`current_root()` is the URL root of the webhook being answered, for the absolute URLs of <Play>: a
request answered in front of Flask (twilio_front.py) sets `ROOT`; inside Flask it is the request's.
"""
from __future__ import annotations

from contextvars import ContextVar

from werkzeug.wrappers import Request

_KEYS = ("wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME")
_MAX = 64
_hosts: dict[tuple, str] = {}
_roots: dict[tuple, str] = {}
ROOT: ContextVar[str | None] = ContextVar("hotline_url_root", default=None)


def _key(environ) -> tuple:
    return tuple(environ.get(k) for k in _KEYS)


def _remembered(table: dict, environ, make, attribute: str) -> str:
    key = _key(environ)
    value = table.get(key)
    if value is None:
        value = getattr(make(), attribute)
        if len(table) < _MAX:
            table[key] = value
    return value


def host(request) -> str:
    """`request.host` (an untrusted host still raises, as werkzeug's does: it is never remembered)."""
    return _remembered(_hosts, request.environ, lambda: request, "host")


def url_root(request) -> str:
    """`request.url_root`."""
    return _remembered(_roots, request.environ, lambda: request, "url_root")


def host_of(environ) -> str:
    """`host` of a request known only by its environ (werkzeug's answer, without trusted hosts)."""
    return _remembered(_hosts, environ, lambda: Request(environ), "host")


def root_of(environ) -> str:
    """`url_root` of a request known only by its environ."""
    return _remembered(_roots, environ, lambda: Request(environ), "url_root")


def host_and_root(environ) -> tuple[str, str]:
    """`host_of` and `root_of` at once (one key worked out): what a webhook answered in front of Flask needs."""
    key = _key(environ)
    host_, root = _hosts.get(key), _roots.get(key)
    if host_ is None or root is None:
        host_, root = host_of(environ), root_of(environ)
    return host_, root


def current_root() -> str:
    """The URL root of the webhook being answered, or "" outside any request."""
    root = ROOT.get()
    if root is not None:
        return root
    from flask import has_request_context, request

    return url_root(request) if has_request_context() else ""
