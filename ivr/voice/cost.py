"""What a caller pays to reach each key fact: the keys pressed and the seconds of audio heard.

`hotline content cost` prints it. The key facts are prompt ids listed under `key_facts:` in
prompts/tree.yaml (name: prompt id). For each language the fewest keys from the main menu (after
the language choice) to the screen that says the fact are found — menu options and the "next
group" key of a list — and the seconds of the audio the caller hears on the way are added up from
the audio index (`seconds` of each built or recorded file), listening to every screen to its end:
`starts` is when the fact begins, `ends` when it has been said. A line without current audio is
counted as missing and left out of the sums, so a report with missing lines says less than the truth.
"""
from __future__ import annotations

import datetime as dt
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..content.model import LANGUAGE_MENU
from ..flow import MORE_KEY, Flow
from ..store.sessions import Session
from .render import VoiceRenderer


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
    def __init__(self, catalog, index, today: dt.date):
        self.catalog, self.index, self.today = catalog, index, today
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
        entry = self.index.entry(lang, text)
        if entry is None or not entry.get("current", True) or "seconds" not in entry:
            missing.append(text)
            return 0.0
        return float(entry["seconds"])

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
            for line_lang, text in lines:
                if last and text == fact:
                    out.starts = heard
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
