"""Opt-out, opt-in and help words, and what a number's opt-out lets the hotline send.

Words. A carrier (and Twilio) treats a text as STOP only when the whole message is the word: case and
surrounding spaces do not matter, nothing else may be in it ("please stop sending" is a question). The hotline
adds each language's own phrases (prompts/lexicon/optout.yaml, format in its header): compared on the whole message
too, after punctuation, the languages' "please" words and diacritics are set aside ("Дигар СМС нафиристед!",
"sms ugratman"). Never through the keyword matcher's folding or fuzziness: a typo must not unsubscribe anyone.

Carrier truth. After one of Twilio's opt-out words (as Twilio matches them: trimmed, any case, nothing else),
its `OptOutType=STOP`, or error 21610, Twilio blocks every message to the number — replies to its texts
included — until the texter sends START, YES or UNSTOP (or Twilio posts `OptOutType=START`). So:
  - only those clear an opt-out here; the hotline's own opt-in words ("старт", "бастау", "Start.") get the
    reply "send START" (`ui.optout_start`) and change nothing;
  - a reply to a number blocked at the carrier is never sent (Twilio would drop it with 21610): it is recorded
    as not sent (`sms_not_sent`) instead of pretending; a number that said only a local stop word ("стоп") is
    blocked by the hotline alone, so replies to it — "send START" among them — do reach it.
The opt-out record (`optout:<hash>`, ivr/store/messages.py) says which: `twilio-…` (the carrier blocks) or
`hotline:…` (only the hotline does); any other value, from before, counts as the carrier's.

Twilio answers its own words itself: with Advanced Opt-Out it adds `OptOutType` (STOP, START, HELP) to the
webhook — also for custom words configured in its console — and then the hotline records the change but must
not reply a second time.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..content import fast_yaml
from ..content.model import Catalog, CatalogError

# Twilio's default words (whole message, any case); REVOKE and OPTOUT come with Advanced Opt-Out.
TWILIO_OPTOUT = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"})
TWILIO_OPTIN = frozenset({"start", "yes", "unstop"})
TWILIO_HELP = frozenset({"help", "info"})
TWILIO_WORDS = TWILIO_OPTOUT | TWILIO_OPTIN | TWILIO_HELP
KINDS = ("optout", "optin", "help")
OPT_OUT_TYPES = {"STOP": "optout", "START": "optin", "HELP": "help"}  # Twilio's OptOutType values
FILE = "lexicon/optout.yaml"

CARRIER, HOTLINE = "carrier", "hotline"  # who blocks an opted-out number
PROMPTS = {"optout": "ui.sms_stopped", "optin": "ui.sms_started", "help": "ui.sms_help"}
HOW_TO_STOP = "ui.sms_stop_how"  # "to stop our SMS send STOP; START brings them back": a question about stopping
NEEDS_START = "ui.optout_start"  # "to get SMS again, send START": the reply to a local opt-in word
NOT_SENT = "sms_not_sent"  # the log event of a reply that could not reach the number
FOLDS_KEPT = 20_000  # words whose folded form is kept (a text's words are folded for every check of it)

_APOSTROPHES = re.compile(r"[ʻʼ`’‘']")
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")
_WORDS = re.compile(r"[^\W_]+(?:'[^\W_]+)*")  # words, an apostrophe inside one ("to'xta") kept with it


def normalize(text: str) -> str:
    """The whole message in one case, one apostrophe, single spaces, no punctuation around it."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = _APOSTROPHES.sub("'", text)
    text = " ".join(text.split())
    return _EDGES.sub("", text)


def twilio_word(text: str) -> str | None:
    """The kind of Twilio's own word the message is, as Twilio matches it (trimmed, any case, nothing else)."""
    bare = unicodedata.normalize("NFKC", text or "").strip().casefold()
    for kind, words in zip(KINDS, (TWILIO_OPTOUT, TWILIO_OPTIN, TWILIO_HELP), strict=True):
        if bare in words:
            return kind
    return None


@dataclass(frozen=True)
class Keyword:
    kind: str  # optout | optin | help
    twilio_answered: bool  # Twilio already replied to it: the hotline records it and stays silent
    carrier: bool = False  # Twilio acted on it (its own word, or OptOutType): it blocks or unblocks the number
    langs: tuple[str, ...] = ()  # the languages the phrase is written in (for a texter with no language yet)


@dataclass
class Decision:
    """What a keyword does, given the number's opt-out: the reply, the change, the log event."""
    prompt: str | None  # the reply's prompt id, or None (Twilio answered)
    lang: str
    optout: str | bool | None  # CARRIER / HOTLINE: opt out (who blocks); False: opt back in; None: unchanged
    event: dict = field(default_factory=dict)


class OptOutWords:
    """The phrases, built once from prompts/lexicon/optout.yaml (and a small catalog's language files)."""

    def __init__(self, catalog: Catalog, twilio_answers_defaults: bool = True):
        self.twilio_answers_defaults = twilio_answers_defaults
        self.order = list(catalog.languages)
        data = load(catalog)
        self.data = data  # the whole file: ivr/sms/optout_freeform.py reads its `freeform:` part
        self.fold_map = str.maketrans({str(k): str(v) for k, v in (data.get("fold") or {}).items()})
        self._folds: dict[str, str] = {}
        self.please = {self.fold(normalize(w)) for words in (data.get("please") or {}).values() for w in words}
        self.default = _default_language(catalog)
        self.words: dict[str, str] = {}  # key -> kind
        self.written: dict[str, set[str]] = {}  # normalized as written -> languages
        self.folded: dict[str, set[str]] = {}  # key -> languages
        for kind, defaults in zip(KINDS, (TWILIO_OPTOUT, TWILIO_OPTIN, TWILIO_HELP), strict=True):
            for word in defaults:
                self.words.setdefault(word, kind)
            for code, phrases in _phrases(catalog, data, kind).items():
                for phrase in phrases:
                    key = self.key(phrase)
                    if not key:
                        raise CatalogError(FILE, f"{kind} phrase {phrase!r} is only 'please' words", None, code)
                    if self.words.setdefault(key, kind) != kind:
                        raise CatalogError(FILE, f"{phrase!r} is both {self.words[key]} and {kind}", None, code)
                    self.written.setdefault(normalize(phrase), set()).add(code)
                    self.folded.setdefault(key, set()).add(code)

    def fold(self, text: str) -> str:
        """Diacritics dropped (ş→s, ň→n, й→и), then the data file's letters (қ→к, ə→e, apostrophes away).
        Pure: a word's fold is kept (bounded, FOLDS_KEPT), as every check of a text folds its words again."""
        found = self._folds.get(text)
        if found is None:
            decomposed = unicodedata.normalize("NFKD", text)
            bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
            found = unicodedata.normalize("NFC", bare).translate(self.fold_map)
            if len(self._folds) >= FOLDS_KEPT:
                self._folds.clear()
            self._folds[text] = found
        return found

    def folded_words(self, text: str) -> list[str]:
        """A message's words as the phrases and the free-form words are compared with them: normalised, folded,
        the empty ones left out. Worked out once per text and handed to `classify` and `FreeForm.read`."""
        return [w for w in map(self.fold, _WORDS.findall(normalize(text))) if w]

    def key(self, text: str, folded: list[str] | None = None) -> str:
        """A message as it is compared with the phrases: folded words, the languages' "please" words left out.
        `folded`: the text's `folded_words`, when worked out already."""
        words = self.folded_words(text) if folded is None else folded
        return " ".join(w for w in words if w not in self.please)

    def classify(self, text: str, opt_out_type: str = "", folded: list[str] | None = None) -> Keyword | None:
        """What the message does to the number's subscription, or None for an ordinary message.
        `opt_out_type` is Twilio's OptOutType parameter: its word is final. `folded`: as `key`'s."""
        kind = OPT_OUT_TYPES.get((opt_out_type or "").strip().upper())
        if kind:
            return Keyword(kind, twilio_answered=True, carrier=kind != "help", langs=self.languages(text))
        own = twilio_word(text)
        kind = own or self.words.get(self.key(text, folded))
        if kind is None:
            return None
        # Twilio trims and ignores case, nothing more: "STOP." opts out here, but Twilio did not see it.
        return Keyword(kind, twilio_answered=self.twilio_answers_defaults and own is not None,
                       carrier=own is not None and kind != "help", langs=self.languages(text))

    def languages(self, text: str) -> tuple[str, ...]:
        """The languages a phrase is written in: as written first (тоқта is Kazakh), else folded."""
        found = self.written.get(normalize(text)) or self.folded.get(self.key(text)) or set()
        return tuple(code for code in self.order if code in found)

    def language(self, keyword: Keyword, session_lang: str | None) -> str:
        """The reply's language: the texter's; for a first message, the phrase's own (the default language
        when it is one of several), else the default."""
        if session_lang:
            return session_lang
        if len(keyword.langs) == 1 or (keyword.langs and self.default not in keyword.langs):
            return keyword.langs[0]
        return self.default

    def decide(self, keyword: Keyword, blocked: str | None, session_lang: str | None) -> Decision:
        """`blocked`: the number's opt-out record (None when it may receive SMS)."""
        lang = self.language(keyword, session_lang)
        by = blocked_by(blocked)
        silent = keyword.twilio_answered
        event = {"type": keyword.kind, "answered_by": "twilio" if silent else "hotline"}
        if keyword.kind == "optout":
            level = CARRIER if keyword.carrier or by == CARRIER else HOTLINE
            return Decision(None if silent else PROMPTS["optout"], lang, level, {**event, "blocked_by": level})
        if keyword.kind == "optin" and by and not keyword.carrier:
            # Only Twilio's START / YES / UNSTOP lift Twilio's block: a word of ours would promise SMS that never come.
            return Decision(NEEDS_START, lang, None, {**event, "type": "optin_refused", "blocked_by": by})
        if keyword.kind == "optin":
            return Decision(None if silent else PROMPTS["optin"], lang, False, event)
        return Decision(None if silent else PROMPTS["help"], lang, None, event)


def blocked_by(record: str | None) -> str | None:
    """Who blocks a number, from its opt-out record: the carrier (Twilio), the hotline alone, or nobody."""
    if not record:
        return None
    return HOTLINE if str(record).startswith(HOTLINE + ":") else CARRIER


def record(level: str, now: float) -> str:
    """The opt-out record's value: who blocks, and since when."""
    return f"{HOTLINE}:{now:.0f}" if level == HOTLINE else f"twilio-stop:{now:.0f}"


def refuse_reminder(answer, blocked: str | None, why: str) -> None:
    """A reminder asked for by text is an SMS too: an opted-out number is told why none will come (`why`, the
    text of `ui.optout_voice`) instead of the reminder screen's promise, and nothing is queued."""
    if answer.action == "reminder" and blocked:
        answer.action, answer.replies = None, [why]
        answer.events.append({"type": "sms_request", "sms": "opted_out", "refused": "reminder"})


def withhold_undeliverable(answer, blocked: str | None) -> bool:
    """A number the carrier blocks receives nothing until it opts back in the carrier's way: move the replies
    to a `sms_not_sent` event (the log says what was not sent, and why). True if something was withheld."""
    if blocked_by(blocked) != CARRIER or answer.optout is False or not answer.replies:
        return False
    answer.events += [{"type": NOT_SENT, "body": text, "reason": "carrier-optout"} for text in answer.replies]
    answer.replies = []
    return True


def load(catalog: Catalog) -> dict:
    path = Path(catalog.directory) / FILE
    if not path.exists():
        return {}
    try:
        data = fast_yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise CatalogError(FILE, f"is not valid YAML: {exc}") from exc
    for kind in ("please",) + KINDS:
        unknown = set(data.get(kind) or {}) - set(catalog.languages)
        if unknown:
            raise CatalogError(FILE, f"{kind}: {sorted(unknown)} are not catalog languages")
        if kind != "please":
            missing = [code for code in catalog.languages if not (data.get(kind) or {}).get(code)]
            if missing:
                raise CatalogError(FILE, f"{kind}: no phrases for {', '.join(missing)}")
    return data


def _phrases(catalog: Catalog, data: dict, kind: str) -> dict[str, list[str]]:
    """A kind's phrases per language: the data file's, and a language file's own list (small catalogs)."""
    out = {code: [str(w) for w in (data.get(kind) or {}).get(code) or []] for code in catalog.languages}
    for code, lang in catalog.langs.items():
        out.setdefault(code, []).extend(str(w) for w in getattr(lang, kind))
    return out


def _default_language(catalog: Catalog) -> str:
    path = Path(catalog.directory) / "lexicon" / "topics.yaml"
    default = None
    if path.exists():
        default = (fast_yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("default_language")
    if default in catalog.langs:
        return default
    return "ru" if "ru" in catalog.langs else catalog.languages[0]


def summary(catalog: Catalog) -> str:
    """For `hotline content check`: phrases per language (raises CatalogError when the file is wrong)."""
    words = OptOutWords(catalog)
    counts = {code: sum(code in langs for langs in words.folded.values()) for code in catalog.languages}
    return f"SMS stop/start/help phrases ({FILE}): " + ", ".join(f"{c} {n}" for c, n in counts.items())
