"""Logging in and out, the UI language switch, roles, and what every template can use.

Sessions are flask-login's over the server-side store (session_store); a login attempt is refused
without checking the password while the name-and-address or the address must wait (ratelimit).
The session gets a new id on login, so an id planted before login is never promoted; logout
deletes it from Redis, so the cookie is worthless afterwards.
"""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from ..services import services
from . import ratelimit, users
from .blueprint import bp, login_manager
from .forms import LanguageForm, LoginForm, LogoutForm
from .i18n import t, ui_lang


@login_manager.user_loader
def load_user(user_id: str):
    return users.load(services().redis, user_id)


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
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or not parts.path.startswith("/ops/") or target.startswith("//"):
        return url_for("ops.calls")
    return target


@bp.app_context_processor
def template_helpers():
    if not request.path.startswith("/ops"):
        return {}
    return {"t": t, "ui_lang": ui_lang(), "logout_form": LogoutForm(),
            "lang_form": LanguageForm(lang="en" if ui_lang() == "ru" else "ru", next=request.full_path)}


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
                return redirect(safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 400
    return render_template("ops/login.html", form=form, error=error), status, headers


def _start_session(user) -> None:
    keep = session.get("ui_lang")
    session.clear()
    session.renew()  # a new id: one planted before login is never promoted
    if keep:
        session["ui_lang"] = keep
    login_user(user)


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
