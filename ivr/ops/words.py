"""Codes shown as words: a caller's language, an SMS topic, a menu node, a caller's hash as a link.

Template filters for every dashboard page. The words live in ivr/ops/data/words.yaml (languages,
topics); a menu node is shown by the first words it says (the catalog's Russian text), never by its id.
A code this file does not know is shown as it is rather than hidden.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from flask import url_for
from markupsafe import Markup, escape

from ..services import services
from .blueprint import bp
from .i18n import t, ui_lang
from .timeline import LANGUAGE_MENU, node_text

FILE = Path(__file__).with_name("data") / "words.yaml"


@cache
def data() -> dict:
    return yaml.safe_load(FILE.read_text(encoding="utf-8")) or {}


def _word(group: str, code: str | None) -> str:
    if not code:
        return "—"
    entry = data().get(group, {}).get(code)
    return (entry.get(ui_lang()) or entry.get("en")) if entry else code


@bp.app_template_filter("lang_word")
def lang_word(code: str | None) -> str:
    return _word("languages", code)


@bp.app_template_filter("topic_word")
def topic_word(code: str | None) -> str:
    return _word("topics", code)


@bp.app_template_filter("node_word")
def node_word(node_id: str | None, limit: int = 60) -> str:
    """A menu node by what it says ('@language' is the language menu)."""
    if not node_id:
        return "—"
    if node_id == LANGUAGE_MENU:
        return t("node.language_menu")
    text = node_text(services().catalog, node_id, limit)
    return f"«{text}»" if text else t("node.unknown")


@bp.app_template_filter("caller_link")
def caller_link(caller_hash: str | None) -> Markup:
    """The short hash, linked to the caller's page (anonymous callers have none)."""
    if not caller_hash or caller_hash == "anonymous" or len(caller_hash) != 32:
        return Markup(escape(t("withheld_caller") if caller_hash == "anonymous" else "—"))
    return Markup('<a class="mono caller" href="{}">#{}</a>').format(
        url_for("ops.caller_history", h=caller_hash), caller_hash[:8])
