"""Who the person on the line is, for every webhook of a call.

Twilio posts the same From/To on every webhook of one call (the answer, each <Gather> action, a
<Redirect>, the status callback). On a call a person places, From is the person; on a call the hotline
places (a missed-call callback: Direction=outbound-api, or outbound-dial), From is the hotline's own
number and the person is To. Every voice path — key presses, SMS requests, reminders, callback
requests, the language remembered, the call log — takes the person from `number` and nowhere else.
"""
from __future__ import annotations


def is_outbound(form) -> bool:
    return form.get("Direction", "").startswith("outbound")


def number(form) -> str:
    """The person's phone number as Twilio posted it ("" if none)."""
    return form.get("To" if is_outbound(form) else "From", "")
