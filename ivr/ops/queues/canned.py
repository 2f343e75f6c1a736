"""Canned replies (ivr/ops/data/canned_replies.yaml): prompts of the content catalog an operator can
put into an answer, in the texter's language (Russian when the catalog lacks that language)."""
from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

FILE = Path(__file__).resolve().parents[1] / "data" / "canned_replies.yaml"


@cache
def entries() -> tuple[dict, ...]:
    return tuple(yaml.safe_load(FILE.read_text(encoding="utf-8")) or ())


def for_language(catalog, lang: str | None, ui_lang: str) -> list[dict]:
    """[{id, label, text}] for a texter writing in `lang`; entries whose prompt is missing are left out."""
    lang = lang if lang in getattr(catalog, "langs", {}) else "ru"
    out = []
    for entry in entries():
        try:
            prompt = catalog.prompt(lang, entry["prompt"])
        except KeyError:
            continue
        text = (prompt.sms or prompt.voice or "").strip()
        if text:
            label = entry.get("label", {})
            out.append({"id": entry["id"], "label": label.get(ui_lang) or label.get("en") or entry["id"], "text": text})
    return out
