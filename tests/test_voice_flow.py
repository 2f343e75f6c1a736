"""The voice flow on a small catalog, driven as Twilio drives it: signed posts, TwiML followed."""
import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from ivr.store import calllog, privacy, sessions

from . import catalog_fixture as fx

LANG_MENU = [f"[{c}] choose {c}" for c in fx.LANGS]


@pytest.fixture
def app(app_factory, tmp_path):
    return app_factory(HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "prompts")))


def start_in_russian(twilio, caller="+77011234567"):
    call = twilio.call(caller=caller)
    call.start()
    call.press("2")
    return call


def test_new_caller_hears_one_greeting_with_103_then_every_language_in_itself_in_order(twilio):
    turn = twilio.call().start()
    # the fixture's tree names no greeting_languages: the greeting is said in the first language only
    assert [h.text for h in turn.heard] == ["[kk] hotline 1 0 3"] + LANG_MENU
    assert [h.language for h in turn.heard if h.language] == ["ru-RU"]  # only Russian has a Twilio voice
    assert turn.gather["numDigits"] == "1"
    assert turn.redirect and "noinput=1" in turn.redirect


def test_choosing_a_language_gives_the_main_menu_in_it(twilio):
    call = twilio.call()
    call.start()
    turn = call.press("7")
    assert turn.heard[0].text == "[az] main menu"
    assert "[az] [az] facts: press 1" in turn.text and "[az] [az] language: press 8" in turn.text
    assert "nav" not in turn.text  # the menus on the way to a fact are not made longer by the 9 / * / 0 hint


def test_the_9_star_0_hint_is_said_once_after_the_first_screen_with_a_fact(twilio):
    call = start_in_russian(twilio)
    assert "nav" not in call.press("1").text  # a menu: not yet
    fact = call.press("1")
    assert fact.heard[0].text == "[ru] fact.a text" and fact.heard[-1].text == "[ru] nav"
    call.press("*")
    assert "nav" not in call.press("1").text  # once per call


def test_walk_down_repeat_back_and_home(twilio):
    call = start_in_russian(twilio)
    assert call.press("1").heard[0].text == "[ru] facts menu"
    fact = call.press("1")
    assert fact.heard[0].text == "[ru] fact.a text"
    assert "[ru] sms: press 1" in fact.text
    assert call.press("9").heard[0].text == "[ru] fact.a text"
    assert call.press("*").heard[0].text == "[ru] facts menu"
    call.press("1")
    assert call.press("0").heard[0].text == "[ru] main menu"
    assert call.press("*").heard[0].text == "[ru] fact.a text"  # back from home returns where we were


def test_wrong_key_says_so_and_asks_again(twilio):
    call = start_in_russian(twilio)
    turn = call.press("6")
    assert turn.heard[0].text == "[ru] wrong key"
    assert turn.heard[1].text == "[ru] main menu"


def test_silence_replays_the_screen_once_then_invites_sms_and_says_goodbye_with_1406_and_103(twilio):
    call = start_in_russian(twilio)
    first = call.silence()
    assert first.heard[0].text == "[ru] no input" and first.heard[1].text == "[ru] main menu"
    last = call.silence()  # the main menu has nothing to send: the caller is told they can text
    assert [h.text for h in last.heard] == ["[ru] no input", "[ru] text us", "[ru] goodbye 1 4 0 6 1 0 3"]
    assert last.hangup and last.gather is None and call.ended


def test_a_silent_caller_on_a_fact_is_offered_its_sms_before_the_goodbye(twilio):
    call = start_in_russian(twilio)
    call.press("1")
    call.press("1")
    call.silence()
    last = call.silence()
    assert [h.text for h in last.heard] == ["[ru] no input", "[ru] sms: press 1"]  # inside a short Gather
    assert [h.text for h in last.after] == ["[ru] goodbye 1 4 0 6 1 0 3"] and last.hangup
    sent = call.press("1")  # the caller takes the offer: the SMS is queued, the call goes on
    assert sent.heard[0].text == "[ru] sms queued" and not call.ended


def test_a_silent_caller_who_takes_no_offer_hears_the_goodbye_and_the_call_ends(twilio):
    call = start_in_russian(twilio)
    call.press("1")
    call.press("1")
    call.silence()
    call.silence()
    bye = call.silence()
    assert [h.text for h in bye.heard] == ["[ru] goodbye 1 4 0 6 1 0 3"] and call.ended


def test_a_key_resets_the_no_input_count(twilio):
    call = start_in_russian(twilio)
    call.silence()
    call.press("9")
    assert not call.silence().hangup


def test_long_list_in_groups_of_five_with_a_key_for_more(twilio):
    call = start_in_russian(twilio)
    first = call.press("2")
    items = [h.text for h in first.heard if "item." in h.text]
    assert items == [f"[ru] item.{i} text" for i in range(1, 6)]
    heard = [h.text for h in first.heard]
    assert heard.index("[ru] next: 1") < heard.index("[ru] item.1 text")  # "next" offered before the group too
    assert "[ru] more: press 1" in first.text
    second = call.press("1")
    assert [h.text for h in second.heard if "item." in h.text] == ["[ru] item.6 text", "[ru] item.7 text"]
    assert "[ru] end of list" in second.text and "more: press 1" not in second.text and "next: 1" not in second.text
    assert call.press("1").heard[0].text == "[ru] wrong key"
    assert "item.1 text" in call.press("*").text  # back goes to the previous group


def test_out_of_force_fact_gives_way_to_its_fallback(twilio):
    call = start_in_russian(twilio)
    menu = call.press("1")
    assert "old fact" in menu.text  # the menu stays: fact.old ended 2025-12-31, its fallback speaks for it
    heard = [h.text for h in call.press("2").heard]
    assert "[ru] fact.fallback text" in heard and "[ru] fact.old text" not in heard


def test_fact_in_force_on_an_earlier_date_is_offered(app_factory, tmp_path):
    from ivr.phone import Emulator

    from .conftest import client_transport

    app = app_factory(HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "p2")),
                      CLOCK=lambda: dt.datetime(2025, 6, 1, 12, tzinfo=ZoneInfo("Asia/Almaty")))
    twilio = Emulator("http://localhost", app.config["TWILIO_AUTH_TOKEN"], client_transport(app.test_client()))
    call = start_in_russian(twilio)
    assert "old fact" in call.press("1").text
    assert call.press("2").heard[0].text == "[ru] fact.old text"


def test_returning_caller_is_greeted_in_their_language(twilio, rdb):
    start_in_russian(twilio, caller="+77015550001").hang_up()
    turn = twilio.call(caller="+77015550001").start()
    assert [h.text for h in turn.heard[:2]] == ["[ru] welcome back", "[ru] main menu"]
    assert "[ru] [ru] language: press 8" in turn.text
    # The language is kept under a keyed hash, never the number.
    assert not [k for k in rdb.keys("*") if "7015550001" in k or "7015550001" in str(rdb.dump(k))]
    lang_keys = rdb.keys("caller:*:lang")
    assert lang_keys and rdb.ttl(lang_keys[0]) > 89 * 86400


def test_returning_caller_can_change_language(twilio):
    start_in_russian(twilio, caller="+77015550002")
    call = twilio.call(caller="+77015550002")
    call.start()
    assert call.press("8").heard[0].text == "[kk] choose kk"
    assert call.press("6").heard[0].text == "[tk] main menu"


def test_the_place_in_the_menu_travels_in_the_signed_url_not_in_redis(twilio, rdb):
    call = start_in_russian(twilio)
    call.press("1")
    assert not rdb.keys("session:*")
    action = call.turn.gather["action"]
    assert "n=facts" in action and "b=main" in action and "From" not in action and "+7701" not in action
    assert call.press("1").heard[0].text == "[ru] fact.a text"
    assert call.press("*").heard[0].text == "[ru] facts menu"


@pytest.mark.parametrize("query", ["s=2&l=ru", "s=2&l=ru&n=gone.node&t=0", "s=2&l=xx&n=facts", "s=2&n=facts",
                                   "s=2&l=ru&n=facts&b=main-nowhere", "s=x&l=ru&n=facts", "s=2&l=ru&n=facts&p=-1"])
def test_an_action_url_without_a_whole_state_goes_to_the_main_menu_not_an_error(twilio, query):
    """URLs issued by an older release, or naming a node the catalog no longer has."""
    call = start_in_russian(twilio)
    status, body = twilio.post("/voice/key?" + query, call.form(Digits="1"))
    assert status == 200
    assert "main menu" in body and "facts: press 1" in body


def test_same_webhook_twice_logs_once(twilio, rdb):
    call = start_in_russian(twilio)
    action = call.turn.gather["action"]
    form = call.form(Digits="1")
    twilio.post(action, form)
    before = rdb.llen(calllog.events_key(call.sid))
    status, body = twilio.post(action, form)
    assert status == 200 and "facts menu" in body
    assert rdb.llen(calllog.events_key(call.sid)) == before


def test_status_callback_records_how_the_call_ended(twilio, rdb):
    call = start_in_russian(twilio)
    call.press("1")
    assert call.hang_up()[0] == 204
    call.hang_up()  # Twilio retries: no second event
    record, events = calllog.read(rdb, call.sid)
    assert record["status"] == "completed" and int(record["duration"]) >= 1
    assert record["lang"] == "ru" and record["last_node"] == "facts"
    assert [e["type"] for e in events].count("status") == 1
    assert record["caller"] == privacy.number_hash("test-hash-secret", "+77011234567")
    assert rdb.zscore("convs:voice:lang:ru", call.sid)
    assert not rdb.exists(sessions.key("voice", call.sid))


def test_call_log_has_the_path(twilio, rdb):
    call = start_in_russian(twilio)
    call.press("1")
    call.press("5")
    call.silence()
    _, events = calllog.read(rdb, call.sid)
    assert [(e["type"], e.get("key"), e.get("result"), e["node"]) for e in events] == [
        ("start", None, None, "@language"),
        ("key", "2", "language", "main"),
        ("key", "1", "goto", "facts"),
        ("key", "5", "wrong_key", "facts"),
        ("no_input", None, None, "facts"),
    ]


def test_a_list_offers_its_sms_after_the_last_group(app_factory, tmp_path):
    from ivr.phone import Emulator

    from .conftest import client_transport

    tree = fx.tree()
    tree["nodes"]["listy"]["sms"] = ["fact.a"]
    app = app_factory(HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "p", tree_data=tree)))
    twilio = Emulator("http://localhost", app.config["TWILIO_AUTH_TOKEN"], client_transport(app.test_client()))
    call = start_in_russian(twilio)
    first = call.press("2")
    assert "sms: press 1" not in first.text  # key 1 means "more" here
    last = call.press("1")
    assert "[ru] sms: press 1" in last.text
    assert call.press("1").heard[0].text == "[ru] sms queued"


@pytest.mark.parametrize("returning", [False, True])
def test_the_first_webhook_of_a_call_twice_answers_alike_and_logs_once(twilio, rdb, returning):
    """/voice is worked out as a first call and written in the round trip that reads the remembered
    language; a returning caller's is worked out again with it. Either way, Twilio asking again for the
    same call gets the same menu and the log has one start."""
    caller = "+77011234590"
    if returning:
        start_in_russian(twilio, caller)
    call = twilio.call(caller=caller)
    first = call.start()
    again = twilio.post("/voice", call.form(CallStatus="ringing"))
    # The action URL carries the call's start to the second (`t`, for the call's time limit): a retry in the
    # next second names its own. Everything else is the same answer.
    started = re.compile(r"([?&;]t=)\d+")
    assert again[0] == 200 and started.sub(r"\1T", again[1]) == started.sub(r"\1T", first.raw)
    assert ("[ru] main menu" in first.text) is returning and ("[ru] choose ru" in first.text) is not returning
    record, events = calllog.read(rdb, call.sid)
    assert [e["type"] for e in events] == ["start"] and record["channel"] == "voice"
    assert (record.get("lang") == "ru") is returning
    assert bool(events[0].get("returning")) is returning


def _commands_from_the_app(rdb, redis_url, action) -> tuple[list[str], list[str]]:
    """(commands the app sent, commands its scripts ran) while `action()` ran, as Redis's MONITOR saw them."""
    import redis as redis_lib

    with rdb.monitor() as monitor:
        action()
        with redis_lib.Redis.from_url(redis_url) as other:
            other.echo("end-of-action")
        seen = []
        while "end-of-action" not in (command := monitor.next_command())["command"]:
            seen.append(command)
    return ([c["command"].split()[0].upper() for c in seen if c.get("client_type") != "lua"],
            [c["command"] for c in seen if c.get("client_type") == "lua"])


def test_a_first_call_is_answered_in_one_redis_round_trip(app, twilio, rdb, redis_url):
    """A first-time caller's /voice reads the remembered language and writes the call's start in one script:
    Redis's MONITOR sees one command from the app (an EVALSHA), the rest run inside it."""
    twilio.call(caller="+77011234592").start()  # the script loaded, the app's connection open
    outside, inside = _commands_from_the_app(rdb, redis_url, lambda: twilio.call(caller="+77011234591").start())
    assert outside == ["EVALSHA"], outside
    assert any(c.startswith("GET caller:") and c.endswith(":lang") for c in inside), inside


def test_a_status_callback_is_one_redis_round_trip(app, twilio, rdb, redis_url):
    """The status callback's mark, the record's state and its writes are one script (store/call_status.py)."""
    warm = start_in_russian(twilio, "+77011234593")
    warm.hang_up()
    call = start_in_russian(twilio, "+77011234594")
    outside, inside = _commands_from_the_app(rdb, redis_url, call.hang_up)
    assert outside == ["EVALSHA"], outside
    assert any(c.startswith("HMGET conv:") for c in inside) and any(c.startswith("HINCRBY stats:") for c in inside)


def test_a_key_that_asks_for_an_sms_is_two_redis_round_trips(app, twilio, rdb, redis_url):
    """The once-only mark with the day's count and the opt-out check, then the step's writes with the message
    record and its RQ job in one script: MONITOR sees two EVALSHAs from the app (it was four round trips)."""
    for number in ("+77011234595", "+77011234596"):
        call = start_in_russian(twilio, number)
        call.press("1")
        call.press("1")
        if number.endswith("5"):
            call.press("1")  # the scripts loaded, RQ's queue built
    outside, inside = _commands_from_the_app(rdb, redis_url, lambda: call.press("1"))
    assert outside == ["EVALSHA", "EVALSHA"], outside
    assert any(c.startswith("HINCRBY smslimit:") for c in inside) and any(c.startswith("EXISTS optout:")
                                                                           for c in inside)
    assert any(c.startswith("HSET rq:job:sms-") for c in inside) and any(c.startswith("HSET msg:") for c in inside)
    assert call.turn.heard[0].text in ("[ru] sms queued", "[ru] sms in the morning")
