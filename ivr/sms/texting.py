"""The SMS conversation: what to answer a texter, given their session and their message.

Pure logic over the flow engine and the keyword matcher; no Redis, no Twilio. The blueprint
(ivr/sms/webhooks.py) loads the session, calls `Texting.answer`, and stores what changed.

Order of understanding a message: opt-out / opt-in / help words (whole message) → a language
choice (a number on the language menu, or a language's name) → a menu number (0 main menu,
9 next page, * back) → a keyword in any language → otherwise a short help with the menu.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from ..content.model import LANGUAGE_MENU, Catalog
from ..flow import Flow
from ..store.sessions import Session
from .keywords import Matcher
from .optout import Keyword, OptOutWords
from .render import SmsRenderer

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
NEXT_PAGE = "9"


@dataclass
class Answer:
    replies: list[str]
    events: list[dict] = field(default_factory=list)
    optout: bool | None = None  # True: opt out; False: opt back in; None: unchanged
    action: str | None = None  # a node action (reminder, callback) for the channel to carry out


class Texting:
    def __init__(self, catalog: Catalog, flow: Flow, renderer: SmsRenderer, matcher: Matcher,
                 twilio_handles_optout: bool = True):
        self.catalog, self.flow, self.renderer, self.matcher = catalog, flow, renderer, matcher
        self.optout_words = OptOutWords(catalog, twilio_handles_optout)

    def answer(self, session: Session, body: str, today: dt.date, is_new: bool, opt_out_type: str = "") -> Answer:
        text = CONTROL.sub(" ", body or "")[:1600].strip()
        keyword = self.optout_words.classify(text, opt_out_type)
        if keyword:
            return self._command(session, keyword)
        if session.node == LANGUAGE_MENU or session.lang is None:
            chosen = self._language_choice(text, on_menu=session.node == LANGUAGE_MENU and not is_new)
            if chosen:
                return self._set_language(session, chosen, today)
        if session.lang and re.fullmatch(r"[0-9*#]{1,3}", text):
            return self._key(session, text, today)
        if session.lang:
            chosen = self.matcher.language(text)
            if chosen:
                return self._set_language(session, chosen, today)
        match = self.matcher.topic(text)
        if match:
            return self._topic(session, match.topic, match.lang, today)
        if session.lang is None:
            return self._welcome(session)
        session.goto(self.catalog.start, remember=False)
        return self._show(session, today, ["ui.sms_unknown"], {"type": "unknown"})

    # -- the cases ---------------------------------------------------------------------
    def _command(self, session: Session, keyword: Keyword) -> Answer:
        lang = session.lang or "ru"
        # What Twilio answered itself (its words, or OptOutType) gets no second text from us.
        silent = keyword.twilio_answered
        prompt = {"optout": "ui.sms_stopped", "optin": "ui.sms_started", "help": "ui.sms_help"}[keyword.kind]
        replies = [] if silent else [self.catalog.sms(lang, prompt)]
        optout = {"optout": True, "optin": False}.get(keyword.kind)
        return Answer(replies, [{"type": keyword.kind, "answered_by": "twilio" if silent else "hotline"}], optout)

    def _language_choice(self, text: str, on_menu: bool) -> str | None:
        langs = self.catalog.languages
        if on_menu and text.isdigit() and 1 <= int(text) <= len(langs):
            return langs[int(text) - 1]
        return self.matcher.language(text)

    def _set_language(self, session: Session, lang: str, today: dt.date) -> Answer:
        session.lang = lang
        session.stack = []
        session.goto(self.catalog.start, remember=False)
        return self._show(session, today, ["ui.sms_language_set"], {"type": "language", "lang": lang})

    def _key(self, session: Session, key: str, today: dt.date) -> Answer:
        if key == NEXT_PAGE:
            pages = self.renderer.pages(self.flow.screen(session, today, group=None))
            if session.page + 1 < len(pages):
                session.page += 1
                return Answer([pages[session.page]], [{"type": "key", "key": key, "result": "more"}])
            return self._show(session, today, [], {"type": "key", "key": key, "result": "repeat"})
        step = self.flow.press(session, key, today)
        if session.node == LANGUAGE_MENU:
            return self._welcome(session, step.event)
        session.page = 0
        answer = self._show(session, today, step.notices, step.event)
        answer.action = step.action
        return answer

    def _topic(self, session: Session, topic: str, lang: str | None, today: dt.date) -> Answer:
        if lang:
            session.lang = lang
        target = self.catalog.keywords.get(topic)
        if session.lang is None or target is None:
            return self._welcome(session)
        if target == LANGUAGE_MENU:
            return self._welcome(session, {"type": "keyword", "topic": topic})
        session.goto(target)
        return self._show(session, today, [], {"type": "keyword", "topic": topic, "lang": lang})

    def _welcome(self, session: Session, event: dict | None = None) -> Answer:
        session.node, session.page = LANGUAGE_MENU, 0
        langs = [session.lang] if session.lang else ["kk", "ru"]
        intro = [" / ".join(self.catalog.sms(code, "ui.sms_welcome") for code in langs if code in self.catalog.langs)]
        return Answer([self.renderer.language_menu(intro)], [event or {"type": "welcome"}])

    def _show(self, session: Session, today: dt.date, notices, event: dict) -> Answer:
        screen = self.flow.screen(session, today, notices=notices, group=None)
        session.page = 0
        return Answer([self.renderer.pages(screen)[0]], [{**event, "node": session.node}])
