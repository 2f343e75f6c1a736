"""Caller numbers at rest: keyed hashes for storage, masks for display.

A plaintext number is never written to Redis by the web app: sessions, call logs and the
language memory key on `number_hash`. HMAC with a secret from config (not a bare hash) so that
a stolen Redis dump cannot be reversed by hashing every possible phone number.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import re

import phonenumbers

_NON_DIGITS = re.compile(r"\D")
# What Twilio sends for a hidden caller ID (its "anonymous" placeholder, or a word): not a person.
WITHHELD_NUMBERS = {"+266696687", "266696687", "anonymous", "restricted", "unknown", "unavailable", "private", ""}


def is_withheld(number: str | None) -> bool:
    """A withheld, missing or impossible caller ID ("+7000", a short code, a sender name): never remember,
    text, limit or call it back as one person. Possible means valid by phonenumbers' metadata for its country."""
    value = (number or "").strip().lower()
    if value in WITHHELD_NUMBERS:
        return True
    value = normalize(value)
    return value in ("", "+266696687") or not _valid(value)


def _valid(value: str) -> bool:
    """In a range the country has assigned (phonenumbers' metadata: keep the library current, or a new
    range reads as withheld). About 0.1 ms; not cached, so no plaintext number stays in memory."""
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(value, None))
    except phonenumbers.NumberParseException:
        return False


def normalize(number: str) -> str:
    """Digits with a leading + (the E.164 shape Twilio sends); other characters dropped."""
    number = (number or "").strip()
    digits = _NON_DIGITS.sub("", number)
    return ("+" + digits) if digits else ""


def from_typed(number: str, region: str = "KZ") -> str:
    """A number as a person in Kazakhstan types it — `8 701 111 00 01`, `7701…`, `+7 (701) …`, `00992…`,
    `810 992…`, with spaces, dashes, brackets — as the E.164 Twilio sends ('' if it is no number).
    phonenumbers reads it in `region` first (the trunk 8 and the 810 exit code), then as international."""
    text = (number or "").strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    candidates = []
    for value, where in ((text, region), ("+" + re.sub(r"\D", "", text), None)):
        try:
            parsed = phonenumbers.parse(value, where)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        if phonenumbers.is_possible_number(parsed):
            candidates.append(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
    return candidates[0] if candidates else ""


def number_hash(secret: str, number: str) -> str:
    value = normalize(number)
    if not value:
        return "anonymous"
    mac = _keyed(secret).copy()  # the key's set-up done once (every webhook hashes its caller)
    mac.update(value.encode())
    return mac.hexdigest()[:32]


@functools.lru_cache(maxsize=4)
def _keyed(secret: str):
    return hmac.new(secret.encode(), digestmod=hashlib.sha256)


def mask(number: str) -> str:
    """+77011234567 -> '+7 701 *** ** 67', +992929123456 -> '+992 92 *** ** 56': the country code and
    the first group as the country writes them (phonenumbers' metadata), then only the last two digits."""
    value = normalize(number)
    if len(value) < 8:
        return "***"
    head = _head(value) or f"{value[:2]} {value[2:5]}"
    return f"{head} *** ** {value[-2:]}"


def _head(value: str) -> str | None:
    """'+CC first-group' of an international number, or None when no country code fits."""
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.region_code_for_country_code(parsed.country_code) == "ZZ":
        return None
    groups = re.split(r"[\s-]+", phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL))
    if len(groups) < 3:  # too short to show a group and still hide the middle
        return groups[0]
    return f"{groups[0]} {groups[1]}"
