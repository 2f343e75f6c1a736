"""The SMS transport: the one place that knows how messages come in and go out.

Twilio is the first implementation. Twilio's two-way SMS may not be available on Kazakh
numbers, so a local aggregator must be able to replace it without touching the menu logic:
write a class with the same three methods (parse an inbound request, render a reply, send
a message) and choose it in `make_transport`.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Response

from .base64_body import decode_if_base64


@dataclass(frozen=True)
class Inbound:
    sid: str
    sender: str
    to: str
    body: str
    opt_out_type: str = ""  # Twilio's OptOutType (STOP, START, HELP): Twilio has answered it already


@dataclass(frozen=True)
class Sent:
    provider_sid: str
    status: str


class SendError(Exception):
    """A send that failed. `permanent` errors (bad number, unsubscribed) are never retried."""

    def __init__(self, message: str, code: int | None = None, permanent: bool = False):
        super().__init__(message)
        self.code, self.permanent = code, permanent


def rest_error(exc, permanent_codes: set[int]) -> SendError:
    """Twilio's REST error as a SendError: permanent for the codes given and for 4xx but 429."""
    permanent = exc.code in permanent_codes or (400 <= (exc.status or 0) < 500 and exc.status != 429)
    return SendError(str(exc.msg), code=exc.code, permanent=permanent)


# Twilio error codes that no retry will fix.
PERMANENT_CODES = {21211, 21212, 21214, 21217, 21219, 21408, 21610, 21612, 21614, 30003, 30004, 30005, 30006,
                   30007, 30008}


class TwilioTransport:
    name = "twilio"

    def __init__(self, account_sid: str, auth_token: str, from_number: str, api_base_url: str = "",
                 timeout: float = 10.0):
        self.account_sid, self.auth_token, self.from_number = account_sid, auth_token, from_number
        self.api_base_url, self.timeout = api_base_url.rstrip("/"), timeout
        self._client = None

    # -- inbound -----------------------------------------------------------------------
    @staticmethod
    def parse(form) -> Inbound:
        return Inbound(sid=form.get("MessageSid", "")[:64], sender=form.get("From", "")[:32],
                       to=form.get("To", "")[:32], body=decode_if_base64(form.get("Body", "")),
                       opt_out_type=form.get("OptOutType", "")[:16])

    @staticmethod
    def reply(texts: list[str]) -> Response:
        from twilio.twiml.messaging_response import MessagingResponse

        response = MessagingResponse()
        for text in texts:
            response.message(text)
        return Response(str(response), mimetype="text/xml")

    # -- outbound ----------------------------------------------------------------------
    @property
    def client(self):
        if self._client is None:
            from twilio.rest import Client

            from .twilio_http import Urllib3HttpClient

            http = Urllib3HttpClient(self.timeout, self.api_base_url or "https://api.twilio.com")
            self._client = Client(self.account_sid, self.auth_token, http_client=http)
            if self.api_base_url:  # a local fake of Twilio's REST API (tests, benchmarks)
                self._client.api.base_url = self.api_base_url
        return self._client

    def send(self, to: str, body: str, status_callback: str | None = None) -> Sent:
        from twilio.base.exceptions import TwilioRestException

        kwargs = {"to": to, "from_": self.from_number, "body": body}
        if status_callback:
            kwargs["status_callback"] = status_callback
        try:
            message = self.client.messages.create(**kwargs)
        except TwilioRestException as exc:
            raise rest_error(exc, PERMANENT_CODES) from exc
        except Exception as exc:  # network errors, timeouts: worth a retry
            raise SendError(f"{type(exc).__name__}: {exc}") from exc
        return Sent(message.sid, message.status or "queued")


class OutboxTransport(TwilioTransport):
    """No Twilio account: messages are kept for operators to read instead of being sent."""

    name = "outbox"

    def __init__(self):
        super().__init__("", "", "")

    def send(self, to: str, body: str, status_callback: str | None = None) -> Sent:
        return Sent("", "outbox")


def make_transport(config: dict):
    if config.get("TWILIO_ACCOUNT_SID") and config.get("TWILIO_FROM_NUMBER"):
        return TwilioTransport(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"],
                               config["TWILIO_FROM_NUMBER"], config.get("TWILIO_API_BASE_URL", ""),
                               float(config.get("TWILIO_HTTP_TIMEOUT", 10)))
    return OutboxTransport()
