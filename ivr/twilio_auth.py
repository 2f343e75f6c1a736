"""X-Twilio-Signature on every Twilio endpoint, with twilio's RequestValidator.

Unsigned or wrongly signed → 403 before the view runs, so nothing changes. The URL that is
checked is the one Twilio signed: behind a TLS-terminating proxy that is the public URL
(ProxyFix, or HOTLINE_PUBLIC_URL), and the query string is taken raw, because Werkzeug's
decoded `request.url` breaks signatures on encoded query parameters.
There is deliberately no switch to turn this off.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import hmac

from flask import abort, current_app, request
from twilio.request_validator import RequestValidator

from .request_urls import host

_validators: dict[str, RequestValidator] = {}


def validator_for(token: str) -> RequestValidator:
    return _validators.get(token) or _validators.setdefault(token, RequestValidator(token))


@functools.lru_cache(maxsize=4)
def _keyed(token: str):
    return hmac.new(token.encode("utf-8"), digestmod=hashlib.sha1)


def signature(token: str, url: str, params) -> str:
    """What Twilio signs (RequestValidator.compute_signature's HMAC-SHA1: the URL, then every name and
    value in name order). For a plain dict — a form without repeated names, as the front reads it — the
    HMAC starts from a copy keyed once, not from the token each time (the check runs on every webhook);
    a MultiDict goes to twilio's own function. tests/test_twilio_auth.py holds the two equal."""
    if type(params) is not dict:
        return validator_for(token).compute_signature(url, params)
    mac = _keyed(token).copy()
    mac.update((url + "".join(name + params[name] for name in sorted(params))).encode("utf-8"))
    return base64.b64encode(mac.digest()).decode("ascii")


def _query_suffix() -> str:
    query = request.query_string.decode("latin-1")
    return f"?{query}" if query else ""


def signed_url_candidates(suffix: str) -> list[str]:
    urls = [request.base_url + suffix]
    public = current_app.config.get("HOTLINE_PUBLIC_URL", "").rstrip("/")
    if public:
        urls.append(public + request.path + suffix)
    return urls


def signed_as_received(config, environ, host_: str, params, given: str) -> bool:
    """The check every webhook pays: one HMAC over the URL as it reached us, assembled straight from the
    WSGI environ (ProxyFix has already rewritten it), then one over HOTLINE_PUBLIC_URL's. Twilio's port
    variants (`RequestValidator.validate`, two HMACs a URL) are tried only when both fail.
    Used by the Flask hook below and by the webhooks answered in front of Flask (twilio_front.py)."""
    if not given:
        return False
    token = config["TWILIO_AUTH_TOKEN"]
    query = environ.get("QUERY_STRING", "")
    suffix = f"?{query}" if query else ""
    path = environ.get("PATH_INFO", "")
    urls = [f"{environ['wsgi.url_scheme']}://{host_}{environ.get('SCRIPT_NAME', '')}{path}{suffix}"]
    public = config.get("HOTLINE_PUBLIC_URL", "").rstrip("/")
    if public:
        urls.append(public + path + suffix)
    return any(hmac.compare_digest(signature(token, url, params).encode(), given.encode()) for url in urls)


def require_twilio_signature() -> None:
    """A blueprint before_request hook: abort(403) unless Twilio signed this request."""
    req = request._get_current_object()  # one context look-up, not one per attribute (every webhook)
    given = req.headers.get("X-Twilio-Signature", "")
    if not given:
        abort(403)
    params = req.form if req.method == "POST" else {}  # a MultiDict: repeated keys all count
    if signed_as_received(current_app.config, req.environ, host(req), params, given):
        return
    validator = validator_for(current_app.config["TWILIO_AUTH_TOKEN"])
    if not any(validator.validate(url, params, given) for url in signed_url_candidates(_query_suffix())):
        abort(403)
