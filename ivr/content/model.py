"""The catalog's model: menu nodes, prompts, citations, and what is in force on a date.

The types `content.catalog` loads prompts/ into and `content.checks` validates, with the
constants both share (the language-menu target, the global keys, the node-id characters).
Nothing here reads files or knows about Twilio or SMS.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

LANGUAGE_MENU = "@language"  # the special target of the "change language" option
GLOBAL_KEYS = {"9", "*", "0"}  # repeat, back, main menu: never menu options
OWN_WORDING_PREFIXES = ("ui.", "menu.", "opt.", "lang.")  # the hotline's wording, not facts
STATUSES = {"source", "reviewed", "unreviewed"}
REPEALED_SOURCES = {"002": "order No. 344 of 13.05.2015, repealed by order No. 132 of 18.07.2023"}
ACTIONS = {"callback", "reminder"}  # node actions the channels know how to carry out
ACTION_PROMPTS = {"reminder": ("algo.reminder",)}  # what an action sends, beyond what the node says
LIST_GROUP = 5  # voice says a list in groups of at most this many items
# Node ids travel unescaped in voice action URLs (voice/call_state.py): these characters need no escaping.
PLAIN = re.compile(r"[A-Za-z0-9._]*\Z")



class CatalogError(Exception):
    """A catalog that must not be served. The message names file, prompt id and language."""

    def __init__(self, file: str, message: str, prompt: str | None = None, lang: str | None = None):
        self.file, self.prompt, self.lang = file, prompt, lang
        where = [file]
        if prompt:
            where.append(f"prompt {prompt!r}")
        if lang:
            where.append(f"language {lang!r}")
        super().__init__(f"{': '.join([', '.join(where), message])}")


@dataclass(frozen=True)
class Option:
    key: str
    label: str  # prompt id
    goto: str  # node id or LANGUAGE_MENU
    spoken: bool = True  # False: the key works on the phone but the voice menu does not announce it (SMS lists it)


@dataclass(frozen=True)
class Node:
    id: str
    say: tuple[str, ...] = ()
    options: tuple[Option, ...] = ()
    items: tuple[str, ...] = ()
    sms: tuple[str, ...] = ()  # prompt ids this node can send as a follow-up SMS
    action: str | None = None  # something the hotline does when a caller enters (ACTIONS)

    @property
    def is_list(self) -> bool:
        return bool(self.items)

    def option(self, key: str) -> Option | None:
        return next((o for o in self.options if o.key == key), None)

    def prompt_ids(self) -> list[str]:
        ids = list(self.say) + [o.label for o in self.options] + list(self.items)
        return ids + list(self.sms)


@dataclass(frozen=True)
class Prompt:
    voice: str
    sms: str
    status: str
    spoken: str = ""  # optional: what the robot voice is fed instead of `voice` (content/spoken.py)


@dataclass(frozen=True)
class Scope:
    """Words that keep a fact true (citations.yaml `scope:`): every wording of the fact says one of each
    language's `terms` ("only", "of Kazakhstan", "in the ОСМС package"), in the texts named by `texts`."""
    concept: str
    terms: tuple[tuple[str, tuple[str, ...]], ...]  # (language, the words any one of which will do)
    texts: tuple[str, ...] = ("voice", "sms")

    def words(self, lang: str) -> tuple[str, ...]:
        return dict(self.terms).get(lang, ())


@dataclass(frozen=True)
class Citation:
    source: str
    section: str
    quote: str
    effective: dt.date | None
    until: dt.date | None
    outside_sources: bool = False
    note: str = ""
    successor: str | None = None  # the prompt that says this fact after `until` (a newer version)
    fallback: str | None = None  # what is said after `until` when no successor is in force ("call 1406")
    subject: str | None = None  # what the fact is about: a newer source on the same subject makes it stale
    scope: tuple[Scope, ...] = ()  # the words no wording of this fact may drop (checks._check_scope)
    dated_by: str | None = None  # the source whose dated list ends this fact (sources.yaml `lists:`)

    def in_force(self, today: dt.date) -> bool:
        if self.effective and today < self.effective:
            return False
        return not (self.until and today > self.until)


@dataclass
class Language:
    code: str
    name: str
    say_language: str | None
    prompts: dict[str, Prompt]
    keywords: dict[str, list[str]] = field(default_factory=dict)
    optout: list[str] = field(default_factory=list)
    optin: list[str] = field(default_factory=list)
    help: list[str] = field(default_factory=list)
    language_names: list[str] = field(default_factory=list)


@dataclass
class Catalog:
    languages: list[str]
    start: str
    nodes: dict[str, Node]
    langs: dict[str, Language]
    citations: dict[str, Citation]
    directory: Path
    keywords: dict[str, str] = field(default_factory=dict)  # SMS keyword topic -> node id
    greeting_languages: list[str] = field(default_factory=list)  # a first call's greeting is said in these
    # country calling code -> the language a first call from it is offered first ("996" -> "ky"), tree.yaml
    language_by_country: dict[str, str] = field(default_factory=dict)
    sources: dict[str, dict] = field(default_factory=dict)  # sources.yaml: "001" -> {title, dated, note}
    glossaries: dict = field(default_factory=dict)  # lang -> content.glossary.Glossary
    # Facts said with their list's date (sources.yaml `lists:`): "<id>.dated" -> <id>, and the wordings
    # ("by the list in force until …: {fact}") they are made from, one per list.
    dated: dict[str, str] = field(default_factory=dict)
    list_wordings: set[str] = field(default_factory=set)
    # node_in_force per (node, day): every menu asks it of each option's subtree, on every step.
    _in_force_memo: dict = field(default_factory=dict, repr=False, compare=False)
    _said_memo: dict = field(default_factory=dict, repr=False, compare=False)

    # -- reading -----------------------------------------------------------------
    def prompt(self, lang: str, pid: str) -> Prompt:
        return self.langs[lang].prompts[pid]

    def voice(self, lang: str, pid: str, **fmt) -> str:
        text = self.langs[lang].prompts[pid].voice
        return text.format(**fmt) if fmt else text

    def spoken(self, lang: str, pid: str, **fmt) -> str:
        """The text the synthesizer starts from: the prompt's `spoken:` override, else its voice text."""
        prompt = self.langs[lang].prompts[pid]
        text = prompt.spoken or prompt.voice
        return text.format(**fmt) if fmt else text

    def sms(self, lang: str, pid: str, **fmt) -> str:
        text = self.langs[lang].prompts[pid].sms
        return text.format(**fmt) if fmt else text

    def in_force(self, pid: str, today: dt.date) -> bool:
        cite = self.citations.get(pid)
        return cite is None or cite.in_force(today)

    def current(self, pid: str, today: dt.date, _seen: frozenset = frozenset()) -> str | None:
        """The prompt that says `pid`'s fact today: itself while in force; after its `until`, its successor
        or else its fallback (followed on while those have ended too); None before it takes effect."""
        cite = self.citations.get(pid)
        if cite is None or cite.in_force(today):
            return pid
        if cite.effective and today < cite.effective:
            return None
        for nxt in (cite.successor, cite.fallback):
            if nxt and nxt not in _seen:
                got = self.current(nxt, today, _seen | {pid})
                if got:
                    return got
        return None

    def said(self, pids, today: dt.date) -> list[str]:
        """`pids` as said today: each replaced by its current version, those not (yet) said left out, no repeats.
        Every screen asks this of its node's lines: the answer for (pids, day) is kept (the catalog does not
        change while the app runs), and a new list is returned each time."""
        key = (tuple(pids), today)
        memo = self._said_memo
        known = memo.get(key)
        if known is None:
            out: list[str] = []
            for pid in key[0]:
                got = self.current(pid, today)
                if got and got not in out:
                    out.append(got)
            known = tuple(out)
            if len(memo) > 50_000:  # a long-running process: yesterday's answers go
                memo.clear()
            memo[key] = known
        return list(known)

    def node_in_force(self, node_id: str, today: dt.date) -> bool:
        """A node is said while it has something to say and, if it is a menu, a live option."""
        if node_id == LANGUAGE_MENU:
            return True
        memo = self._in_force_memo
        known = memo.get((node_id, today))
        if known is None:
            node = self.nodes[node_id]
            known = bool(self.said(list(node.say) + list(node.items), today)) and (
                not node.options or any(self.option_in_force(o, today) for o in node.options))
            if len(memo) > 50_000:  # a long-running process: yesterday's answers go
                memo.clear()
            memo[(node_id, today)] = known
        return known

    def option_in_force(self, option: Option, today: dt.date) -> bool:
        return self.in_force(option.label, today) and self.node_in_force(option.goto, today)

    def live_options(self, node: Node, today: dt.date) -> tuple[Option, ...]:
        """The options in force (memoised by node and day with node_in_force's answers: every menu step asks)."""
        memo = self._in_force_memo
        known = memo.get((node.id, today, "options"))
        if known is None:
            known = memo[(node.id, today, "options")] = tuple(o for o in node.options if self.option_in_force(o, today))
        return known

    def live_items(self, node: Node, today: dt.date) -> list[str]:
        return self.said(node.items, today)

    def all_prompt_ids(self) -> set[str]:
        """Every prompt the hotline can say on some day: the tree's, the actions', and their replacements."""
        ids = {"lang.choose"}
        for node in self.nodes.values():
            ids.update(node.prompt_ids())
            ids.update(ACTION_PROMPTS.get(node.action, ()))
        todo = list(ids)
        while todo:
            cite = self.citations.get(todo.pop())
            for nxt in (cite.successor, cite.fallback) if cite else ():
                if nxt and nxt not in ids:
                    ids.add(nxt)
                    todo.append(nxt)
        return ids

    def change_days(self, since: dt.date) -> list[dt.date]:
        """`since`, and every later day on which a fact comes into or goes out of force."""
        days = {since}
        for cite in self.citations.values():
            if cite.effective and cite.effective > since:
                days.add(cite.effective)
            if cite.until and cite.until >= since:
                days.add(cite.until + dt.timedelta(days=1))
        return sorted(days)

    def depth(self) -> dict[str, int]:
        """Key presses from the start node to each node (paging through a list is not a level)."""
        seen = {self.start: 0}
        frontier = [self.start]
        while frontier:
            nxt = []
            for nid in frontier:
                for o in self.nodes[nid].options:
                    if o.goto != LANGUAGE_MENU and o.goto not in seen:
                        seen[o.goto] = seen[nid] + 1
                        nxt.append(o.goto)
            frontier = nxt
        return seen


