"""Understanding what a texter wrote: keywords in 8 languages, any script, with typos.

Every word list (topics, language names) comes from the catalog; opt-out/opt-in/help words are
compared exactly, not here (ivr/sms/optout.py).
Text and keywords are both folded to one Latin skeleton — lower case, Cyrillic and Armenian
transliterated, Turkic letters simplified — so "документы", "dokumenty" and "dakumenty" meet,
then compared with rapidfuzz. Short keywords (≤ 3 letters, like "tb" or "дмс") must match exactly.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from ..content.model import Catalog

_CYRILLIC = {
    "а": "a", "ә": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e", "ё": "yo", "ж": "j",
    "з": "z", "и": "i", "ӣ": "i", "й": "y", "і": "i", "к": "k", "қ": "q", "л": "l", "м": "m", "н": "n",
    "ң": "n", "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ұ": "u", "ү": "u",
    "ў": "o", "ӯ": "u", "ф": "f", "х": "h", "ҳ": "h", "һ": "h", "ц": "ts", "ч": "ch", "ҷ": "j", "ш": "sh",
    "щ": "sh", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}
_ARMENIAN = {
    "ա": "a", "բ": "b", "գ": "g", "դ": "d", "ե": "e", "զ": "z", "է": "e", "ը": "y", "թ": "t", "ժ": "j",
    "ի": "i", "լ": "l", "խ": "kh", "ծ": "ts", "կ": "k", "հ": "h", "ձ": "dz", "ղ": "gh", "ճ": "ch", "մ": "m",
    "յ": "y", "ն": "n", "շ": "sh", "ո": "o", "չ": "ch", "պ": "p", "ջ": "j", "ռ": "r", "ս": "s", "վ": "v",
    "տ": "t", "ր": "r", "ց": "ts", "ւ": "v", "փ": "p", "ք": "k", "օ": "o", "ֆ": "f", "և": "ev",
}
_LATIN = {"ş": "sh", "ç": "ch", "ə": "a", "ö": "o", "ü": "u", "ğ": "g", "ı": "i", "ň": "n", "ý": "y",
          "ž": "j", "ä": "a", "ñ": "n", "x": "h", "w": "v", "q": "k"}
_DIGRAPHS = [("kh", "h"), ("zh", "j"), ("dj", "j"), ("ts", "c"), ("yu", "u"), ("ya", "a"), ("yo", "o"),
             ("ye", "e"), ("iy", "i"), ("ii", "i"), ("oo", "u"), ("ee", "i")]
_APOSTROPHES = "'ʻʼ`’‘"


def fold(text: str) -> str:
    """A script-independent skeleton of `text`, for comparing words written any way."""
    text = unicodedata.normalize("NFC", text).lower()
    out = []
    for ch in text:
        if ch in _CYRILLIC:
            out.append(_CYRILLIC[ch])
        elif ch in _ARMENIAN:
            out.append(_ARMENIAN[ch])
        elif ch in _APOSTROPHES:
            continue
        else:
            out.append(ch)
    text = "".join(out)
    text = "".join(_LATIN.get(ch, ch) for ch in unicodedata.normalize("NFC", text))
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = text.replace("q", "k")
    for a, b in _DIGRAPHS:
        text = text.replace(a, b)
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return re.sub(r"(.)\1+", r"\1", text).strip()  # doubled letters are a common slip


@dataclass(frozen=True)
class Match:
    topic: str
    lang: str | None  # None when the word belongs to several languages
    score: float


class Matcher:
    """Keyword lookup built once from the catalog."""

    def __init__(self, catalog: Catalog, threshold: float = 84.0):
        self.threshold = threshold
        self.entries: dict[str, dict[str, set[str]]] = {}  # folded keyword -> topic -> languages
        for code, lang in catalog.langs.items():
            for topic, kws in lang.keywords.items():
                for kw in kws:
                    key = fold(kw)
                    if key:
                        self.entries.setdefault(key, {}).setdefault(topic, set()).add(code)
        self.choices = list(self.entries)
        # How often each folded word occurs in each language's own prompts: when a keyword is shared
        # by several languages ("bepul"), the language that really uses the word wins.
        self.usage: dict[str, Counter] = {
            code: Counter(w for p in lang.prompts.values() for w in fold(p.sms + " " + p.voice).split())
            for code, lang in catalog.langs.items()}
        self.language_names: dict[str, str] = {}
        for code, lang in catalog.langs.items():
            for name in lang.language_names + [lang.name, code]:
                self.language_names[fold(name)] = code

    def language(self, text: str) -> str | None:
        return self.language_names.get(fold(text))

    def topic(self, text: str) -> Match | None:
        """The best keyword in the message (a word, or two or three words together)."""
        tokens = fold(text).split()[:40]
        if not tokens:
            return None
        best: Match | None = None
        grams = {" ".join(tokens[i:i + n]) for n in (1, 2, 3) for i in range(len(tokens) - n + 1)}
        for gram in grams:
            match = self._lookup(gram)
            if match and (best is None or match.score > best.score):
                best = match
        return best

    def _lookup(self, gram: str) -> Match | None:
        if gram in self.entries:
            return self._match(gram, 100.0)
        if len(gram) <= 3:
            return None
        found = process.extractOne(gram, self.choices, scorer=fuzz.ratio, score_cutoff=self.threshold)
        if not found or len(found[0]) <= 3:
            return None
        return self._match(found[0], found[1])

    def _match(self, key: str, score: float) -> Match | None:
        topics = self.entries[key]
        if len(topics) != 1:
            return None  # the same word means different things: do not guess
        topic, langs = next(iter(topics.items()))
        return Match(topic, self._likely_language(key, langs), score)

    def _likely_language(self, key: str, langs: set[str]) -> str | None:
        if len(langs) == 1:
            return next(iter(langs))
        ranked = sorted(((self.usage[code][key], code) for code in langs), reverse=True)
        best, runner_up = ranked[0], ranked[1]
        return best[1] if best[0] > runner_up[0] else None
