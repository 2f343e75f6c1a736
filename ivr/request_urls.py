"""A request's host and URL root, worked out once per distinct set of inputs rather than per request.

werkzeug derives `request.host` and `request.url_root` from the environ on every request (parsing and
validating the Host header, IRI-decoding the root): a few per cent of a webhook's CPU, for a value
that is the same on every request behind one proxy. The result depends only on the environ keys
below (ProxyFix has already rewritten them), so it is remembered per key; the table is bounded,
as the Host header is the client's to choose — past the bound, werkzeug works it out each time.
"""
from __future__ import annotations

_KEYS = ("wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME")
_MAX = 64
_hosts: dict[tuple, str] = {}
_roots: dict[tuple, str] = {}


def _key(environ) -> tuple:
    return tuple(environ.get(k) for k in _KEYS)


def _remembered(table: dict, request, attribute: str) -> str:
    key = _key(request.environ)
    value = table.get(key)
    if value is None:
        value = getattr(request, attribute)
        if len(table) < _MAX:
            table[key] = value
    return value


def host(request) -> str:
    """`request.host` (an untrusted host still raises, as werkzeug's does: it is never remembered)."""
    return _remembered(_hosts, request, "host")


def url_root(request) -> str:
    """`request.url_root`."""
    return _remembered(_roots, request, "url_root")
