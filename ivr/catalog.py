"""The content catalog: the menu tree and every prompt's text, loaded from prompts/ and validated.

This module owns reading `prompts/tree.yaml`, `prompts/citations.yaml` and one
`prompts/<lang>.yaml` per language, and refusing a catalog that would strand a caller:
a missing translation, a key leading nowhere, an unreachable node, a cycle with no way out,
a citation of a file that is not among the sources. The format is described in
prompts/README.md. Nothing here knows about Twilio or SMS.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import yaml

LANGUAGE_MENU = "@language"  # the special target of the "change language" option
GLOBAL_KEYS = {"9", "*", "0"}  # repeat, back, main menu: never menu options
OWN_WORDING_PREFIXES = ("ui.", "menu.", "opt.", "lang.")  # the hotline's wording, not facts
STATUSES = {"source", "reviewed", "unreviewed"}
REPEALED_SOURCES = {"002": "order No. 344 of 13.05.2015, repealed by order No. 132 of 18.07.2023"}
ACTIONS = {"callback", "reminder"}  # node actions the channels know how to carry out
ACTION_PROMPTS = {"reminder": ("algo.reminder",)}  # what an action sends, beyond what the node says
LIST_GROUP = 5  # voice says a list in groups of at most this many items

DEFAULT_PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"
DEFAULT_SOURCES_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "sources"


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


@dataclass(frozen=True)
class Citation:
    source: str
    section: str
    quote: str
    effective: dt.date | None
    until: dt.date | None
    outside_sources: bool = False
    note: str = ""

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
    # node_in_force per (node, day): every menu asks it of each option's subtree, on every step.
    _in_force_memo: dict = field(default_factory=dict, repr=False, compare=False)

    # -- reading -----------------------------------------------------------------
    def prompt(self, lang: str, pid: str) -> Prompt:
        return self.langs[lang].prompts[pid]

    def voice(self, lang: str, pid: str, **fmt) -> str:
        text = self.langs[lang].prompts[pid].voice
        return text.format(**fmt) if fmt else text

    def sms(self, lang: str, pid: str, **fmt) -> str:
        text = self.langs[lang].prompts[pid].sms
        return text.format(**fmt) if fmt else text

    def in_force(self, pid: str, today: dt.date) -> bool:
        cite = self.citations.get(pid)
        return cite is None or cite.in_force(today)

    def node_in_force(self, node_id: str, today: dt.date) -> bool:
        if node_id == LANGUAGE_MENU:
            return True
        memo = self._in_force_memo
        known = memo.get((node_id, today))
        if known is None:
            node = self.nodes[node_id]
            said = list(node.say) + list(node.items)
            known = all(self.in_force(p, today) for p in said) and (
                not node.options or any(self.option_in_force(o, today) for o in node.options))
            if len(memo) > 50_000:  # a long-running process: yesterday's answers go
                memo.clear()
            memo[(node_id, today)] = known
        return known

    def option_in_force(self, option: Option, today: dt.date) -> bool:
        return self.in_force(option.label, today) and self.node_in_force(option.goto, today)

    def live_options(self, node: Node, today: dt.date) -> list[Option]:
        return [o for o in node.options if self.option_in_force(o, today)]

    def live_items(self, node: Node, today: dt.date) -> list[str]:
        return [p for p in node.items if self.in_force(p, today)]

    def all_prompt_ids(self) -> set[str]:
        ids = {"lang.choose"}
        for node in self.nodes.values():
            ids.update(node.prompt_ids())
            ids.update(ACTION_PROMPTS.get(node.action, ()))
        return ids

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


# -- loading --------------------------------------------------------------------------

def _read_yaml(path: Path) -> dict:
    if not path.exists():
        raise CatalogError(path.name, "file is missing")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogError(path.name, f"is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise CatalogError(path.name, "must be a mapping")
    return data


def _date(value, file: str, pid: str, name: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise CatalogError(file, f"{name} {value!r} is not an ISO date", pid) from exc


def _generated_nodes(tree: dict) -> dict:
    """Nodes that code builds from rules (tree.yaml `generated:`), e.g. the eligibility check."""
    from . import eligibility

    generators = {"eligibility": eligibility.nodes}
    out = {}
    for name in tree.get("generated") or []:
        if name not in generators:
            raise CatalogError("tree.yaml", f"unknown generated section {name!r}")
        out.update(generators[name]())
    return out


def _load_nodes(data: dict) -> dict[str, Node]:
    nodes = {}
    raw_nodes = dict(data.get("nodes") or {})
    for nid, raw in _generated_nodes(data).items():
        if nid in raw_nodes:
            raise CatalogError("tree.yaml", f"node {nid!r} is generated; do not define it here")
        raw_nodes[nid] = raw
    for nid, raw in raw_nodes.items():
        raw = raw or {}
        opts = []
        for key, spec in (raw.get("options") or {}).items():
            key = str(key)
            if key in GLOBAL_KEYS:
                raise CatalogError("tree.yaml", f"node {nid!r} uses the global key {key!r} as an option")
            if not isinstance(spec, dict) or "label" not in spec or "goto" not in spec:
                raise CatalogError("tree.yaml", f"node {nid!r} option {key!r} needs label and goto")
            opts.append(Option(key, spec["label"], spec["goto"]))
        if raw.get("items") and opts:
            raise CatalogError("tree.yaml", f"node {nid!r} has both items and options")
        nodes[nid] = Node(
            id=nid,
            say=tuple(raw.get("say") or ()),
            options=tuple(sorted(opts, key=lambda o: o.key)),
            items=tuple(raw.get("items") or ()),
            sms=tuple([raw["sms"]] if isinstance(raw.get("sms"), str) else raw.get("sms") or ()),
            action=raw.get("action"),
        )
        if nodes[nid].action and nodes[nid].action not in ACTIONS:
            raise CatalogError("tree.yaml", f"node {nid!r} has unknown action {nodes[nid].action!r}")
    return nodes


def _load_citations(data: dict) -> dict[str, Citation]:
    cites = {}
    for pid, raw in (data or {}).items():
        if not isinstance(raw, dict):
            raise CatalogError("citations.yaml", "must be a mapping", pid)
        for name in ("source", "section", "quote"):
            if not raw.get(name):
                raise CatalogError("citations.yaml", f"has no {name}", pid)
        cites[pid] = Citation(
            source=str(raw["source"]).zfill(3),
            section=str(raw["section"]),
            quote=str(raw["quote"]),
            effective=_date(raw.get("effective"), "citations.yaml", pid, "effective"),
            until=_date(raw.get("until"), "citations.yaml", pid, "until"),
            outside_sources=bool(raw.get("outside_sources", False)),
            note=str(raw.get("note") or ""),
        )
    return cites


def _load_language(path: Path, code: str) -> Language:
    data = _read_yaml(path)
    file = path.name
    prompts = {}
    for pid, raw in (data.get("prompts") or {}).items():
        if isinstance(raw, str):
            raw = {"voice": raw}
        if not isinstance(raw, dict) or not str(raw.get("voice") or "").strip():
            raise CatalogError(file, "has no voice text", pid, code)
        status = raw.get("status", "unreviewed")
        if status not in STATUSES:
            raise CatalogError(file, f"status {status!r} is not one of {sorted(STATUSES)}", pid, code)
        voice = " ".join(str(raw["voice"]).split())
        sms = str(raw.get("sms") or voice).strip()
        prompts[str(pid)] = Prompt(voice=voice, sms=sms, status=status)
    if not data.get("name"):
        raise CatalogError(file, "has no name (the language's name in itself)", None, code)
    return Language(
        code=code,
        name=str(data["name"]),
        say_language=data.get("say_language"),
        prompts=prompts,
        keywords={k: [str(w) for w in v or []] for k, v in (data.get("keywords") or {}).items()},
        optout=[str(w) for w in data.get("optout") or []],
        optin=[str(w) for w in data.get("optin") or []],
        help=[str(w) for w in data.get("help") or []],
        language_names=[str(w) for w in data.get("language_names") or []],
    )


def load_catalog(directory: Path | str | None = None, sources_dir: Path | str | None = None) -> Catalog:
    """Load and validate the catalog; raise CatalogError naming file, prompt and language."""
    directory = Path(directory or DEFAULT_PROMPTS_DIR)
    tree = _read_yaml(directory / "tree.yaml")
    languages = [str(x) for x in tree.get("languages") or []]
    if not languages:
        raise CatalogError("tree.yaml", "lists no languages")
    start = tree.get("start")
    nodes = _load_nodes(tree)
    if start not in nodes:
        raise CatalogError("tree.yaml", f"start node {start!r} does not exist")
    cites_path = directory / "citations.yaml"
    citations = _load_citations(_read_yaml(cites_path) if cites_path.exists() else {})
    langs = {code: _load_language(directory / f"{code}.yaml", code) for code in languages}
    keywords = {str(k): str(v) for k, v in (tree.get("keywords") or {}).items()}
    catalog = Catalog(languages, start, nodes, langs, citations, directory, keywords)
    from .catalog_checks import validate

    validate(catalog, Path(sources_dir) if sources_dir else DEFAULT_SOURCES_DIR)
    return catalog
