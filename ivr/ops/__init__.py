"""The operators' dashboard at /ops/: call logs, SMS, callbacks, statistics, coverage, export.

`init_app(app)` wires the extensions the dashboard needs (flask-login, flask-wtf CSRF, cookie
settings, security headers); `bp` is the blueprint. Every page needs a logged-in operator;
a request carrying a Twilio signature is refused outright: Twilio never talks to /ops/.
Routes live in small modules (auth, calls_views, queue_views, report_views) on the blueprint
in blueprint.py.
"""
from __future__ import annotations

import datetime as dt

from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from . import (  # noqa: F401  (their routes register on bp)
    auth,
    calls_views,
    history_views,
    message_views,
    queue_views,
    report_views,
    text_views,
)
from .blueprint import bp, csrf, login_manager

__all__ = ["bp", "init_app"]  # what create_app uses


def init_app(app: Flask) -> None:
    secure = app.config.get("HOTLINE_PUBLIC_URL", "").startswith("https://")
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SAMESITE="Lax", REMEMBER_COOKIE_SECURE=secure,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=int(app.config["HOTLINE_OPS_SESSION_HOURS"])),
        # CSRF is checked by the dashboard's own hook, not app-wide: Twilio's webhooks post no token.
        WTF_CSRF_CHECK_DEFAULT=False, WTF_CSRF_TIME_LIMIT=None,
    )
    app.session_interface = DashboardSessions()
    login_manager.init_app(app)
    login_manager.login_view = "ops.login"
    login_manager.session_protection = "strong"
    csrf.init_app(app)
    from .security import add_headers

    app.after_request(add_headers)


class DashboardSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, opened only under /ops/: a webhook (every Twilio request)
    has no cookie to read and nothing to keep, so it skips building the signer each time."""

    def open_session(self, app, request):
        if not request.path.startswith("/ops"):
            return None  # Flask then uses a NullSession, which refuses writes
        return super().open_session(app, request)

