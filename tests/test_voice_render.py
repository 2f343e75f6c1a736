"""What the voice TwiML may send Twilio: <Say> only in a language Twilio speaks, with a named voice,
over the whole real tree in every mode; action URLs of unreserved characters only."""
from __future__ import annotations

import re

import pytest

from ivr.content.catalog import load_catalog
from ivr.content.model import LANGUAGE_MENU
from ivr.flow import Flow
from ivr.phone import parse_twiml
from ivr.store.sessions import Session
from ivr.voice import call_state
from ivr.voice.audio import AudioIndex
from ivr.voice.render import TWILIO_VOICES, VoiceRenderer

from . import catalog_fixture as fx
from . import sms_fixtures
from .conftest import FIXED_NOW

CYRILLIC_OR_ARMENIAN = re.compile(r"[\u0400-\u04ff\u0530-\u058f]")
UNRESERVED_QUERY = re.compile(r"\A/voice/key\?[A-Za-z0-9_.~-]+=[A-Za-z0-9_.~-]*(&[A-Za-z0-9_.~-]+=[A-Za-z0-9_.~-]*)*\Z")


catalog = sms_fixtures.catalog  # the real catalog, loaded once per session (conftest.py)


def every_twiml(catalog, renderer):
    """The TwiML of every node and page in every language (and the language menu, the goodbyes),
    on every day a fact changes."""
    flow = Flow(catalog)
    for day in catalog.change_days(FIXED_NOW.date()):
        for lang in catalog.languages:
            for nid, node in catalog.nodes.items():
                for page in range(flow.page_count(node, day) if node.is_list else 1):
                    screen = flow.screen(Session(id="w", caller="w", lang=lang, node=nid, page=page), day)
                    yield lang, renderer.menu(screen, "/voice/key?s=1", "/voice/key?s=1&noinput=1")
            screen = flow.screen(Session(id="w", caller="w", lang=lang, node=LANGUAGE_MENU), day)
            yield lang, renderer.menu(screen, "/voice/key?s=1", "/voice/key?s=1&noinput=1")
            yield lang, renderer.goodbye(lang)
    yield None, renderer.goodbye(None)


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["say", "auto", "play"])
def test_no_twiml_says_cyrillic_or_armenian_without_a_voice_that_speaks_it(catalog, tmp_path, mode):
    """The whole real tree, with no audio built (the worst case): nothing reaches an English voice."""
    renderer = VoiceRenderer(catalog, mode, audio=AudioIndex(tmp_path / "no-audio"))
    says = plays = 0
    for lang, body in every_twiml(catalog, renderer):
        for say in parse_twiml(body).iter("Say"):
            says += 1
            assert say.get("voice") and say.get("language") in TWILIO_VOICES, (lang, body[:300])
            assert say.get("voice") == TWILIO_VOICES[say.get("language")] or say.get("voice") == "Polly.Tatyana"
            assert not CYRILLIC_OR_ARMENIAN.search(say.text or "") or say.get("language") == "ru-RU", (lang, say.text)
            assert not re.search(r"[\u0530-\u058f]", say.text or ""), (lang, say.text)  # no Armenian voice
        plays += len(list(parse_twiml(body).iter("Play")))
    assert says and plays  # Russian is said, every other language is played (here: its missing-… URL)


def test_a_language_twilio_cannot_speak_is_never_said(tmp_path):
    catalog = load_catalog(fx.write(tmp_path / "p"))
    renderer = VoiceRenderer(catalog, "say", audio=AudioIndex(tmp_path / "no-audio"))
    assert set(renderer.voices) == {"ru"}
    body = renderer.goodbye("kk")
    assert not list(parse_twiml(body).iter("Say")) and "/audio/kk/missing-" in body
    assert VoiceRenderer(catalog, "say").goodbye("kk").count("<Pause") == 1  # no audio index at all: a pause


def test_action_urls_carry_only_unreserved_characters(twilio):
    call = twilio.call()
    turn = call.start()
    urls = [turn.gather["action"], turn.redirect]
    assert "n=_language" in turn.gather["action"]  # the language menu, not n=%40language
    turn = call.press("2")
    urls += [turn.gather["action"], turn.redirect]
    turn = call.press("8")  # change language: the back trail holds the language menu too
    urls += [turn.gather["action"], turn.redirect]
    for url in urls:
        assert UNRESERVED_QUERY.match(url.replace("http://localhost", "")), url


def test_a_url_issued_before_the_token_still_reads(tmp_path):
    catalog = load_catalog(fx.write(tmp_path / "p"))
    args = {"s": "1", "n": "@language", "t": "0"}
    assert call_state.decode(args, "CA1", "h", catalog).node == LANGUAGE_MENU
    session = call_state.decode({"s": "2", "l": "ru", "n": "main", "b": "_language", "t": "0"}, "CA1", "h", catalog)
    assert session.stack == [[LANGUAGE_MENU, 0]]
    assert "b=_language" in call_state.key_url(session)
