"""The dashboard's own wording in Russian and English: gettext catalogs read by Flask-Babel.

The words live in `ivr/ops/translations/<ru|en>/LC_MESSAGES/messages.po` (compiled to `.mo` beside
them), edited with the same PO tools the content's translators use (`pybabel extract/update/compile`:
`make translations`, config `ivr/ops/babel.cfg`). A message id is a short key (`reply_taken`), so a
page's words can change without touching code; placeholders are `{name}` (str.format). The operator's
choice of language lives in the Flask session (`ui_lang`); Russian is the default. Menu prompt text
comes from the content catalog, not from here.
"""
from __future__ import annotations

from pathlib import Path

from flask import session
from flask_babel import Babel, force_locale, gettext

UI_LANGS = ("ru", "en")
DEFAULT = "ru"
TRANSLATIONS = Path(__file__).with_name("translations")
babel = Babel()


def ui_lang() -> str:
    lang = session.get("ui_lang")
    return lang if lang in UI_LANGS else DEFAULT


def init_app(app) -> None:
    babel.init_app(app, locale_selector=ui_lang, default_translation_directories=str(TRANSLATIONS),
                   default_locale=DEFAULT)


def t(key: str, **fmt) -> str:
    """The words for `key` in the operator's language (English when the Russian catalog lacks them,
    the key itself when both do), formatted with `fmt`."""
    text = gettext(key)
    if text == key and ui_lang() != "en":
        with force_locale("en"):
            text = gettext(key)
    return text.format(**fmt) if fmt else text
