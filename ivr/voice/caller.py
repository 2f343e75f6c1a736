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
        code = phonenumbers.parse(number, None).country_code
    except phonenumbers.NumberParseException:
        return None
    return catalog.language_by_country.get(str(code))
