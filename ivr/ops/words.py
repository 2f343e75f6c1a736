"""Codes shown as words: a caller's language, an SMS topic, a menu node, a caller's hash as a link.

Template filters for every dashboard page. The words live in ivr/ops/data/words.yaml (languages,
topics); a menu node is shown by the first words it says (the catalog's Russian text), never by its id.
A code this file does not know is shown as it is rather than hidden.
"""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml
from flask import url_for
from markupsafe import Markup, escape

from ..services import services
from .blueprint import bp
from .i18n import t, ui_lang
from .messages.timeline import LANGUAGE_MENU, node_text

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


@bp.app_template_filter("event_word")
def event_word(kind: str | None) -> str:
    """A conversation event in words; one this dashboard does not know yet, as it is."""
    word = t(f"ev.{kind}")
    return word if word != f"ev.{kind}" else (kind or "—")


@bp.app_template_filter("kind_word")
def kind_word(kind: str | None) -> str:
    """What an outgoing message was: a follow-up, an operator's reply, a reminder…"""
    word = t(f"kind.{kind}")
    if word != f"kind.{kind}":
        return word
    if kind and kind in services().catalog.nodes:  # a follow-up SMS is kinded by the menu it was asked on
        return t("kind.sms") + " " + node_word(kind, 40)
    return kind or "—"


@bp.app_template_filter("detail_word")
def detail_word(value, field: str) -> str:
    """An event detail by its field: a node, topic or language in words; anything else as it is."""
    if field in ("node", "last_node", "from", "to"):
        return node_word(value)
    if field == "topic":
        return topic_word(value)
    if field == "lang":
        return lang_word(value)
    if field == "reason":
        return t(f"reason.{value}")
    return value


@bp.app_template_filter("prompt_word")
def prompt_word(pid: str | None, limit: int = 50) -> str:
    """A prompt by its first words in Russian (its id stays in the page's title attribute)."""
    catalog = services().catalog
    lang = "ru" if "ru" in catalog.langs else catalog.languages[0]
    prompt = catalog.langs[lang].prompts.get(pid or "")
    if prompt is None:
        return pid or "—"
    text = (prompt.sms or prompt.voice or "").strip()
    return "«" + (text if len(text) <= limit else text[: limit - 1] + "…") + "»"


STALE = [  # the reasons ivr/content/stale.py gives, as patterns, and their words
    (re.compile(r"^source (?P<other>\S+) \((?P<when>[^)]*)\) is newer on (?P<subject>.+)$"), "stale.newer"),
    (re.compile(r"^source (?P<source>\S+) has no date$"), "stale.undated"),
    (re.compile(r"^source dated (?P<when>\S+), over (?P<months>\d+) months ago$"), "stale.old"),
]


@bp.app_template_filter("stale_reason")
def stale_reason(text: str | None) -> str:
    """Why a fact may be stale, in the operator's language (each '; '-joined part on its own)."""
    out = []
    for part in (text or "").split("; "):
        for pattern, key in STALE:
            found = pattern.match(part)
            if found:
                out.append(t(key, **{k: v.strip("'\"") for k, v in found.groupdict().items()}))
                break
        else:
            out.append(part)
    return "; ".join(out)


@bp.app_template_filter("audio_column")
def audio_column(name: str) -> str:
    word = t(f"audio.{name}")
    return word if word != f"audio.{name}" else name


@bp.app_template_filter("call_status")
def call_status(status: str | None) -> str:
    """Twilio's call status in words."""
    word = t(f"callst.{status}")
    return word if word != f"callst.{status}" else (status or "—")
