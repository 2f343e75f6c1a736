"""Per-language glossaries: one term per concept, and the spellings a language must not use.

`prompts/glossary/<lang>.yaml` names, for each concept (the clinic, the IIN, ДМС …), the one term
this language uses (`use`) and the variants it must not (`avoid`); `forbid_characters` bans look-alike
letters (the Uzbek apostrophes ʻ ‘ ’: only ASCII ' keeps Uzbek SMS in GSM-7). Where a concept has
`ru:` (a pattern), every prompt whose Russian text matches it must use the term in this language too.
The catalog check enforces all of it, naming file, prompt id and language.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import fast_yaml
from .model import CatalogError


@dataclass(frozen=True)
class Term:
    concept: str
    use: str
    avoid: tuple[str, ...] = ()
    ru: str | None = None  # a pattern: where the Russian text says this concept


@dataclass
class Glossary:
    lang: str
    terms: list[Term] = field(default_factory=list)
    forbid_characters: str = ""


def load(directory: Path, languages: list[str]) -> dict[str, Glossary]:
    """The glossaries under prompts/glossary/ (a language without a file has an empty one)."""
    out = {}
    for code in languages:
        path = directory / "glossary" / f"{code}.yaml"
        out[code] = Glossary(code)
        if not path.exists():
            continue
        data = fast_yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        name = f"glossary/{code}.yaml"
        terms = []
        for concept, raw in (data.get("terms") or {}).items():
            if not isinstance(raw, dict) or not raw.get("use"):
                raise CatalogError(name, f"term {concept!r} needs `use`", None, code)
            terms.append(Term(str(concept), str(raw["use"]), tuple(str(a) for a in raw.get("avoid") or ()),
                              raw.get("ru")))
        out[code] = Glossary(code, terms, str(data.get("forbid_characters") or ""))
    return out


def has(text: str, word: str) -> bool:
    """`word` at the start of a word of `text` (so stems match their inflected forms): an abbreviation
    (all capitals) in capitals only, so that Tajik СИТ does not match ситорача; any other word in any case."""
    pattern, any_case = _word_start(word)
    return pattern.search(text.lower() if any_case else text) is not None


@functools.lru_cache(maxsize=4096)
def _word_start(word: str) -> tuple[re.Pattern, bool]:
    """The pattern `has` looks for, compiled once (the catalog check asks ~16,000 times per load)."""
    if word.isupper() and len(word) > 1:
        return re.compile(r"(?<!\w)" + re.escape(word)), False
    return re.compile(r"(?<!\w)" + re.escape(word.lower())), True


_has = has  # the older name


def problems(catalog, code: str, glossary: Glossary, ids: set[str]) -> list[tuple[str, str]]:
    """(prompt id, what is wrong) for every text of language `code` that breaks its glossary."""
    prompts = catalog.langs[code].prompts
    russian = catalog.langs["ru"].prompts if "ru" in catalog.langs else {}
    found = []
    for pid in sorted(ids & set(prompts)):
        text = prompts[pid].voice + "\n" + prompts[pid].sms
        for ch in glossary.forbid_characters:
            if ch in text:
                found.append((pid, f"uses the character {ch!r} (U+{ord(ch):04X}), which the glossary forbids"))
        for term in glossary.terms:
            for bad in term.avoid:
                if has(text, bad):
                    found.append((pid, f"says {bad!r} for {term.concept}; the glossary term is {term.use!r}"))
            ru = russian.get(pid)
            if term.ru and ru and re.search(term.ru, ru.voice + ru.sms, re.I) and not has(text, term.use):
                found.append((pid, f"the Russian names {term.concept} but this text lacks {term.use!r}"))
    return found


def check(catalog, glossaries: dict[str, Glossary], ids: set[str]) -> None:
    for code, glossary in glossaries.items():
        bad = problems(catalog, code, glossary, ids)
        if bad:
            pid, what = bad[0]
            more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
            raise CatalogError(f"{code}.yaml", what + more, pid, code)
