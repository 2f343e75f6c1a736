"""Nothing a texter types breaks the reply (issue 27, item 1), on the real catalog and its lexicons.

Property tests (hypothesis) over the understander itself and over the signed /sms webhook with a real Redis:
any Unicode, punctuation alone, emoji, control characters, 1,600 characters. Every text gets an answer in a
language (never the outage line, never a 5xx), and every inbound text is in the thread's log before anything
tries to understand it. A failure inside understanding gives the numbered menu and puts the text in the
operators' inbox (reason "error").
"""
from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ivr.sms import segments
from ivr.sms.understanding import Understanding
from ivr.store import calllog, inbox, privacy
from ivr.store.sessions import Session

from . import sms_fixtures

TODAY = dt.date(2026, 12, 7)
REAL_WORDS = ["документы", "dokumenty", "tb", "туберкулез", "ВНЖ", "внж", "осмс", "103", "1406", "тегін", "bepul",
              "ýok", "yoxdur", "չունեմ", "надорам", "жоқ", "беженец", "қандас", "ДМС", "oʻzbek", "to'xta", "стоп"]
PUNCT = list("'`\"«»“”‘’ʻʼ.,;:!?-—–()[]{}<>/\\|@#$%^&*_+=~") + ["...", "''", "``", "‹›"]
EMOJI = ["🙂", "🤒", "👶🏽", "❤️", "🇰🇿", "👍", "🏥", "\u200d", "\ufe0f"]
CONTROLS = ["\x00", "\x07", "\x1b", "\r", "\n", "\t", "\u200b", "\u202e", "\ufeff", "\x7f"]
pieces = st.one_of(st.sampled_from(REAL_WORDS), st.sampled_from(PUNCT), st.sampled_from(EMOJI),
                   st.sampled_from(CONTROLS), st.sampled_from([" ", "  "]),
                   st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12))
messages = st.one_of(st.lists(pieces, max_size=30).map("".join),
                     st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=200),
                     st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1500, max_size=1600))
KNOWN_BREAKERS = ["dokumenty '", "tb `", "«103»", "'", "`", "''' ```", "ʻ", "’", "🙂", "\x00", "." * 1600, "ә" * 1600]


catalog, texting = sms_fixtures.catalog, sms_fixtures.texting  # the real catalog, once per module


def outage_lines(catalog) -> set[str]:
    return {catalog.sms(code, "ui.unavailable") for code in catalog.languages}


@settings(max_examples=300, deadline=None)
@given(text=messages)
@example(text="dokumenty '")
@example(text="tb `")
@example(text="«103»")
def test_the_understander_never_fails(texting, text):
    understood = texting.understander.understand(text)
    assert isinstance(understood, Understanding)
    assert understood.lang in (None, *texting.catalog.languages)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=messages, lang=st.sampled_from([None, "kk", "ru", "ky", "uz", "tg", "tk", "az", "hy"]))
def test_every_text_gets_an_answer_within_the_cap_never_the_outage_line(texting, catalog, text, lang):
    session = Session(id="t", caller="t", lang=lang, node=catalog.start if lang else "@language")
    answer = texting.answer(session, text, TODAY, is_new=lang is None)
    assert not set(answer.replies) & outage_lines(catalog)
    assert all(segments.segments(r) <= texting.renderer.budget for r in answer.replies)
    assert answer.replies or answer.optout is not None, (text, answer)
    assert answer.inbox != "error", text  # nothing inside failed on it
    if lang:
        assert session.lang == lang or answer.events[0]["type"] == "language"


@pytest.mark.parametrize("body", KNOWN_BREAKERS)
def test_the_texts_that_used_to_raise_are_answered(texting, catalog, body):
    for lang in (None, "ru", "kk"):
        session = Session(id="t", caller="t", lang=lang, node=catalog.start if lang else "@language")
        answer = texting.answer(session, body, TODAY, is_new=lang is None)
        assert answer.replies and answer.inbox != "error"


def test_a_failure_inside_understanding_gives_the_menu_and_the_inbox(texting, catalog, monkeypatch):
    def broken(_text):
        raise IndexError("a bug")

    monkeypatch.setattr(texting.understander, "understand", broken)
    session = Session(id="t", caller="t", lang="ru", node=catalog.start)
    answer = texting.answer(session, "как прикрепиться", TODAY, is_new=False)
    assert answer.inbox == "error" and session.node == catalog.start
    assert catalog.sms("ru", "opt.algo_checklist") in answer.replies[0]  # the numbered main menu
    first = Session(id="t", caller="t", lang=None, node="@language")
    answer = texting.answer(first, "как прикрепиться", TODAY, is_new=True)
    assert answer.inbox == "error" and "2 Русский" in answer.replies[0]  # the language menu


# -- the webhook, signed, on a real Redis -----------------------------------------------------------

SENDERS = (f"+7701777{n:04d}" for n in itertools.count(1000))


def thread(rdb, sender):
    caller = privacy.number_hash("test-hash-secret", sender)
    return calllog.read(rdb, f"SMS-{caller}")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=messages, chosen=st.booleans())
def test_the_webhook_answers_and_stores_every_text(twilio, rdb, catalog, body, chosen):
    sender = next(SENDERS)
    if chosen:
        twilio.sms("русский", sender=sender)
    status, replies = twilio.sms(body, sender=sender)
    assert status == 200
    assert not set(replies) & outage_lines(catalog)
    _, events = thread(rdb, sender)
    stored = [e["body"] for e in events if e["type"] == "sms_in"]
    assert stored and stored[-1] == body[:1600]


def test_a_failure_inside_the_answer_keeps_the_text_and_gives_the_menu(app, twilio, rdb, catalog, monkeypatch):
    svc = app.extensions["hotline"]
    sender = "+77017770001"
    twilio.sms("русский", sender=sender)

    def broken(*_a, **_k):
        raise RuntimeError("a bug outside understanding")

    monkeypatch.setattr(svc.texting, "answer", broken)
    status, [reply] = twilio.sms("как прикрепиться к поликлинике", sender=sender)
    assert status == 200 and reply not in outage_lines(catalog)
    assert catalog.sms("ru", "opt.algo_checklist") in reply
    [item] = inbox.page(rdb)
    assert item["reason"] == "error" and item["body"] == "как прикрепиться к поликлинике"
    _, events = thread(rdb, sender)
    assert [e["body"] for e in events if e["type"] == "sms_in"][-1] == "как прикрепиться к поликлинике"
