"""Loading the content catalog: prompts/tree.yaml, citations.yaml and one <lang>.yaml per language.

`load_catalog` reads the files into the model (content/model.py) and hands the result to
content/checks.py, which refuses a catalog that would strand a caller: a missing translation,
a key leading nowhere, an unreachable node, a cycle with no way out, a citation of a file that
is not among the sources. The format is described in prompts/README.md.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import yaml

from . import fast_yaml, glossary
from .model import (
    ACTIONS,
    GLOBAL_KEYS,
    STATUSES,
    Catalog,
    CatalogError,
    Citation,
    Language,
    Node,
    Option,
    Prompt,
    Scope,
)

_FIELDS = re.compile(r"{(\w+)}")
DEFAULT_PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"
DEFAULT_SOURCES_DIR = Path(__file__).resolve().parents[3] / "shared" / "sources"


def _read_yaml(path: Path) -> dict:
    if not path.exists():
        raise CatalogError(path.name, "file is missing")
    try:
        data = fast_yaml.safe_load(path.read_text(encoding="utf-8"))
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
            opts.append(Option(key, spec["label"], spec["goto"], spoken=bool(spec.get("spoken", True))))
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
            successor=raw.get("successor") or None,
            fallback=raw.get("fallback") or None,
            subject=raw.get("subject") or None,
            scope=_scope(raw.get("scope"), pid),
        )
    return cites


def _scope(raw, pid: str) -> tuple[Scope, ...]:
    """citations.yaml `scope:` — concept -> {in: voice|sms (optional, default both), <lang>: word or [words]}."""
    if not raw:
        return ()
    if not isinstance(raw, dict):
        raise CatalogError("citations.yaml", "scope: must map a concept to its words per language", pid)
    out = []
    for concept, spec in raw.items():
        if not isinstance(spec, dict):
            raise CatalogError("citations.yaml", f"scope {concept!r}: give the words per language", pid)
        spec = dict(spec)
        texts = spec.pop("in", ["voice", "sms"])
        texts = (texts,) if isinstance(texts, str) else tuple(texts)
        if not texts or not set(texts) <= {"voice", "sms"}:
            raise CatalogError("citations.yaml", f"scope {concept!r}: `in` is voice, sms or both", pid)
        terms = tuple((str(lang), (str(w),) if isinstance(w, str) else tuple(str(x) for x in w))
                      for lang, w in spec.items())
        out.append(Scope(str(concept), terms, texts))
    return tuple(out)


def _load_sources(path: Path) -> dict[str, dict]:
    """sources.yaml: each source document's title and date (what makes a fact stale, content/stale.py)."""
    if not path.exists():
        return {}
    out = {}
    for code, raw in _read_yaml(path).items():
        raw = raw or {}
        lists = {}
        for subject, spec in (raw.get("lists") or {}).items():
            if not isinstance(spec, dict) or not spec.get("until") or not spec.get("say"):
                raise CatalogError("sources.yaml", f"list {subject!r} needs `until` and `say`", str(code))
            lists[str(subject)] = {"until": _date(spec["until"], "sources.yaml", str(code), "until"),
                                   "say": str(spec["say"])}
        out[str(code).zfill(3)] = {"title": str(raw.get("title") or ""), "note": str(raw.get("note") or ""),
                                   "dated": _date(raw.get("dated"), "sources.yaml", str(code), "dated"),
                                   "subjects": [str(x) for x in raw.get("subjects") or []], "lists": lists}
    return out


DATED = ".dated"  # "<id>.dated": the fact <id> said with the date of the list it rests on


def _date_lists(sources: dict, citations: dict[str, Citation], langs: dict[str, Language]) -> dict[str, str]:
    """Facts resting on a list that a newer source dates ("the ГОБМП list until 1 January 2026", 004) end on
    that date; after it their successor "<id>.dated" says them with the date, in the list's wording
    (`say:`, a prompt with {fact}). The usual successor machinery does the rest: `hotline content check
    --today` shows both sides. A fact with an end date of its own keeps it. Returns dated id -> fact id."""
    made: dict[str, str] = {}
    for code, src in sources.items():
        for subject, spec in src.get("lists", {}).items():
            wording, until = spec["say"], spec["until"]
            if wording not in citations:
                raise CatalogError("citations.yaml", f"has no citation for the wording of {code}'s {subject} list",
                                   wording)
            for pid, cite in sorted(citations.items()):
                older = (sources.get(cite.source) or {}).get("dated")
                if cite.subject != subject or cite.until or pid == wording or not (older and older < src["dated"]):
                    continue
                new = pid + DATED
                citations[pid] = dataclasses.replace(cite, until=until, successor=new, dated_by=code)
                citations[new] = dataclasses.replace(
                    cite, effective=until + dt.timedelta(days=1), until=None, successor=None, fallback=None,
                    subject=None, dated_by=code,
                    note=f"`{pid}` as it was by source {code}'s {subject} list, said with that list's date "
                         f"(in force until {until}).")
                for lang in langs.values():
                    frame, fact = lang.prompts.get(wording), lang.prompts.get(pid)
                    if frame and fact:
                        lang.prompts[new] = Prompt(
                            voice=frame.voice.replace("{fact}", fact.voice), sms=frame.sms.replace("{fact}", fact.sms),
                            status=_least_reviewed(frame.status, fact.status),
                            spoken=(frame.spoken or frame.voice).replace("{fact}", fact.spoken or fact.voice)
                            if frame.spoken or fact.spoken else "")
                made[new] = pid
    return made


def _least_reviewed(*statuses: str) -> str:
    return next((s for s in ("unreviewed", "reviewed") if s in statuses), "source")


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
        spoken = " ".join(str(raw.get("spoken") or "").split())
        if spoken and set(_FIELDS.findall(spoken)) != set(_FIELDS.findall(voice)):
            raise CatalogError(file, "spoken: must use the same {placeholders} as voice:", pid, code)
        prompts[str(pid)] = Prompt(voice=voice, sms=sms, status=status, spoken=spoken)
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
    greeting = [str(x) for x in tree.get("greeting_languages") or languages[:1]]
    if not set(greeting) <= set(languages):
        raise CatalogError("tree.yaml", f"greeting_languages {greeting} must be among the languages")
    by_country = {str(k).lstrip("+"): str(v) for k, v in (tree.get("language_by_country") or {}).items()}
    if not set(by_country.values()) <= set(languages) or not all(k.isdigit() for k in by_country):
        raise CatalogError("tree.yaml", f"language_by_country {by_country} must map calling codes to the languages")
    missing = sorted(code for code in set(by_country.values()) if "lang.offer" not in langs[code].prompts)
    if missing:
        raise CatalogError("tree.yaml", f"language_by_country offers {missing} with no lang.offer prompt")
    sources = _load_sources(directory / "sources.yaml")
    dated = _date_lists(sources, citations, langs)
    catalog = Catalog(languages, start, nodes, langs, citations, directory, keywords, greeting,
                      language_by_country=by_country, sources=sources,
                      glossaries=glossary.load(directory, languages), dated=dated,
                      list_wordings={spec["say"] for src in sources.values() for spec in src["lists"].values()})
    from .checks import validate

    validate(catalog, Path(sources_dir) if sources_dir else DEFAULT_SOURCES_DIR)
    return catalog
