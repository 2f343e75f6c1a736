"""The dashboard's forms (flask-wtf): each carries a CSRF token; GET filters are plain args."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional, Regexp

from ..store.callbacks import OUTCOMES
from .i18n import UI_LANGS


class LoginForm(FlaskForm):
    name = StringField("name", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("password", validators=[DataRequired(), Length(max=256)])


class ActionForm(FlaskForm):
    """A button that changes something (claim, reveal, reopen, retry, close): the CSRF token only."""


class AttemptForm(FlaskForm):
    outcome = StringField("outcome", validators=[AnyOf(OUTCOMES)])
    note = TextAreaField("note", validators=[Length(max=1000)])
    logged_call = BooleanField("logged_call")  # "done" without a reveal: the operator says they called
    send_sms = BooleanField("send_sms")  # after a failed attempt: tell the caller when we call again
    back = HiddenField("back")


class CallAfterForm(FlaskForm):
    """'Call after 14:00': a local time today (tomorrow if it has passed); empty clears it."""
    at = StringField("at", validators=[Optional(), Regexp(r"^([01]\d|2[0-3]):[0-5]\d$")])


class NoteForm(FlaskForm):
    note = TextAreaField("note", validators=[DataRequired(), Length(max=1000)])
    back = HiddenField("back")


class ReplyForm(FlaskForm):
    body = TextAreaField("body", validators=[DataRequired(), Length(max=1600)])
    confirm_long = BooleanField("confirm_long")  # over 3 segments: the operator said yes
    back = HiddenField("back")


class LabelForm(FlaskForm):
    topic = StringField("topic", validators=[DataRequired(), Length(max=64)])


class SearchForm(FlaskForm):
    number = StringField("number", validators=[DataRequired(), Length(max=32)])


class LanguageForm(FlaskForm):
    lang = HiddenField("lang", validators=[AnyOf(UI_LANGS)])
    next = HiddenField("next")


class LogoutForm(FlaskForm):
    pass
