"""Twilio's plain webhook posts are answered in front of Flask (ivr/twilio_front.py); everything else,
and every failure, still goes through Flask — and both ways answer alike.

Whether Flask saw a request is read from Flask's own `request_started` signal."""
import re

import pytest
from flask import request_started
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from ivr.phone import read_turn

from . import catalog_fixture as fx

FORM = {"CallSid": "CA" + "2" * 32, "AccountSid": "AC" + "0" * 32, "From": "+77011234567",
        "To": "+77270000000", "Direction": "inbound", "CallStatus": "ringing"}


@pytest.fixture
def app(app_factory, tmp_path):
    return app_factory(HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "prompts")))


@pytest.fixture
def flask_saw(app):
    seen = []

    def started(sender, **extra):
        from flask import request

        seen.append(request.path)

    request_started.connect(started, app)
    yield seen
    request_started.disconnect(started, app)


def signed(app, path, form, base="http://localhost"):
    return {"X-Twilio-Signature": RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(base + path,
                                                                                                      form)}


def post(app, path, form, **kw):
    return app.test_client().post(path, data=form, headers=signed(app, path, form), **kw)


def test_a_plain_call_is_answered_without_flask_and_walks_on(app, rdb, flask_saw):
    resp = post(app, "/voice", FORM)
    assert resp.status_code == 200 and resp.mimetype == "text/xml"
    turn = read_turn("http://localhost/voice", 200, resp.get_data(as_text=True))
    action = turn.gather["action"].replace("http://localhost", "")
    form = dict(FORM, CallStatus="in-progress", Digits="1")
    step = post(app, action, form)
    assert step.status_code == 200 and "<Gather" in step.get_data(as_text=True)
    assert post(app, "/voice/status", dict(FORM, CallStatus="completed", CallDuration="9")).status_code == 204
    assert flask_saw == []  # all three answered in front of Flask
    assert rdb.hget(f"conv:{FORM['CallSid']}", "status") == "completed"


def test_the_same_answer_through_flask(app, rdb, flask_saw):
    """A repeated field is something the front leaves to werkzeug's MultiDict: Flask answers, the same TwiML."""
    first = post(app, "/voice", FORM).get_data(as_text=True)
    other = dict(FORM, CallSid="CA" + "3" * 32)
    body = "&".join(f"{k}={v.replace('+', '%2B')}" for k, v in other.items()) + "&Extra=a&Extra=b"
    pairs = list(other.items()) + [("Extra", "a"), ("Extra", "b")]
    from werkzeug.datastructures import MultiDict

    headers = signed(app, "/voice", MultiDict(pairs))
    resp = app.test_client().post("/voice", data=body, headers=headers,
                                  content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 200
    assert flask_saw == ["/voice"]
    # the same caller, the same first screen (`t`, when the call started, may be the next second)
    assert re.sub(r"t=\d+", "t=…", resp.get_data(as_text=True)) == re.sub(r"t=\d+", "t=…", first)


@pytest.mark.parametrize("how", ["unsigned", "wrong", "get", "multipart"])
def test_whatever_is_not_plain_is_flasks(app, rdb, flask_saw, how):
    client = app.test_client()
    if how == "unsigned":
        assert client.post("/voice/key?s=1", data=FORM).status_code == 403
    elif how == "wrong":
        headers = signed(app, "/voice/key?s=2", FORM)
        assert client.post("/voice/key?s=1", data=FORM, headers=headers).status_code == 403
    elif how == "get":
        assert client.get("/voice").status_code == 405
    else:
        headers = signed(app, "/voice", FORM)
        resp = client.post("/voice", data=dict(FORM), headers=headers, content_type="multipart/form-data")
        assert resp.status_code == 200  # Twilio never sends multipart; the signature covers the fields alike
    assert flask_saw  # Flask answered
    if how != "multipart":
        assert rdb.keys("conv:*") == []


def test_a_bad_request_is_answered_by_flask_as_before(app, rdb):
    form = dict(FORM, CallSid="not a sid!")
    resp = post(app, "/voice", form)
    assert resp.status_code == 400  # the handler's abort(400), answered by Flask's error handling
    assert rdb.keys("conv:*") == []


def test_a_failure_inside_gets_the_outage_line_from_flask(app, rdb, monkeypatch):
    """Redis going away mid-request: the handler raises, Flask's error handler speaks (1406, 103)."""
    import redis

    from ivr.services import Services

    def down(self, *a, **k):
        raise redis.exceptions.ConnectionError("Redis went away")

    monkeypatch.setattr(Services, "caller_hash", down)
    resp = post(app, "/voice", FORM)
    assert resp.status_code == 200
    text = resp.get_data(as_text=True)
    assert "<Hangup" in text and "unavailable" in text  # errors.py's fallback_twiml (ui.unavailable)


def test_behind_a_proxy_the_public_url_is_signed(app_factory, tmp_path, rdb):
    """Twilio signs HOTLINE_PUBLIC_URL; without ProxyFix the app sees http://localhost: the front checks both."""
    app = app_factory(HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "p")),
                      HOTLINE_PUBLIC_URL="https://hotline.example.org")
    seen = []
    request_started.connect(lambda sender, **e: seen.append(1), app)
    headers = signed(app, "/voice", FORM, base="https://hotline.example.org")
    resp = app.test_client().post("/voice", data=FORM, headers=headers)
    assert resp.status_code == 200
    assert seen == []


def test_play_urls_name_the_host_the_request_came_to(app_factory, tmp_path, rdb):
    """Absolute <Play> URLs take the request's own root when no public URL is set, in front of Flask too."""
    from .conftest import stand_in_audio

    prompts = fx.write(tmp_path / "p")
    app = app_factory(HOTLINE_PROMPTS_DIR=str(prompts), HOTLINE_VOICE_PROMPTS="play",
                      HOTLINE_AUDIO_DIR=str(stand_in_audio(prompts, tmp_path / "audio")))
    headers = signed(app, "/voice", FORM, base="http://calls.example.net")
    resp = app.test_client().post("/voice", data=FORM, headers=headers, base_url="http://calls.example.net")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<Play>http://calls.example.net/audio/" in body


def test_a_text_and_its_status_are_answered_without_flask(app, rdb, flask_saw):
    from .twilio_bodies import inbound_sms

    form = inbound_sms("привет", "+77011234567", "SM" + "4" * 32)
    resp = post(app, "/sms", form)
    assert resp.status_code == 200 and "<Message>" in resp.get_data(as_text=True)
    again = post(app, "/sms", form)  # Twilio's retry of the same MessageSid: the same reply, logged once
    assert again.get_data(as_text=True) == resp.get_data(as_text=True)
    status = {"MessageSid": "SM" + "5" * 32, "MessageStatus": "delivered", "AccountSid": "AC" + "0" * 32}
    assert post(app, "/sms/status", status).status_code == 204
    assert flask_saw == []
    events = [e for e in rdb.lrange(f"conv:SMS-{app.extensions['hotline'].caller_hash('+77011234567')}:events", 0, -1)
              if '"sms_in"' in e]
    assert len(events) == 1


def test_a_text_after_redis_forgot_its_scripts_is_answered(app, rdb):
    """The once-only mark goes by its SHA in the same round trip as the session's reads: after a Redis
    restart (SCRIPT FLUSH here) the NOSCRIPT answer loads it and runs the reads again."""
    from .twilio_bodies import inbound_sms

    assert post(app, "/sms", inbound_sms("привет", "+77011234568", "SM" + "6" * 32)).status_code == 200
    rdb.script_flush()
    resp = post(app, "/sms", inbound_sms("документы", "+77011234568", "SM" + "7" * 32))
    assert resp.status_code == 200 and "<Message>" in resp.get_data(as_text=True)
    assert rdb.get("sms:seen:SM" + "7" * 32).startswith("[")  # answered, the reply kept for retries


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(digits=st.text(max_size=12), step=st.text(max_size=6), node=st.sampled_from(["main", "_language", "gone", ""]),
       lang=st.sampled_from(["ru", "kk", "xx", ""]), extra=st.text(max_size=80), outbound=st.booleans(),
       noinput=st.booleans())
def test_the_front_and_flask_answer_anything_alike(app, rdb, digits, step, node, lang, extra, outbound, noinput):
    """Any key press, any state in the URL, any field value: the front's answer is the Flask view's (the
    same handler, reached two ways), and neither is a 5xx. Each way gets its own CallSid."""
    from urllib.parse import urlencode

    from werkzeug.test import Client

    query = urlencode({k: v for k, v in (("s", step), ("l", lang), ("n", node), ("noinput", "1" if noinput else ""))
                       if v})
    path = f"/voice/key?{query}" if query else "/voice/key"
    answers = []
    for sid, client in (("CA" + "8" * 32, app.test_client()), ("CA" + "9" * 32, Client(app.wsgi_app.next))):
        form = dict(FORM, CallSid=sid, Digits=digits, Extra=extra, CallStatus="in-progress",
                    Direction="outbound-api" if outbound else "inbound")
        resp = client.post(path, data=form, headers=signed(app, path, form))
        # `t` is when the call started: a URL without a whole state starts the menu again, now
        answers.append((resp.status_code, re.sub(r"t=\d+", "t=…", resp.get_data(as_text=True))))
    assert answers[0] == answers[1]
    assert answers[0][0] < 500


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.text(max_size=1600) | st.sampled_from(["!!!", "😀🙏", "'", "стоп", "\"документы", " "]))
def test_a_first_text_is_answered_alike_in_front_of_flask_and_through_it(app, rdb, body):
    """Any text (punctuation alone, emoji, 1,600 characters) as a first message from two new numbers, one
    answered in front of Flask and one through the Flask view: the same reply, never a 5xx."""
    import uuid

    from werkzeug.test import Client

    from .twilio_bodies import inbound_sms

    answers = []
    for client in (app.test_client(), Client(app.wsgi_app.next)):
        sender = f"+7701{uuid.uuid4().int % 10**7:07d}"
        form = inbound_sms(body, sender, "SM" + uuid.uuid4().hex)
        resp = client.post("/sms", data=form, headers=signed(app, "/sms", form))
        answers.append((resp.status_code, resp.get_data(as_text=True)))
    assert answers[0] == answers[1]
    assert answers[0][0] == 200
