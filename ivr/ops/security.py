"""Security headers for dashboard responses (the Twilio webhooks answer TwiML and are left alone).

No scripts or styles from anywhere but the app itself; no framing; nothing cached, because
pages show callers' paths and, to admins, phone numbers.
"""
from __future__ import annotations

from flask import Response, request

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


def add_headers(response: Response) -> Response:
    if not request.path.startswith("/ops"):
        return response
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if not request.path.startswith("/ops/static/"):
        response.headers["Cache-Control"] = "no-store"
    return response
