"""Simulated callers: asyncio HTTP/1.1 keep-alive clients that sign like Twilio and follow the TwiML.

A caller understands the hotline's words the way a person does, from the catalog's own prompts
(the option phrase "{label}: press {key}", the SMS offer, "more"), never from node ids:
a first-time caller picks a language by its position in the language menu; then at every
menu it presses the lowest option key offered, pages a list with "more", presses the SMS key
where an answer is offered by SMS, and hangs up (Twilio's status callback). With the
fixture catalog that is language → 1 → 1 → 1 (SMS). A share of callers call again from a
number heard before: they are greeted in their language and start at the main menu.

`walk` callers measure menu steps alone: after choosing a language they wander the menus for a
number of steps (the lowest option key down to two levels deep, then * back up) and hang up.
"""
from __future__ import annotations

import asyncio
import html
import random
import re
import time
import uuid
from collections import defaultdict
from urllib.parse import urlencode, urljoin

from twilio.request_validator import RequestValidator

from ivr.phone import read_turn

MAX_KEYS = 8  # key presses per call at most (a walk that finds no SMS offer gives up)


class HttpClient:
    """One keep-alive connection; reconnects when the server closed it."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def _connect(self):
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def post(self, path: str, form: dict, headers: dict) -> tuple[int, str]:
        body = urlencode(form).encode()
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        request = (f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                   f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
                   f"{head}\r\n").encode() + body
        for attempt in (0, 1):
            try:
                if self.writer is None:
                    await self._connect()
                self.writer.write(request)
                return await self._response()
            except (ConnectionError, asyncio.IncompleteReadError, ValueError):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def _response(self) -> tuple[int, str]:
        line = await self.reader.readline()
        if not line:
            raise ConnectionError("closed")
        status = int(line.split()[1])
        length, close = 0, False
        while True:
            header = await self.reader.readline()
            if header in (b"\r\n", b""):
                break
            name, _, value = header.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        data = await self.reader.readexactly(length) if length else b""
        if close:
            self.close()
        return status, data.decode()

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class Words:
    """What a caller understands in each language, from the catalog's UI prompts."""

    def __init__(self, catalog, audio_words=None):
        self.languages = list(catalog.languages)
        self.audio_words = audio_words  # audio URL -> its words (ivr.voice.audio.Transcript), for <Play>
        self.option, self.sms_offer, self.more, self.actions = {}, {}, {}, {}
        self._understood: dict = {}
        # Options that ask for something (a reminder SMS, a callback) rather than a menu: the menu walk
        # leaves them alone, as its steps are to be menu steps only (whole calls still press them).
        action_labels = {o.label for node in catalog.nodes.values() for o in node.options
                         if o.goto in catalog.nodes and catalog.nodes[o.goto].action}
        for code in self.languages:
            self.actions[code] = {catalog.voice(code, label) for label in action_labels}
            template = re.escape(catalog.voice(code, "ui.option", label="\0L", key="\0K"))
            self.option[code] = re.compile("^" + template.replace("\0L", ".*").replace("\0K", r"(\d)") + "$")
            self.sms_offer[code] = catalog.voice(code, "ui.sms_offer", key="\0K")
            self.more[code] = catalog.voice(code, "ui.more")
        # A first call whose country code names a language hears it offered, in itself ("… press 1"): the
        # offer's last line tells which.
        self.offers = {catalog.langs[code].prompts["lang.offer"].voice: code for code in self.languages
                       if "lang.offer" in catalog.langs[code].prompts}

    def choose_language(self, lines: list[str], rng: random.Random) -> tuple[str | None, str | None]:
        """(the key a first-time caller presses at the language menu, the language it picks), or (None, None)
        for a screen that is no language menu. The list says each language in itself, in the catalog's
        order, after whatever notices come first (the greeting): a caller picks one by its position among
        the last lines. An offer screen's key 1 takes the language offered."""
        if lines and lines[-1] in self.offers:
            return "1", self.offers[lines[-1]]
        if len(lines) < len(self.languages):
            return None, None
        choice = rng.randrange(len(self.languages))
        return str(choice + 1), self.languages[choice]

    def hear(self, heard) -> str:
        """A <Say>'s words, or a <Play>'s, as a caller hears them."""
        if heard.verb == "Play" and self.audio_words:
            return self.audio_words(heard.text) or heard.text
        return heard.text

    def understood(self, lang: str | None, heard, menus_only: bool = False, shape: str | None = None):
        """(the lines as heard, option keys, SMS key, "more") for a screen, worked out once per distinct
        screen: a person who has heard a menu before knows it. The load generator shares the 2 cores
        with the servers, so its own interpreting is kept from weighing on the app's side of the ratio.
        `shape`: what identifies the screen (Screens.read), else its lines."""
        key = (lang, menus_only, shape if shape is not None else tuple(h.verb + h.text for h in heard))
        got = self._understood.get(key)
        if got is None:
            lines = [self.hear(h) for h in heard]
            got = (lines, *self.read(lang, lines, menus_only)) if lang else (lines, [], None, False)
            if len(self._understood) < 20_000:
                self._understood[key] = got
        return got

    def read(self, lang: str, lines: list[str], menus_only: bool = False) -> tuple[list[str], str | None, bool]:
        """(option keys, the SMS key if offered, whether "more" is offered); `menus_only`: no option that
        asks for an action."""
        keys, sms, more = [], None, False
        offer = re.compile("^" + re.escape(self.sms_offer[lang]).replace("\0K", r"(\d)") + "$")
        for line in lines:
            if (found := offer.match(line)):
                sms = found.group(1)
            elif line == self.more[lang]:
                more = True
            elif (found := self.option[lang].match(line)):
                if not (menus_only and any(label in line for label in self.actions[lang])):
                    keys.append(found.group(1))
        return keys, sms, more


class Screens:
    """TwiML read once per screen, as a person who has heard a menu before knows it.

    The load generator shares the 2 cores with the servers it measures; parsing every answer with
    ElementTree cost it more for the hotline's menus (six <Play>s) than for the baseline's fixed TwiML, and
    that difference was counted against the app. A body is looked up by its shape — everything but the
    <Gather> tag (whose action carries the per-call values) and what follows the Gather (the <Redirect>
    with the same URL) — and only the Gather's action is read from the body itself."""

    def __init__(self, limit: int = 20_000):
        self._shapes: dict[str, tuple] = {}
        self.limit = limit

    def read(self, url: str, status: int, body: str) -> tuple[list, str | None, str | None]:
        """(what was heard before the Gather ended, the Gather's action URL or None: no key is waited for,
        the screen's shape: a key for whatever a caller works out from what was heard)."""
        start = body.find("<Gather ")
        end = body.find("</Gather>", start) if start >= 0 else -1
        tag_end = body.find(">", start) if end >= 0 else -1
        shape = (body[:start] + body[tag_end:end]) if tag_end >= 0 else body
        got = self._shapes.get(shape) if status == 200 else None
        if got is None:
            turn = read_turn(url, status, body)
            got = (turn.heard, turn.gather is not None)
            if status == 200 and len(self._shapes) < self.limit:
                self._shapes[shape] = got
        heard, gathers = got
        if not gathers:
            return heard, None, shape
        found = body.find(' action="', start, tag_end)
        if found < 0:
            return heard, url, shape
        action = body[found + 9:body.find('"', found + 9)]
        if "&" in action:
            plain = action.replace("&amp;", "")
            action = action.replace("&amp;", "&") if "&" not in plain else html.unescape(action)
        return heard, action, shape


class Stats:
    def __init__(self):
        self.latency = defaultdict(list)  # webhook label -> seconds
        self.errors = defaultdict(int)
        self.calls = 0
        self.sms_requested = 0

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latency.values())


class Caller:
    """Places calls one after another until told to stop; shares a number pool for returning callers."""

    def __init__(self, base: str, port: int, token: str, words: Words, stats: Stats, rng: random.Random,
                 known: dict, returning_share: float = 0.3, walk: int = 0, screens: Screens | None = None):
        self.base, self.http = base, HttpClient("127.0.0.1", port)
        self.walk = walk
        self.validator = RequestValidator(token)
        self.words, self.stats, self.rng, self.known = words, stats, rng, known
        self.returning_share = returning_share
        self.screens = screens if screens is not None else Screens()

    async def _post(self, label: str, url: str, form: dict) -> str:
        root = self.base.rstrip("/")
        # The hotline's actions are paths ("/voice/key?…"): joined by hand, as urljoin's parsing was a tenth
        # of the load generator's CPU per request.
        url = root + url if url.startswith("/") else urljoin(self.base, url)
        path = url[len(root):]
        headers = {"X-Twilio-Signature": self.validator.compute_signature(url, form)}
        t0 = time.perf_counter()
        status, body = await self.http.post(path, form, headers)
        self.stats.latency[label].append(time.perf_counter() - t0)
        if status >= 400:
            self.stats.errors[f"{label} HTTP {status}"] += 1
        return url, status, body

    def choose(self, lang: str, lines: list[str], depth: int, read=None) -> tuple[str | None, str, int]:
        """The key to press at a menu (None: hang up), its label, and the new depth (walk only).
        `read`: (keys, sms, more) already worked out for these lines."""
        keys, sms, more = read or self.words.read(lang, lines, menus_only=bool(self.walk))
        if self.walk:
            if keys and depth < 2:
                return min(keys), "key:menu", depth + 1
            return "*", "key:back", max(0, depth - 1)
        if sms:
            return sms, "key:sms", depth
        if keys:
            return min(keys), "key:menu", depth
        if more:
            return "1", "key:more", depth
        return None, "", depth

    async def call(self) -> None:
        if self.known and self.rng.random() < self.returning_share:
            number = self.rng.choice(list(self.known))
        else:
            number = f"+7701{self.rng.randrange(10**7):07d}"
        form = {"CallSid": "CA" + uuid.uuid4().hex, "AccountSid": "AC" + "0" * 32, "From": number,
                "To": "+77270000000", "Direction": "inbound", "ApiVersion": "2010-04-01"}
        url, status, body = await self._post("voice", "/voice", dict(form, CallStatus="ringing"))
        started = time.time()
        form["CallStatus"] = "in-progress"
        lang = self.known.get(number)
        depth = 0
        for _ in range(self.walk or MAX_KEYS):
            if status != 200:
                break
            heard, action, shape = self.screens.read(url, status, body)
            if action is None:
                break
            lines, *read = self.words.understood(lang, heard, menus_only=bool(self.walk), shape=shape)
            if lang is None:  # the language menu
                key, lang = self.words.choose_language(lines, self.rng)
                if key is None:
                    break
                label = "key:language"
            else:
                key, label, depth = self.choose(lang, lines, depth, read)
                if key is None:
                    break  # a leaf with nothing to press: the caller has heard the answer
            url, status, body = await self._post(label, action if action.startswith("/") else urljoin(url, action),
                                                 dict(form, Digits=key))
            if label == "key:language" and lang:
                self.known[number] = lang
            if label == "key:sms":
                self.stats.sms_requested += 1
                break
        duration = str(max(1, int(time.time() - started)))
        await self._post("status", "/voice/status", dict(form, CallStatus="completed", CallDuration=duration,
                                                          SequenceNumber="0"))
        self.stats.calls += 1
        if len(self.known) > 5000:
            self.known.pop(next(iter(self.known)))


async def run_callers(base: str, port: int, token: str, words: Words, concurrency: int, max_requests: int,
                      max_seconds: float, seed: int = 1, walk: int = 0, stats: Stats | None = None,
                      known: dict | None = None) -> tuple[Stats, float]:
    """`concurrency` callers in a closed loop until the request or time budget is spent; calls in flight end.
    Pass `stats` (and `known`) to add to an earlier slice of the same measurement."""
    stats = stats if stats is not None else Stats()
    known = known if known is not None else {}
    max_requests += stats.requests
    rng = random.Random(seed)
    deadline = time.perf_counter() + max_seconds

    async def loop(caller: Caller):
        while stats.requests < max_requests and time.perf_counter() < deadline:
            await caller.call()
        caller.http.close()

    screens = Screens()
    callers = [Caller(base, port, token, words, stats, random.Random(rng.random()), known, walk=walk,
                      screens=screens) for _ in range(concurrency)]
    t0 = time.perf_counter()
    await asyncio.gather(*(loop(c) for c in callers))
    return stats, time.perf_counter() - t0


async def run_baseline(port: int, token: str, concurrency: int, max_requests: int,
                       max_seconds: float, stats: Stats | None = None) -> tuple[Stats, float]:
    """The same client work per request (sign, post, read the TwiML) against the baseline endpoint."""
    stats = stats if stats is not None else Stats()
    max_requests += stats.requests
    base = f"http://127.0.0.1:{port}/"
    deadline = time.perf_counter() + max_seconds

    screens = Screens()

    async def loop():
        caller = Caller(base, port, token, None, stats, random.Random(), {}, screens=screens)
        form = {"CallSid": "CA" + uuid.uuid4().hex, "AccountSid": "AC" + "0" * 32, "From": "+77010000000",
                "To": "+77270000000", "CallStatus": "in-progress", "Digits": "1"}
        while stats.requests < max_requests and time.perf_counter() < deadline:
            url, status, body = await caller._post("baseline", "/baseline", form)
            screens.read(url, status, body)
        caller.http.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(loop() for _ in range(concurrency)))
    return stats, time.perf_counter() - t0
