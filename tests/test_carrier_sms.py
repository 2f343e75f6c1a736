"""Inbound texts under the carriers' rules: opt-out words, OptOutType, base64 bodies, hidden
senders, and two texts from one number at once (against the real Redis)."""
import base64
import json
import threading

import pytest

from ivr.phone import Emulator
from ivr.store import calllog, messages, privacy, sessions

from . import catalog_fixture as fx
from .conftest import client_transport
from .twilio_bodies import WITHHELD, inbound_sms, replies

TEXTER = "+77011112233"
CALLER = privacy.number_hash("test-hash-secret", TEXTER)


@pytest.fixture
def app(app_factory, tmp_path):
    return app_factory(HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "prompts")))


def send(twilio, body, sender=TEXTER, **extra):
    return replies(twilio.post("/sms", inbound_sms(body, sender, **extra)))


def opted_out(rdb) -> bool:
    return bool(rdb.exists(messages.optout_key(CALLER)))


def events(rdb, cid=f"SMS-{CALLER}"):
    return calllog.read(rdb, cid)[1]


@pytest.mark.parametrize("word", ["STOP", "stop", " Stop ", "STOPALL", "Unsubscribe", "CANCEL", "end", "QUIT",
                                  "revoke", "OPTOUT"])
def test_every_twilio_opt_out_word_opts_out_silently(twilio, rdb, word):
    send(twilio, "русский")
    assert send(twilio, word) == []  # Twilio's Advanced Opt-Out has answered it
    assert opted_out(rdb)
    assert events(rdb)[-1] == {**events(rdb)[-1], "type": "optout", "answered_by": "twilio"}


def test_punctuation_around_a_twilio_word_opts_out_and_the_hotline_answers(twilio, rdb):
    send(twilio, "русский")
    assert send(twilio, "Stop.") == ["[ru] stopped"]  # Twilio matches the bare word only: it said nothing
    assert opted_out(rdb)


@pytest.mark.parametrize("word", ["YES", "yes", "Start", "UNSTOP"])
def test_every_twilio_opt_in_word_opts_back_in_with_no_second_reply(twilio, rdb, word):
    send(twilio, "русский")
    send(twilio, "STOP")
    assert send(twilio, word) == []  # YES was folded to "es" and answered as a keyword: two replies
    assert not opted_out(rdb)
    assert events(rdb)[-1]["type"] == "optin"


@pytest.mark.parametrize("word", ["HELP", "info"])
def test_help_words_are_twilios_to_answer(twilio, rdb, word):
    send(twilio, "русский")
    assert send(twilio, word) == []
    assert events(rdb)[-1]["type"] == "help" and not opted_out(rdb)


def test_without_advanced_opt_out_the_hotline_answers_yes_once(app_factory, tmp_path, rdb):
    app = app_factory(HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "p")), TWILIO_ADVANCED_OPT_OUT="off")
    twilio = Emulator("http://localhost", app.config["TWILIO_AUTH_TOKEN"], client_transport(app.test_client()))
    send(twilio, "русский")
    assert send(twilio, "QUIT") == ["[ru] stopped"] and opted_out(rdb)
    assert send(twilio, "YES") == ["[ru] started"] and not opted_out(rdb)


@pytest.mark.parametrize("body", ["yes please", "stop sending me this", "please cancel", "the end", "stopp",
                                  "startt", "yesss", "es", "cancelled"])
def test_only_the_whole_message_counts_and_never_a_near_miss(twilio, rdb, body):
    send(twilio, "русский")
    send(twilio, "STOP")
    send(twilio, body)
    assert opted_out(rdb)  # neither opted back in ...
    assert all(e["type"] not in ("optin", "optout") for e in events(rdb)[-3:])  # ... nor out again


@pytest.mark.parametrize("word, reply", [("Стоп", "[ru] stopped"), ("СТОП!", "[ru] stopped"),
                                         ("отписаться", "[ru] stopped"), ("TOXTA", "[ru] stopped")])
def test_localized_words_twilio_does_not_know_are_answered_by_the_hotline(twilio, rdb, word, reply):
    send(twilio, "русский")
    assert send(twilio, word) == [reply]
    assert opted_out(rdb)
    # the hotline's own opt-in word lifts nothing (only Twilio's START would): it says so, and Twilio does not
    # block this number (its STOP was a word Twilio does not know), so the reply reaches it
    assert send(twilio, "старт") == ["[ru] send START"] and opted_out(rdb)
    assert send(twilio, "START") == [] and not opted_out(rdb)


@pytest.mark.parametrize("body, opt_out_type, stays_out", [
    ("стоп", "STOP", True),  # a localized word configured in Twilio's console: Twilio answered it
    ("halt", "STOP", True),  # a word the hotline does not know at all: Twilio's word is final
    ("старт", "START", False),
    ("помощь", "HELP", None),
])
def test_opt_out_type_is_recorded_and_never_answered_twice(twilio, rdb, body, opt_out_type, stays_out):
    send(twilio, "русский")
    if stays_out is False:
        send(twilio, "STOP")
    assert send(twilio, body, OptOutType=opt_out_type) == []
    last = events(rdb)[-1]
    assert last["type"] == {"STOP": "optout", "START": "optin", "HELP": "help"}[opt_out_type]
    assert last["answered_by"] == "twilio"
    if stays_out is not None:
        assert opted_out(rdb) is stays_out


def test_a_base64_body_is_decoded_before_it_is_understood(twilio, rdb):
    text = "Здравствуйте, подскажите какие документы нужны для поликлиники"
    encoded = base64.b64encode(text.encode()).decode()
    [reply] = send(twilio, encoded)
    assert reply.startswith("[ru] fact.a")
    assert events(rdb)[0]["body"] == text


@pytest.mark.parametrize("body", ["SGVsbG8=", "dokumenty", "A" * 64, ("dokumenty" * 8)[:64], "TBbolezn" * 8])
def test_text_that_only_looks_like_base64_is_left_alone(body):
    from ivr.sms.base64_body import decode_if_base64

    assert decode_if_base64(body) == body


@pytest.mark.parametrize("sender", [WITHHELD, "anonymous", "restricted", ""])
def test_a_hidden_sender_is_logged_but_never_remembered_or_answered(twilio, rdb, sender):
    assert send(twilio, "русский", sender=sender) == []
    assert send(twilio, "документы", sender=sender) == []
    threads = rdb.zrange("convs:sms", 0, -1)
    assert len(threads) == 2 and all(t.startswith("SMS-withheld-") for t in threads)  # not one person
    assert not rdb.keys("session:*") and not rdb.keys("caller:*") and not rdb.keys("smslimit:*")
    record, [event] = calllog.read(rdb, threads[0])
    assert record["channel"] == "sms" and record["outcome"] == "withheld" and event["withheld"] is True


def test_two_texts_from_one_number_at_once_keep_both_updates(app, twilio, rdb):
    """Each answered text moves the session's step number: a lost update shows as a missing step."""
    send(twilio, "русский")
    per_thread, errors = 25, []
    barrier = threading.Barrier(2)

    def texter(body):
        client = Emulator("http://localhost", app.config["TWILIO_AUTH_TOKEN"], client_transport(app.test_client()))
        barrier.wait()
        try:
            for _ in range(per_thread):
                assert send(client, body)
        except Exception as exc:  # noqa: BLE001 (reported below, not swallowed)
            errors.append(exc)

    threads = [threading.Thread(target=texter, args=(body,)) for body in ("1", "0")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    session = json.loads(rdb.get(sessions.key("sms", CALLER)))
    assert session["seq"] == 1 + 2 * per_thread
    ins = [e for e in events(rdb) if e["type"] == "sms_in"]
    assert len(ins) == 1 + 2 * per_thread  # and every text was logged exactly once


def test_a_session_changed_under_a_commit_is_not_overwritten(rdb):
    from ivr.store.sessions import Session, commit

    sessions.save(rdb, "sms", Session(id="x", caller="x", lang="ru", seq=1), 60)
    read = rdb.get(sessions.key("sms", "x"))
    sessions.save(rdb, "sms", Session(id="x", caller="x", lang="kk", seq=2), 60)  # another message won
    pipe = rdb.pipeline(transaction=False)
    pipe.set("side-effect", "1")
    assert not commit(rdb, pipe, "sms", Session(id="x", caller="x", lang="ru", seq=2), 60, read)
    assert json.loads(rdb.get(sessions.key("sms", "x")))["lang"] == "kk" and not rdb.exists("side-effect")
    pipe = rdb.pipeline(transaction=False)
    pipe.set("side-effect", "1")
    assert commit(rdb, pipe, "sms", Session(id="x", caller="x", lang="ru", seq=3), 60,
                  rdb.get(sessions.key("sms", "x")))
    assert rdb.get("side-effect") == "1" and 0 < rdb.ttl(sessions.key("sms", "x")) <= 60
