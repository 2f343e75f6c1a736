"""The cheaper webhook parsing (ivr/webhook_request.py, ivr/request_urls.py)
gives exactly what the libraries it stands in for give."""
from urllib.parse import parse_qsl, quote_plus, urlencode

from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder

from ivr import request_urls
from ivr.webhook_request import WebhookRequest, parse_pairs

# Text with the characters that matter to a query string: separators, escapes, broken escapes, non-ASCII.
QS_CHARS = st.sampled_from(list("ab=&+%;2F0zZ é\u0416\U0001F600") + ["%41", "%2", "%zz", "%C3%A9", "%FF", "&&", "=="])
query = st.lists(QS_CHARS, max_size=30).map("".join)


@settings(max_examples=400, deadline=None)
@given(query)
def test_parse_pairs_is_parse_qsl(text):
    assert parse_pairs(text) == parse_qsl(text, keep_blank_values=True, errors="werkzeug.url_quote")


def test_request_form_and_args_match_werkzeugs():
    body = "CallSid=CA1&From=%2B77011234567&Digits=&Digits=2&SpeechResult=%D0%B4%D0%B0+%D0%BD%D0%B5%D1%82&x"
    env = EnvironBuilder(method="POST", path="/voice/key", query_string="s=3&l=kk&n=main&b=a~1-b&q=&bad=%zz",
                         data=body, content_type="application/x-www-form-urlencoded").get_environ()
    from flask import Request

    mine, theirs = WebhookRequest(dict(env, **{"wsgi.input": __import__("io").BytesIO(body.encode())})), Request(env)
    assert list(mine.form.items(multi=True)) == list(theirs.form.items(multi=True))
    assert list(mine.args.items(multi=True)) == list(theirs.args.items(multi=True))
    assert mine.form.getlist("Digits") == ["", "2"]


def test_multipart_still_goes_through_werkzeug():
    upload = (__import__("io").BytesIO(b"x"), "f.txt")
    env = EnvironBuilder(method="POST", path="/ops/x", data={"name": "a", "file": upload},
                         content_type="multipart/form-data").get_environ()
    req = WebhookRequest(env)
    try:
        assert req.form["name"] == "a" and req.files["file"].read() == b"x"
    finally:
        req.close()


def test_host_and_root_are_werkzeugs_and_the_table_is_bounded():
    from flask import Request

    for host in ["hotline.example", "hotline.example:8443", "127.0.0.1:31000"]:
        env = EnvironBuilder(path="/voice", base_url=f"https://{host}/app").get_environ()
        assert request_urls.host(Request(env)) == Request(env).host
        assert request_urls.url_root(Request(env)) == Request(env).url_root
    for i in range(200):
        env = EnvironBuilder(path="/voice", base_url=f"http://h{i}.example").get_environ()
        assert request_urls.url_root(Request(env)) == f"http://h{i}.example/"
    assert len(request_urls._roots) <= request_urls._MAX


def test_caller_hash_remembers_withheld_by_hash_only(app_factory, tmp_path):
    from ivr.store import privacy

    from . import catalog_fixture as fx

    svc = app_factory(HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "prompts"))).extensions["hotline"]
    secret = svc.config["HOTLINE_HASH_SECRET"]
    numbers = ["+77011234567", "+7 701 123 45 67", "+7000", "anonymous", "", "+266696687", "Restricted",
               "+992929123456", "12345", "+77011234567"]
    for number in numbers * 2:  # twice: the second answer comes from what was remembered
        expected = "anonymous" if privacy.is_withheld(number) else privacy.number_hash(secret, number)
        assert svc.caller_hash(number) == expected
    assert all("+" not in key and "7011234567" not in key for key in svc._withheld)


# A text as Twilio posts it: every byte of its UTF-8 escaped (upper or lower case), or a few bytes broken.
ESCAPED = st.text(alphabet=st.characters(codec="utf-8"), max_size=12).map(quote_plus)
BROKEN = st.sampled_from(["%D0", "%B4", "%d0%b4", "%E2%82", "%", "%%", "%Ab",
                          "\\", "\\x41", "%5C", "%5cx41", "\\N{DASH}"])  # backslashes: ivr/webhook_request.py
MIXED = st.lists(st.one_of(ESCAPED, ESCAPED.map(str.lower), QS_CHARS, BROKEN), max_size=8).map("".join)


@settings(max_examples=400, deadline=None)
@given(MIXED)
def test_escaped_utf8_is_unquoted_as_parse_qsl_does(text):
    assert parse_pairs(text) == parse_qsl(text, keep_blank_values=True, errors="werkzeug.url_quote")
    assert parse_pairs("Body=" + text) == parse_qsl("Body=" + text, keep_blank_values=True,
                                                   errors="werkzeug.url_quote")


def test_a_texts_body_in_any_script_is_parsed_as_parse_qsl_does():
    from bench import sms_cost

    from .twilio_bodies import inbound_sms

    for _, _, text in sms_cost.corpus():
        body = urlencode(inbound_sms(text + " \\x41 \\ %", "+77021234567", "SM" + "1" * 32))
        assert parse_pairs(body) == parse_qsl(body, keep_blank_values=True, errors="werkzeug.url_quote")
