"""The SMS lexicons: the words texters use for each topic, per language, and how to reduce them to stems.

Data in prompts/lexicon/ (format: prompts/lexicon/README.md):
  topics.yaml     every topic's weight (specific topics outrank broad ones), an optional `answer` (prompt ids
                  sent instead of the node's screen), an optional `label` (a prompt id for the numbered
                  choices); the file's order is the last tie-break between topics. `default_language`: the
                  language a first-time texter is answered in when nothing in the message says otherwise.
  <lang>.yaml     `stemmer` (a Snowball algorithm, for words in the language's own script), `suffixes`
                  (endings stripped from the folded word, longest first, repeatedly), `letters` (letters that
                  mark the language), `stopwords`, `replies` (the SMS lines this layer adds), `labels` (topic
                  names for numbered choices) and `topics` (topic -> words and phrases, a weight where a word
                  only hints). A language file's `keywords:` (prompts/<lang>.yaml) add words the lexicons
                  lack; a word a lexicon gives a topic counts only for the lexicons' topics.

  statuses.yaml   residence statuses a texter may state: each one's words per language, its rule (full, permanent,
                  dangerous) and the prompts that answer it; intents.yaml: what a texter wants beyond a topic
                  (urgent, callback, flagged, out_of_scope, where, child, sick, labour), words per language;
                  diseases.yaml: the list of 23 by the names texters use (prompt id -> words per language).
                  Together the "signals" (`Signal`), matched like topic words (ivr/sms/understanding.py) and
                  answered by ivr/sms/intents.py.

`load_lexicon` reads and checks it against the catalog; a catalog without prompts/lexicon/ gets an empty
lexicon built from the `keywords:` alone (a small test catalog, or an older content folder).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import fast_yaml
from .model import Catalog, CatalogError

REPLIES = ("welcome", "choose", "also")  # the lines every language file must give when it gives any
STEMMERS = {"russian", "armenian", "turkish"}  # Snowball algorithms (PyStemmer) a language may name


@dataclass(frozen=True)
class Topic:
    name: str
    order: int
    weight: float = 1.0
    answer: tuple[str, ...] = ()  # prompt ids answered instead of the node's screen
    label: str | None = None  # prompt id naming the topic among numbered choices
    cap: float | None = None  # the most its words add up to (a broad topic: more of its words say no more)


@dataclass
class LanguageLexicon:
    code: str
    stemmer: str | None = None
    suffixes: tuple[str, ...] = ()
    letters: str = ""
    stopwords: tuple[str, ...] = ()
    replies: dict[str, str] = field(default_factory=dict)
    topics: dict[str, list[tuple[str, float]]] = field(default_factory=dict)  # topic -> (word or phrase, weight)
    labels: dict[str, str] = field(default_factory=dict)  # topic -> its name among numbered choices


@dataclass(frozen=True)
class Signal:
    """A status, an intent or a named disease: `kind:name` ("status:refugee", "intent:urgent",
    "disease:disease.02"), its words per language, and for a status its rule and answer."""
    kind: str  # status | intent | disease
    name: str
    order: int
    words: dict[str, tuple[tuple[str, float], ...]]
    rule: str | None = None
    answer: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.name}"


SIGNAL_FILES = {"statuses.yaml": ("status", "statuses"), "intents.yaml": ("intent", "intents"),
                "diseases.yaml": ("disease", "diseases")}
INTENTS = ("urgent", "labour", "callback", "flagged", "out_of_scope", "where", "child", "sick", "not_listed", "who")
RULES = ("full", "permanent", "dangerous")


@dataclass
class Lexicon:
    topics: dict[str, Topic]
    langs: dict[str, LanguageLexicon]
    default_language: str | None = None
    signals: dict[str, Signal] = field(default_factory=dict)  # `kind:name` -> Signal, in file order

    def reply(self, lang: str, name: str) -> str | None:
        found = self.langs.get(lang)
        return found.replies.get(name) if found else None


def _read(path: Path) -> dict:
    try:
        data = fast_yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise CatalogError(f"lexicon/{path.name}", f"is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise CatalogError(f"lexicon/{path.name}", "must be a mapping")
    return data


def _topics(data: dict, catalog: Catalog) -> dict[str, Topic]:
    file = "lexicon/topics.yaml"
    topics = {}
    for order, (name, raw) in enumerate((data.get("topics") or {}).items()):
        raw = raw or {}
        if name not in catalog.keywords:
            raise CatalogError(file, f"topic {name!r} is not in tree.yaml keywords")
        answer = tuple(raw.get("answer") or ())
        for pid in answer + ((raw["label"],) if raw.get("label") else ()):
            missing = [code for code, lang in catalog.langs.items() if pid not in lang.prompts]
            if missing:
                raise CatalogError(file, f"topic {name!r} uses a prompt missing in {missing}", pid)
        cap = float(raw["cap"]) if raw.get("cap") is not None else None
        topics[name] = Topic(name, order, float(raw.get("weight", 1.0)), answer, raw.get("label"), cap)
    for order, name in enumerate(catalog.keywords, start=len(topics)):  # topics without an entry: defaults
        topics.setdefault(name, Topic(name, order))
    return topics


def _language(path: Path, code: str, catalog: Catalog) -> LanguageLexicon:
    data, file = _read(path), f"lexicon/{path.name}"
    if data.get("language") != code:
        raise CatalogError(file, f"says language {data.get('language')!r}, expected {code!r}")
    stemmer = data.get("stemmer")
    if stemmer and stemmer not in STEMMERS:
        raise CatalogError(file, f"unknown stemmer {stemmer!r}", None, code)
    replies = {str(k): str(v) for k, v in (data.get("replies") or {}).items()}
    missing = [name for name in REPLIES if not replies.get(name, "").strip()]
    if missing:
        raise CatalogError(file, f"replies lack {missing}", None, code)
    topics: dict[str, list[tuple[str, float]]] = {}
    for name, words in (data.get("topics") or {}).items():
        if name not in catalog.keywords:
            raise CatalogError(file, f"topic {name!r} is not in tree.yaml keywords", None, code)
        topics[name] = [_word(w, file, code) for w in words or []]
    labels = {str(k): str(v) for k, v in (data.get("labels") or {}).items()}
    unknown = sorted(set(labels) - set(catalog.keywords))
    if unknown:
        raise CatalogError(file, f"labels for unknown topics {unknown}", None, code)
    suffixes = sorted({str(s) for s in data.get("suffixes") or []}, key=lambda s: (-len(s), s))
    return LanguageLexicon(code, stemmer, tuple(suffixes), str(data.get("letters") or ""),
                           tuple(str(w) for w in data.get("stopwords") or []), replies, topics, labels)


def _word(raw, file: str, code: str) -> tuple[str, float]:
    """`word` (weight 1), or `{word: weight}` for a word that only hints at the topic."""
    if isinstance(raw, dict) and len(raw) == 1:
        (word, weight), = raw.items()
        if isinstance(weight, int | float) and 0 < weight <= 2:
            return str(word), float(weight)
    elif isinstance(raw, str | int) and str(raw).strip():
        return str(raw), 1.0
    raise CatalogError(file, f"topic word {raw!r} must be a word or {{word: weight}} with 0 < weight <= 2", None, code)


def load_lexicon(catalog: Catalog) -> Lexicon:
    """The lexicon beside the catalog (prompts/lexicon/), checked against it; empty when there is none."""
    directory = Path(catalog.directory) / "lexicon"
    if not directory.is_dir():
        return Lexicon(_topics({}, catalog), {})
    data = _read(directory / "topics.yaml") if (directory / "topics.yaml").exists() else {}
    langs = {}
    for code in catalog.languages:
        path = directory / f"{code}.yaml"
        if not path.exists():
            raise CatalogError(f"lexicon/{code}.yaml", "file is missing", None, code)
        langs[code] = _language(path, code, catalog)
    default = data.get("default_language")
    if default is not None and default not in catalog.langs:
        raise CatalogError("lexicon/topics.yaml", f"default_language {default!r} is not a catalog language")
    return Lexicon(_topics(data, catalog), langs, default, _signals(directory, catalog))


def _signals(directory: Path, catalog: Catalog) -> dict[str, Signal]:
    """statuses.yaml, intents.yaml and diseases.yaml, each optional, checked against the catalog."""
    out: dict[str, Signal] = {}
    for name, (kind, section) in SIGNAL_FILES.items():
        path = directory / name
        if not path.exists():
            continue
        file = f"lexicon/{name}"
        entries = _read(path).get(section) or {}
        if not isinstance(entries, dict):
            raise CatalogError(file, f"{section} must be a mapping")
        for order, (key, raw) in enumerate(entries.items()):
            raw = raw or {}
            if kind == "disease":
                raw = {"words": raw}
                if key not in catalog.langs[catalog.languages[0]].prompts:
                    raise CatalogError(file, f"{key!r} is not a prompt id", key)
            if kind == "intent" and key not in INTENTS:
                raise CatalogError(file, f"unknown intent {key!r} (known: {', '.join(INTENTS)})")
            rule = raw.get("rule")
            if kind == "status" and rule not in RULES:
                raise CatalogError(file, f"status {key!r}: rule must be one of {RULES}")
            answer = tuple(raw.get("answer") or ())
            for pid in answer:
                missing = [code for code, lang in catalog.langs.items() if pid not in lang.prompts]
                if missing:
                    raise CatalogError(file, f"{key!r} answers with a prompt missing in {missing}", pid)
            words = raw.get("words") or {}
            unknown = sorted(set(words) - set(catalog.langs))
            if unknown:
                raise CatalogError(file, f"{key!r} has words for unknown languages {unknown}")
            parsed = {code: tuple(_word(w, file, code) for w in words.get(code) or []) for code in catalog.languages}
            sig = Signal(kind, str(key), order, parsed, rule, answer)
            out[sig.key] = sig
    return out
