"""The admins' page of operator accounts (/ops/admin/users), and the one-time password link.

Admins add operators (with no password: the page shows a one-time link once, to hand over
privately), disable and enable them, reset their password (the old one stops working and every
session of theirs ends; a new link is shown) and change roles. An admin cannot disable or demote
themselves, so the last admin cannot lock everybody out. Operators get 403. Every change is in the audit
log (ivr.store.audit: user.add, user.role, user.reset, user.disable, user.enable); a reset asks first.
`/ops/reset/<token>` is public: whoever holds an unspent, unexpired link sets the password once.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import AnyOf, DataRequired, Length

from ...services import services
from ...store import audit
from ..blueprint import bp
from ..i18n import t
from ..people import users
from ..people.auth import admin_required, privileged
from ..people.session_store import count_user


class AddUserForm(FlaskForm):  # the role is a <select> in the template (wtforms' SelectField warns on choices)
    name = StringField("name", validators=[DataRequired(), Length(max=32)])
    role = StringField("role", validators=[AnyOf(users.ROLES)], default="operator")


class RoleForm(FlaskForm):
    role = StringField("role", validators=[AnyOf(users.ROLES)])


class ActionForm(FlaskForm):
    """Disable, enable, reset: the CSRF token is the whole form."""


class NewPasswordForm(FlaskForm):
    password = PasswordField("password", validators=[DataRequired(), Length(max=256)])
    again = PasswordField("again", validators=[DataRequired(), Length(max=256)])


ACTIONS = ("disable", "enable", "reset")


def _page(link: tuple[str, str] | None = None, add_form: AddUserForm | None = None, status: int = 200):
    redis = services().redis
    accounts = users.all_users(redis)
    sessions = count_user(redis, [u.name for u in accounts])
    hours = int(services().config["HOTLINE_OPS_RESET_HOURS"])
    return render_template("ops/admin_users.html", accounts=accounts, sessions=sessions, link=link, hours=hours,
                           add_form=add_form or AddUserForm(formdata=None), role_form=RoleForm(),
                           action_form=ActionForm(), roles=users.ROLES), status


def _link_for(name: str) -> tuple[str, str]:
    svc = services()
    token = users.issue_reset(svc.redis, name, int(svc.config["HOTLINE_OPS_RESET_HOURS"]) * 3600)
    return name, url_for("ops.reset_password", token=token, _external=True)


@bp.get("/admin/users")
@admin_required
def admin_users():
    return _page()


@bp.post("/admin/users")
@admin_required
def admin_add_user():
    form = AddUserForm()
    if not form.validate_on_submit():
        return _page(add_form=form, status=400)
    name = form.name.data.strip().lower()
    try:
        users.add(services().redis, name, None, form.role.data)
    except users.UserError as exc:
        flash(user_error(exc))
        return _page(add_form=form, status=400)
    _audit("user.add", name, form.role.data)
    flash(t("user_added", name=name))
    return _page(link=_link_for(name))


@bp.post("/admin/users/<name>/role")
@admin_required
def admin_set_role(name):
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    if name == current_user.name:
        flash(t("not_yourself"))
        return redirect(url_for("ops.admin_users"))
    _or_404(users.set_role, services().redis, name, form.role.data)
    _audit("user.role", name, form.role.data)
    flash(t("user_saved", name=name))
    return redirect(url_for("ops.admin_users"))


@bp.post("/admin/users/<name>/<action>")
@admin_required
def admin_user_action(name, action):
    if action not in ACTIONS:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    redis = services().redis
    if action == "disable" and name == current_user.name:
        flash(t("not_yourself"))
        return redirect(url_for("ops.admin_users"))
    if action == "reset":
        _or_404(users.set_password, redis, name, None)  # the old password stops working, sessions end
        _audit("user.reset", name)
        return _page(link=_link_for(name))
    _or_404(users.set_disabled, redis, name, action == "disable")
    _audit(f"user.{action}", name)
    flash(t("user_saved", name=name))
    return redirect(url_for("ops.admin_users"))


def user_error(exc: users.UserError) -> str:
    """A refused account change in the operator's language (the CLI's English text if it has no words)."""
    key = f"usererr.{exc.code}"
    word = t(key, **exc.fmt) if exc.code else key
    return str(exc) if word == key else word


def _audit(action: str, name: str, detail: str = "") -> None:
    """An account change in the audit log; the admin's session gets a new id (auth.privileged)."""
    audit.log(services().redis, current_user.name, action, name, detail)
    privileged()


def _or_404(change, redis, name: str, value) -> None:
    try:
        change(redis, name, value)
    except users.UserError:
        abort(404)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    redis = services().redis
    name = users.reset_name(redis, token)
    if name is None:
        return render_template("ops/reset_password.html", form=None, name=None, error=t("link_invalid")), 404
    form, error = NewPasswordForm(), None
    if form.validate_on_submit():
        if form.password.data != form.again.data:
            error = t("passwords_differ")
        else:
            try:
                users.use_reset(redis, token, form.password.data)
            except users.UserError as exc:
                error = user_error(exc)
            else:
                flash(t("password_set"))
                return redirect(url_for("ops.login"))
    status = 400 if error else 200
    return render_template("ops/reset_password.html", form=form, name=name, error=error,
                           rule=t("password_rule", n=users.MIN_PASSWORD)), status
