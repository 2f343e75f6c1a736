"""Inbound bodies that Twilio delivers base64-encoded, decoded back to text.

Twilio passes some concatenated messages from some carriers on as the base64 of their UTF-8 text.
A texter never writes such a thing by hand — 60 or more characters of the base64 alphabet without
one space — so a body is decoded only when it has that shape and decodes to printable UTF-8 text
(a part cut in the middle of a letter loses only that letter). Anything else is left as it came.
"""
from __future__ import annotations

import base64
import binascii
import re

_SHAPE = re.compile(r"[A-Za-z0-9+/]{58,}={0,2}")
MIN_LENGTH = 60


def decode_if_base64(body: str) -> str:
    packed = re.sub(r"[\r\n]", "", body or "").strip()  # a long part may come with line breaks
    if len(packed) < MIN_LENGTH or len(packed) % 4 or not _SHAPE.fullmatch(packed):
        return body
    try:
        raw = base64.b64decode(packed, validate=True)
    except (binascii.Error, ValueError):
        return body
    text = _utf8(raw)
    if text is None or not text.strip() or not all(ch.isprintable() or ch in "\n\r\t" for ch in text):
        return body
    return text


def _utf8(raw: bytes) -> str | None:
    """Strict UTF-8, except for a letter cut off at the very end (up to 3 bytes of it)."""
    for cut in range(4):
        try:
            return raw[:len(raw) - cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
    return None
