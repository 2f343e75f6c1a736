"""The SMS conversation: what to answer a texter, given their session and their message.

Pure logic over the flow engine and the keyword matcher; no Redis, no Twilio. The blueprint
(ivr/sms/webhooks.py) loads the session, calls `Texting.answer`, and stores what changed.

Order of understanding a message: opt-out / opt-in / help words (whole message) → a request to stop in the
texter's own words (ivr/sms/optout_freeform.py: opted out, or told how when it is a question) → a language
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
import logging
import re
from dataclasses import dataclass, field

from ..content.lexicon import Lexicon, load_lexicon
from ..content.model import LANGUAGE_MENU, Catalog
from ..flow import Flow
from ..store.sessions import Session
from .intents import Intents, Plan
from .keywords import Matcher
from .optout import HOW_TO_STOP, Keyword, OptOutWords
from .optout_freeform import OPTOUT, FreeForm, Reading
from .render import SmsRenderer
from .understanding import STOPWORD_EVIDENCE, Understander, Understanding

log = logging.getLogger(__name__)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
NEXT_PAGE = "9"


@dataclass(frozen=True)
class _Call:
    """What the channel knows about the texter's number for this one message (Texting is shared by requests)."""
    now: dt.datetime | None
    can_call: bool
    callback_at: dt.datetime | None = None


@dataclass
class Answer:
    replies: list[str]
    events: list[dict] = field(default_factory=list)
    optout: str | bool | None = None  # optout.CARRIER / HOTLINE: opt out (who blocks); False: opt back in
    action: str | None = None  # a node action (reminder, callback) for the channel to carry out
    inbox: str | None = None  # why an operator must see the text (ivr.store.inbox.REASONS), or None

    @property
    def unmatched(self) -> bool:
        return self.inbox == "unclear"


class Texting:
    def __init__(self, catalog: Catalog, flow: Flow, renderer: SmsRenderer, matcher: Matcher,
                 twilio_handles_optout: bool = True, lexicon: Lexicon | None = None,
                 understander: Understander | None = None):
        self.catalog, self.flow, self.renderer, self.matcher = catalog, flow, renderer, matcher
        self.optout_words = OptOutWords(catalog, twilio_handles_optout)
        self.stop_requests = FreeForm(self.optout_words)
        self.lexicon = lexicon or load_lexicon(catalog)
        self.understander = understander or Understander(catalog, self.lexicon)
        self.intents = Intents(self.lexicon)

    def answer(self, session: Session, body: str, today: dt.date, is_new: bool, opt_out_type: str = "",
               blocked: str | None = None, now: dt.datetime | None = None, can_call: bool = True,
               callback_at: dt.datetime | None = None) -> Answer:
        """`blocked`: the number's opt-out record, if it has one (what an opt-in word may do: ivr/sms/optout.py);
        `now`: the time; `can_call`: the number may be called back (not opted out; a withheld number never
        reaches here); `callback_at`: when a callback asked for now would come (outside HOTLINE_CALLBACK_HOURS,
        the channel's `callback_time`), None for soon."""
        return self._answer(session, body, today, is_new, opt_out_type, blocked,
                            _Call(now, can_call and not blocked, callback_at))

    def _answer(self, session: Session, body: str, today: dt.date, is_new: bool, opt_out_type: str,
                blocked: str | None, call: _Call) -> Answer:
        text = CONTROL.sub(" ", body or "")[:1600].strip()
        offered, session.choices = session.choices, []
        folded = self.optout_words.folded_words(text)  # the words both opt-out checks compare, folded once
        keyword = self.optout_words.classify(text, opt_out_type, folded)
        if keyword:
            return self._command(session, keyword, blocked)
        reading = self.stop_requests.read(text, folded)
        if reading:
            return self._stop_request(session, text, reading, blocked)
        if session.node == LANGUAGE_MENU or session.lang is None:
            chosen = self._language_choice(text, on_menu=session.node == LANGUAGE_MENU and not is_new)
            if chosen:
                return self._set_language(session, chosen, today)
        if session.lang and offered and text.isdigit() and 1 <= int(text) <= len(offered):
            topic = offered[int(text) - 1]
            return self._topic(session, topic, today, {"type": "choice", "key": text, "topic": topic})
        try:
            return self._understand(session, text, today, offered, call)
        except Exception:  # a bug inside understanding must not cost the texter an answer
            log.exception("SMS understanding failed; answering with the menu")
            return self.failed(session, today)

    def failed(self, session: Session, today: dt.date) -> Answer:
        """What a texter gets when understanding their text failed: the numbered menu (the language menu for
        a texter without a language), never the outage line; the text goes to the operators' inbox."""
        session.choices = []
        if session.lang is None or session.lang not in self.catalog.langs:
            session.lang = None
            answer = self._welcome(session, {"type": "error"})
        else:
            session.goto(self.catalog.start, remember=False)
            answer = self._show(session, today, [], {"type": "error"})
        answer.inbox = "error"
        return answer

    def _understand(self, session: Session, text: str, today: dt.date, offered: list[str], call: _Call) -> Answer:
        understood = self.understander.understand(text, language=session.lang is None)  # a chosen language wins
        # "103" or "1406" is a number the texter needs, not three menu keys: a clear topic wins over keys
        if session.lang and re.fullmatch(r"[0-9*#]{1,3}", text) and not (len(text) > 1 and understood.clear):
            return self._key(session, text, today)
        if session.lang:
            chosen = self.matcher.language(text)
            if chosen:
                return self._set_language(session, chosen, today)
        after_answer = session.node not in (self.catalog.start, LANGUAGE_MENU)
        plan = self.intents.plan(understood, session.lang or understood.lang or self._default_language(),
                                 after_answer, lambda without: self.understander.rescore(text, without))
        if plan:
            return self._planned(session, understood, plan, today, call)
        if understood.ranked:
            return self._understood(session, understood, today)
        if session.lang is None:
            if understood.lang and understood.lang_evidence >= STOPWORD_EVIDENCE:
                session.lang = understood.lang  # "Здравствуйте", "barev": the welcome in that language
            answer = self._welcome(session)
        else:
            answer = self._unknown(session, today)
        answer.inbox = "unclear" if text else None
        return answer

    # -- the cases ---------------------------------------------------------------------
    def _command(self, session: Session, keyword: Keyword, blocked: str | None) -> Answer:
        # In the texter's language, or the phrase's own; what Twilio answered itself gets no second text.
        decision = self.optout_words.decide(keyword, blocked, session.lang)
        replies = [self.catalog.sms(decision.lang, decision.prompt)] if decision.prompt else []
        return Answer(replies, [{**decision.event, "lang": decision.lang}], decision.optout)

    def _stop_request(self, session: Session, text: str, reading: Reading, blocked: str | None) -> Answer:
        """A stop asked for in the texter's own words: opted out at the hotline's level and told so (with how to
        get SMS again); asked as a question, told how to stop, nothing changed."""
        langs = reading.langs
        if session.lang is None and len(langs) != 1:  # a first text whose stop words are of several languages:
            understood = self.understander.understand(text)  # the language its grammar words say, if they do
            if understood.lang and understood.lang_evidence >= STOPWORD_EVIDENCE:
                langs = (understood.lang,)
        keyword = Keyword("optout", twilio_answered=False, carrier=False, langs=langs)
        if session.lang is None:  # they wrote to us in it: remembered, so "send START" and what follows use it
            session.lang = self.optout_words.language(keyword, None)
            session.goto(self.catalog.start, remember=False)
        if reading.kind == OPTOUT:
            answer = self._command(session, keyword, blocked)
            answer.events[0]["freeform"] = reading.why
            return answer
        lang = session.lang
        return Answer([self.catalog.sms(lang, HOW_TO_STOP)],
                      [{"type": "optout_how", "lang": lang, "freeform": reading.why}])

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
        # each fact as said today: itself, or after its `until` its successor or dated fallback (as the voice)
        lines = [self.catalog.sms(session.lang, p) for p in self.catalog.said(answer_ids, today)]
        page = self.renderer.answer(screen, also, lines or None)
        return Answer([page], [{**event, "node": session.node, "lang": session.lang}])

    def _planned(self, session: Session, understood: Understanding, plan: Plan, today: dt.date,
                 call: _Call) -> Answer:
        """A status, disease, urgency, callback or out-of-scope answer (ivr/sms/intents.py)."""
        if session.lang is None:
            session.lang = understood.lang or self._default_language()
        lang = session.lang
        best = understood.best.topic if understood.best else None
        event = {"type": "intent", "intent": plan.intent, "topic": plan.topic or best, **plan.extra}
        if plan.intent == "who":
            return self._welcome(session, {**event, "type": "welcome"})
        if plan.topic and not plan.messages:
            return self._topic(session, plan.topic, today, event)
        target = self.catalog.keywords.get(plan.topic) if plan.topic else None
        if target and target != LANGUAGE_MENU and self.catalog.node_in_force(target, today):
            session.goto(target)
        else:
            session.goto(self.catalog.start, remember=False)
        session.page = 0
        inbox, action = plan.inbox, plan.action
        messages = [[self.catalog.sms(lang, p) for p in self.catalog.said(ids, today)] for ids in plan.messages]
        if action == "callback":
            if call.can_call:
                messages = [[self._callback_line(lang, call)]]
            else:
                messages, inbox, action = [[self.catalog.sms(lang, "ui.sms_callback_no")]], "callback", None
        messages = [m for m in messages if m]
        screen = self.flow.screen(session, today, group=None)
        replies = [self.renderer.answer(screen, self.lexicon.reply(lang, "also"), messages[0])] if messages else []
        replies += [self.renderer.paginate(m, self.catalog.sms(lang, "ui.sms_more"))[0] for m in messages[1:]]
        answer = Answer(replies, [{**event, "node": session.node, "lang": lang}], action=action)
        answer.inbox = inbox
        return answer

    def _callback_line(self, lang: str, call: _Call) -> str:
        """When the operator will call: soon (within the callback hours), else the start of the next window."""
        when = call.callback_at
        if when is None:
            return self.catalog.sms(lang, "ui.sms_callback")
        today = call.now.date() if call.now else None
        label = when.strftime("%H:%M") if when.date() == today else when.strftime("%H:%M %d.%m")
        return self.catalog.sms(lang, "ui.sms_callback_at", time=label)

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
