"""Webhook bodies shaped as Twilio posts them (the fields of real captures, our own values).

Twilio's inbound-SMS, message-status and call-status webhooks carry more than the app reads
(geography, SmsSid twins, ApiVersion …); the tests post all of it, signed, so that a field
the app does not expect can never break it.
"""
from __future__ import annotations

import uuid

ACCOUNT = "AC" + "0" * 32
HOTLINE = "+77270000000"
WITHHELD = "+266696687"  # what Twilio sends for a hidden caller ID


def sid(prefix: str) -> str:
    return prefix + uuid.uuid4().hex


def inbound_sms(body: str, sender: str, message_sid: str | None = None, **extra) -> dict:
    message_sid = message_sid or sid("SM")
    form = {"ToCountry": "KZ", "ToState": "", "SmsMessageSid": message_sid, "NumMedia": "0", "ToCity": "",
            "FromZip": "", "SmsSid": message_sid, "FromState": "", "SmsStatus": "received", "FromCity": "",
            "Body": body, "FromCountry": "KZ", "To": HOTLINE, "ToZip": "", "NumSegments": "1",
            "MessagingServiceSid": "MG" + "1" * 32, "MessageSid": message_sid, "AccountSid": ACCOUNT,
            "From": sender, "ApiVersion": "2010-04-01"}
    form.update(extra)
    return form


def message_status(message_sid: str, status: str, to: str = "+77017654321", error_code: str | None = None) -> dict:
    form = {"SmsSid": message_sid, "SmsStatus": status, "MessageStatus": status, "To": to,
            "MessagingServiceSid": "MG" + "1" * 32, "MessageSid": message_sid, "AccountSid": ACCOUNT,
            "From": HOTLINE, "ApiVersion": "2010-04-01"}
    if error_code:
        form.update(ErrorCode=error_code, ErrorMessage="")
    return form


def call_status(call_sid: str, status: str, caller: str, duration: int = 0, sequence: int = 0) -> dict:
    form = {"Called": HOTLINE, "ToState": "", "CallerCountry": "KZ", "Direction": "inbound",
            "Timestamp": "Mon, 23 Nov 2026 06:00:00 +0000", "CallbackSource": "call-progress-events",
            "CallerState": "", "ToZip": "", "SequenceNumber": str(sequence), "CallSid": call_sid, "To": HOTLINE,
            "CallerZip": "", "ToCountry": "KZ", "CalledZip": "", "ApiVersion": "2010-04-01", "CalledCity": "",
            "CallStatus": status, "From": caller, "AccountSid": ACCOUNT, "CalledCountry": "KZ", "CallerCity": "",
            "ToCity": "", "FromCountry": "KZ", "Caller": caller, "FromCity": "", "CalledState": "", "FromZip": "",
            "FromState": ""}
    if status == "completed":
        form.update(CallDuration=str(duration), Duration=str(max(1, (duration + 59) // 60)))
    return form


def replies(status_and_body: tuple[int, str]) -> list[str]:
    """The texts of a MessagingResponse (an empty <Response/> sends nothing)."""
    from ivr.phone import parse_twiml

    status, body = status_and_body
    assert status == 200, body
    return [(m.text or "") for m in parse_twiml(body).iter("Message")]
