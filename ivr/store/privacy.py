"""Caller numbers at rest: keyed hashes for storage, masks for display.

A plaintext number is never written to Redis by the web app: sessions, call logs and the
language memory key on `number_hash`. HMAC with a secret from config (not a bare hash) so that
a stolen Redis dump cannot be reversed by hashing every possible phone number.
"""
from __future__ import annotations

import hashlib
import hmac
import re

# What Twilio sends for a hidden caller ID (its "anonymous" placeholder, or a word): not a person.
WITHHELD_NUMBERS = {"+266696687", "266696687", "anonymous", "restricted", "unknown", "unavailable", "private", ""}


def is_withheld(number: str | None) -> bool:
    """A withheld or missing caller ID: never remember, text, limit or call it back as one person."""
    value = (number or "").strip().lower()
    return value in WITHHELD_NUMBERS or normalize(value) in ("", "+266696687")


def normalize(number: str) -> str:
    """Digits with a leading + (the E.164 shape Twilio sends); other characters dropped."""
    number = (number or "").strip()
    digits = re.sub(r"\D", "", number)
    return ("+" + digits) if digits else ""


def number_hash(secret: str, number: str) -> str:
    value = normalize(number)
    if not value:
        return "anonymous"
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()[:32]


def mask(number: str) -> str:
    """+77011234567 -> '+7 701 *** ** 67': enough for an operator to tell callers apart."""
    value = normalize(number)
    if len(value) < 8:
        return "***"
    return f"{value[:2]} {value[2:5]} *** ** {value[-2:]}"
