"""The dashboard's blueprint and the guard every /ops/ request passes.

`bp`, `login_manager` and `csrf` live here, below the route modules that register on them
(auth, calls_views, queue_views, report_views), so that nothing imports the package back.
"""
from __future__ import annotations

from flask import Blueprint, abort, request
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect

from .display import install as install_display

bp = Blueprint("ops", __name__, url_prefix="/ops", template_folder="templates", static_folder="static")
login_manager = LoginManager()
csrf = CSRFProtect()
# reset: a one-time link; lang: the login page's own language switch (CSRF-checked, kept in the signed cookie)
PUBLIC_ENDPOINTS = {"ops.login", "ops.static", "ops.reset_password", "ops.switch_language"}
bp.record_once(install_display)


@bp.before_request
def guard():
    """Refuse Twilio-signed requests, check CSRF on every POST, require a login elsewhere."""
    if "X-Twilio-Signature" in request.headers:
        abort(403)
    if request.endpoint == "ops.static":
        return None
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()
    if request.endpoint not in PUBLIC_ENDPOINTS and not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None
