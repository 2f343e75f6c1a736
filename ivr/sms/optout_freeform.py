"""Free-form requests to stop, read by intent inside a message ("уберите мой номер из рассылки",
"не пишите мне больше, я уже получил"): whether a text asks to get no more SMS, asks how to stop, or neither.

The words are data (prompts/lexicon/optout.yaml, `freeform:`; its header says what each class means). A request is
  - an `unsubscribe` word alone, or
  - a `dont_send` word with a messages / me / more word, a `stop` word with a messages, subscription or number
    word, a `remove` word with a subscription word (or a number and a list word), an `unwanted` word with a
    messages word;
and never when the text says "don't unsubscribe me" or "it does not stop" (`keep`), asks why (`why`), or names a
symptom, bleeding, insurance or a clinic (`health`): a false opt-out silently cuts a person off, worse than a miss.
A request phrased as a question (a `how` word, or a `?`) is answered with how to stop, and changes nothing; so is a
short text with a stop word and nothing it needs ("прекратите!", "хватит уже"): in doubt, ask.
Every language's words are read on every text (texters mix Russian into their language); the reply's language is
the texter's, else the language whose words matched most.

This only ever opts out at the hotline's level (ivr/sms/optout.py, HOTLINE): Twilio's block follows its own words.
The whole-message phrases (optout.py) are read first and are unchanged.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..content.model import CatalogError
from .optout import _WORDS, FILE, OptOutWords, normalize

# what each kind of request needs beside it: any one of these sets of objects, all of the set
NEEDS = {"dont_send": (("messages",), ("me",), ("more",)),
         "stop": (("messages",), ("subscription",), ("number",)),
         "remove": (("subscription",), ("number", "list")),
         "unwanted": (("messages",),)}
CLASSES = ("unsubscribe", *NEEDS, "messages", "subscription", "number", "list", "me", "more", "how", "keep", "why",
           "health")
VETOES = ("keep", "why", "health")
OPTOUT, ASK_HOW = "optout", "ask_how"
GAP = 1  # words allowed between the words of one entry
WORDS_KEPT = 20_000  # words whose entries (`_starting`) are kept
SHORT = 3  # a text of at most this many words with a stop word alone is asked how, not ignored


@dataclass(frozen=True)
class Entry:
    words: tuple[tuple[str, bool], ...]  # (folded word, is a stem)

    def found_at(self, words: list[str], i: int) -> bool:
        return _is(words[i], self.words[0]) and self._rest(words, i + 1, self.words[1:])

    def _rest(self, words: list[str], at: int, rest) -> bool:
        if not rest:
            return True
        return any(_is(words[j], rest[0]) and self._rest(words, j + 1, rest[1:])
                   for j in range(at, min(at + GAP + 1, len(words))))


def _is(word: str, pattern: tuple[str, bool]) -> bool:
    text, stem = pattern
    return word.startswith(text) if stem else word == text


@dataclass(frozen=True)
class Reading:
    kind: str  # OPTOUT or ASK_HOW
    langs: tuple[str, ...]  # the languages whose words matched most, in the catalog's order
    why: str  # the classes that decided, for the log


class FreeForm:
    def __init__(self, words: OptOutWords):
        self.fold, self.order, data = words, words.order, words.data
        self.entries: dict[str, dict[str, list[Entry]]] = {}  # lang -> class -> entries
        for lang, classes in (data.get("freeform") or {}).items():
            if lang not in self.order:
                raise CatalogError(FILE, f"freeform: {lang} is not a catalog language")
            unknown = set(classes or {}) - set(CLASSES)
            if unknown:
                raise CatalogError(FILE, f"freeform: unknown classes {sorted(unknown)}", None, lang)
            self.entries[lang] = {name: [self._entry(lang, e) for e in (classes or {}).get(name) or []]
                                  for name in CLASSES}
        # by first word (whole, or stem): a text's words look up the few entries that can start on them
        self.whole: dict[str, list[tuple[str, str, Entry]]] = {}
        self.stems: dict[str, list[tuple[str, str, Entry]]] = {}
        for lang, classes in self.entries.items():
            for name, entries in classes.items():
                for entry in entries:
                    text, stem = entry.words[0]
                    (self.stems if stem else self.whole).setdefault(text, []).append((lang, name, entry))
        self.stem_lengths = sorted({len(stem) for stem in self.stems})  # the prefixes of a word worth looking up
        self._starts: dict[str, list[tuple[str, str, Entry]]] = {}

    def _entry(self, lang: str, text) -> Entry:
        parts = []
        for raw in str(text).split():
            stem = raw.endswith("*")
            folded = [self.fold.fold(w) for w in _WORDS.findall(normalize(raw.rstrip("*")))]
            if len(folded) != 1 or not folded[0]:
                raise CatalogError(FILE, f"freeform entry {text!r}: {raw!r} is not one word", None, lang)
            parts.append((folded[0], stem))
        if not parts:
            raise CatalogError(FILE, "freeform: an empty entry", None, lang)
        return Entry(tuple(parts))

    def words(self, text: str) -> list[str]:
        return self.fold.folded_words(text)

    def _starting(self, word: str) -> list[tuple[str, str, Entry]]:
        """The entries that can start on this word: the word whole, then its prefixes that are stems (shortest
        first). A text's words were mostly in texts before it: kept (bounded, WORDS_KEPT), never changed."""
        found = self._starts.get(word)
        if found is None:
            found = list(self.whole.get(word, ()))
            for end in self.stem_lengths:
                if end > len(word):
                    break
                found += self.stems.get(word[:end], ())
            if len(self._starts) >= WORDS_KEPT:
                self._starts.clear()
            self._starts[word] = found
        return found

    def read(self, text: str, folded: list[str] | None = None) -> Reading | None:
        """OPTOUT, ASK_HOW, or None (an ordinary message: the rest of the understanding answers it).
        `folded`: the text's words as `OptOutWords.folded_words` gives them, when worked out already."""
        words = self.words(text) if folded is None else folded
        if not words:
            return None
        hits: dict[str, set[str]] = {}
        for i, word in enumerate(words):
            for lang, name, entry in self._starting(word):
                if name not in hits.get(lang, ()) and entry.found_at(words, i):
                    hits.setdefault(lang, set()).add(name)
        found = set().union(*hits.values()) if hits else set()
        if found & set(VETOES):
            return None
        asked = [name for name in ("unsubscribe", *NEEDS) if name in found
                 and (name == "unsubscribe" or any(set(need) <= found for need in NEEDS[name]))]
        if not asked:
            # "прекратите!", "хватит уже": a stop word with nothing it could be about but us, in a short text — in
            # doubt, told how to stop (and the menu's key), never opted out
            short = len(words) <= SHORT and found & {"dont_send", "stop"} and not found & {"remove", "unwanted"}
            if not short:
                return None
            found = found | {"short"}
        most = max(len(h) for h in hits.values())
        langs = tuple(lang for lang in self.order if hits.get(lang) and len(hits[lang]) == most)
        kind = ASK_HOW if found & {"how", "short"} or "?" in text else OPTOUT
        return Reading(kind, langs, "+".join(sorted(found)))


def summary(catalog) -> str:
    """For `hotline content check`: the free-form words per language (raises CatalogError when they are wrong)."""
    free = FreeForm(OptOutWords(catalog)).entries
    return "; free-form stop words: " + ", ".join(
        f"{c} {sum(len(e) for e in free[c].values())}" for c in catalog.languages if c in free)
