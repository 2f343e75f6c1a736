"""Placing an outbound call: Twilio's Calls API, or — without Twilio credentials — a local outbox.

`TwilioCalls` goes through the SMS transport's REST client (the same twilio Client over
`ivr/sms/twilio_http.py`, the same TWILIO_API_BASE_URL for a local fake). `OutboxCalls` is what a
newcomer gets with `make run`: the call is written to `calls:outbox:<number hash>` (a list of JSON
entries: sid, url, status_callback, from, time_limit; one hour), where `hotline call --missed` picks it
up and plays the phone being called back. No plaintext number is written there.

A call whose creation is in doubt (no answer, a reset, a 5xx that may come after Twilio created it)
fails `ambiguous`, as an SMS does; `find` then looks through Twilio's Calls list for it.
"""
from __future__ import annotations

import datetime as dt
import json
import time
import uuid

from ..sms.transport import RECENT_PAGE, created_since, network_error, rest_error
from ..sms.transport import SendError as CallError
from ..sms.transport import Sent as Placed
from ..store import privacy

OUTBOX_TTL = 3600

# Twilio error codes on creating a call that no retry will fix: a bad or unreachable number, a
# caller ID the account may not use, a country the account may not call, a bad URL.
PERMANENT_CODES = {13223, 13224, 13225, 13226, 13227, 21201, 21205, 21210, 21211, 21212, 21213, 21214, 21215,
                   21216, 21217, 21219, 21220, 21401, 21402}

# A placed call is what a sent message is (the provider's sid and status), and a call that could not be
# placed fails as a send does (`permanent`: never retried): the SMS transport's types serve both.
__all__ = ["CallError", "OutboxCalls", "Placed", "TwilioCalls", "make_calls", "outbox_key"]


class TwilioCalls:
    name = "twilio"

    def __init__(self, transport):
        self.transport = transport  # ivr.sms.transport.TwilioTransport: its REST client and HTTP client

    def place(self, to: str, from_: str, url: str, status_callback: str, machine_detection: str,
              time_limit: int | None = None) -> Placed:
        from twilio.base.exceptions import TwilioRestException

        if not url.startswith(("https://", "http://")):
            raise CallError("HOTLINE_PUBLIC_URL is not set: Twilio needs the address it reaches", permanent=True)
        try:
            call = self.transport.client.calls.create(to=to, from_=from_, url=url, status_callback=status_callback,
                                                      machine_detection=machine_detection, time_limit=time_limit)
        except TwilioRestException as exc:
            raise rest_error(exc, PERMANENT_CODES) from exc
        except Exception as exc:  # no answer (or one that did not parse): did Twilio take it?
            raise network_error(exc) from exc
        return Placed(call.sid, call.status or "queued")

    def find(self, to: str, from_: str, since: dt.datetime) -> Placed | None:
        """The call we placed to `to` from `from_` since `since`, if Twilio has it. A call still queued
        (Twilio paces calls per second) has no start time, so the queued ones are listed too."""
        found = {}
        client = self.transport.client
        for query in ({"start_time_after": since - dt.timedelta(seconds=120), "limit": 50},
                      {"status": "queued", "limit": 50}, {"limit": RECENT_PAGE}):
            for call in client.calls.list(to=to, from_=from_, **query):
                found[call.sid] = call
        matches = [c for c in found.values() if (c._from or from_) == from_ and created_since(c, since)]
        if not matches:
            return None
        oldest = min(matches, key=lambda c: c.date_created or since)
        return Placed(oldest.sid, oldest.status or "queued")


class OutboxCalls:
    """No Twilio account: the call waits in Redis for the terminal phone (`hotline call --missed`)."""

    name = "outbox"

    def __init__(self, redis, hash_secret: str):
        self.redis, self.hash_secret = redis, hash_secret

    def place(self, to: str, from_: str, url: str, status_callback: str, machine_detection: str,
              time_limit: int | None = None) -> Placed:
        sid = "CA" + uuid.uuid4().hex
        entry = {"sid": sid, "url": url, "status_callback": status_callback, "from": from_,
                 "machine_detection": machine_detection, "time_limit": time_limit, "created": round(time.time(), 3)}
        box = outbox_key(privacy.number_hash(self.hash_secret, to))
        pipe = self.redis.pipeline(transaction=False)
        pipe.rpush(box, json.dumps(entry))
        pipe.expire(box, OUTBOX_TTL)
        pipe.execute()
        return Placed(sid, "outbox")

    def find(self, to: str, from_: str, since) -> Placed | None:
        return None  # the outbox never leaves an answer in doubt


def outbox_key(caller: str) -> str:
    return f"calls:outbox:{caller}"


def make_calls(config: dict, redis, transport):
    if getattr(transport, "name", "") == "twilio":
        return TwilioCalls(transport)
    return OutboxCalls(redis, config["HOTLINE_HASH_SECRET"])
