"""A Twilio emulator: places a call or sends an SMS to the app the way Twilio does.

Signs every request with X-Twilio-Signature (twilio's RequestValidator), posts the form
fields Twilio posts, parses the TwiML it gets back and follows it: <Say>/<Play> are heard,
<Gather> waits for keys and posts them to its `action`, an empty answer falls through to the
next verb (usually a <Redirect>), <Hangup> ends the call, <Reject> refuses it unanswered. It also
plays the phone a missed-call callback rings (`Emulator.answer`: Twilio fetching the call's Url with
Direction=outbound-api). Used by `hotline call`/`hotline sms` over HTTP, and by the tests through
Flask's test client.
"""
from __future__ import annotations

import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin

from twilio.request_validator import RequestValidator


@dataclass
class Heard:
    verb: str  # Say | Play
    text: str  # the words (of a Play too, where the emulator knows them), or the audio URL
    language: str | None = None
    url: str | None = None  # a Play's audio URL


@dataclass
class Turn:
    """One TwiML document: what was heard, and the Gather waiting for a key (if any)."""

    url: str
    status: int
    heard: list[Heard] = field(default_factory=list)
    gather: dict | None = None  # attributes of the Gather
    redirect: str | None = None
    hangup: bool = False
    rejected: str | None = None  # <Reject reason>: the call was never answered
    raw: str = ""
    after: list[Heard] = field(default_factory=list)  # said after the Gather when no key comes (a goodbye)

    @property
    def text(self) -> str:
        return " ".join(h.text for h in self.heard)


def parse_twiml(body: str) -> ET.Element:
    root = ET.fromstring(body)
    if root.tag != "Response":
        raise ValueError(f"TwiML root is {root.tag}, not Response")
    return root


def read_turn(url: str, status: int, body: str) -> Turn:
    turn = Turn(url=url, status=status, raw=body)
    root = parse_twiml(body)
    for verb in root:
        if verb.tag in ("Say", "Play"):
            said = Heard(verb.tag, _words(verb), verb.get("language"))
            (turn.heard if turn.gather is None else turn.after).append(said)
        elif verb.tag == "Gather" and turn.gather is None:
            turn.gather = dict(verb.attrib)
            turn.gather.setdefault("action", url)
            for inner in verb:
                turn.heard.append(Heard(inner.tag, _words(inner), inner.get("language")))
        elif verb.tag == "Redirect" and turn.redirect is None:
            turn.redirect = (verb.text or "").strip()
        elif verb.tag == "Hangup":
            turn.hangup = True
        elif verb.tag == "Reject":
            turn.rejected = verb.get("reason") or "rejected"
    return turn


def _words(verb: ET.Element) -> str:
    """A <Say>'s words with its SSML (<say-as>) inside, or a <Play>'s URL."""
    return "".join(verb.itertext()).strip()


Transport = Callable[[str, dict, dict], tuple[int, str]]  # (absolute url, form, headers) -> (status, body)


class Emulator:
    """Signs like Twilio and posts through `transport`, so it works over HTTP or a test client."""

    def __init__(self, base_url: str, auth_token: str, transport: Transport, words=None):
        """`words(url)`: the words an audio URL says, if known (ivr.voice.audio.Transcript): then a
        Play is heard as its words, as a caller would hear them."""
        self.words = words
        self.base_url = base_url.rstrip("/") + "/"
        self.validator = RequestValidator(auth_token)
        self.transport = transport
        self.account_sid = "AC" + "0" * 32

    def post(self, url: str, form: dict, sign: bool = True) -> tuple[int, str]:
        url = urljoin(self.base_url, url)
        headers = {"X-Twilio-Signature": self.validator.compute_signature(url, form)} if sign else {}
        return self.transport(url, form, headers)

    def call(self, caller: str = "+77010000001", to: str = "+77270000000") -> Call:
        return Call(self, caller, to)

    def ring_missed(self, caller: str = "+77010000001", to: str = "+77270000000") -> Turn:
        """Ring the missed-call number (`/voice/missed`): the answer should be a <Reject>."""
        call = Call(self, caller, to)
        return call._fetch("/voice/missed", call.form(CallStatus="ringing"))

    def answer(self, caller: str, placed: dict, answered_by: str = "human") -> Call:
        """The phone a callback rings: `placed` is what the app asked Twilio for (url, status_callback,
        from, and the CallSid Twilio gave it). `start()` then fetches the Url as Twilio does."""
        return Call(self, caller, placed.get("from") or "+77270000000", sid=placed["sid"], url=placed["url"],
                    status_url=placed.get("status_callback") or "/voice/status", answered_by=answered_by)

    def sms(self, body: str, sender: str = "+77010000001", to: str = "+77270000000", sid: str | None = None):
        form = {"MessageSid": sid or "SM" + uuid.uuid4().hex, "AccountSid": self.account_sid, "From": sender,
                "To": to, "Body": body, "NumSegments": "1", "NumMedia": "0", "ApiVersion": "2010-04-01"}
        status, text = self.post("/sms", form)
        if status != 200:
            return status, []
        return status, [(m.text or "") for m in parse_twiml(text).iter("Message")]


class Call:
    """One phone call: `start()`, then `press(key)` / `silence()` until `ended`."""

    def __init__(self, emulator: Emulator, caller: str, to: str, sid: str | None = None, url: str = "/voice",
                 status_url: str = "/voice/status", answered_by: str | None = None):
        self.em = emulator
        self.sid = sid or "CA" + uuid.uuid4().hex
        self.caller, self.to = caller, to  # the person's phone, and the hotline's number
        self.url, self.status_url = url, status_url
        self.answered_by = answered_by  # set: an outbound call the hotline placed (a callback)
        self.started = time.time()
        self.turn: Turn | None = None
        self.history: list[Turn] = []

    @property
    def ended(self) -> bool:
        return self.turn is None or self.turn.gather is None and self.turn.redirect is None

    def form(self, **extra) -> dict:
        form = {"CallSid": self.sid, "AccountSid": self.em.account_sid, "From": self.caller, "To": self.to,
                "CallStatus": "in-progress", "Direction": "inbound", "ApiVersion": "2010-04-01"}
        if self.answered_by:  # Twilio calls the person: the hotline is From, the person To
            form.update(From=self.to, To=self.caller, Direction="outbound-api", AnsweredBy=self.answered_by)
        form.update(extra)
        return form

    def _fetch(self, url: str, form: dict) -> Turn:
        url = urljoin(self.em.base_url, url)
        status, body = self.em.post(url, form)
        if status != 200:
            raise RuntimeError(f"{url} answered HTTP {status}: {body[:200]}")
        self.turn = read_turn(url, status, body)
        self._words(self.turn)
        self.history.append(self.turn)
        return self.turn

    def _words(self, turn: Turn) -> None:
        for heard in turn.heard + turn.after:
            if heard.verb == "Play" and self.em.words:
                heard.url = heard.text
                heard.text = self.em.words(heard.text) or heard.text

    def start(self) -> Turn:
        return self._fetch(self.url, self.form(CallStatus="in-progress" if self.answered_by else "ringing"))

    def press(self, digits: str) -> Turn:
        assert self.turn and self.turn.gather, "nothing is waiting for a key"
        action = urljoin(self.turn.url, self.turn.gather["action"])
        return self._fetch(action, self.form(Digits=digits))

    def silence(self) -> Turn:
        """Press nothing: Twilio runs the verbs after <Gather>: usually the no-input <Redirect>; or, on a
        last screen, a goodbye and the hang-up (the call ends here)."""
        assert self.turn and (self.turn.redirect or self.turn.after), "no verb after the Gather"
        if self.turn.redirect:
            return self._fetch(urljoin(self.turn.url, self.turn.redirect), self.form())
        self.turn = Turn(url=self.turn.url, status=200, heard=self.turn.after, hangup=self.turn.hangup)
        self.history.append(self.turn)
        return self.turn

    def hang_up(self, status: str = "completed") -> tuple[int, str]:
        duration = str(max(1, int(time.time() - self.started)))
        return self.em.post(self.status_url, self.form(CallStatus=status, CallDuration=duration, SequenceNumber="0"))
