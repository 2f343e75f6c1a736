"""Who the person on the line is, for every webhook of a call.

Twilio posts the same From/To on every webhook of one call (the answer, each <Gather> action, a
<Redirect>, the status callback). On a call a person places, From is the person; on a call the hotline
places (a missed-call callback: Direction=outbound-api, or outbound-dial), From is the hotline's own
number and the person is To. Every voice path — key presses, SMS requests, reminders, callback
requests, the language remembered, the call log — takes the person from `number` and nowhere else.

`country_language`: the language a first call is offered first, named by the number's country calling
code (tree.yaml `language_by_country`: +996 Kyrgyz, +998 Uzbek, …); +7 and the rest hear the full list.
"""
from __future__ import annotations

import phonenumbers


def is_outbound(form) -> bool:
    return form.get("Direction", "").startswith("outbound")


def number(form) -> str:
    """The person's phone number as Twilio posted it ("" if none)."""
    return form.get("To" if is_outbound(form) else "From", "")


def country_language(catalog, number: str) -> str | None:
    """The language tree.yaml's `language_by_country` names for the number's country code, or None."""
    if not catalog.language_by_country or not number.startswith("+"):
        return None
    try:
        code = _country_code(number)
    except phonenumbers.NumberParseException:
        return None
    return catalog.language_by_country.get(str(code))


_codes: dict[str, int] = {}  # the country code of a well-formed number's first four characters (bounded)


def _country_code(number: str) -> int:
    """phonenumbers' country code of an E.164 number. Country codes are prefix-free and at most three
    digits, so "+" and three digits decide it: a well-formed number (only digits, 8 to 15 of them) is
    parsed once per distinct prefix instead of on every first call (a parse is a tenth of a /voice)."""
    prefix = number[:4]
    well_formed = number[1:].isdigit() and number.isascii() and 8 <= len(number) - 1 <= 15
    code = _codes.get(prefix) if well_formed else None
    if code is None:
        code = phonenumbers.parse(number, None).country_code
        if well_formed and len(_codes) < 4096:
            _codes[prefix] = code
    return code
