"""Carrier truth after STOP (ivr/sms/optout.py), through signed webhooks on the real Redis and a real RQ worker:

- after Twilio's STOP only Twilio's START / YES / UNSTOP lift the block: the hotline's own opt-in words change
  nothing, and whatever the hotline would reply to a blocked number is logged as not sent (Twilio drops it);
- after a local stop word only the hotline blocks: its replies — "send START" among them — do arrive;
- an opted-out caller who asks for an SMS or a reminder by voice hears why none comes, in their language;
- stop phrases of all 8 languages are confirmed in the language they are written in;
- an impossible number ("+7000") is nobody: withheld.
"""
import pytest

from ivr.content.catalog import load_catalog
from ivr.phone import Emulator
from ivr.sms.optout import OptOutWords
from ivr.store import calllog, messages, privacy

from . import catalog_fixture as fx
from . import sms_fixtures
from .conftest import client_transport, words_of
from .followup_helpers import CALLER, make, msg_records, run_jobs

CALLER_HASH = privacy.number_hash("test-hash-secret", CALLER)


def sms(twilio, body, sender=CALLER, **extra):
    if extra:
        from .twilio_bodies import inbound_sms, replies

        return replies(twilio.post("/sms", inbound_sms(body, sender, **extra)))
    status, replies = twilio.sms(body, sender=sender)
    assert status == 200
    return replies


def ask_by_voice(twilio, caller=CALLER, lang_key="2", last="1"):
    """A call to fact a (which offers its SMS on 1), then `last`; a known caller skips the language menu."""
    call = twilio.call(caller=caller)
    first = call.start()
    keys = ("1", "1") if "welcome back" in first.text else (lang_key, "1", "1")
    for key in keys:
        call.press(key)
    return call.press(last)


def log(rdb, caller=CALLER_HASH):
    return calllog.read(rdb, f"SMS-{caller}")[1]


def opt_out_record(rdb, caller=CALLER_HASH):
    return rdb.get(messages.optout_key(caller))


def test_after_stop_a_local_start_word_lifts_nothing_and_nothing_is_sent_until_start(env, fake, rdb, redis_url):
    app, twilio = make(env)
    assert sms(twilio, "STOP") == []  # Twilio answered it and blocks the number from now on
    assert opt_out_record(rdb).startswith("twilio-stop:")
    for word in ("старт", "Start.", "СТАРТ!"):
        # Twilio would drop any reply (21610): nothing is sent, the log says what was not sent and why
        assert sms(twilio, word) == []
        assert opt_out_record(rdb).startswith("twilio-stop:")
        refused, not_sent = log(rdb)[-2:]
        assert refused["type"] == "optin_refused" and refused["blocked_by"] == "carrier"
        assert not_sent == {**not_sent, "type": "sms_not_sent", "body": "[ru] send START", "reason": "carrier-optout"}
    assert sms(twilio, "документы") == []  # an ordinary text is kept (logged), its answer not pretended sent
    ins = [e for e in log(rdb) if e["type"] == "sms_in"]
    assert ins[-1]["body"] == "документы" and log(rdb)[-1]["type"] == "sms_not_sent"
    assert not [e for e in log(rdb) if e["type"] == "sms_out"]
    turn = ask_by_voice(twilio)
    assert turn.heard[0].text == "[ru] opted out: text START"  # told why, not "an SMS is coming"
    run_jobs(redis_url)
    assert fake.sent == [] and msg_records(rdb)[-1]["status"] == "opted_out"

    assert sms(twilio, "START") == []  # Twilio's own word: Twilio answered it and lifted its block
    assert opt_out_record(rdb) is None
    assert sms(twilio, "документы")[0].startswith("[ru] fact.a")  # the SMS flow again
    turn = ask_by_voice(twilio)
    assert turn.heard[0].text == "[ru] sms queued"
    run_jobs(redis_url)
    assert len(fake.sent) == 1 and fake.sent[0]["To"] == CALLER


@pytest.mark.parametrize("word", ["YES", "unstop", " Start "])
def test_twilios_opt_in_words_lift_the_block(env, rdb, word):
    app, twilio = make(env)
    sms(twilio, "STOP")
    assert sms(twilio, word) == [] and opt_out_record(rdb) is None


def test_opt_out_type_start_lifts_the_block_whatever_the_word(env, rdb):
    """A word configured in Twilio's Advanced Opt-Out: Twilio says START, and it answered."""
    app, twilio = make(env)
    sms(twilio, "STOP")
    assert sms(twilio, "старт", OptOutType="START") == [] and opt_out_record(rdb) is None


def test_after_a_local_stop_word_the_hotline_alone_blocks_and_its_replies_arrive(env, fake, rdb, redis_url):
    app, twilio = make(env)
    sms(twilio, "русский")
    assert sms(twilio, "стоп") == ["[ru] stopped"]
    assert opt_out_record(rdb).startswith("hotline:")
    assert sms(twilio, "старт") == ["[ru] send START"] and opt_out_record(rdb)
    assert ask_by_voice(twilio).heard[0].text == "[ru] opted out: text START"
    run_jobs(redis_url)
    assert fake.sent == []
    assert sms(twilio, "STOP") == [] and opt_out_record(rdb).startswith("twilio-stop:")  # now Twilio blocks too
    assert sms(twilio, "стоп") == []  # ... and a later local word never downgrades that
    assert opt_out_record(rdb).startswith("twilio-stop:")
    assert sms(twilio, "start") == [] and opt_out_record(rdb) is None


def test_a_21610_opt_out_is_the_carriers(env, rdb):
    app, twilio = make(env)
    sms(twilio, "русский")
    rdb.set(messages.optout_key(CALLER_HASH), "twilio-21610")  # what a refused send or status callback leaves
    assert sms(twilio, "старт") == [] and log(rdb)[-1]["type"] == "sms_not_sent"


@pytest.mark.parametrize("lang", fx.LANGS)
def test_an_opted_out_caller_asking_for_an_sms_hears_why_in_their_language(env, fake, rdb, redis_url, lang):
    app, _ = make(env)
    twilio = Emulator("http://localhost", "tok", client_transport(app.test_client()), words_of(app))  # hears <Play>
    rdb.set(messages.optout_key(CALLER_HASH), "twilio-stop:1")
    turn = ask_by_voice(twilio, lang_key=str(fx.LANGS.index(lang) + 1))
    assert turn.heard[0].text == f"[{lang}] opted out: text START"
    run_jobs(redis_url)
    assert fake.sent == []


def reminder_app(app_factory, tmp_path):
    """The small catalog with a reminder on the main menu's key 3."""
    tree = fx.tree()
    tree["nodes"]["main"]["options"]["3"] = {"label": "opt.fact_a", "goto": "remind"}
    tree["nodes"]["remind"] = {"say": ["fact.a"], "action": "reminder"}
    langs = {code: fx.language(code) for code in fx.LANGS}
    for code, lang in langs.items():
        lang["prompts"]["algo.reminder"] = {"voice": f"[{code}] reminder", "status": "unreviewed"}
    cites = fx.citations()
    cites["algo.reminder"] = dict(cites["fact.a"])
    app = app_factory(HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "p", tree_data=tree, cites=cites, langs=langs)))
    return Emulator("http://localhost", app.config["TWILIO_AUTH_TOKEN"], client_transport(app.test_client()))


def test_an_opted_out_caller_is_not_promised_a_reminder(app_factory, tmp_path, rdb):
    """A reminder is an SMS: the caller hears why none can come and stays where a reminder was offered."""
    twilio = reminder_app(app_factory, tmp_path)
    rdb.set(messages.optout_key(CALLER_HASH), "hotline:1")
    call = twilio.call(caller=CALLER)
    call.start()
    call.press("2")
    turn = call.press("3")
    assert turn.heard[0].text == "[ru] opted out: text START"
    assert "[ru] fact.a text" not in turn.text and "[ru] main menu" in turn.text
    assert not rdb.zrange("msgs", 0, -1)  # nothing asked for, nothing to send



def test_an_opted_out_texter_asking_for_a_reminder_is_told_why_none_comes(app_factory, tmp_path, rdb):
    twilio = reminder_app(app_factory, tmp_path)
    sms(twilio, "русский")
    sms(twilio, "стоп")  # the hotline alone blocks: its replies arrive
    assert sms(twilio, "3") == ["[ru] opted out: text START"]
    assert not rdb.zrange("msgs", 0, -1)
    sms(twilio, "0")
    rdb.set(messages.optout_key(CALLER_HASH), "twilio-stop:1")  # Twilio blocks: not even that can arrive
    assert sms(twilio, "3") == [] and log(rdb)[-1]["type"] == "sms_not_sent"
    assert not rdb.zrange("msgs", 0, -1)


# -- the real phrases of the 8 languages ------------------------------------------------------------------------

STOP_PHRASES = [
    ("больше не присылайте", "ru"), ("Больше не присылайте мне смс, пожалуйста!", "ru"), ("отписаться", "ru"),
    ("тоқта", "kk"), ("токта", "kk"), ("енді смс жібермеңіз", "kk"), ("жибермениз", "kk"),
    ("токто", "ky"), ("мындан ары смс жөнөтпөңүз", "ky"), ("жонотпонуз", "ky"),
    ("to'xta", "uz"), ("toʻxta", "uz"), ("boshqa sms yubormang", "uz"), ("бошқа смс юборманг", "uz"),
    ("тўхта", "uz"),
    ("дигар смс нафиристед", "tg"), ("Дигар СМС нафиристед!", "tg"), ("digar sms nafiristed", "tg"),
    ("sms ugratmaň", "tk"), ("SMS ugratman", "tk"), ("ýatyrmak", "tk"),
    ("sms göndərməyin", "az"), ("sms gondermeyin", "az"), ("dayandır", "az"), ("dayandir", "az"),
    ("այլևս sms մի ուղարկեք", "hy"), ("mi ugharkeq", "hy"), ("դադարեցնել", "hy"),
]
START_WORDS = {"ru": "старт", "kk": "бастау", "ky": "баштоо", "uz": "boshlash", "tg": "оғоз", "tk": "başla",
               "az": "bərpa", "hy": "սկսել"}


catalog = sms_fixtures.catalog  # the real catalog, loaded once per session (conftest.py)


@pytest.mark.parametrize("phrase, lang", STOP_PHRASES)
def test_a_first_message_stop_phrase_is_confirmed_in_its_own_language(twilio, rdb, catalog, phrase, lang):
    number = "+77015550199"
    caller = privacy.number_hash("test-hash-secret", number)
    assert sms(twilio, phrase, sender=number) == [catalog.sms(lang, "ui.sms_stopped")]
    assert opt_out_record(rdb, caller).startswith("hotline:")


@pytest.mark.parametrize("lang", list(START_WORDS))
def test_a_local_start_word_is_told_to_send_start_in_its_language(twilio, rdb, catalog, lang):
    number = "+77015550198"
    sms(twilio, "стоп", sender=number)
    assert sms(twilio, START_WORDS[lang], sender=number) == [catalog.sms(lang, "ui.optout_start")]
    assert opt_out_record(rdb, privacy.number_hash("test-hash-secret", number))


@pytest.mark.parametrize("lang", ["kk", "tk", "hy"])
def test_a_texter_with_a_language_is_answered_in_it_whatever_the_phrase(twilio, rdb, catalog, lang):
    number = "+77015550197"
    sms(twilio, catalog.langs[lang].name, sender=number)  # the language chosen by its name
    assert sms(twilio, "стоп", sender=number) == [catalog.sms(lang, "ui.sms_stopped")]


@pytest.mark.parametrize("body", ["чаро смс нафиристед", "смс", "пожалуйста", "sms", "не присылайте документы",
                                  "stop please", "yes please", "toxtamay", "старт программы"])
def test_only_a_whole_phrase_counts(catalog, body):
    assert OptOutWords(catalog).classify(body) is None


def test_the_phrases_cover_every_language_and_kind(catalog):
    words = OptOutWords(catalog)
    for lang in catalog.languages:
        kinds = {words.words[key] for key, langs in words.folded.items() if lang in langs}
        assert kinds == {"optout", "optin", "help"}, lang
    assert all(catalog.sms(lang, "ui.optout_voice") and catalog.sms(lang, "ui.optout_start")
               for lang in catalog.languages)


# -- numbers that are nobody ---------------------------------------------------------------------------------

@pytest.mark.parametrize("number", ["+7000", "7000", "+70000000000", "1406", "Beeline", "+266696687", "anonymous", ""])
def test_an_impossible_number_is_withheld(number):
    assert privacy.is_withheld(number)


@pytest.mark.parametrize("number", ["+77011112233", "+992935551234", "+998901234567", "+996555123456",
                                    "+99365123456", "+994501234567", "+37491234567", "+12025550123"])
def test_real_numbers_of_the_texters_countries_are_people(number):
    assert not privacy.is_withheld(number)


def test_plus_7000_is_never_treated_as_a_person(env, rdb):
    app, twilio = make(env)
    assert sms(twilio, "STOP", sender="+7000") == []
    assert sms(twilio, "документы", sender="+7000") == []  # no reply to a number that is not there
    assert not rdb.keys("optout:*") and not rdb.keys("session:*") and not rdb.keys("caller:*")
    threads = rdb.zrange("convs:sms", 0, -1)
    assert len(threads) == 2 and all(t.startswith("SMS-withheld-") for t in threads)
    turn = ask_by_voice(twilio, caller="+7000")
    assert turn.heard[0].text == "[ru] number hidden"
    assert not rdb.keys("smslimit:*")


@pytest.mark.parametrize("change, error", [
    (lambda d: d["optin"]["ru"].append("больше не присылайте"), "is both optout and optin"),
    (lambda d: d["help"].pop("hy"), "help: no phrases for hy"),
    (lambda d: d["optout"]["tg"].append("лутфан смс"), "is only 'please' words"),
    (lambda d: d["optout"].update(en=["stop it"]), "not catalog languages"),
])
def test_a_wrong_phrase_file_is_refused_with_a_reason(tmp_path, change, error):
    """What `hotline content check` (and the app at start) say about prompts/lexicon/optout.yaml."""
    import yaml

    from ivr.content.model import CatalogError
    from ivr.sms import optout

    directory = fx.write(tmp_path / "p")
    data = yaml.safe_load((load_catalog().directory / optout.FILE).read_text(encoding="utf-8"))
    change(data)
    (directory / "lexicon").mkdir()
    (directory / optout.FILE).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogError, match=error):
        optout.summary(load_catalog(directory))


def test_the_operators_see_what_was_not_sent_and_why(env, rdb, ops_users):
    from .conftest import ops_login

    app, twilio = make(env)
    sms(twilio, "STOP")
    sms(twilio, "старт")
    client = app.test_client()
    ops_login(client, "olga")
    resp = client.get(f"/ops/sms/SMS-{CALLER_HASH}")
    assert resp.status_code == 200
    thread = resp.get_data(as_text=True)
    assert "START" in thread and "badge-optout" in thread
    assert "sms_not_sent" not in thread and "optin_refused" not in thread  # said in words, not event names


def test_any_text_is_classified_without_error_and_a_phrase_with_more_in_it_is_not_one(catalog):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    words = OptOutWords(catalog)
    phrases = sorted(words.written)

    @settings(max_examples=300, deadline=None)
    @given(st.text(max_size=200), st.sampled_from(phrases), st.sampled_from(["документы", "qayerda", "103", "нет"]))
    def check(text, phrase, extra):
        words.classify(text)  # never raises, whatever the text
        assert words.classify(f"{phrase} {extra}") is None and words.classify(f"{extra} {phrase}") is None

    check()
