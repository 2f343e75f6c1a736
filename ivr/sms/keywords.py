"""Words a texter may write in 8 languages, any script: the folded skeleton, and whole-message words.

Every word list (opt-out/opt-in/help words, language names) comes from the catalog. Text and words are
both folded to one Latin skeleton — lower case, Cyrillic and Armenian transliterated, Turkic letters
simplified — so "документы", "dokumenty" and "dakumenty" meet. Topics (what a longer text is about) are
scored in ivr/sms/understanding.py on the same skeleton.
"""
from __future__ import annotations

import re
import unicodedata

from ..content.model import Catalog

# Twilio's Advanced Opt-Out words (single word, case-insensitive); handled by Twilio too.
TWILIO_OPTOUT = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"}
TWILIO_OPTIN = {"start", "yes", "unstop"}
TWILIO_HELP = {"help", "info"}

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


def words(text: str) -> str:
    """Lower-case words only, in the original script (for exact opt-out words)."""
    text = unicodedata.normalize("NFKC", text).lower()
    return " ".join(re.findall(r"\w+", text))


class Matcher:
    """Whole-message words built once from the catalog: opt-out / opt-in / help, and language names.

    What a longer text is about is ivr/sms/understanding.py's job (topics, with the lexicons)."""

    def __init__(self, catalog: Catalog):
        self.optout = self._words(catalog, "optout") | TWILIO_OPTOUT
        self.optin = self._words(catalog, "optin") | TWILIO_OPTIN
        self.help = self._words(catalog, "help") | TWILIO_HELP
        self.language_names: dict[str, str] = {}
        for code, lang in catalog.langs.items():
            for name in lang.language_names + [lang.name, code]:
                self.language_names[fold(name)] = code

    @staticmethod
    def _words(catalog: Catalog, attr: str) -> set[str]:
        return {fold(w) for lang in catalog.langs.values() for w in getattr(lang, attr)} - {""}

    def command(self, text: str) -> str | None:
        """optout / optin / help when the whole message is one of those words."""
        key = fold(text)
        for name in ("optout", "optin", "help"):
            if key and key in getattr(self, name):
                return name
        return None

    def language(self, text: str) -> str | None:
        return self.language_names.get(fold(text))
