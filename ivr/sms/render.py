"""SMS rendering: a flow Screen becomes text pages, each within the segment budget.

The same screen the voice channel speaks, written compactly: the node's SMS texts, the options
as "N label" lines, and the navigation hint. A text longer than the budget (default 3
segments) is split into pages at line, then word, boundaries; each page but the last ends
with "9 - more".
"""
from __future__ import annotations

from ..content.model import Catalog
from ..flow import Screen
from . import segments


class SmsRenderer:
    def __init__(self, catalog: Catalog, budget: int = 3):
        self.catalog = catalog
        self.budget = budget

    def language_menu(self, intro: list[str] | None = None) -> str:
        cat = self.catalog
        lines = list(intro or [])
        lines += [f"{i} {cat.langs[code].name}" for i, code in enumerate(cat.languages, 1)]
        return "\n".join(lines)

    def lines(self, screen: Screen) -> list[str]:
        cat, lang = self.catalog, screen.lang
        out = [cat.sms(lang, p, name=cat.langs[lang].name) for p in screen.notices]
        # A node that can be sent as SMS names its SMS wording; the texter gets exactly that.
        out += [cat.sms(lang, p) for p in (screen.sms if screen.sms and not screen.items else screen.say)]
        out += [cat.sms(lang, p) for p in screen.items]
        out += [f"{o.key} {cat.sms(lang, o.label)}" for o in screen.options]
        if screen.node != cat.start:
            out.append(cat.sms(lang, "ui.sms_menu_hint"))
        return out

    def pages(self, screen: Screen) -> list[str]:
        return self.paginate(self.lines(screen), self.catalog.sms(screen.lang, "ui.sms_more"))

    def paginate(self, lines: list[str], more: str) -> list[str]:
        """Pack lines into pages of at most `budget` segments, leaving room for the `more` line."""
        whole = "\n".join(lines)
        if segments.segments(whole) <= self.budget:
            return [whole]
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
        return [p + "\n" + more for p in pages[:-1]] + [pages[-1]]


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
