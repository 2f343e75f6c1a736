"""SMS rendering: a flow Screen becomes text pages, each within the segment budget.

The same screen the voice channel speaks, written compactly: the node's SMS texts, the options
as "N label" lines, and the navigation hint. A text longer than the budget (default 3
segments) is split into pages at line, then word, boundaries; each page but the last ends
with "9 - more". A direct answer to a question ends with one line on what else to text, when that
line costs no segment beyond two. The welcome (the language menu) fits in two segments.
"""
from __future__ import annotations

import functools

from ..content.model import Catalog
from ..flow import Screen
from . import segments

KEPT = 1024  # rendered replies kept: each is a pure function of its lines, and most replies are a few hundred
WELCOME_SEGMENTS = 2  # the most-sent reply: the language menu
CHEAP_SEGMENTS = 2  # a closing line is added when the reply stays within this, or within its own count


class SmsRenderer:
    def __init__(self, catalog: Catalog, budget: int = 3):
        self.catalog = catalog
        self.budget = budget
        # Fitting lines to segments (encodings, apostrophes, page breaks) is the costly part of a reply, and
        # the same facts and menus are rendered again and again: kept by their lines (bounded).
        self._answered = functools.lru_cache(maxsize=KEPT)(self._answer_lines)
        self._paginated = functools.lru_cache(maxsize=KEPT)(self._paginate)

    def language_menu(self, intros: list[str] | None = None) -> str:
        """The languages on one line under the first intro that keeps the whole within WELCOME_SEGMENTS."""
        cat = self.catalog
        menu = " ".join(f"{i} {cat.langs[code].name}" for i, code in enumerate(cat.languages, 1))
        candidates = [f"{intro}\n{menu}" for intro in intros or [] if intro] + [menu]
        return next((c for c in candidates if segments.segments(c) <= WELCOME_SEGMENTS), menu)

    def answer(self, screen: Screen, closing: str | None, lines: list[str] | None = None) -> str:
        """A direct answer's first page: the screen (or `lines` said instead of it), then `closing` (what else
        to text) or else the menu hint, whichever fits without a segment beyond CHEAP_SEGMENTS (or beyond the
        fact's own count). An answer longer than the budget pages as the screen always does ("9 - more")."""
        if lines is None:
            full = self.pages(screen)
            if len(full) > 1:
                return full[0]
            lines = self.lines(screen, hint=False)
        cat = self.catalog
        return self._answered(tuple(lines), closing, cat.sms(screen.lang, "ui.sms_more"),
                              cat.sms(screen.lang, "ui.sms_menu_hint"))

    def _answer_lines(self, lines: tuple[str, ...], closing: str | None, more: str, hint: str) -> str:
        pages = self._paginated(lines, more)
        if len(pages) > 1:
            return pages[0]
        own = segments.segments(pages[0])
        for line in (closing, hint):
            if line:
                with_line = segments.cheapest(f"{pages[0]}\n{line}")
                count = segments.segments(with_line)
                if count <= self.budget and count <= max(own, CHEAP_SEGMENTS):
                    return with_line
        return pages[0]

    def lines(self, screen: Screen, hint: bool = True) -> list[str]:
        cat, lang = self.catalog, screen.lang
        out = [cat.sms(lang, p, name=cat.langs[lang].name) for p in screen.notices]
        # A node that can be sent as SMS names its SMS wording; the texter gets exactly that.
        out += [cat.sms(lang, p) for p in (screen.sms if screen.sms and not screen.items else screen.say)]
        out += [cat.sms(lang, p) for p in screen.items]
        out += [f"{o.key} {cat.sms(lang, o.label)}" for o in screen.options]
        if hint and screen.node != cat.start:
            out.append(cat.sms(lang, "ui.sms_menu_hint"))
        return out

    def pages(self, screen: Screen) -> list[str]:
        return self.paginate(self.lines(screen), self.catalog.sms(screen.lang, "ui.sms_more"))

    def paginate(self, lines: list[str], more: str) -> list[str]:
        """Pack lines into pages of at most `budget` segments, leaving room for the `more` line."""
        return list(self._paginated(tuple(lines), more))

    def _paginate(self, lines: tuple[str, ...], more: str) -> tuple[str, ...]:
        lines = list(lines)
        if segments.cheapest("\n".join(lines + [more])) != "\n".join(lines + [more]):
            lines, more = [segments.cheapest(line) for line in lines], segments.cheapest(more)
        whole = "\n".join(lines)
        if segments.segments(whole) <= self.budget:
            return (whole,)
        room = segments.capacity(whole + more, self.budget) - segments.units("\n" + more)
        pages, current = [], ""
        for piece in _pieces(lines, room):
            candidate = f"{current}\n{piece}" if current else piece
            if segments.units(candidate) > room and current:
                pages.append(current)
                current = piece
            else:
                current = candidate
        pages.append(current)
        return tuple([p + "\n" + more for p in pages[:-1]] + [pages[-1]])


def _pieces(lines: list[str], room: int):
    """Lines, with any line longer than `room` cut at word boundaries."""
    for line in lines:
        while segments.units(line) > room:
            cut = line.rfind(" ", 0, room)
            cut = cut if cut > 0 else room
            yield line[:cut]
            line = line[cut:].lstrip()
        if line:
            yield line
