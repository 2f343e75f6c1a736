"""Which lines still need a native recording in a language, in the order a reviewer records them.

First what callers of this language hear first (the caller-cost report, ivr/voice/cost.py): a first call's
lines in this language — the greeting and the offer where a country code offers it (tree.yaml
`language_by_country`), the greeting where it is a `greeting_languages` one, its line of the language
list — then the main menu's lines, then each key fact's path (tree.yaml `key_facts:`, in
the report's order), then every other line the voice can say (ivr/voice/audio.py `spoken_lines`).
A line is missing while the built index has no current human recording of its exact text; lines
with a recording waiting for acceptance (ivr/voice/recordings.py) are left out, and so are those
the caller of `missing` excludes (skipped on this call).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from . import audio, recordings
from .cost import CallerCost, key_facts


class ReviewOrder:
    """The order is computed once per language and day (~0.2 s on the full catalog), then filtered."""

    def __init__(self, catalog, directory: Path | str):
        self.catalog, self.directory = catalog, Path(directory)
        self._orders: dict[tuple[dt.date, str], list[audio.Line]] = {}

    def order(self, lang: str, today: dt.date) -> list[audio.Line]:
        key = (today, lang)
        if key not in self._orders:
            if len(self._orders) > 64:
                self._orders.clear()
            self._orders[key] = _order(self.catalog, lang, today)
        return self._orders[key]

    def missing(self, lang: str, today: dt.date, exclude=()) -> list[audio.Line]:
        index = audio.read_json(audio.index_path(self.directory, lang), {}).get("lines", {})
        waiting = recordings.pending_lines(self.directory, lang) | set(exclude)
        return [ln for ln in self.order(lang, today)
                if not _recorded(index.get(ln.sha)) and not waiting & set(ln.ids)]

    def line(self, lang: str, today: dt.date, line_id: str) -> audio.Line | None:
        return next((ln for ln in self.order(lang, today) if line_id in ln.ids), None)


def order_for(svc) -> ReviewOrder:
    """The app's one ReviewOrder (the reviewers' number and the dashboard share its cache)."""
    from flask import current_app

    found = current_app.extensions.get("hotline_review_order")
    if found is None:
        found = current_app.extensions["hotline_review_order"] = ReviewOrder(svc.catalog, audio.audio_dir(svc.config))
    return found


def _recorded(entry: dict | None) -> bool:
    return bool(entry) and entry.get("kind") == "recorded" and entry.get("current", True)


def _order(catalog, lang: str, today: dt.date) -> list[audio.Line]:
    lines = audio.spoken_lines(catalog, today, [lang])
    by_text = {ln.text: ln for ln in lines}
    cost = CallerCost(catalog, None, today)
    texts = [text for code, text in first_call_lines(cost, catalog) if code == lang]
    paths = [[(None, catalog.start, 0)]] + [cost.path_to(pid) or [] for pid in key_facts(catalog.directory).values()]
    for path in paths:  # the main menu, then each key fact's way, as a caller hears it
        texts += [text for screen in cost.screens(lang, path) for code, text in screen if code == lang]
    out, seen = [], set()
    for line in [by_text[t] for t in texts if t in by_text] + lines:
        if line.sha not in seen:
            seen.add(line.sha)
            out.append(line)
    return out


def first_call_lines(cost: CallerCost, catalog) -> list[tuple[str, str]]:
    """(language, text) of what a first call can hear before the main menu: each offer, then the list."""
    from ..content.model import LANGUAGE_MENU
    from ..store.sessions import Session

    screens = [Session(id="order", caller="order", node=LANGUAGE_MENU, offer=code)
               for code in dict.fromkeys(catalog.language_by_country.values())]
    screens.append(Session(id="order", caller="order", node=LANGUAGE_MENU))
    return [line for session in screens
            for line in cost.renderer.lines(cost.flow.screen(session, cost.today, notices=["ui.greeting"]))]
