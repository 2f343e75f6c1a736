"""SMS encoding and segment counts: what a reply costs the texter before it is sent.

GSM-7 carries 160 characters in one segment and 153 per part of a longer message (the
extension characters count twice); one character outside GSM-7 makes the whole message UCS-2:
70 in one segment, 67 per part. Cyrillic, Armenian and most Turkic Latin letters are UCS-2.
"""
from __future__ import annotations

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")
GSM7 = frozenset(GSM7_BASIC | GSM7_EXTENDED)


# Look-alikes of the apostrophe (Uzbek writes oʻ and gʻ with U+02BB; typography brings ‘ ’): one of them
# makes a whole message UCS-2, the plain apostrophe keeps it GSM-7, and readers read them the same.
APOSTROPHES = str.maketrans({"ʻ": "'", "ʼ": "'", "‘": "'", "’": "'", "`": "'"})


def cheapest(text: str) -> str:
    """`text` with look-alike apostrophes made plain when that makes it GSM-7 (fewer segments), else as is."""
    plain = text.translate(APOSTROPHES)
    return plain if plain != text and encoding(plain) == "GSM-7" else text


def encoding(text: str) -> str:
    return "GSM-7" if GSM7.issuperset(text) else "UCS-2"


def units(text: str) -> int:
    """Length in the units a segment is measured in (septets, or UTF-16 code units)."""
    if encoding(text) == "GSM-7":
        return len(text) + sum(text.count(c) for c in GSM7_EXTENDED)  # an extension character is two
    return len(text.encode("utf-16-le")) // 2


def segments(text: str) -> int:
    if not text:
        return 0
    single, part = (160, 153) if encoding(text) == "GSM-7" else (70, 67)
    n = units(text)
    return 1 if n <= single else -(-n // part)


def capacity(text: str, count: int) -> int:
    """How many units fit in `count` segments of this text's encoding."""
    single, part = (160, 153) if encoding(text) == "GSM-7" else (70, 67)
    return single if count == 1 else part * count
