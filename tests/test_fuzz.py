"""Fuzzing every Twilio endpoint: random, missing and huge fields, unicode, wrong methods.
The answer is valid TwiML (or an empty 204 for status callbacks) or a 4xx — never a 5xx."""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from ivr.phone import parse_twiml

from . import catalog_fixture as fx

ENDPOINTS = ["/voice", "/voice/key", "/voice/status", "/sms", "/sms/status"]
FIELDS = ["CallSid", "MessageSid", "From", "To", "Body", "Digits", "CallStatus", "CallDuration", "MessageStatus",
          "ErrorCode", "SequenceNumber", "AccountSid", "NumSegments", "Junk"]
text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300)
values = st.one_of(text, st.sampled_from(["", "CA" + "1" * 32, "SM" + "2" * 32, "+77011234567", "1", "*", "#",
                                          "completed", "delivered", "9" * 2000, "<Response/>", "\x00"]))
forms = st.dictionaries(st.sampled_from(FIELDS), values, max_size=8)
queries = st.one_of(st.just(""), st.sampled_from(["s=0", "s=1&l=ru", "noinput=1&s=0", "l=../../etc", "s=-1&l=xx",
                                                  "l=https://evil.example&s=1", "s=1&l=%2F%2Fevil"]),
                    st.from_regex(r"[a-z]{1,3}=[%0-9A-Za-z]{0,12}", fullmatch=True),
                    # the call state a signed action URL carries (ivr/voice/call_state.py), whole or broken
                    st.from_regex(r"s=[0-9x-]{0,4}&l=(ru|kk|xx|)&n=(main|facts|fact_a|%40language|_language|gone|)"
                                  r"(&p=[0-9-]{0,7})?(&b=[a-z_.~0-9%-]{0,40})?(&q=[0-9]{0,3})?(&v=1)?(&t=[0-9]{0,13})?"
                                  r"(&noinput=1)?", fullmatch=True))


@pytest.fixture
def app(app_factory, tmp_path):
    return app_factory(HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "p")))


def check(resp):
    assert resp.status_code < 500, resp.get_data(as_text=True)[:300]
    if resp.status_code == 200:
        root = parse_twiml(resp.get_data(as_text=True))
        assert resp.mimetype == "text/xml"
        # No open redirects: every URL the caller is sent to is ours, built from the session.
        targets = [g.get("action") for g in root.iter("Gather")] + [r.text for r in root.iter("Redirect")]
        assert all(t and t.startswith("/voice/key?s=") and "//" not in t for t in targets), targets


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(ENDPOINTS), form=forms, query=queries, signed=st.booleans())
def test_signed_and_unsigned_posts_never_fail(app, path, form, query, signed):
    url = path + (f"?{query}" if query else "")
    headers = {}
    if signed:
        headers["X-Twilio-Signature"] = RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(
            "http://localhost" + url, form)
    resp = app.test_client().post(url, data=form, headers=headers)
    check(resp)
    if not signed:
        assert resp.status_code == 403


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(ENDPOINTS), method=st.sampled_from(["GET", "PUT", "DELETE", "PATCH"]))
def test_wrong_methods_are_4xx(app, path, method):
    resp = app.test_client().open(path, method=method)
    assert 400 <= resp.status_code < 500


def test_huge_body_is_refused(app):
    resp = app.test_client().post("/sms", data={"Body": "x" * 300_000, "MessageSid": "SM1"},
                                  headers={"X-Twilio-Signature": "anything"})
    assert resp.status_code == 413


def test_a_whole_call_with_random_keys_stays_valid(app):
    from hypothesis import given as given_

    from ivr.phone import Emulator

    from .conftest import client_transport

    twilio = Emulator("http://localhost", app.config["TWILIO_AUTH_TOKEN"], client_transport(app.test_client()))

    @settings(max_examples=40, deadline=None)
    @given_(st.lists(st.sampled_from(list("0123456789*#") + ["", "12", "٣"]), max_size=25))
    def walk(keys):
        call = twilio.call()
        call.start()
        for key in keys:
            if call.ended:
                break
            call.press(key) if key else call.silence()

    walk()
