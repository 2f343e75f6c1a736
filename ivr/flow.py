"""The flow engine: what a key press does to a session, and what the caller is told next.

Channel-neutral. Voice and SMS both call `press` / `silence` to move a Session through the
catalog's tree and `screen` to get what to say, then render it their own way (TwiML or
text). Conventions on every menu: 9 repeats, * goes back, 0 goes to the main menu; a list is
said in groups with key 1 for the next group; a node that can be sent by SMS offers key 1 (a list,
after its last group).

What a caller pays for is kept short: a first call hears one greeting (with 103) before the language
menu; the 9 / * / 0 hint is said once, at the end of the first screen without options (a leaf or a list),
not in the menus on the way to it; a list offers "next" before its group, not only after; silence replays the screen
once, then the call ends with an SMS offer (or the invitation to text) and the goodbye (1406, 103).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from .content.model import LANGUAGE_MENU, LIST_GROUP, Catalog, Option
from .store.sessions import Session

REPEAT, BACK, MAIN = "9", "*", "0"
MORE_KEY = "1"  # next group of a list
ACCEPT_KEY, LIST_KEY = "1", "2"  # a first call's offered language: take it / hear the full list
SMS_KEY = "1"  # "press 1 to get this by SMS" on a leaf that has `sms`
MAX_NOINPUT = 1  # a silent caller hears the screen once more; the next silence ends the call


@dataclass
class Step:
    """What one input did: the notices to say first, and whether the call ends."""

    event: dict
    notices: list[str] = field(default_factory=list)
    hangup: bool = False
    sms_request: tuple[str, ...] = ()  # the prompt ids the caller asked to get by SMS
    action: str | None = None  # the entered node's action, for the channel to carry out
    farewell: tuple[str, ...] = ()  # on a silent hang-up: what to say before the goodbye
    farewell_sms: bool = False  # ...and whether it offers this screen's SMS (key 1) first


@dataclass
class Screen:
    """What to say at the session's position, before a channel renders it."""

    lang: str | None
    node: str
    page: int
    notices: list[str]
    say: list[str]
    items: list[str]
    options: Sequence[Option]
    more: bool = False
    end_of_list: bool = False
    sms_offer: bool = False
    sms: tuple[str, ...] = ()  # what this node sends as an SMS: the SMS channel's text for it
    nav: bool = False
    languages: list[str] = field(default_factory=list)  # the language menu's entries
    offer: str | None = None  # a first call's language offered first: the greeting and lang.offer in it


class Flow:
    def __init__(self, catalog: Catalog):
        self.catalog = catalog

    # -- moving ------------------------------------------------------------------------
    def begin(self, session: Session, lang: str | None, offer: str | None = None) -> Step:
        """A new call: the main menu for a caller we know; else the language menu — or, when the number's
        country code names a language (`offer`), that language offered first, in itself."""
        if lang in self.catalog.langs:
            session.lang = lang
            session.node, session.page = self.catalog.start, 0
            return Step({"type": "start", "lang": lang, "returning": True},
                        notices=["ui.welcome_back"])
        session.node = LANGUAGE_MENU
        if offer in self.catalog.language_by_country.values():
            session.offer = offer
            return Step({"type": "start", "offer": offer}, notices=["ui.greeting"])
        return Step({"type": "start"}, notices=["ui.greeting"])

    def restart(self, session: Session, lang: str | None) -> Step:
        """The session expired mid-call: back to the main menu, not to an error."""
        step = self.begin(session, lang)
        step.event["type"] = "session_expired"
        step.notices = []
        return step

    def press(self, session: Session, digits: str, today: dt.date) -> Step:
        session.noinput = 0
        key = digits.strip()
        session.repeats = session.repeats + 1 if key == REPEAT else 0
        if session.node == LANGUAGE_MENU:
            return self._press_language(session, key)
        node_id = session.node
        base = {"type": "key", "key": key, "from": node_id}
        if key == REPEAT:
            return Step({**base, "result": "repeat"})
        if key == BACK:
            if not session.back():
                session.goto(self.catalog.start, remember=False)
            return Step({**base, "result": "back"})
        if key == MAIN:
            session.goto(self.catalog.start)
            return Step({**base, "result": "main"})
        if node_id not in self.catalog.nodes:  # the catalog changed under a live call
            session.goto(self.catalog.start, remember=False)
            return Step({**base, "result": "main"})
        node = self.catalog.nodes[node_id]
        if node.is_list and key == MORE_KEY and session.page + 1 < self.page_count(node, today):
            session.goto(node_id, session.page + 1)
            return Step({**base, "result": "more"})
        sms = self._sms_offered(node, session.page, today)
        if sms and key == SMS_KEY:
            return Step({**base, "result": "sms"}, sms_request=sms)
        option = node.option(key)
        if option and self.catalog.option_in_force(option, today):
            session.goto(option.goto)
            action = None if option.goto == LANGUAGE_MENU else self.catalog.nodes[option.goto].action
            return Step({**base, "result": "goto"}, action=action)
        return Step({**base, "result": "wrong_key"}, notices=["ui.wrong_key"])

    def _press_language(self, session: Session, key: str) -> Step:
        base = {"type": "key", "key": key, "from": LANGUAGE_MENU}
        if session.offer:
            return self._press_offer(session, key, base)
        langs = self.catalog.languages
        if key.isdigit() and 1 <= int(key) <= len(langs):
            session.lang = langs[int(key) - 1]
            session.stack = []
            session.goto(self.catalog.start, remember=False)
            return Step({**base, "result": "language", "lang": session.lang})
        if key in (BACK, MAIN) and session.lang:
            session.goto(self.catalog.start, remember=False)
            return Step({**base, "result": "main"})
        if key == REPEAT:
            return Step({**base, "result": "repeat"})
        return Step({**base, "result": "wrong_key"}, notices=["ui.wrong_key"] if session.lang else [])

    def _press_offer(self, session: Session, key: str, base: dict) -> Step:
        """The language the country code names, offered first: ACCEPT_KEY takes it; 9 says it again; any
        other key is the full language list (a caller from that country may speak another language)."""
        if key == REPEAT:
            return Step({**base, "result": "repeat"})
        if key == ACCEPT_KEY:
            session.lang, session.offer, session.stack = session.offer, None, []
            session.goto(self.catalog.start, remember=False)
            return Step({**base, "result": "language", "lang": session.lang, "offer": "accepted"})
        session.offer = None
        return Step({**base, "result": "goto", "offer": "declined"})  # to the full list (a word the dashboard has)

    def silence(self, session: Session, today: dt.date) -> Step:
        session.noinput += 1
        event = {"type": "no_input", "from": session.node, "count": session.noinput}
        if session.noinput <= MAX_NOINPUT:
            return Step(event, notices=["ui.no_input"] if session.lang else [])
        if not session.lang:
            return Step(event, hangup=True)
        node = self.catalog.nodes.get(session.node)
        sms = bool(node and self._sms_offered(node, session.page, today))
        return Step(event, hangup=True, farewell_sms=sms,
                    farewell=("ui.no_input", "ui.sms_offer") if sms else ("ui.no_input", "ui.sms_invite"))

    def _sms_offered(self, node, page: int, today: dt.date) -> tuple[str, ...]:
        """What key 1 sends from this screen: the node's SMS as said today; a list offers it after its
        last group only."""
        sms = tuple(self.catalog.said(node.sms, today)) if node.sms else ()
        if sms and node.is_list and page + 1 < self.page_count(node, today):
            return ()
        return sms

    # -- telling -----------------------------------------------------------------------
    def page_count(self, node, today: dt.date, group: int = LIST_GROUP) -> int:
        items = self.catalog.live_items(node, today)
        return max(1, -(-len(items) // group))

    def screen(self, session: Session, today: dt.date, notices=(), group: int | None = LIST_GROUP) -> Screen:
        """The position's content; `group=None` gives a whole list at once (SMS pages by size)."""
        notices = list(notices)
        if session.node == LANGUAGE_MENU:
            if session.offer:
                return Screen(session.lang, LANGUAGE_MENU, 0, notices, [], [], [], languages=[session.offer],
                              offer=session.offer)
            return Screen(session.lang, LANGUAGE_MENU, 0, notices, [], [], [], languages=list(self.catalog.languages))
        node = self.catalog.nodes.get(session.node)
        if node is None or not self.catalog.node_in_force(node.id, today):
            session.node, session.page = self.catalog.start, 0
            node = self.catalog.nodes[session.node]
        nav = not session.nav_said and not node.options
        session.nav_said = session.nav_said or nav
        sms = tuple(self.catalog.said(node.sms, today))
        screen = Screen(session.lang, node.id, session.page, notices, [], [], self.catalog.live_options(node, today),
                        nav=nav, sms_offer=bool(sms), sms=sms)
        items = self.catalog.live_items(node, today)
        if node.is_list and group:
            start = session.page * group
            screen.items = items[start:start + group]
            screen.more = start + group < len(items)
            screen.end_of_list = not screen.more and session.page > 0
            screen.sms_offer = screen.sms_offer and not screen.more
            if session.page == 0:
                screen.say = self.catalog.said(node.say, today)
        else:
            screen.say, screen.items = self.catalog.said(node.say, today), items
        return screen

