"""Opt-out, opt-in and help words, recognised the way carriers and Twilio recognise them.

A carrier (and Twilio) treats a text as STOP only when the whole message is the word: case does
not matter, surrounding spaces and punctuation do not either, nothing else may be in it ("please
stop sending" is a question, not an opt-out). The words are Twilio's defaults plus the localized
words of every language file (`optout:`, `optin:`, `help:` in prompts/<lang>.yaml). They are
compared exactly, never through the keyword matcher's folding or fuzziness: folding turns YES
into "es" and a typo must never unsubscribe anyone.

Twilio answers its own words itself: with Advanced Opt-Out it adds `OptOutType` (STOP, START,
HELP) to the webhook — also for custom words configured in its console — and then the hotline
records the change but must not reply a second time.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..content.model import Catalog

# Twilio's default words (whole message, any case); REVOKE and OPTOUT come with Advanced Opt-Out.
TWILIO_OPTOUT = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"})
TWILIO_OPTIN = frozenset({"start", "yes", "unstop"})
TWILIO_HELP = frozenset({"help", "info"})
TWILIO_WORDS = TWILIO_OPTOUT | TWILIO_OPTIN | TWILIO_HELP
KINDS = ("optout", "optin", "help")
OPT_OUT_TYPES = {"STOP": "optout", "START": "optin", "HELP": "help"}  # Twilio's OptOutType values

_APOSTROPHES = re.compile(r"[ʻʼ`’‘']")
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")


def normalize(text: str) -> str:
    """The whole message as a carrier compares it: one case, one apostrophe, single spaces, no
    punctuation around it (inner punctuation stays: "to'xta" is a word, "stop, please" is not STOP)."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = _APOSTROPHES.sub("'", text)
    text = " ".join(text.split())
    return _EDGES.sub("", text)


@dataclass(frozen=True)
class Keyword:
    kind: str  # optout | optin | help
    twilio_answered: bool  # Twilio already replied to it: the hotline records it and stays silent


class OptOutWords:
    """The word lists, built once from the catalog."""

    def __init__(self, catalog: Catalog, twilio_answers_defaults: bool = True):
        self.twilio_answers_defaults = twilio_answers_defaults
        self.words: dict[str, str] = {}  # normalized word -> kind
        for kind, defaults in zip(KINDS, (TWILIO_OPTOUT, TWILIO_OPTIN, TWILIO_HELP), strict=True):
            localized = {normalize(w) for lang in catalog.langs.values() for w in getattr(lang, kind)}
            for word in (localized | defaults) - {""}:
                self.words.setdefault(word, kind)

    def classify(self, text: str, opt_out_type: str = "") -> Keyword | None:
        """What the message does to the number's subscription, or None for an ordinary message.
        `opt_out_type` is Twilio's OptOutType parameter: its word is final."""
        kind = OPT_OUT_TYPES.get((opt_out_type or "").strip().upper())
        if kind:
            return Keyword(kind, twilio_answered=True)
        kind = self.words.get(normalize(text))
        if kind is None:
            return None
        # Twilio trims and ignores case, nothing more: "STOP." opts out here, but Twilio did not answer it.
        bare = unicodedata.normalize("NFKC", text or "").strip().casefold()
        return Keyword(kind, twilio_answered=self.twilio_answers_defaults and bare in TWILIO_WORDS)
