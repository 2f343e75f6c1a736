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
    if request.endpoint not in PUBLIC_ENDPOINTS and not current_user.is_authenticated:
        if request.method == "POST":
            # A form posted after the session ended: nothing changes, the typed words come back
            # in the login page (no CSRF check needed for a page that changes nothing).
            from .drafts import from_request, login_again

            return login_again(from_request())
        return login_manager.unauthorized()
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()
    return None


@bp.errorhandler(400)
def bad_request(error):
    """A form refused (a stale CSRF token, a missing field): a page in the operator's language that keeps
    what they typed (ivr/ops/drafts.py), never a bare English 'Bad Request'."""
    from flask import render_template

    from . import drafts

    draft = drafts.from_request() if request.method == "POST" else None
    if current_user.is_authenticated:
        drafts.keep(draft)
    back = (draft or {}).get("back") or ""
    return render_template("ops/error.html", draft=draft, back=back, keep_draft=True), 400
