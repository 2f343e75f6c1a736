"""Logging in and out, the UI language switch, roles, and what every template can use.

Sessions are flask-login's over the server-side store (session_store); a login attempt is refused
without checking the password while the name-and-address or the address must wait (ratelimit).
The session gets a new id on login, so an id planted before login is never promoted; logout
deletes it from Redis, so the cookie is worthless afterwards.
"""
from __future__ import annotations

import hashlib
from functools import wraps

from flask import abort, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from ...services import services
from ...sms import segments
from .. import drafts
from ..auth_paths import local_path
from ..blueprint import bp, login_manager
from ..forms import LanguageForm, LoginForm, LogoutForm
from ..i18n import t, ui_lang
from . import ratelimit, users


@login_manager.user_loader
def load_user(user_id: str):
    if session.get("agent") and session["agent"] != agent_digest():
        return None  # the cookie came from another browser than the one that logged in
    return users.load(services().redis, user_id)


def privileged() -> None:
    """Call when an operator does something privileged (a number shown or searched, an admin change,
    an export): the session gets a new id, so a cookie copied before it is refused from now on."""
    rotate = getattr(session, "rotate", None)
    if rotate:
        rotate()


@login_manager.unauthorized_handler
def unauthorized():
    if request.method == "GET":
        return redirect(url_for("ops.login", next=request.full_path.rstrip("?")))
    abort(401)


def admin_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def safe_next(target: str | None) -> str:
    """Only a path inside the dashboard: never an open redirect."""
    return local_path(target) or url_for("ops.calls")


GSM_BASIC = "".join(sorted(segments.GSM7_BASIC))  # the live segment counter's alphabet (ops.js)
GSM_EXT = "".join(sorted(segments.GSM7_EXTENDED))


@bp.app_context_processor
def template_helpers():
    if not request.path.startswith("/ops"):
        return {}
    # After a POST (a login page for a timed-out form), the language switch returns to a page, not the POST.
    here = request.full_path if request.method == "GET" else local_path(request.form.get("back")) or ""
    return {"t": t, "ui_lang": ui_lang(), "logout_form": LogoutForm(), "draft_for": drafts.draft_for,
            "leftover_draft": drafts.leftover, "gsm_basic": GSM_BASIC, "gsm_ext": GSM_EXT,
            "lang_form": LanguageForm(lang="en" if ui_lang() == "ru" else "ru", next=here)}


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    error, status = None, 200
    headers = {}
    if form.validate_on_submit():
        svc = services()
        name, ip, now = form.name.data.strip().lower(), request.remote_addr or "-", svc.clock().timestamp()
        wait = ratelimit.wait(svc.redis, svc.config, name, ip, now)
        if wait:
            error, status, headers = t("rate_limited", seconds=wait), 429, {"Retry-After": str(wait)}
        else:
            user = users.verify(svc.redis, name, form.password.data)
            if user is None:
                ratelimit.failed(svc.redis, svc.config, name, ip, now)
                error, status = t("bad_login"), 401
            else:
                ratelimit.succeeded(svc.redis, svc.config, name, ip)
                _start_session(user)
                draft = drafts.from_login_form()
                drafts.keep(draft)
                target = (draft or {}).get("back") or request.form.get("next") or request.args.get("next")
                return redirect(safe_next(target))
    elif request.method == "POST":
        status = 400
    draft = drafts.from_login_form() if request.method == "POST" else None
    return render_template("ops/login.html", form=form, error=error, draft=draft,
                           next_url=request.form.get("next") or request.args.get("next", "")), status, headers


def _start_session(user) -> None:
    keep = session.get("ui_lang")
    session.clear()
    session.renew()  # a new id: one planted before login is never promoted
    if keep:
        session["ui_lang"] = keep
    session["agent"] = agent_digest()
    login_user(user)


def agent_digest() -> str:
    """A short digest of the browser's User-Agent: the session is bound to the browser, not the address."""
    return hashlib.sha256(request.headers.get("User-Agent", "").encode()).hexdigest()[:16]


@bp.post("/logout")
def logout():
    if LogoutForm().validate_on_submit():
        logout_user()
        session.clear()
    return redirect(url_for("ops.login"))


@bp.post("/lang")
def switch_language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["ui_lang"] = form.lang.data
    return redirect(safe_next(form.next.data))


@bp.get("/")
def index():
    return redirect(url_for("ops.calls"))
