"""The spoken-text layer: what a synthesizer is fed for a line of the catalog, per language.

A prompt is written for a reader ("ДМС", "1 4 0 6", "2025-nji ýylda", "egov.kz"); a robot voice
reads such a text badly (it spells, switches to its English voice, or drops digits). `Speaker`
rewrites a line into words the voice of its language can say, by rules that are data, one file
per language: prompts/spoken/<lang>.yaml (format and how to fix a pronunciation: prompts/README.md).
In order:

  1. one apostrophe form (ʻ ʼ ’ ‘ ` → ');
  2. the lexicon `words:` — abbreviations, names, web addresses, service numbers — as written,
     followed by an optional lower-case suffix ("ЦОНе" = "ЦОН" + "е");
  3. web addresses (egov.kz): the name, the language's word for "dot", the ending letter by letter;
  4. other all-capital words (ДМС, MLÄ, "Т М К К К"): each letter by its name in the language (`letters:`);
  5. words in another script, through `latin:` or `cyrillic:` (never an English or Russian voice);
     then `chars:`, letters the voice lacks (Kazakh қ in a Kyrgyz text) as letters it has;
  6. numbers as words: digits said one by one ("1 4 0 6", `digit_by_digit:` numbers, long numbers),
     ranges ("40-70"), dates (9.10.2020), ordinals ("2025-nji", "1-қадам"), a suffix after a
     hyphen ("9-дан"), phone numbers, and plain amounts and years; then `symbols:` (% + / @);
  7. `replace:` — fixed joins the rules above leave ("ինըի" → "ինի": a number word and its ending);
  8. `transliterate:` — a stand-in voice's script (Tajik Cyrillic into the Latin the Persian voice reads).

`for_say` is the same rewrite for Twilio's <Say> (Polly reads numbers itself): words for Latin words,
web addresses and lexicon entries, and each abbreviation said by its letters as SSML
<say-as interpret-as="characters"> runs, never raw. `mixed_letter_names` finds lexicon entries that spell an
abbreviation with letter names other than the language's own `letters:` (a language must name a letter one way).

Numbers come from num2words where it knows the language (`numbers.num2words`), otherwise from the
file's own tables (units, tens, hundred, thousand).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml

from . import fast_yaml

APOSTROPHES = str.maketrans({c: "'" for c in "ʻʼ’‘`´ʹ′"})
DASHES = "-–—"
SPACED_LETTERS = re.compile(r"(?<![\w'])[^\W\d_](?: [^\W\d_])+(?![\w'])")  # "Т М К К К"
LETTER_RUN = re.compile(r"(?<![\w'-])[^\W\d_](?:,? [^\W\d_])+(?![\w'])")  # "в О С М С", "гепатиты А, В, С"
WORD = re.compile(r"(?<![\w'])[^\W\d_]+(?![\w'])")
FOREIGN_WORD = re.compile(r"(?<![\w'])([A-Za-z][A-Za-z']*|[\u0400-\u04ff]+)(?![\w'])")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
ADDRESS = re.compile(r"(?<![\w.])([a-z][a-z0-9-]*)((?:\.[a-z]{2,})+)(?![\w])", re.IGNORECASE)
DATE = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?!\d)")
RANGE = re.compile(rf"(?<![\d])(\d+)\s?[{DASHES}]\s?(\d+)(?![\d])")
SPACED_DIGITS = re.compile(r"(?<![\d\w])\d(?: \d)+(?![\d\w])")
NUMBER = re.compile(r"(?<![\w])(\d{1,3}(?:[ \u00a0\u202f,]\d{3}(?!\d))+|\d+)(?:-([^\W\d_]+))?")
PHONE = re.compile(r"(?<![\w+])(\+?)(\d[\d ()-]{5,}\d)(?![\d-])")


class SpokenError(Exception):
    pass


@dataclass
class Rules:
    """One language's rules, as read from prompts/spoken/<lang>.yaml."""

    lang: str
    words: dict[str, str] = field(default_factory=dict)
    letters: dict[str, str] = field(default_factory=dict)
    latin: dict[str, str] = field(default_factory=dict)  # Latin letters -> the language's (Cyrillic, Armenian)
    cyrillic: dict[str, str] = field(default_factory=dict)  # Cyrillic letters -> the language's (Latin, Armenian)
    symbols: dict[str, str] = field(default_factory=dict)  # % + / @ … as said
    transliterate: dict[str, str] = field(default_factory=dict)
    numbers: dict = field(default_factory=dict)
    chars: dict[str, str] = field(default_factory=dict)  # letters the voice lacks -> its nearest own letter
    dot: str = "."
    say_voice: str | None = None  # a Twilio <Say> voice that speaks this language, if any
    replace: dict[str, str] = field(default_factory=dict)  # fixed joins after numbers ("ինըի" -> "ինի")
    alphabet: str = ""  # the language's own letters (lower case): `hotline audio check` flags look-alikes
    never_in_one_word: list = field(default_factory=list)  # letter pairs that never meet in a word (az İ, I)

    @cached_property
    def lexicon(self) -> re.Pattern | None:
        if not self.words:
            return None
        keys = sorted(self.words, key=len, reverse=True)
        return re.compile(r"(?<![\w.])(" + "|".join(map(re.escape, keys)) + r")([^\W\d_]*)(?![^\W\d_])")


def load_rules(directory: Path | str, lang: str) -> Rules:
    path = Path(directory) / f"{lang}.yaml"
    if not path.exists():
        return Rules(lang)
    try:
        data = fast_yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise SpokenError(f"spoken/{path.name} is not valid YAML: {exc}") from exc
    return Rules(
        lang=lang,
        words={str(k): str(v) for k, v in (data.get("words") or {}).items()},
        letters={str(k): str(v) for k, v in (data.get("letters") or {}).items()},
        latin={str(k): str(v) for k, v in (data.get("latin") or {}).items()},
        cyrillic={str(k): str(v) for k, v in (data.get("cyrillic") or {}).items()},
        symbols={str(k): str(v) for k, v in (data.get("symbols") or {}).items()},
        transliterate={str(k): str(v) for k, v in (data.get("transliterate") or {}).items()},
        numbers=dict(data.get("numbers") or {}),
        chars={str(k): str(v) for k, v in (data.get("chars") or {}).items()},
        dot=str(data.get("dot") or "."),
        say_voice=data.get("say_voice"),
        replace={str(k): str(v) for k, v in (data.get("replace") or {}).items()},
        alphabet=str(data.get("alphabet") or ""),
        never_in_one_word=[str(pair) for pair in data.get("never_in_one_word") or []],
    )


class Speaker:
    """`spoken(lang, text)`: the text rewritten into words, by the rules of prompts/spoken/<lang>.yaml."""

    def __init__(self, directory: Path | str):
        self.directory = Path(directory)
        self._rules: dict[str, Rules] = {}
        self._memo: dict[tuple[str, str], str] = {}

    def rules(self, lang: str) -> Rules:
        if lang not in self._rules:
            self._rules[lang] = load_rules(self.directory, lang)
        return self._rules[lang]

    def spoken(self, lang: str, text: str) -> str:
        key = (lang, text)
        if key not in self._memo:
            self._memo[key] = speak(self.rules(lang), text)
        return self._memo[key]


def speak(rules: Rules, text: str) -> str:
    text = text.translate(APOSTROPHES)
    if rules.lexicon is not None:
        text = rules.lexicon.sub(lambda m: _from_lexicon(rules, m), text)
    text = ADDRESS.sub(lambda m: _address(rules, m), text)
    if rules.letters:
        text = LETTER_RUN.sub(lambda m: _letter_run(rules, m.group()), text)
        text = WORD.sub(lambda m: _capitals(rules, m.group()), text)
    if rules.latin or rules.cyrillic:
        text = FOREIGN_WORD.sub(lambda m: _foreign(rules, m.group(1)), text)
    if rules.chars:
        text = text.translate(str.maketrans(rules.chars))
    text = Numbers(rules).say(text)
    for written, said in rules.replace.items():
        text = text.replace(written, said)
    for symbol, said in rules.symbols.items():
        text = text.replace(symbol, f" {said} " if said.strip(" ,") else said + " ")
    if rules.transliterate:
        text = _transliterate(rules.transliterate, text)
    return " ".join(text.split())


Segment = tuple[str, str, str]  # (kind, as written, as said): kind is text, characters or sub


def for_say(rules: Rules, text: str) -> list[Segment]:
    """A line for Twilio's <Say> as segments: ("text", t, t) said as it is; ("characters", "ДМС", "ДМС") for
    <say-as interpret-as="characters">; ("sub", "egov.kz", "игов точка кей зет") for <sub alias>: lexicon words,
    web addresses, Latin words and letters the voice lacks become the language's words, an abbreviation spelled
    letter by letter is said by its characters. The written text stays as it is; numbers are left to the voice."""
    segments: list[Segment] = [("text", text, text)]

    def lexicon(m):
        key = m.group(1)
        if _spells(rules, key) and not any(c in rules.chars for c in key):  # МӘМС: the voice has no Ә
            return [("characters", key, key)] + ([("text", m.group(2), m.group(2))] if m.group(2) else [])
        said = _from_lexicon(rules, m)
        return None if said == m.group() else [("sub", m.group(), said.strip())]

    if rules.lexicon is not None:
        segments = _pass(segments, rules.lexicon, lexicon)
    if rules.latin:
        segments = _pass(segments, ADDRESS, lambda m: [("sub", m.group(), _address(rules, m))])
    segments = _pass(segments, LETTER_RUN, lambda m: _run_segments(m.group()))
    segments = _pass(segments, WORD, lambda m: _capital_segments(m.group()))
    if rules.latin:
        segments = _pass(segments, FOREIGN_WORD, lambda m: [("sub", m.group(), _foreign(rules, m.group(1)))]
                         if m.group(1).isascii() else None)
    if rules.chars:
        table = str.maketrans(rules.chars)
        segments = _pass(segments, WORD, lambda m: [("sub", m.group(), m.group().translate(table))]
                         if m.group().translate(table) != m.group() else None)
    return [seg for seg in segments if seg[1]]


def _pass(segments: list[Segment], pattern: re.Pattern, make) -> list[Segment]:
    """Rewrite the plain-text segments where `pattern` matches and `make(match)` gives segments (None: keep)."""
    out: list[Segment] = []
    for kind, written, said in segments:
        if kind != "text":
            out.append((kind, written, said))
            continue
        last = 0
        for m in pattern.finditer(written):
            made = make(m)
            if made is None:
                continue
            if m.start() > last:
                out.append(("text", written[last:m.start()], written[last:m.start()]))
            out += made
            last = m.end()
        if last < len(written):
            out.append(("text", written[last:], written[last:]))
    return out


def _run_segments(run: str) -> list[Segment] | None:
    """One-letter words in a row with capitals ("в О С М С", "А, В"): the capitals by their characters."""
    if not any(c.isupper() for c in run):
        return None
    out: list[Segment] = []
    for part in re.split(r"(\s*,\s*|\s+)", run):
        kind = "characters" if part.isalpha() and part.isupper() else "text"
        out.append((kind, part, part))
    return out


def _capital_segments(word: str) -> list[Segment] | None:
    caps = len(word) - len(word.lstrip("".join(c for c in word if c.isupper())))
    if caps < 2 or not (caps == len(word) or word[caps:].islower()):
        return None
    return [("characters", word[:caps], word[:caps])] + ([("text", word[caps:], word[caps:])] if word[caps:] else [])


def _spells(rules: Rules, key: str) -> bool:
    """A lexicon entry that says an abbreviation letter by letter ("ДМС": "дэ эм эс")."""
    letters = [c for c in key if c.isalpha()]
    said = rules.words[key].split()
    return len(letters) >= 2 and key.isupper() and len(said) == len(letters) and all(len(w) <= 4 for w in said)


def mixed_letter_names(rules: Rules) -> dict[str, tuple[str, str]]:
    """Lexicon entries spelled with other letter names than `letters:` gives: {written: (said, by letters)}."""
    if not rules.letters:
        return {}
    out = {}
    for key, said in rules.words.items():
        if _spells(rules, key):
            expected = _letter_names(rules, key)
            if said.split() != expected.split():
                out[key] = (said, expected)
    return out


def _from_lexicon(rules: Rules, m: re.Match) -> str:
    key, suffix = m.group(1), m.group(2)
    if suffix and sum(ch.isupper() for ch in key) < 2:
        return m.group()  # only an abbreviation takes an ending ("ЦОНе", "TsONga"); "B" does not start "Bolalar"
    said = _with_suffix(rules.words[key], suffix)
    return said if m.group(1)[-1].isalnum() else said + " "  # "№121": the number is a word of its own


def _with_suffix(said: str, suffix: str) -> str:
    return said + suffix.lower() if suffix and suffix.islower() else (said + " " + suffix if suffix else said)


def _letter_run(rules: Rules, run: str) -> str:
    """One-letter words in a row: capitals spaced out ("О С М С") are one abbreviation, said by the letters'
    names; capitals in a list ("А, В, С") each by its name; a lower-case word ("в", "и") stays itself."""
    out, caps = [], []

    def flush():
        if caps:
            out.append(_letter_names(rules, "".join(caps)))
            caps.clear()

    for sep, letter in re.findall(r"(,? ?)([^\W\d_])", run):
        if letter.isupper() and caps and not sep.startswith(","):
            caps.append(letter)  # the next letter of a spaced-out abbreviation
            continue
        flush()
        out.append(sep)
        if letter.isupper():
            caps.append(letter)
        else:
            out.append(letter)
    flush()
    return "".join(out)


def _capitals(rules: Rules, word: str) -> str:
    """An all-capital word (or capitals and a lower-case suffix: "КТБдан") said letter by letter."""
    caps = len(word) - len(word.lstrip("".join(c for c in word if c.isupper())))
    if caps < 2 or not (caps == len(word) or word[caps:].islower()):
        return word
    return _with_suffix(_letter_names(rules, word[:caps]), word[caps:])


def _letter_names(rules: Rules, word: str) -> str:
    """Each letter by its name in the language; a letter of another script first becomes its own."""
    names = []
    for ch in word:
        if ch not in rules.letters and _table(rules, ch):
            names += [rules.letters.get(c, c.lower()) for c in "".join(_spell(_table(rules, ch), ch.lower())).upper()]
        else:
            names.append(rules.letters.get(ch, rules.letters.get(ch.upper(), ch.lower())))
    return " ".join(names)


def _table(rules: Rules, text: str) -> dict[str, str]:
    """The language's table for text in another script: `latin:` or `cyrillic:` (empty: its own script)."""
    if text.isascii():
        return rules.latin
    return rules.cyrillic if CYRILLIC.search(text) else {}


def _foreign(rules: Rules, word: str) -> str:
    """A word in another script, in the language's own letters (all capitals: by the letters' names)."""
    table = _table(rules, word)
    if not table:
        return word
    if word.isupper():  # an abbreviation, or a letter on its own ("hepatitis B")
        return _letter_names(rules, word)
    return "".join(_spell(table, word.lower()))


def _spell(table: dict[str, str], word: str) -> list[str]:
    out, i = [], 0
    while i < len(word):
        pair = word[i:i + 2]
        if len(pair) == 2 and pair in table:
            out.append(table[pair])
            i += 2
        else:
            out.append(table.get(word[i], word[i]))
            i += 1
    return out


def _address(rules: Rules, m: re.Match) -> str:
    """egov.kz, www.fms.kz: the names as words, "dot", the last ending by its letters ("www." is not said)."""
    parts = (m.group(1) + m.group(2)).split(".")
    if parts[0].lower() == "www" and len(parts) > 2:
        parts = parts[1:]
    said = [_foreign(rules, p.lower()) for p in parts[:-1]] + [_letter_names(rules, parts[-1].upper())]
    return f" {rules.dot} ".join(said)


def _transliterate(table: dict[str, str], text: str) -> str:
    """Letter for letter; a word-initial `^x` entry wins at the start of a word; where two letters
    would merge into a digraph of the target script ("s" + "h" = "sh"), `_separator` keeps them apart."""
    digraphs = set(table.get("_digraphs", "").split())
    separator = table.get("_separator", "'")  # keeps two letters from reading as a digraph
    out: list[str] = []
    for i, ch in enumerate(text.lower()):
        start = i == 0 or not text[i - 1].isalpha()
        latin = table.get("^" + ch) if start and "^" + ch in table else table.get(ch, ch)
        if out and out[-1] and latin and (out[-1][-1] + latin[0]) in digraphs:
            latin = separator + latin
        out.append(latin)
    return "".join(out)


class Numbers:
    """Digits into words, by the `numbers:` section of a language's rules."""

    def __init__(self, rules: Rules):
        self.rules = rules
        self.conf = rules.numbers

    def say(self, text: str) -> str:
        if not self.conf:
            return text
        text = DATE.sub(self._date, text)
        text = PHONE.sub(self._phone, text)
        text = SPACED_DIGITS.sub(lambda m: self.digits(m.group().replace(" ", "")), text)
        text = RANGE.sub(lambda m: self.conf.get("range", "{a} – {b}").format(
            a=self.cardinal(int(m.group(1))), b=self._number(m.group(2))), text)
        return NUMBER.sub(self._number_match, text)

    # -- forms ----------------------------------------------------------------------------
    def digits(self, digits: str) -> str:
        return " ".join(self.cardinal(int(d)) for d in digits)

    def cardinal(self, n: int, **kw) -> str:
        lib = self.conf.get("num2words")
        if lib:
            from num2words import num2words

            return num2words(n, lang=lib, **kw)
        return " ".join(self._table(n))

    def ordinal(self, n: int, **kw) -> str:
        lib = self.conf.get("num2words")
        if lib and self.conf.get("num2words_ordinal", True):
            from num2words import num2words

            return num2words(n, lang=lib, to="ordinal", **kw)
        words = self.cardinal(n).split()
        table = self.conf.get("ordinal") or {}
        words[-1] = table.get(words[-1], words[-1])
        return " ".join(words)

    def _table(self, n: int) -> list[str]:
        c = self.conf
        if n == 0:
            return [c["zero"]]
        out: list[str] = []
        for scale, size in (("million", 10**6), ("thousand", 1000)):
            q, n = divmod(n, size)
            if q:
                out += ([] if q == 1 and not c.get(f"one_before_{scale}", True) else self._table(q)) + [c[scale]]
        h, n = divmod(n, 100)
        if h:
            out += ([] if h == 1 and not c.get("one_before_hundred", True) else [c["units"][h]]) + [c["hundred"]]
        if 10 < n < 20 and c.get("teens"):
            out.append(c["teens"][n - 10])
            return out
        t, u = divmod(n, 10)
        if t:
            out.append(c["tens"][t])
        if u:
            out.append(c["units"][u])
        return out

    # -- in a text ------------------------------------------------------------------------
    @cached_property
    def _digit_numbers(self) -> set[str]:
        return {str(d) for d in self.conf.get("digit_by_digit") or []}

    def _number(self, written: str) -> str:
        digits = re.sub(r"\D", "", written)
        if digits in self._digit_numbers or (
                len(digits) > 1 and digits.startswith("0")) or len(digits) > 7:
            return self.digits(digits)
        return self.cardinal(int(digits))

    def _phone(self, m: re.Match) -> str:
        """A phone number ("+7 701 123 45 67", "8 (727) 123-45-67"): digit by digit, a pause per group."""
        plus, number = m.group(1), m.group(2)
        if len(re.sub(r"\D", "", number)) < 7 or not (plus or "(" in number or number.count("-") >= 2):
            return m.group()
        groups = [self.digits(g) for g in re.findall(r"\d+", number)]
        return (self.rules.symbols.get("+", "+") + " " if plus else "") + ", ".join(groups)

    def _number_match(self, m: re.Match) -> str:
        written, suffix = m.group(1), m.group(2)
        if " " in written and any(g in self._digit_numbers for g in written.split(" ")):
            return " ".join(self._number(g) for g in written.split(" ")) + ("-" + suffix if suffix else "")
        if suffix is None:
            return self._before_word(m) or self._number(written)
        n = int(re.sub(r"\D", "", written))
        if suffix in (self.conf.get("ordinal_suffixes") or []):
            return self.ordinal(n)
        if suffix in (self.conf.get("attach") or []) or not self.conf.get("ordinal_before_word"):
            return self._number(written).replace(" ", self.conf.get("join", " ")) + suffix
        return self.ordinal(n) + " " + suffix

    def _before_word(self, m: re.Match) -> str | None:
        """A number before a word that asks for a form: Russian "в 2025 году" (ordinal, prepositional)."""
        forms = self.conf.get("forms") or {}
        if not forms:
            return None
        after = re.match(r"\s+([^\W\d_]+)", m.string[m.end():])
        form = forms.get(after.group(1).lower()) if after else None
        if form is None:
            return None
        return self._form(int(re.sub(r"\D", "", m.group(1))), form)

    def _date(self, m: re.Match) -> str:
        day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        months = self.conf.get("months") or []
        if not 1 <= month <= 12 or len(months) != 12:
            return m.group()
        template = self.conf.get("date", "{day} {month} {year}")
        forms = self.conf.get("date_forms") or {}
        day_said, year_said = (self._form(n, forms.get(name)) for n, name in ((day, "day"), (year, "year")))
        return template.format(day=day_said, day_ordinal=self.ordinal(day), month=months[month - 1],
                               year=year_said, year_ordinal=self.ordinal(year))

    def _form(self, n: int, form: dict | None) -> str:
        """`n` in a form of the language's rules: {to: ordinal, case: …, gender: …} (num2words' words)."""
        form = form or {}
        kw = {k: v for k, v in form.items() if k != "to"}
        return self.ordinal(n, **kw) if form.get("to") == "ordinal" else self.cardinal(n, **kw)
