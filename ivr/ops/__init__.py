"""The operators' dashboard at /ops/: call logs, SMS, callbacks, statistics, coverage, export.

`init_app(app)` wires the extensions the dashboard needs (flask-login, flask-wtf CSRF, cookie
settings, security headers) and the server-side sessions (people/session_store); `bp` is the blueprint.
Every page needs a logged-in operator; a request carrying a Twilio signature is refused
outright: Twilio never talks to /ops/. Routes live in small modules on the blueprint in
blueprint.py, grouped in rooms: people/ (logins, sessions, accounts), admin/ (admins' pages),
queues/ (callbacks, the inbox, what operators send), messages/ (call and SMS lists, outgoing SMS,
one caller's history), reports/ (statistics, exports). What every page shares stays here: the
blueprint and its guard, forms, words (i18n, words, translations/), kept drafts, display filters.
"""
from __future__ import annotations

from flask import Flask

from . import words  # noqa: F401  (the modules below register their routes and filters on bp)
from .admin import admin_views, recording_views, reviewer_views  # noqa: F401
from .blueprint import bp, csrf, login_manager
from .messages import calls_views, history_views, message_views  # noqa: F401
from .people import auth  # noqa: F401
from .people.session_store import RedisSessions
from .queues import queue_views, text_views  # noqa: F401
from .reports import report_views  # noqa: F401

__all__ = ["bp", "init_app"]  # what create_app uses


def init_app(app: Flask) -> None:
    secure = cookies_secure(app.config)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SAMESITE="Lax", REMEMBER_COOKIE_SECURE=secure,
        # CSRF is checked by the dashboard's own hook, not app-wide: Twilio's webhooks post no token.
        WTF_CSRF_CHECK_DEFAULT=False, WTF_CSRF_TIME_LIMIT=None,
    )
    svc = app.extensions["hotline"]
    app.session_interface = RedisSessions(
        lambda: svc.redis, idle_seconds=int(app.config["HOTLINE_OPS_IDLE_MINUTES"]) * 60,
        absolute_seconds=int(app.config["HOTLINE_OPS_SESSION_HOURS"]) * 3600, clock=lambda: svc.clock().timestamp())
    from .i18n import init_app as init_words

    init_words(app)
    login_manager.init_app(app)
    login_manager.login_view = "ops.login"
    # Not flask-login's "strong" protection: it binds the session to the address, and a phone moving
    # from Wi-Fi to 4G lost its login. The session is bound to the browser instead (auth.agent_digest)
    # and its id rotates on privileged use (auth.privileged): see docs/security.md.
    login_manager.session_protection = None
    csrf.init_app(app)
    from .security import add_headers

    app.after_request(add_headers)


def cookies_secure(config) -> bool:
    """Secure cookies in production whatever the public URL says, and wherever the app is served over https."""
    return config.get("HOTLINE_ENV") == "production" or str(config.get("HOTLINE_PUBLIC_URL", "")).startswith("https://")

