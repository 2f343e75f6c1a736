"""What a text is about: topics scored from the lexicons, and the language the text is written in.

Every word of the message is reduced the ways each language reduces words — folded to one Latin skeleton
(keywords.fold), stemmed by a Snowball stemmer in its own script (Russian, Armenian), stripped of the
language's suffixes (the agglutinative languages, and Russian written in Latin letters) — and looked up
among the lexicon stems: the same stem (1.0), a stem the word starts with (0.9), or a close spelling
(rapidfuzz, ≥ FUZZY, scaled down). A word counts once per topic; a phrase whose words are all in the
message counts its words with a bonus. A topic's score is the sum times the topic's weight (specific topics
outrank broad ones). Ranking: score, then the topic whose word comes first in the message, then the order of
prompts/lexicon/topics.yaml — no set is iterated, so the answer never depends on the hash seed.

The language a message is written in (for a first-time texter only; a chosen language always wins) comes from
letters only some languages use, stop words and lexicon words of one language; a word several languages
share is split between them, so it never decides alone.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

import Stemmer
from rapidfuzz import fuzz, process

from ..content.lexicon import Lexicon
from ..content.model import Catalog
from .keywords import fold

EXACT, PREFIX, FUZZY_SCALE = 1.0, 0.9, 0.9
FUZZY = 82.0  # rapidfuzz ratio a misspelt word needs (on stems of 5 letters or more)
PHRASE_BONUS = 1.25
MIN_STEM = 3  # a word in a message may lose endings down to three letters ...
LEXICON_STEM = 4  # ... a lexicon word down to four, so that short roots do not collide
MIN_SCORE = 0.6  # below this nothing was understood
CLEAR_RATIO = 0.75  # the runner-up must score below this share of the best for a direct answer
CHOICE_RATIO = 0.5  # topics offered as choices score at least this share of the best
MAX_TOKENS = 40
FORMS_KEPT = 50_000  # words whose reductions a reducer keeps
WORDS_KEPT = 20_000  # words of messages whose stems and languages the understander keeps
STOPWORD_EVIDENCE = 2.0  # a stop word says more about a message's language than a (often borrowed) topic word


@dataclass(frozen=True)
class Scored:
    topic: str
    score: float
    first: int  # position of the first word that counted for it


@dataclass(frozen=True)
class Hit:
    """A status, intent or named disease (prompts/lexicon/statuses.yaml ...) found in a message."""
    key: str  # kind:name
    words: int  # how many words its longest matching entry has
    tokens: tuple[int, ...]  # the message's words it took
    langs: tuple[str, ...]  # the lexicons whose entry matched


@dataclass
class Understanding:
    ranked: list[Scored] = field(default_factory=list)
    lang: str | None = None  # the message's language, when its words or letters say so
    lang_evidence: float = 0.0
    hits: dict[str, Hit] = field(default_factory=dict)  # signals found, in the lexicon's order
    tokens: int = 0  # words in the message

    def has(self, key: str) -> bool:
        return key in self.hits

    def of_kind(self, kind: str) -> list[Hit]:
        return [h for k, h in self.hits.items() if k.startswith(kind + ":")]

    @property
    def best(self) -> Scored | None:
        return self.ranked[0] if self.ranked else None

    @property
    def clear(self) -> bool:
        if not self.ranked:
            return False
        return len(self.ranked) == 1 or self.ranked[1].score < CLEAR_RATIO * self.ranked[0].score

    def choices(self, most: int = 3) -> list[str]:
        if not self.ranked:
            return []
        floor = CHOICE_RATIO * self.ranked[0].score
        return [s.topic for s in self.ranked[:most] if s.score >= floor]


@dataclass(frozen=True)
class _Entry:
    topic: str
    lang: str
    stems: tuple[str, ...]  # one per word of the entry
    weight: float = 1.0


_RUSSIAN_LETTERS = frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюя")
SIGNAL_QUALITY = 0.9  # a status, intent or disease word counts when matched exactly or by its stem, never fuzzily


class _Reducer:
    """One language's ways of reducing a word: its Snowball stemmer and its suffixes."""

    def __init__(self, stemmer: str | None, suffixes: tuple[str, ...]):
        self.stemmer = Stemmer.Stemmer(stemmer) if stemmer else None
        folded = {fold(s) for s in suffixes} - {""}
        self.suffixes = tuple(sorted(folded, key=lambda s: (-len(s), s)))
        # strip() looks endings up by length (longest first) instead of trying every suffix in turn:
        # of the suffixes of one length only one can end a word, so it strips what the scan would.
        self._suffix_set = frozenset(folded)
        self._lengths = tuple(sorted({len(s) for s in folded}, reverse=True))
        self._forms: dict[tuple[str, str], list[str]] = {}

    def strip(self, folded: str, shortest: int) -> str:
        """Strip the longest suffix that leaves `shortest` letters, again and again."""
        changed = True
        while changed:
            changed = False
            for n in self._lengths:
                if len(folded) - n >= shortest and folded[-n:] in self._suffix_set:
                    folded, changed = folded[:-n], True
                    break
        return folded

    def forms(self, word: str, folded: str) -> list[str]:
        """The message side: every reduction, down to three letters. Each word is asked twice per
        message (topics, then language) and common words in every message: kept (bounded), read-only."""
        out = self._forms.get((word, folded))
        if out is None:
            out = [folded]
            if self.stemmer:
                out.append(fold(self.stemmer.stemWord(word)))
            out += [self.strip(folded, LEXICON_STEM), self.strip(folded, MIN_STEM)]
            if len(self._forms) >= FORMS_KEPT:
                self._forms.clear()
            self._forms[(word, folded)] = out
        return out

    def stem(self, word: str) -> str:
        """The lexicon side: a word's shortest reduction of four letters or more (a shorter word stays whole)."""
        folded = fold(word).replace(" ", "")
        candidates = [self.strip(folded, LEXICON_STEM)]
        if self.stemmer:
            candidates.append(fold(self.stemmer.stemWord(word)))
        candidates = [c for c in candidates if len(c) >= LEXICON_STEM]
        return min(candidates, key=lambda c: (len(c), c)) if candidates else folded


def _written(word: str) -> str:
    """A word as written, lower case, with one apostrophe for its look-alikes (oʻ, o', o’)."""
    return unicodedata.normalize("NFC", word).lower().translate(_APOSTROPHES)


_APOSTROPHES = str.maketrans({"ʻ": "'", "ʼ": "'", "‘": "'", "’": "'", "`": "'"})


def _add(index: dict[str, list[str]], key: str, code: str) -> None:
    owners = index.setdefault(key, [])
    if code not in owners:
        owners.append(code)


def _positions(matches: list[dict[str, float]]) -> dict[str, list[tuple[int, float]]]:
    """stem -> [(word of the message, how well it matches)], in the message's order: what `_place` looks up."""
    where: dict[str, list[tuple[int, float]]] = {}
    for tok, m in enumerate(matches):
        for stem, quality in m.items():
            found = where.get(stem)
            if found is None:
                where[stem] = [(tok, quality)]
            else:
                found.append((tok, quality))
    return where


def _better(hit: tuple[int, float]) -> tuple[float, int]:
    return hit[1], -hit[0]


def _place(stems: tuple[str, ...], where: dict[str, list[tuple[int, float]]]) -> list[tuple[int, float]]:
    """Each stem of an entry on its own word of the message (the best, then the earliest), or [] if one is missing.
    `where`: the message's `_positions`."""
    if len(stems) == 1:  # most entries are one word: no word can be taken twice
        hits = where.get(stems[0])
        return [max(hits, key=_better)] if hits else []
    used: list[tuple[int, float]] = []
    for stem in stems:
        hits = [hit for hit in where.get(stem, ()) if all(hit[0] != tok for tok, _ in used)]
        if not hits:
            return []
        used.append(max(hits, key=_better))
    return used


_TOKEN = re.compile("(?:[^\\W_]|['ʻʼ’‘`])+")  # letters and digits (str.isalnum), apostrophes inside
_NOT_ALNUM = "".join(ch for ch in "'ʻʼ’‘`" if not ch.isalnum())  # "ʻ" and "ʼ" are letters (Lm) themselves


def _tokens(text: str) -> list[str]:
    """The message's words, lower case: runs of letters, digits and apostrophes (an apostrophe or backtick alone
    is no word); the first MAX_TOKENS."""
    text = unicodedata.normalize("NFC", text).lower()
    return [w for w in _TOKEN.findall(text) if w.strip(_NOT_ALNUM)][:MAX_TOKENS]


class Understander:
    """Built once from the catalog and its lexicon; `understand` is pure."""

    def __init__(self, catalog: Catalog, lexicon: Lexicon):
        self.lexicon = lexicon
        self.languages = list(catalog.languages)
        # A word of a message is matched against the lexicon the same way every time: its stems and the
        # languages it belongs to are kept (bounded, read-only), as the reducers keep its forms — most words of a
        # text ("как", "врач", "полис") were in texts before it, and matching them was a third of understanding.
        self._matches: dict[str, dict[str, float]] = {}
        self._owned: dict[str, tuple[list[str], list[str]]] = {}
        self.reducers = {code: _Reducer(lex.stemmer, lex.suffixes) for code, lex in lexicon.langs.items()}
        self.stopwords: dict[str, list[str]] = {}  # folded stop word -> the languages that use it
        self.letters: dict[str, list[str]] = {}  # a letter -> the languages it marks
        self.written_stop: dict[str, list[str]] = {}  # the same, as written (Cyrillic and Latin alike)
        self.written_words: dict[str, list[str]] = {}  # a lexicon word as written -> its languages
        for code, lex in lexicon.langs.items():
            for word in lex.stopwords:
                _add(self.stopwords, fold(word), code)
                _add(self.written_stop, _written(word), code)
            for word in (w for words in lex.topics.values() for phrase, _ in words for w in _tokens(phrase)):
                _add(self.written_words, _written(word), code)
            for ch in unicodedata.normalize("NFC", lex.letters.lower()).replace(" ", ""):
                _add(self.letters, ch, code)
        self.entries = self._entries(catalog, lexicon)
        self._signal_entries(lexicon)
        self.stem_langs: dict[str, list[str]] = {}  # every lexicon stem -> the languages it comes from
        self.entries_with: dict[str, list[int]] = {}  # a stem -> the entries (by position) that use it
        for i, entry in enumerate(self.entries):
            for stem in entry.stems:
                _add(self.stem_langs, stem, entry.lang)
                if i not in self.entries_with.setdefault(stem, []):
                    self.entries_with[stem].append(i)
        self.signals_with = self._index_signals()
        self._topic_order = {name: t.order for name, t in lexicon.topics.items()}  # how ties rank, worked out once
        self._topic_weights = {name: (t.weight, t.cap) for name, t in lexicon.topics.items()}
        self._placing = [(e.stems, e.topic, e.weight * (PHRASE_BONUS if len(e.stems) > 1 else 1.0))
                         for e in self.entries]  # what `_score` reads of each entry
        self._signal_order = {key: i for i, key in enumerate(lexicon.signals)}
        by_length: dict[int, list[str]] = {}
        for stem in self.stem_langs:
            if len(stem) >= 5:
                by_length.setdefault(len(stem), []).append(stem)
        self.by_length = {n: sorted(stems) for n, stems in sorted(by_length.items())}
        # How often each folded word occurs in each language's own prompts: breaks a tie between languages.
        self.usage = {code: Counter(w for p in lang.prompts.values() for w in fold(p.sms + " " + p.voice).split())
                      for code, lang in catalog.langs.items()}

    def _index_signals(self) -> dict[str, list[int]]:
        """A stem -> the signal entries that use it; the signals' stems join the lexicon stems a word can match."""
        index: dict[str, list[int]] = {}
        for i, entry in enumerate(self.signal_entries):
            for stem in entry.stems:
                _add(self.stem_langs, stem, entry.lang)
                if i not in index.setdefault(stem, []):
                    index[stem].append(i)
        return index

    def _signal_entries(self, lexicon: Lexicon) -> None:
        """Statuses, intents and diseases (topic = the signal's key). A stem under five letters counts only for a
        word written as in the lexicon ("корь", not Tajik "кор"); a short stem of a long word only for a word that
        starts like that word ("polisiýa" gives "poli", which "poliklinika" must not match)."""
        self.signal_entries: list[_Entry] = []
        self.signal_written: dict[tuple[str, str], set[str]] = {}  # (signal, stem) -> the short word as written
        self.signal_starts: dict[tuple[str, str], set[str]] = {}  # (signal, stem) -> how its long words start
        long_stems: set[tuple[str, str]] = set()
        for key, sig in lexicon.signals.items():
            for code, words in sig.words.items():
                reducer = self.reducers.get(code) or _Reducer(None, ())
                for word, weight in words:
                    for w in _tokens(word):
                        _add(self.written_words, _written(w), code)
                    stems = self._stems(reducer, word)
                    if not stems:
                        continue
                    self.signal_entries.append(_Entry(key, code, stems, weight))
                    for stem, w in zip(stems, _tokens(word), strict=False):
                        whole = fold(w).replace(" ", "")
                        if len(whole) < 5:  # as written; a Latin word also as folded ("vnj")
                            self.signal_written.setdefault((key, stem), set()).update(
                                {_written(w)} | ({whole} if w.isascii() else set()))
                        elif len(stem) < 5:
                            long_stems.add((key, stem))
                            self.signal_starts.setdefault((key, stem), set()).add(whole[:max(6, len(whole) - 2)])
        for pair in long_stems:  # a stem a long lexicon word also gives ("звондаңыз" -> "zvon") is no short word
            self.signal_written.pop(pair, None)

    def _entries(self, catalog: Catalog, lexicon: Lexicon) -> list[_Entry]:
        """Lexicon words, then the language files' keywords the lexicons do not already place."""
        entries: list[_Entry] = []
        for code in self.languages:
            reducer = self.reducers.get(code) or _Reducer(None, ())
            for topic, words in (lexicon.langs[code].topics.items() if code in lexicon.langs else ()):
                entries += [_Entry(topic, code, stems, weight) for word, weight in words
                            if (stems := self._stems(reducer, word))]
        placed = {e.stems for e in entries}
        reducers = list(self.reducers.values())
        for code in self.languages:
            reducer = self.reducers.get(code) or _Reducer(None, ())
            for topic, words in catalog.langs[code].keywords.items():
                for word in words:
                    stems = self._stems(reducer, word)
                    if stems and not any(self._stems(r, word) in placed for r in [reducer, *reducers]):
                        entries.append(_Entry(topic, code, stems))
        return entries

    def _stems(self, reducer: _Reducer, phrase: str) -> tuple[str, ...]:
        """One stem per word; a stop word in a phrase ("как оплатить") stays whole, as messages keep it."""
        stems = tuple(fold(w) if fold(w) in self.stopwords else reducer.stem(w) for w in _tokens(phrase))
        return stems if stems and all(stems) else ()

    # -- topics ----------------------------------------------------------------------------
    def _forms(self, token: str) -> list[str]:
        folded = fold(token).replace(" ", "")
        forms = [folded]
        for code in self.languages:
            reducer = self.reducers.get(code)
            if reducer:
                forms += [f for f in reducer.forms(token, folded) if f not in forms]
        return [f for f in forms if f]

    def forget_words(self) -> None:
        """Empty the word caches (a benchmark that must not time a message against its own earlier reading)."""
        self._matches.clear()
        self._owned.clear()
        for reducer in self.reducers.values():
            reducer._forms.clear()

    def _word_matches(self, token: str) -> dict[str, float]:
        """stem -> how well this word of the message matches it (kept: never change what it returns)."""
        return _kept(self._matches, token, self._match_word)

    def _match_word(self, token: str) -> dict[str, float]:
        forms = self._forms(token)
        if not forms:  # a word that folds to nothing ("'", "`", a letter fold() drops)
            return {}
        if forms[0] in self.stopwords:  # "как", "var", "куҷо": only ever the word itself
            return {forms[0]: EXACT} if forms[0] in self.stem_langs else {}
        found = {form: EXACT for form in forms if form in self.stem_langs}
        for form in forms:
            for n in range(4, len(form)):
                if form[:n] in self.stem_langs and found.get(form[:n], 0) < PREFIX:
                    found[form[:n]] = PREFIX
        return found or self._misspelt(forms)

    def _misspelt(self, forms: list[str]) -> dict[str, float]:
        """Stems a misspelt word is close to: the whole word, or its start, against stems of 5+ letters."""
        found: dict[str, float] = {}
        for form in (f for f in forms if len(f) >= 5):
            for n, stems in self.by_length.items():
                query = form[:n] if len(form) > n else form
                if len(query) < n - 2:
                    continue
                for stem, score, _ in process.extract(query, stems, scorer=fuzz.ratio, score_cutoff=FUZZY, limit=3):
                    found[stem] = max(found.get(stem, 0.0), FUZZY_SCALE * score / 100)
        return found

    def _score(self, matches: list[dict[str, float]]) -> list[Scored]:
        best: dict[str, dict[int, float]] = {}  # topic -> token position -> contribution
        where = _positions(matches)
        candidates = sorted({i for stem in where for i in self.entries_with.get(stem, ())})
        placed: dict[tuple[str, ...], list[tuple[int, float]]] = {}  # entries of several languages share stems
        for i in candidates:
            stems, topic, bonus = self._placing[i]
            used = placed.get(stems)
            if used is None:
                used = placed[stems] = _place(stems, where)
            if used:
                slots = best.get(topic)
                if slots is None:
                    slots = best[topic] = {}
                for tok, quality in used:
                    slots[tok] = max(slots.get(tok, 0.0), quality * bonus)
        ranked = []
        for topic, slots in best.items():
            weight, cap = self._topic_weights.get(topic, (1.0, None))
            total = sum(slots.values()) if cap is None else min(cap, sum(slots.values()))
            ranked.append(Scored(topic, round(weight * total, 6), min(slots)))
        order = self._topic_order
        ranked.sort(key=lambda s: (-s.score, s.first, order.get(s.topic, len(order)), s.topic))
        return [s for s in ranked if s.score >= MIN_SCORE]

    def _signals(self, tokens: list[str], matches: list[dict[str, float]]) -> dict[str, Hit]:
        """Every signal whose entry has all its words in the message, matched well (not fuzzily), close together
        (a phrase's words within one word of each other). The longest entry of each signal is kept. A stem of
        a short lexicon word (under five letters) must be the whole word as written ("жар" is not "жарна")."""
        strong = _positions([{stem: q for stem, q in m.items() if q >= SIGNAL_QUALITY} for m in matches])
        candidates = sorted({i for stem in strong for i in self.signals_with.get(stem, ())})
        if not candidates:
            return {}
        written = [_written(t) for t in tokens]
        whole = [fold(t).replace(" ", "") for t in tokens]

        def fits(key: str, stem: str, i: int) -> bool:
            own = self.signal_written.get((key, stem))
            if own is not None:
                return written[i] in own or (written[i].isascii() and whole[i] in own)
            starts = self.signal_starts.get((key, stem))
            return not starts or any(whole[i].startswith(start) for start in starts)

        found: dict[str, Hit] = {}
        for entry in (self.signal_entries[i] for i in candidates):
            mine = {stem: [(i, q) for i, q in strong.get(stem, ()) if fits(entry.topic, stem, i)]
                    for stem in entry.stems}
            used = _place(entry.stems, mine)
            if not used:
                continue
            positions = sorted(tok for tok, _ in used)
            if positions[-1] - positions[0] > len(positions):
                continue
            old = found.get(entry.topic)
            if old is None:
                found[entry.topic] = Hit(entry.topic, len(positions), tuple(positions), (entry.lang,))
                continue
            tokens_ = tuple(sorted(set(old.tokens) | set(positions)))  # every word any of its entries took
            if len(positions) > old.words:
                found[entry.topic] = Hit(entry.topic, len(positions), tokens_, (entry.lang,))
            else:
                langs = old.langs + (entry.lang,) if len(positions) == old.words and entry.lang not in old.langs \
                    else old.langs
                found[entry.topic] = Hit(entry.topic, old.words, tokens_, langs)
        order = self._signal_order
        return dict(sorted(found.items(), key=lambda kv: order.get(kv[0], len(order))))

    def rescore(self, text: str, without: set[int]) -> list[Scored]:
        """The topics of `text` with some of its words left out (those an out-of-scope phrase took)."""
        tokens = _tokens(text)
        return self._score([{} if i in without else self._word_matches(t) for i, t in enumerate(tokens)])

    # -- language ----------------------------------------------------------------------------
    def _plainly_russian(self, text: str, tokens: list[str], chars: set[str]) -> bool:
        """Cyrillic with no letter of another language, every word Russian (a lexicon or stop word), an acronym
        ("ДМС", "ВНЖ") or a number: Russian, whatever other lexicons share the words. `chars`: the text's
        characters, lower case (NFC)."""
        letters = {ch for ch in chars if ch.isalpha()}
        if "ru" not in self.languages or not letters or not letters <= _RUSSIAN_LETTERS:
            return False
        acronyms = {w.lower() for w in re.findall(r"\b[А-ЯЁ]{2,6}\b", text)}
        for token in tokens:
            written = _written(token)
            if written.isdigit() or written in acronyms:
                continue
            if "ru" not in self.written_stop.get(written, ()) and "ru" not in self.written_words.get(written, ()):
                return False
        return True

    def _language(self, text: str, tokens: list[str]) -> tuple[str | None, float]:
        chars = set(unicodedata.normalize("NFC", text.lower()))
        if self._plainly_russian(text, tokens, chars):
            return "ru", STOPWORD_EVIDENCE
        evidence = dict.fromkeys(self.languages, 0.0)
        for ch in sorted(chars):
            owners = self.letters.get(ch, [])
            for code in owners:
                evidence[code] += 1 / len(owners)
        for token in tokens:
            stop_owners, word_owners = self._owners(token)
            for code in stop_owners:  # grammar words are the language's own; topic words are often borrowed
                evidence[code] += STOPWORD_EVIDENCE / len(stop_owners)
            for code in word_owners:
                evidence[code] += 1 / len(word_owners)
        top = max(evidence.values())
        if top <= 0:
            return None, 0.0
        return self._tie_break([code for code in self.languages if evidence[code] == top], tokens), top

    def _owners(self, token: str) -> tuple[list[str], list[str]]:
        """The languages whose stop words / lexicon words this word is: as written ("кайдан" is Kyrgyz,
        "қайдан" Kazakh), else on the folded skeleton, where both are "kaydan". Kept, as `_word_matches`."""
        return _kept(self._owned, token, self._find_owners)

    def _find_owners(self, token: str) -> tuple[list[str], list[str]]:
        written = _written(token)
        folded = fold(token)
        stems = {folded} | {s for code in self.languages if code in self.reducers
                            for s in self.reducers[code].forms(token, folded)}
        stop = self.written_stop.get(written) or sorted({c for s in stems for c in self.stopwords.get(s, [])})
        words = self.written_words.get(written) or sorted({c for s in stems for c in self.stem_langs.get(s, [])})
        return stop, words

    def _tie_break(self, tied: list[str], tokens: list[str]) -> str:
        """The language whose own prompts use the message's words most, then the default language."""
        if len(tied) > 1:
            words = [fold(t) for t in tokens]
            use = {code: sum(self.usage[code][w] for w in words) for code in tied}
            tied = [code for code in tied if use[code] == max(use.values())]
        if len(tied) > 1 and self.lexicon.default_language in tied:
            return self.lexicon.default_language
        return tied[0]

    def understand(self, text: str, language: bool = True) -> Understanding:
        """`language`: also the language the text is written in (`lang`, `lang_evidence`); a texter who has a
        language keeps it whatever the text is written in, so for them it is not worked out (None, 0.0)."""
        tokens = _tokens(text)
        if not tokens:
            return Understanding()
        matches = [self._word_matches(t) for t in tokens]
        ranked = self._score(matches)
        lang, evidence = self._language(text, tokens) if language else (None, 0.0)
        return Understanding(ranked, lang, evidence, self._signals(tokens, matches), len(tokens))


def _kept(table: dict, token: str, work_out):
    """`work_out(token)`, remembered in `table` (emptied when it holds WORDS_KEPT words)."""
    found = table.get(token)
    if found is None:
        found = work_out(token)
        if len(table) >= WORDS_KEPT:
            table.clear()
        table[token] = found
    return found
