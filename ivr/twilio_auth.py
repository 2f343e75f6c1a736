"""X-Twilio-Signature on every Twilio endpoint, with twilio's RequestValidator.

Unsigned or wrongly signed → 403 before the view runs, so nothing changes. The URL that is
checked is the one Twilio signed: behind a TLS-terminating proxy that is the public URL
(ProxyFix, or HOTLINE_PUBLIC_URL), and the query string is taken raw, because Werkzeug's
decoded `request.url` breaks signatures on encoded query parameters.
There is deliberately no switch to turn this off.
"""
from __future__ import annotations

import hmac

from flask import abort, current_app, request
from twilio.request_validator import RequestValidator

from .request_urls import host

_validators: dict[str, RequestValidator] = {}


def validator_for(token: str) -> RequestValidator:
    return _validators.get(token) or _validators.setdefault(token, RequestValidator(token))


def _query_suffix() -> str:
    query = request.query_string.decode("latin-1")
    return f"?{query}" if query else ""


def signed_url_candidates(suffix: str) -> list[str]:
    urls = [request.base_url + suffix]
    public = current_app.config.get("HOTLINE_PUBLIC_URL", "").rstrip("/")
    if public:
        urls.append(public + request.path + suffix)
    return urls


def require_twilio_signature() -> None:
    """A blueprint before_request hook: abort(403) unless Twilio signed this request."""
    req = request._get_current_object()  # one context look-up, not one per attribute (every webhook)
    given = req.headers.get("X-Twilio-Signature", "")
    if not given:
        abort(403)
    token = current_app.config["TWILIO_AUTH_TOKEN"]
    validator = validator_for(token)
    params = req.form if req.method == "POST" else {}  # a MultiDict: repeated keys all count
    # Every webhook pays for this, so the common case costs one HMAC over the URL as it reached us,
    # assembled straight from the WSGI environ (ProxyFix has already rewritten it). Only when that
    # fails are the candidates built properly and `validate` tries each with and without the port
    # (two HMACs each), as Twilio's signing of ports is inconsistent.
    env, suffix = req.environ, _query_suffix()
    direct = f"{env['wsgi.url_scheme']}://{host(req)}{env.get('SCRIPT_NAME', '')}{env.get('PATH_INFO', '')}{suffix}"
    if hmac.compare_digest(validator.compute_signature(direct, params).encode(), given.encode()):
        return
    if not any(validator.validate(url, params, given) for url in signed_url_candidates(suffix)):
        abort(403)
