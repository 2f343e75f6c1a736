"""What a caller pays to reach each key fact: the keys pressed and the seconds of audio heard.

`hotline content cost` prints it. The key facts are prompt ids listed under `key_facts:` in
prompts/tree.yaml (name: prompt id). For each language the fewest keys from the main menu (after
the language choice) to the screen that says the fact are found — menu options and the "next
group" key of a list — and the seconds of the audio the caller hears on the way are added up from
the audio index (`seconds` of each built or recorded file), listening to every screen to its end:
`starts` is when the fact begins, `ends` when it has been said. A line without current audio is
counted as missing and left out of the sums, so a report with missing lines says less than the truth.

What a caller waits for besides the audio is counted too, from one place (`TIMING`, stated in
docs/content.md): Twilio's gap before each <Play>/<Say> verb, and the round trip to the app after each key.

`first_calls` measures a first call (no language known yet) from the greeting to the main menu, per
country calling code: a code that names a language (tree.yaml `language_by_country`) hears the greeting
and the offer in it, then presses 1; +7 hears the greeting and the list, and presses its language's key as
soon as it is said (keys work while a prompt plays), so each +7 language is a row of its own.
"""
from __future__ import annotations

import datetime as dt
import statistics
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..content.model import LANGUAGE_MENU
from ..flow import MORE_KEY, Flow
from ..store.sessions import Session
from .render import VoiceRenderer


@dataclass(frozen=True)
class Timing:
    verb_gap: float  # seconds of silence Twilio leaves before each <Play> / <Say>
    key_round_trip: float  # seconds from a key press to the next TwiML's first sound (webhook, fetch)


TIMING = Timing(verb_gap=0.25, key_round_trip=0.6)
FIRST_CALL_SECONDS = 20.0  # a first caller whose country code names a language reaches the main menu by then
LIST_CODE = "7"  # Kazakhstan and Russia: the full language list, whose entries are rows of their own


@dataclass
class Cost:
    lang: str
    name: str  # the key fact's name in tree.yaml
    keys: list[str] | None  # None: not reachable today
    starts: float = 0.0
    ends: float = 0.0
    missing: list[str] = field(default_factory=list)  # texts heard on the way that have no audio


def key_facts(directory: Path | str) -> dict[str, str]:
    """`key_facts:` of tree.yaml: {name: prompt id}, in the file's order."""
    tree = yaml.safe_load((Path(directory) / "tree.yaml").read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in (tree.get("key_facts") or {}).items()}


class CallerCost:
    def __init__(self, catalog, index, today: dt.date, timing: Timing = TIMING):
        self.catalog, self.index, self.today, self.timing = catalog, index, today, timing
        self.flow, self.renderer = Flow(catalog), VoiceRenderer(catalog)

    def _screen(self, lang: str, node: str, page: int, nav_said: bool = True):
        """The screen at (node, page); with `nav_said` False it says the 9 / * / 0 hint if this screen
        is where a call says it (the first one with a fact), as on a caller's first walk."""
        session = Session(id="cost", caller="cost", lang=lang, node=node, page=page, nav_said=nav_said)
        return self.flow.screen(session, self.today), session.nav_said

    def _moves(self, node: str, page: int) -> list[tuple[str, str, int]]:
        """(key, node, page) a caller can go to from this screen, in key order."""
        screen, _ = self._screen(self.catalog.languages[0], node, page)
        moves = [(o.key, o.goto, 0) for o in screen.options if o.goto != LANGUAGE_MENU]
        if screen.more:
            moves.append((MORE_KEY, node, page + 1))
        return sorted(moves, key=lambda m: m[0])

    def path_to(self, pid: str) -> list[tuple[str, str, int]] | None:
        """The fewest keys from the start to a screen that says `pid` (as said today):
        [(key, node, page), …] starting with (None, start, 0)."""
        said = set(self.catalog.said([pid], self.today))
        start = (None, self.catalog.start, 0)
        queue, seen = deque([[start]]), {(self.catalog.start, 0)}
        while queue:
            path = queue.popleft()
            _, node, page = path[-1]
            screen, _ = self._screen(self.catalog.languages[0], node, page)
            if said & set(screen.say + screen.items):
                return path
            for key, nxt, nxt_page in self._moves(node, page):
                if (nxt, nxt_page) not in seen:
                    seen.add((nxt, nxt_page))
                    queue.append(path + [(key, nxt, nxt_page)])
        return None

    def _seconds(self, lang: str, text: str, missing: list[str]) -> float:
        """The line's audio, and the gap before its verb."""
        entry = self.index.entry(lang, text)
        if entry is None or not entry.get("current", True) or "seconds" not in entry:
            missing.append(text)
            return self.timing.verb_gap
        return self.timing.verb_gap + float(entry["seconds"])

    def cost(self, lang: str, name: str, pid: str, path=None) -> Cost:
        path = self.path_to(pid) if path is None else path
        if path is None:
            return Cost(lang, name, None)
        out = Cost(lang, name, [key for key, _, _ in path[1:]])
        said = self.catalog.said([pid], self.today)
        fact = self.catalog.voice(lang, said[0]) if said else None
        heard = 0.0
        screens = self.screens(lang, path)
        for step, lines in enumerate(screens):
            last = step == len(screens) - 1
            if step:
                heard += self.timing.key_round_trip  # the key that led here
            for line_lang, text in lines:
                if last and text == fact:
                    out.starts = heard + self.timing.verb_gap
                    out.ends = heard + self._seconds(line_lang, text, out.missing)
                    return out
                heard += self._seconds(line_lang, text, out.missing)
        out.starts = out.ends = heard
        return out

    def screens(self, lang: str, path) -> list[list[tuple[str, str]]]:
        """The (language, text) lines a caller walking `path` hears, screen by screen, as on a first walk
        (the 9 / * / 0 hint where a call first says it)."""
        out, nav_said = [], False
        for _, node, page in path:
            screen, nav_said = self._screen(lang, node, page, nav_said)
            out.append(self.renderer.lines(screen))
        return out

    def main_menu(self, lang: str) -> Cost:
        """The main menu heard whole, as on the first screen after the language choice."""
        out = Cost(lang, "main menu", [])
        [lines] = self.screens(lang, [(None, self.catalog.start, 0)])
        out.ends = sum(self._seconds(line_lang, text, out.missing) for line_lang, text in lines)
        return out

    def first_calls(self) -> list[Cost]:
        """Seconds from a first call's answer to its main menu (`ends`), per country calling code: the
        offered language's greeting and offer then key 1; for +7, the greeting and the list until each
        language's entry, then its key. `name` is "+code", `lang` the language the caller takes."""
        rows = []
        for code, lang in self.catalog.language_by_country.items():
            session = Session(id="cost", caller="cost", node=LANGUAGE_MENU, offer=lang)
            lines = self.renderer.lines(self.flow.screen(session, self.today, notices=["ui.greeting"]))
            rows.append(self._first_call(f"+{code}", lang, lines, len(lines)))
        session = Session(id="cost", caller="cost", node=LANGUAGE_MENU)
        lines = self.renderer.lines(self.flow.screen(session, self.today, notices=["ui.greeting"]))
        greeting = len(lines) - len(self.catalog.languages)
        for n, lang in enumerate(self.catalog.languages):
            rows.append(self._first_call(f"+{LIST_CODE}", lang, lines, greeting + n + 1, str(n + 1)))
        return rows

    def _first_call(self, name: str, lang: str, lines, heard: int, key: str = "1") -> Cost:
        out = Cost(lang, name, [key])
        out.ends = sum(self._seconds(code, text, out.missing) for code, text in lines[:heard])
        out.ends += self.timing.key_round_trip
        return out

    def report(self, facts: dict[str, str]) -> list[Cost]:
        paths = {name: self.path_to(pid) for name, pid in facts.items()}
        rows = []
        for lang in self.catalog.languages:
            rows.append(self.main_menu(lang))
            rows += [self.cost(lang, name, pid, paths[name]) for name, pid in facts.items()]
        return rows


def format_rows(rows: list[Cost], max_keys: int, max_seconds: float) -> tuple[str, bool]:
    """A table per language; ok is False when a fact is out of reach or over the limits."""
    ok = True
    out = [f"{'lang':5} {'key fact':22} {'keys':10} {'starts':>7} {'ends':>7}  note"]
    for row in rows:
        if row.keys is None:
            ok = False
            out.append(f"{row.lang:5} {row.name:22} {'—':10} {'':>7} {'':>7}  not reachable today")
            continue
        over = len(row.keys) > max_keys or row.ends > max_seconds
        if row.name != "main menu":
            ok = ok and not over
        note = [f"{len(row.missing)} line(s) without audio"] if row.missing else []
        if over and row.name != "main menu":
            note.append(f"over {max_keys} keys / {max_seconds:.0f} s")
        keys = " ".join(row.keys) if row.keys else "-"
        out.append(f"{row.lang:5} {row.name:22} {keys:10} {row.starts:7.1f} {row.ends:7.1f}  {'; '.join(note)}")
    return "\n".join(out), ok


def markdown(rows: list[Cost]) -> str:
    """The report as one table for docs/content.md: a row per key fact, a column per language, each cell
    the keys pressed after the language choice and the second the fact has been said by (* : some line on
    the way had no audio, so the real figure is higher)."""
    langs = list(dict.fromkeys(r.lang for r in rows))
    names = list(dict.fromkeys(r.name for r in rows))
    cell = {(r.lang, r.name): r for r in rows}
    out = ["| key fact | " + " | ".join(langs) + " |", "|---|" + "---|" * len(langs)]
    for name in names:
        cells = []
        for lang in langs:
            r = cell[(lang, name)]
            keys = "— · " if r.keys is None else (" ".join(r.keys) + " · " if r.keys else "")
            cells.append(f"{keys}{r.ends:.0f} s{' *' if r.missing else ''}")
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def fact_summary(rows: list[Cost]) -> tuple[float, float]:
    """(max, median) of the seconds by which every reachable key fact in every language has been said."""
    ends = [r.ends for r in rows if r.name != "main menu" and r.keys is not None]
    return (max(ends), statistics.median(ends)) if ends else (0.0, 0.0)


def format_first_calls(rows: list[Cost], limit: float = FIRST_CALL_SECONDS) -> tuple[str, bool]:
    """A first call's seconds to the main menu per country code; ok is False when an offered language
    (every code but +7) takes longer than `limit`."""
    ok, out = True, [f"{'first call':11} {'lang':5} {'key':4} {'to main menu':>12}  note"]
    for row in rows:
        over = row.name != f"+{LIST_CODE}" and row.ends > limit
        ok = ok and not over
        note = [f"{len(row.missing)} line(s) without audio"] if row.missing else []
        if row.name == f"+{LIST_CODE}":
            note.append("the list, keys pressed as the language is said")
        if over:
            note.append(f"over {limit:.0f} s")
        out.append(f"{row.name:11} {row.lang:5} {row.keys[0]:4} {row.ends:12.1f}  {'; '.join(note)}")
    return "\n".join(out), ok


def markdown_first_calls(rows: list[Cost]) -> str:
    """docs/content.md: a first call's seconds to the main menu, a column per country code (+7: per language)."""
    head = [r.name if r.name != f"+{LIST_CODE}" else f"+{LIST_CODE} {r.lang}" for r in rows]
    cells = [f"{r.ends:.1f} s{' *' if r.missing else ''}" for r in rows]
    return "\n".join(["| first call | " + " | ".join(head) + " |", "|---|" + "---|" * len(rows),
                      "| to the main menu | " + " | ".join(cells) + " |"])
