"""The SMS transport: the one place that knows how messages come in and go out.

Twilio is the first implementation. Twilio's two-way SMS may not be available on Kazakh
numbers, so a local aggregator must be able to replace it without touching the menu logic:
write a class with the same three methods (parse an inbound request, render a reply, send
a message) and choose it in `make_transport`.

A failed send says what Twilio may have done (`SendError`): `permanent` (never retried),
`ambiguous` (the request may have been accepted and its answer lost: workers/reconcile.py looks at
Twilio's list before anything is sent again), or neither (Twilio certainly did not take it: retry).
`find` is that look: the messages to a number since a moment, matched by sender, body and time.
"""
from __future__ import annotations

import datetime as dt
import functools
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
    """A send that failed. `permanent` errors (bad number, unsubscribed) are never retried;
    `ambiguous` ones (Twilio may have accepted it) are never retried before a look at Twilio's list."""

    def __init__(self, message: str, code: int | None = None, permanent: bool = False, ambiguous: bool = False):
        super().__init__(message)
        self.code, self.permanent, self.ambiguous = code, permanent, ambiguous


# Twilio's refusals before it does anything: too many requests, and its overload answer.
REFUSED_STATUSES = {429, 503}


def rest_error(exc, permanent_codes: set[int]) -> SendError:
    """Twilio's REST error as a SendError: permanent for the codes given and for 4xx but 429; a 429 or
    503 is a refusal (retry); any other 5xx may come after the message or call was created (ambiguous)."""
    status = exc.status or 0
    permanent = exc.code in permanent_codes or (400 <= status < 500 and status != 429)
    ambiguous = not permanent and status >= 500 and status not in REFUSED_STATUSES
    return SendError(str(exc.msg), code=exc.code, permanent=permanent, ambiguous=ambiguous)


def network_error(exc: Exception) -> SendError:
    """A failure without Twilio's answer: a retry only when no connection was ever made."""
    from .twilio_http import NotSent

    return SendError(f"{type(exc).__name__}: {exc}", ambiguous=not isinstance(exc, NotSent))


@functools.lru_cache(maxsize=1024)
def _messaging_response(texts: tuple[str, ...]) -> str:
    """The replies as TwiML. Most are the same few hundred texts (a topic's fact, a menu page, in 8 languages)
    and building the XML tree costs a tenth of a text's CPU: kept, bounded, by the texts themselves."""
    from twilio.twiml.messaging_response import MessagingResponse

    response = MessagingResponse()
    for text in texts:
        response.message(text)
    return str(response)


# Twilio's list endpoints filter on the date a message was sent (a call started): a message still
# queued has none yet. So the look also reads the newest page to the number, unfiltered.
RECENT_PAGE = 20
CLOCK_SLACK = dt.timedelta(seconds=120)  # our clock against Twilio's, and the time a request takes


def created_since(resource, since: dt.datetime) -> bool:
    created = getattr(resource, "date_created", None)
    return created is None or created >= since - CLOCK_SLACK


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
    def twiml(texts: list[str]) -> str:
        return _messaging_response(tuple(texts))

    @classmethod
    def reply(cls, texts: list[str]) -> Response:
        return Response(cls.twiml(texts), mimetype="text/xml")

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
        except Exception as exc:  # no answer (or one that did not parse): did Twilio take it?
            raise network_error(exc) from exc
        return Sent(message.sid, message.status or "queued")

    def find(self, to: str, body: str, since: dt.datetime) -> Sent | None:
        """The message we sent to `to` with this body since `since`, if Twilio has it (else None).
        Errors (Twilio unreachable) raise: not knowing is not 'not sent'."""
        found = {}
        for query in ({"date_sent_after": since - CLOCK_SLACK, "limit": 50}, {"limit": RECENT_PAGE}):
            for message in self.client.messages.list(to=to, **query):
                found[message.sid] = message
        matches = [m for m in found.values()
                   if (m.from_ or "") == self.from_number and (m.body or "").strip() == body.strip()
                   and created_since(m, since)]
        if not matches:
            return None
        oldest = min(matches, key=lambda m: m.date_created or since)
        return Sent(oldest.sid, oldest.status or "queued")


class OutboxTransport(TwilioTransport):
    """No Twilio account: messages are kept for operators to read instead of being sent."""

    name = "outbox"

    def __init__(self):
        super().__init__("", "", "")

    def send(self, to: str, body: str, status_callback: str | None = None) -> Sent:
        return Sent("", "outbox")

    def find(self, to: str, body: str, since) -> Sent | None:
        return None  # the outbox never leaves an answer in doubt


def make_transport(config: dict):
    if config.get("TWILIO_ACCOUNT_SID") and config.get("TWILIO_FROM_NUMBER"):
        return TwilioTransport(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"],
                               config["TWILIO_FROM_NUMBER"], config.get("TWILIO_API_BASE_URL", ""),
                               float(config.get("TWILIO_HTTP_TIMEOUT", 10)))
    return OutboxTransport()
