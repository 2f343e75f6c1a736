"""What every dashboard page does to text before showing it, and small template helpers.

Texters write anything: a right-to-left override (U+202E) would reverse the operator's view of
a row, a NUL byte or other control character would reach the page. Every `{{ value }}` in a
dashboard template passes `neutralise` (Jinja's `finalize`): bidi controls become U+FFFD (so the
operator sees that something was there), C0 controls but newline and tab are dropped. Markup the
app built itself (charts, form fields) passes unchanged.
"""
from __future__ import annotations

import re

from flask import url_for
from markupsafe import Markup

BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def neutralise(value):
    if isinstance(value, Markup) or not isinstance(value, str):
        return "" if value is None else value
    return BIDI.sub("\ufffd", CONTROL.sub("", value))


def conv_url(conv: str | None) -> str:
    """The page of a conversation: SMS threads (`SMS-<hash>`) and calls live under different paths."""
    if not conv:
        return ""
    return url_for("ops.sms_detail" if conv.startswith("SMS-") else "ops.call_detail", cid=conv)


def install(state) -> None:
    """Registered once with the blueprint: applies to the dashboard's templates (the only ones)."""
    env = state.app.jinja_env
    env.finalize = neutralise
    env.globals["conv_url"] = conv_url
