"""The SMS channel on a small catalog: welcome, numbers, keywords in any script, STOP, pages."""
import pytest

from ivr.sms import segments
from ivr.store import calllog, messages, privacy

from . import catalog_fixture as fx


@pytest.fixture
def app(app_factory, tmp_path):
    return app_factory(HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "prompts")))


def text(twilio, body, sender="+77011112233", **kw):
    status, replies = twilio.sms(body, sender=sender, **kw)
    assert status == 200
    return replies


def test_first_message_gets_the_welcome_with_the_language_choice(twilio):
    [reply] = text(twilio, "hello")
    assert reply.startswith("[kk] welcome / [ru] welcome")
    assert "1 name-kk" in reply and "8 name-hy" in reply


def test_number_chooses_language_then_numbers_walk_the_tree(twilio):
    text(twilio, "hi")
    [menu] = text(twilio, "2")
    assert menu.startswith("[ru] language name-ru\n[ru] main menu")
    assert "1 [ru] facts" in menu and "8 [ru] language" in menu
    [facts] = text(twilio, "1")
    assert facts.startswith("[ru] facts menu") and "0 menu" in facts
    [fact] = text(twilio, "1")
    assert fact.startswith("[ru] fact.a")
    assert text(twilio, "*")[0].startswith("[ru] facts menu")
    assert text(twilio, "0")[0].startswith("[ru] main menu")


@pytest.mark.parametrize("body, expected", [
    ("документы", "[ru] fact.a"),
    ("dokumenty", "[ru] fact.a"),  # Russian in Latin letters
    ("dakumenty pozhalujsta", "[ru] fact.a"),  # a misspelling, with words around it
    ("ДОКУМЕНТЫ!!!", "[ru] fact.a"),
    ("hujjatlar", "[uz] fact.a"),  # Uzbek Latin
    ("ҳужжатлар керак", "[uz] fact.a"),  # Uzbek Cyrillic
    ("hujatlar", "[uz] fact.a"),  # a letter missing
    ("құжаттар", "[kk] fact.a"),
    ("spisok", "[ru] list intro"),
])
def test_keywords_in_any_script_with_typos_answer_directly_and_set_the_language(twilio, body, expected):
    [reply] = text(twilio, body)
    assert reply.startswith(expected)


def test_language_by_name_in_any_script(twilio):
    text(twilio, "salam")
    assert text(twilio, "ўзбек")[0].startswith("[uz] language name-uz")
    assert text(twilio, "Russkiy")[0].startswith("[ru] language name-ru")


def test_unknown_text_gets_short_help_with_the_menu(twilio):
    text(twilio, "2")
    text(twilio, "2")
    [reply] = text(twilio, "qwertyuiop")
    assert reply.startswith("[ru] unknown\n[ru] main menu") and "1 [ru] facts" in reply


def test_long_list_is_split_into_pages_within_the_budget(app_factory, tmp_path):
    from ivr.phone import Emulator

    from .conftest import client_transport

    langs = {}
    for code in fx.LANGS:
        lang = fx.language(code)
        for i in range(1, 8):
            lang["prompts"][f"item.{i}"]["sms"] = f"{i}. " + "Длинный пункт списка про медицинскую помощь " * 2
        langs[code] = lang
    app = app_factory(HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "p", langs=langs)), HOTLINE_SMS_SEGMENTS="2")
    twilio = Emulator("http://localhost", app.config["TWILIO_AUTH_TOKEN"], client_transport(app.test_client()))
    text(twilio, "русский")
    [first] = text(twilio, "2")
    assert segments.segments(first) <= 2 and first.endswith("[ru] 9 more")
    pages = [first]
    while pages[-1].endswith("9 more"):
        [page] = text(twilio, "9")
        assert segments.segments(page) <= 2
        pages.append(page)
    assert len(pages) >= 3
    assert all(f"{i}. Длинный" in "\n".join(pages) for i in range(1, 8))


def test_stop_opts_out_and_start_opts_back_in(twilio, rdb):
    caller = privacy.number_hash("test-hash-secret", "+77011112233")
    text(twilio, "русский")
    assert text(twilio, "STOP") == []  # Twilio's Advanced Opt-Out answers its own English words
    assert rdb.exists(messages.optout_key(caller))
    assert text(twilio, "start") == []
    assert not rdb.exists(messages.optout_key(caller))
    assert text(twilio, "Стоп") == ["[ru] stopped"]  # a local word Twilio does not know: we answer
    assert rdb.exists(messages.optout_key(caller))
    assert text(twilio, "старт") == ["[ru] send START"]  # only START lifts an opt-out (ivr/sms/optout.py)
    assert rdb.exists(messages.optout_key(caller))
    assert text(twilio, "помощь") == ["[ru] help text"]  # Twilio does not block this number: replies reach it


def test_without_advanced_opt_out_the_app_answers_stop_itself(app_factory, tmp_path):
    from ivr.phone import Emulator

    from .conftest import client_transport

    app = app_factory(HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "p")), TWILIO_ADVANCED_OPT_OUT="off")
    twilio = Emulator("http://localhost", app.config["TWILIO_AUTH_TOKEN"], client_transport(app.test_client()))
    assert text(twilio, "HELP") == ["[ru] help text"]
    assert text(twilio, "STOP") == ["[ru] stopped"]
    assert text(twilio, "HELP") == []  # blocked at the carrier now: a reply would never arrive (recorded, not sent)


def test_stop_words_are_whole_messages_only(twilio, rdb):
    text(twilio, "русский")
    text(twilio, "please stop sending me documents")
    assert not rdb.keys("optout:*")


def test_same_message_sid_is_answered_and_logged_once(twilio, rdb):
    text(twilio, "русский", sid="SM" + "a" * 32)
    first = text(twilio, "1", sid="SM" + "b" * 32)
    events = rdb.llen(calllog.events_key("SMS-" + privacy.number_hash("test-hash-secret", "+77011112233")))
    again = text(twilio, "1", sid="SM" + "b" * 32)
    assert again == first  # Twilio retries when it did not get our answer: the same answer
    assert rdb.llen(calllog.events_key("SMS-" + privacy.number_hash("test-hash-secret", "+77011112233"))) == events
    assert text(twilio, "1", sid="SM" + "c" * 32)[0].startswith("[ru] fact.a")  # the session moved once


def test_conversation_is_logged_without_the_number(twilio, rdb):
    text(twilio, "русский")
    text(twilio, "1")
    cid = "SMS-" + privacy.number_hash("test-hash-secret", "+77011112233")
    record, events = calllog.read(rdb, cid)
    assert record["channel"] == "sms" and record["lang"] == "ru"
    assert [e["type"] for e in events] == ["sms_in", "language", "sms_out", "sms_in", "key", "sms_out"]
    assert events[2]["encoding"] == "GSM-7" and events[2]["segments"] == 1
    for key in rdb.keys("*"):
        assert "1112233" not in key
        if rdb.type(key) == "list":
            assert not any("1112233" in e for e in rdb.lrange(key, 0, -1))
        elif rdb.type(key) == "hash":
            assert not any("1112233" in v for v in rdb.hgetall(key).values())


@pytest.mark.parametrize("body", ["", "   ", "🙂🙂🙂", "x" * 5000, "\x00\x01\x1b[31m", "<Response><Dial>+1</Dial>",
                                  "]]><script>alert(1)</script>", "１２３", "9" * 3, "*", "#"])
def test_garbage_gets_valid_twiml_never_an_error(twilio, body):
    text(twilio, "русский")
    replies = text(twilio, body)
    assert replies and all(r for r in replies)


def test_missing_message_sid_is_a_client_error(twilio):
    status, _ = twilio.post("/sms", {"From": "+77011112233", "Body": "hi"})
    assert status == 400
