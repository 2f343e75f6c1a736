"""The SMS conversation: what to answer a texter, given their session and their message.

Pure logic over the flow engine and the keyword matcher; no Redis, no Twilio. The blueprint
(ivr/sms/webhooks.py) loads the session, calls `Texting.answer`, and stores what changed.

Order of understanding a message: opt-out / opt-in / help words (whole message) → a language
choice (a number on the language menu, or a language's name) → a number picking one of the topics
just offered → a menu number (0 main menu, 9 next page, * back) → what the text is about
(ivr/sms/understanding.py) → otherwise a short help with the menu, and the text kept for operators.

Language: the one the texter chose (or the one remembered for the number) always wins; the language a
message is written in decides only for a first-time texter. A clear topic is answered with the fact
itself and one line on what else to text; an unclear one with the likeliest 2-3 topics as numbered
choices. A first-time texter's clear question skips the welcome.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from ..content.lexicon import Lexicon, load_lexicon
from ..content.model import LANGUAGE_MENU, Catalog
from ..flow import Flow
from ..store.sessions import Session
from .keywords import Matcher
from .optout import Keyword, OptOutWords
from .render import SmsRenderer
from .understanding import Understander, Understanding

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
NEXT_PAGE = "9"


@dataclass
class Answer:
    replies: list[str]
    events: list[dict] = field(default_factory=list)
    optout: str | bool | None = None  # optout.CARRIER / HOTLINE: opt out (who blocks); False: opt back in
    action: str | None = None  # a node action (reminder, callback) for the channel to carry out
    unmatched: bool = False  # nothing in the text was understood: keep it for an operator (ivr.store.inbox)


class Texting:
    def __init__(self, catalog: Catalog, flow: Flow, renderer: SmsRenderer, matcher: Matcher,
                 twilio_handles_optout: bool = True, lexicon: Lexicon | None = None,
                 understander: Understander | None = None):
        self.catalog, self.flow, self.renderer, self.matcher = catalog, flow, renderer, matcher
        self.optout_words = OptOutWords(catalog, twilio_handles_optout)
        self.lexicon = lexicon or load_lexicon(catalog)
        self.understander = understander or Understander(catalog, self.lexicon)

    def answer(self, session: Session, body: str, today: dt.date, is_new: bool, opt_out_type: str = "",
               blocked: str | None = None) -> Answer:
        """`blocked`: the number's opt-out record, if it has one (what an opt-in word may do: ivr/sms/optout.py)."""
        text = CONTROL.sub(" ", body or "")[:1600].strip()
        offered, session.choices = session.choices, []
        keyword = self.optout_words.classify(text, opt_out_type)
        if keyword:
            return self._command(session, keyword, blocked)
        if session.node == LANGUAGE_MENU or session.lang is None:
            chosen = self._language_choice(text, on_menu=session.node == LANGUAGE_MENU and not is_new)
            if chosen:
                return self._set_language(session, chosen, today)
        if session.lang and offered and text.isdigit() and 1 <= int(text) <= len(offered):
            topic = offered[int(text) - 1]
            return self._topic(session, topic, today, {"type": "choice", "key": text, "topic": topic})
        understood = self.understander.understand(text)
        # "103" or "1406" is a number the texter needs, not three menu keys: a clear topic wins over keys
        if session.lang and re.fullmatch(r"[0-9*#]{1,3}", text) and not (len(text) > 1 and understood.clear):
            return self._key(session, text, today)
        if session.lang:
            chosen = self.matcher.language(text)
            if chosen:
                return self._set_language(session, chosen, today)
        if understood.ranked:
            return self._understood(session, understood, today)
        answer = self._welcome(session) if session.lang is None else self._unknown(session, today)
        answer.unmatched = bool(text)
        return answer

    # -- the cases ---------------------------------------------------------------------
    def _command(self, session: Session, keyword: Keyword, blocked: str | None) -> Answer:
        # In the texter's language, or the phrase's own; what Twilio answered itself gets no second text.
        decision = self.optout_words.decide(keyword, blocked, session.lang)
        replies = [self.catalog.sms(decision.lang, decision.prompt)] if decision.prompt else []
        return Answer(replies, [{**decision.event, "lang": decision.lang}], decision.optout)

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

    def _understood(self, session: Session, understood: Understanding, today: dt.date) -> Answer:
        best = understood.best
        if session.lang is None:  # a first-time texter: the message's language, if it says one
            if understood.lang is None and not understood.clear:
                return self._welcome(session, {"type": "welcome", "topics": understood.choices()})
            session.lang = understood.lang or self._default_language()
            if session.node == LANGUAGE_MENU:
                session.goto(self.catalog.start, remember=False)
        if understood.clear:
            return self._topic(session, best.topic, today, {"type": "keyword", "topic": best.topic,
                                                            "score": best.score})
        return self._choices(session, understood.choices())

    def _topic(self, session: Session, topic: str, today: dt.date, event: dict) -> Answer:
        target = self.catalog.keywords.get(topic)
        if target == LANGUAGE_MENU:
            return self._welcome(session, event)
        if session.lang is None or target is None:
            return self._welcome(session)
        session.goto(target)
        session.page = 0
        answer_ids = self.lexicon.topics[topic].answer if topic in self.lexicon.topics else ()
        also = self.lexicon.reply(session.lang, "also")
        screen = self.flow.screen(session, today, group=None)
        node = self.catalog.nodes[target]
        if not self.catalog.node_in_force(target, today):
            answer_ids = ()  # the screen says what is in force instead (the main menu)
        elif not answer_ids and node.sms and not node.items:  # the fact itself, in its SMS wording
            answer_ids = node.sms
        lines = [self.catalog.sms(session.lang, p) for p in answer_ids if self.catalog.in_force(p, today)]
        page = self.renderer.answer(screen, also, lines or None)
        return Answer([page], [{**event, "node": session.node, "lang": session.lang}])

    def _choices(self, session: Session, topics: list[str]) -> Answer:
        session.choices = topics
        intro = self.lexicon.reply(session.lang, "choose")
        lines = ([intro] if intro else []) + [f"{i} {self._label(session.lang, t)}" for i, t in enumerate(topics, 1)]
        return Answer(["\n".join(lines)], [{"type": "choices", "topics": topics, "node": session.node}])

    def _label(self, lang: str, topic: str) -> str:
        """A topic's name among choices: the lexicon's, else the label of the menu option leading to it."""
        lex = self.lexicon.langs.get(lang)
        if lex and topic in lex.labels:
            return lex.labels[topic]
        meta = self.lexicon.topics.get(topic)
        if meta and meta.label:
            return self.catalog.sms(lang, meta.label)
        target = self.catalog.keywords.get(topic)
        for node in self.catalog.nodes.values():
            for option in node.options:
                if option.goto == target:
                    return self.catalog.sms(lang, option.label)
        return topic

    def _default_language(self) -> str:
        return self.lexicon.default_language or ("ru" if "ru" in self.catalog.langs else self.catalog.languages[0])

    def _unknown(self, session: Session, today: dt.date) -> Answer:
        session.goto(self.catalog.start, remember=False)
        return self._show(session, today, ["ui.sms_unknown"], {"type": "unknown"})

    def _welcome(self, session: Session, event: dict | None = None) -> Answer:
        session.node, session.page = LANGUAGE_MENU, 0
        langs = [session.lang] if session.lang else ["kk", "ru"]
        langs = [code for code in langs if code in self.catalog.langs]
        texts = [self.lexicon.reply(code, "welcome") or self.catalog.sms(code, "ui.sms_welcome") for code in langs]
        intros = [" / ".join(texts)] + texts[-1:]  # both, else the last alone when both do not fit
        return Answer([self.renderer.language_menu(intros)], [event or {"type": "welcome"}])

    def _show(self, session: Session, today: dt.date, notices, event: dict) -> Answer:
        screen = self.flow.screen(session, today, notices=notices, group=None)
        session.page = 0
        return Answer([self.renderer.pages(screen)[0]], [{**event, "node": session.node}])
