"""Words a texter may write in 8 languages, any script: the folded skeleton, and language names.

Every word list (language names here; topic words in the lexicons) comes from the catalog; opt-out/opt-in/help
words are compared exactly, not here (ivr/sms/optout.py). Text and words are both folded to one Latin skeleton —
lower case, Cyrillic and Armenian transliterated, Turkic letters simplified — so "документы", "dokumenty" and
"dakumenty" meet. Topics (what a longer text is about) are scored in ivr/sms/understanding.py on the same skeleton.
"""
from __future__ import annotations

import functools
import re
import unicodedata

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


@functools.lru_cache(maxsize=1 << 16)  # pure; a message's words are folded a dozen times over (understanding.py)
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


class Matcher:
    """Language names built once from the catalog: a whole message that names a language chooses it.

    What a longer text is about is ivr/sms/understanding.py's job (topics, with the lexicons)."""

    def __init__(self, catalog: Catalog):
        self.language_names: dict[str, str] = {}
        for code, lang in catalog.langs.items():
            for name in lang.language_names + [lang.name, code]:
                self.language_names[fold(name)] = code

    def language(self, text: str) -> str | None:
        return self.language_names.get(fold(text))
