"""A missed-call callback is the caller's call: on every webhook Twilio posts From = the hotline,
To = the person, Direction = outbound-api and AnsweredBy; each key press, SMS, reminder, callback
request, the language remembered and the call log must credit the person, in every audio mode."""
import pytest

from ivr.store import callbacks, calllog, messages, privacy, sessions

from . import catalog_fixture as fx
from .conftest import stand_in_audio
from .followup_helpers import run_jobs
from .missed_helpers import CALLER, make, placed, ring, run_calls

HOTLINE = "+77270000000"


def _prompts(directory):
    tree = fx.tree()
    tree["nodes"]["main"]["options"]["3"] = {"label": "opt.callback", "goto": "callback"}
    tree["nodes"]["main"]["options"]["4"] = {"label": "opt.reminder", "goto": "reminder"}
    tree["nodes"]["callback"] = {"say": ["ui.callback_done"], "action": "callback"}
    tree["nodes"]["reminder"] = {"say": ["ui.reminder_done"], "action": "reminder"}
    langs = {}
    for code in fx.LANGS:
        lang = fx.language(code)
        for pid, text in {"opt.callback": "operator", "ui.callback_done": "an operator will call",
                          "opt.reminder": "reminder", "ui.reminder_done": "reminder set",
                          "algo.reminder": "reminder text"}.items():
            lang["prompts"][pid] = {"voice": f"[{code}] {text}", "status": "unreviewed"}
        langs[code] = lang
    cites = fx.citations()
    cites["algo.reminder"] = dict(cites["fact.a"])
    return fx.write(directory, tree_data=tree, cites=cites, langs=langs)


@pytest.mark.parametrize("mode", ["say", "play", "auto"])
def test_a_whole_callback_credits_the_person_not_the_hotline(env, fake, rdb, redis_url, tmp_path, monkeypatch, mode):
    prompts = _prompts(tmp_path / "callback-prompts")
    env.update(HOTLINE_PROMPTS_DIR=str(prompts), HOTLINE_VOICE_PROMPTS=mode,
               HOTLINE_AUDIO_DIR=str(stand_in_audio(prompts, tmp_path / "audio")))
    for k in ("HOTLINE_PROMPTS_DIR", "HOTLINE_VOICE_PROMPTS", "HOTLINE_AUDIO_DIR"):
        monkeypatch.setenv(k, env[k])
    app, twilio = make(env)
    ring(twilio)
    run_calls(redis_url)
    call = twilio.answer(CALLER, placed(fake, rdb), answered_by="human")
    assert call.form()["From"] == HOTLINE and call.form()["To"] == CALLER  # Twilio's outbound-api set
    assert call.form()["Direction"] == "outbound-api" and call.form()["AnsweredBy"] == "human"
    call.start()  # a first-time caller: the language menu
    call.press("2")  # Russian
    call.press("1")  # facts
    call.press("1")  # fact a, which offers its SMS on 1
    sms = call.press("1")
    assert "[ru] sms queued" in sms.text
    call.press("0")
    call.press("4")  # a reminder by SMS
    call.press("0")
    done = call.press("3")  # an operator calls back
    assert "[ru] an operator will call" in done.text
    call.silence()  # the no-input <Redirect> carries the same parameters
    call.hang_up()  # the status callback too

    person = privacy.number_hash("test-hash-secret", CALLER)
    hotline = privacy.number_hash("test-hash-secret", HOTLINE)
    record, events = calllog.read(rdb, call.sid)
    assert record["caller"] == person and record["kind"] == "callback" and record["lang"] == "ru"
    assert rdb.get(sessions.language_key(person)) == "ru" and not rdb.exists(sessions.language_key(hotline))
    msgs = [rdb.hgetall(messages.key(e["msg"])) for e in events if e.get("msg")]
    assert sorted(m["kind"] for m in msgs) == ["fact_a", "reminder"]
    assert all(m["to_hash"] == person and m["to_mask"] == privacy.mask(CALLER) for m in msgs)
    [open_cb] = rdb.zrange("callbacks:open", 0, -1)
    cb = callbacks.get(rdb, open_cb)
    assert cb["caller"] == person and cb["number"] == CALLER and cb["lang"] == "ru"
    assert not rdb.exists(f"callback:open-for:{hotline}")
    run_jobs(redis_url)
    assert [m["To"] for m in fake.sent] == [CALLER]  # the checklist SMS now; the reminder waits for morning


def test_a_callback_nobody_answered_is_logged_for_the_person(env, fake, rdb, redis_url):
    app, twilio = make(env)
    ring(twilio)
    run_calls(redis_url)
    info = placed(fake, rdb)
    status, _ = twilio.answer(CALLER, info).hang_up("no-answer")  # no /voice webhook ever came
    assert status == 204
    record, _ = calllog.read(rdb, info["sid"])
    assert record["caller"] == privacy.number_hash("test-hash-secret", CALLER)


# -- bounded calls (ivr/voice/limits.py) ---------------------------------------------------------

def _goodbye(turn) -> bool:
    return turn.hangup and turn.gather is None and "goodbye 1 4 0 6 1 0 3" in turn.text


def test_pressing_9_forever_ends_with_the_goodbye(app_factory, tmp_path):
    from ivr.phone import Emulator

    from .conftest import client_transport, words_of

    app = app_factory(HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "p")), HOTLINE_CALL_MAX_REPEATS="3")
    twilio = Emulator("http://localhost", app.config["TWILIO_AUTH_TOKEN"], client_transport(app.test_client()),
                      words_of(app))
    call = twilio.call()
    call.start()
    call.press("2")
    for _ in range(3):
        assert "[ru] main menu" in call.press("9").text  # three replays
    last = call.press("9")
    assert _goodbye(last)
    again = twilio.call()  # a new call is not limited by the last one
    again.start()
    assert "[ru] main menu" in again.press("9").text


def test_a_call_cannot_go_past_its_screens(app_factory, tmp_path):
    from ivr.phone import Emulator

    from .conftest import client_transport, words_of

    app = app_factory(HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "p")), HOTLINE_CALL_MAX_SCREENS="10")
    twilio = Emulator("http://localhost", app.config["TWILIO_AUTH_TOKEN"], client_transport(app.test_client()),
                      words_of(app))
    call = twilio.call()
    call.start()
    call.press("2")
    presses = 0
    while not call.ended:
        call.press("1" if call.turn.text.startswith("[ru] main menu") else "*")  # facts, back, facts, …
        presses += 1
        assert presses < 20, "the call went on past its limit"
    assert _goodbye(call.turn) and len(call.history) == 10 + 1  # ten screens, then the goodbye


def test_a_call_cannot_go_past_its_seconds(app_factory, tmp_path):
    import time

    from ivr.phone import Emulator

    from .conftest import client_transport

    app = app_factory(HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "p")), HOTLINE_CALL_MAX_SECONDS="900")
    twilio = Emulator("http://localhost", app.config["TWILIO_AUTH_TOKEN"], client_transport(app.test_client()))
    call = twilio.call()
    call.start()
    call.press("2")
    action = call.turn.gather["action"]
    started = int(time.time()) - 901  # the URL Twilio signs says when the call began: a quarter hour ago
    old = action.replace(f"t={action.split('t=')[1].split('&')[0]}", f"t={started}")
    call.turn.gather["action"] = old
    assert _goodbye(call.press("1"))


def test_a_callback_is_placed_with_twilios_time_limit(env, fake, rdb, redis_url):
    app, twilio = make(env)
    ring(twilio)
    run_calls(redis_url)
    [sent] = fake.calls
    assert sent["TimeLimit"] == str(900 + 60)


def test_a_voicemail_hears_one_short_message_in_one_language(env, fake, rdb, redis_url):
    app, twilio = make(env)  # a number with no language remembered
    ring(twilio)
    run_calls(redis_url)
    call = twilio.answer(CALLER, placed(fake, rdb), answered_by="machine_end_beep")
    turn = call.start()
    assert [h.text for h in turn.heard] == ["[kk] machine 1 4 0 6 1 0 3"]  # the greeting's language, once
    assert turn.hangup
