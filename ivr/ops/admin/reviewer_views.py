"""The admins' page of reviewers (/ops/admin/reviewers): who may record lines on the reviewers' number.

A reviewer is a phone number (kept only as the caller hash and a mask: ivr/store/reviewers.py),
the languages they record, and a PIN that is hashed at once and never shown again. Adding the
same number again replaces its languages and PIN. Adding and removing are written to the audit
log. Operators get 403.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length, Regexp

from ...services import services
from ...store import audit, privacy, reviewers
from ..blueprint import bp
from ..forms import ActionForm
from ..i18n import t
from ..people.auth import admin_required


class ReviewerForm(FlaskForm):  # the languages are checkboxes in the template, read with getlist
    number = StringField("number", validators=[DataRequired(), Length(max=32)])
    pin = PasswordField("pin", validators=[DataRequired(), Regexp(r"^\d{4,8}$")])


def _page(form: ReviewerForm | None = None, status: int = 200):
    svc = services()
    names = {code: svc.catalog.langs[code].name for code in svc.catalog.languages}
    return render_template("ops/admin_reviewers.html", reviewers=reviewers.all_reviewers(svc.redis), names=names,
                           form=form or ReviewerForm(formdata=None), action_form=ActionForm()), status


@bp.get("/admin/reviewers")
@admin_required
def admin_reviewers():
    return _page()


@bp.post("/admin/reviewers")
@admin_required
def admin_add_reviewer():
    svc, form = services(), ReviewerForm()
    langs = [code for code in request.form.getlist("langs") if code in svc.catalog.langs]
    number = privacy.normalize(form.number.data or "")
    if not form.validate_on_submit() or privacy.is_withheld(number) or len(number) < 8 or not langs:
        flash(t("rev_invalid"))
        return _page(form, 400)
    mask = privacy.mask(number)
    caller = svc.caller_hash(number)
    reviewers.add(svc.redis, caller, mask, langs, form.pin.data, current_user.name)
    audit.log(svc.redis, current_user.name, "reviewer_add", caller[:8], mask)
    flash(t("rev_added", mask=mask))
    return redirect(url_for("ops.admin_reviewers"))


@bp.post("/admin/reviewers/<caller>/remove")
@admin_required
def admin_remove_reviewer(caller):
    if not ActionForm().validate_on_submit():
        return redirect(url_for("ops.admin_reviewers"))
    redis = services().redis
    found = reviewers.get(redis, caller)
    if found and reviewers.remove(redis, caller):
        audit.log(redis, current_user.name, "reviewer_remove", caller[:8], found.mask)
        flash(t("rev_removed"))
    return redirect(url_for("ops.admin_reviewers"))
