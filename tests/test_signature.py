"""X-Twilio-Signature: every Twilio endpoint refuses unsigned, wrongly signed or tampered posts."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from . import catalog_fixture as fx

ENDPOINTS = ["/voice", "/voice/key?s=0", "/voice/status"]
FORM = {"CallSid": "CA" + "1" * 32, "From": "+77011234567", "To": "+77270000000", "CallStatus": "ringing"}


@pytest.fixture
def app(app_factory, tmp_path):
    return app_factory(HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "prompts")))


def sign(token, url, form):
    return RequestValidator(token).compute_signature(url, form)


@pytest.mark.parametrize("path", ENDPOINTS)
def test_unsigned_is_403_and_changes_nothing(app, rdb, path):
    resp = app.test_client().post(path, data=FORM)
    assert resp.status_code == 403
    assert rdb.keys('*') == []


@pytest.mark.parametrize("path", ENDPOINTS)
def test_wrong_token_is_403(app, rdb, path):
    headers = {"X-Twilio-Signature": sign("not-the-token", "http://localhost" + path, FORM)}
    assert app.test_client().post(path, data=FORM, headers=headers).status_code == 403
    assert rdb.keys('*') == []


def test_tampered_parameter_is_403(app, rdb):
    headers = {"X-Twilio-Signature": sign(app.config["TWILIO_AUTH_TOKEN"], "http://localhost/voice", FORM)}
    tampered = dict(FORM, From="+77019999999")
    assert app.test_client().post("/voice", data=tampered, headers=headers).status_code == 403
    assert app.test_client().post("/voice", data=FORM, headers=headers).status_code == 200


def test_configured_token_is_used(app_factory, tmp_path):
    app = app_factory(HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "p")), TWILIO_AUTH_TOKEN="real-token")
    client = app.test_client()
    ok = {"X-Twilio-Signature": sign("real-token", "http://localhost/voice", FORM)}
    dev = {"X-Twilio-Signature": sign(app.config["TWILIO_AUTH_TOKEN"] + "x", "http://localhost/voice", FORM)}
    assert client.post("/voice", data=FORM, headers=ok).status_code == 200
    assert client.post("/voice", data=FORM, headers=dev).status_code == 403


def test_behind_a_tls_terminating_proxy(app_factory, tmp_path):
    """Twilio signs the public https URL; the app sees http://localhost plus X-Forwarded-* headers."""
    app = app_factory(HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "p")), HOTLINE_PROXY_HOPS="1")
    public = "https://hotline.example.org/voice"
    headers = {"X-Twilio-Signature": sign(app.config["TWILIO_AUTH_TOKEN"], public, FORM),
               "X-Forwarded-Proto": "https", "X-Forwarded-Host": "hotline.example.org", "X-Forwarded-For": "1.2.3.4"}
    assert app.test_client().post("/voice", data=FORM, headers=headers).status_code == 200
    # Without ProxyFix the same request fails: the inner URL is not what Twilio signed.
    plain = app_factory(HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "p2")))
    assert plain.test_client().post("/voice", data=FORM, headers=headers).status_code == 403


def test_public_url_setting_validates_behind_a_proxy_without_forwarded_headers(app_factory, tmp_path):
    app = app_factory(HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "p")),
                      HOTLINE_PUBLIC_URL="https://hotline.example.org")
    headers = {"X-Twilio-Signature": sign(app.config["TWILIO_AUTH_TOKEN"], "https://hotline.example.org/voice", FORM)}
    assert app.test_client().post("/voice", data=FORM, headers=headers).status_code == 200


def test_encoded_query_string_validates_as_sent(app):
    """Werkzeug decodes request.url's query; the signature is over the raw, encoded one."""
    client = app.test_client()
    start = {"X-Twilio-Signature": sign(app.config["TWILIO_AUTH_TOKEN"], "http://localhost/voice", FORM)}
    client.post("/voice", data=FORM, headers=start)
    path = "/voice/key?s=1&note=a%20b%2Fc%3Fd&l=ru"
    form = dict(FORM, Digits="1")
    headers = {"X-Twilio-Signature": sign(app.config["TWILIO_AUTH_TOKEN"], "http://localhost" + path, form)}
    assert client.post(path, data=form, headers=headers).status_code == 200


def test_a_signature_made_with_the_port_still_passes(app):
    """Twilio signs ports inconsistently: the fast exact-URL check falls back to twilio's validate."""
    headers = {"X-Twilio-Signature": sign(app.config["TWILIO_AUTH_TOKEN"], "http://localhost:80/voice", FORM)}
    assert app.test_client().post("/voice", data=FORM, headers=headers).status_code == 200


def test_a_non_ascii_signature_is_403_not_an_error(app):
    assert app.test_client().post("/voice", data=FORM, headers={"X-Twilio-Signature": "подпись"}).status_code == 403


def test_webhooks_get_no_cookie(app):
    """Flask's cookie session opens only for the dashboard: a webhook has nothing to keep."""
    headers = {"X-Twilio-Signature": sign(app.config["TWILIO_AUTH_TOKEN"], "http://localhost/voice", FORM)}
    resp = app.test_client().post("/voice", data=FORM, headers=headers)
    assert resp.status_code == 200 and "Set-Cookie" not in resp.headers


@settings(max_examples=300, deadline=None)
@given(token=st.text(min_size=1, max_size=40), url=st.text(max_size=200),
       form=st.dictionaries(st.text(max_size=20), st.text(max_size=60), max_size=12))
def test_the_keyed_signature_is_twilios_for_any_form(token, url, form):
    """twilio_auth.signature (an HMAC keyed once, for the front's plain dicts) equals twilio's
    RequestValidator.compute_signature on any token, URL and form, emoji and empty values included."""
    from werkzeug.datastructures import MultiDict

    from ivr.twilio_auth import signature

    assert signature(token, url, form) == RequestValidator(token).compute_signature(url, form)
    multi = MultiDict(list(form.items()) + [(k, v + "x") for k, v in list(form.items())[:2]])
    assert signature(token, url, multi) == RequestValidator(token).compute_signature(url, multi)
