"""A first call reaches the main menu quickly: the number's country code names a language (tree.yaml
`language_by_country`), offered first in itself — 1 takes it, 2 the full list; +7 hears the list."""
import pytest

from ivr.phone import Emulator
from ivr.store import privacy, sessions

from . import catalog_fixture as fx
from .conftest import client_transport, words_of


def prompts(directory):
    tree = fx.tree()
    tree["language_by_country"] = {"996": "ky", "+998": "uz"}
    langs = {}
    for code in fx.LANGS:
        lang = fx.language(code)
        lang["prompts"]["lang.offer"] = {"voice": f"[{code}] {code}: 1, others: 2", "status": "unreviewed"}
        langs[code] = lang
    return fx.write(directory, tree_data=tree, langs=langs)


@pytest.fixture
def phone(app_factory, tmp_path):
    app = app_factory(HOTLINE_PROMPTS_DIR=str(prompts(tmp_path / "p")))
    return app, Emulator("http://localhost", app.config["TWILIO_AUTH_TOKEN"], client_transport(app.test_client()),
                         words_of(app))


def test_a_kyrgyz_number_is_offered_kyrgyz_in_kyrgyz_and_one_key_takes_it(phone, rdb):
    app, twilio = phone
    call = twilio.call(caller="+996555123456")
    first = call.start()
    assert [h.text for h in first.heard] == ["[ky] hotline 1 0 3", "[ky] ky: 1, others: 2"]
    assert "[ky] main menu" in call.press("1").text
    caller = privacy.number_hash("test-hash-secret", "+996555123456")
    assert rdb.get(sessions.language_key(caller)) == "ky"


def test_key_2_gives_the_full_list(phone):
    _, twilio = phone
    call = twilio.call(caller="+998901234567")
    assert call.start().heard[1].text == "[uz] uz: 1, others: 2"
    listed = call.press("2")
    assert [h.text for h in listed.heard] == [f"[{c}] choose {c}" for c in fx.LANGS]
    assert "[kk] main menu" in call.press("1").text  # the list's keys as ever


def test_the_offer_is_repeated_and_a_silent_caller_is_said_goodbye_in_it(phone):
    _, twilio = phone
    call = twilio.call(caller="+996555123456")
    call.start()
    assert call.press("9").heard[-1].text == "[ky] ky: 1, others: 2"
    call.silence()
    bye = call.silence()
    assert bye.hangup and "[ky] goodbye" in bye.text


@pytest.mark.parametrize("number", ["+77011234567", "+79161234567", "+12025550123", "+266696687"])
def test_plus_7_and_other_codes_hear_the_list(phone, number):
    _, twilio = phone
    heard = twilio.call(caller=number).start().heard
    assert [h.text for h in heard][1:] == [f"[{c}] choose {c}" for c in fx.LANGS]


def test_a_callback_is_offered_the_language_of_the_person_called(phone):
    _, twilio = phone
    call = twilio.answer("+996555123456", {"sid": "CA" + "5" * 32, "url": "/voice", "from": "+77270000000"})
    assert call.form()["From"] == "+77270000000"
    assert call.start().heard[1].text == "[ky] ky: 1, others: 2"
