"""The dashboard's gate: logins, sessions, CSRF, roles, rate limits, and the wall between the
dashboard and the Twilio webhooks."""
import datetime as dt
import re
import secrets

import pytest
from click.testing import CliRunner

from ivr.ops.people import users

from . import catalog_fixture as fx
from .conftest import FIXED_NOW, OPS_PASSWORDS, csrf_token_from, ops_login, stand_in_audio


@pytest.fixture
def app(app_factory, tmp_path):
    return app_factory(HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "prompts")))


@pytest.fixture
def client(app):
    return app.test_client()


def ops_get_rules(app):
    out = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/ops") and "GET" in rule.methods and rule.endpoint not in (
                "ops.login", "ops.static", "ops.reset_password"):
            out.append(re.sub(r"<[^>]+>", "x1", rule.rule))
    return out


def test_every_page_requires_login(app, client):
    rules = ops_get_rules(app)
    assert len(rules) >= 12
    for url in rules:
        resp = client.get(url)
        assert resp.status_code == 302 and "/ops/login" in resp.headers["Location"], url


def test_every_post_requires_login_and_csrf(app, client, ops_users):
    posts = [re.sub(r"<[^>]+>", "x1", r.rule) for r in app.url_map.iter_rules()
             if r.rule.startswith("/ops") and "POST" in r.methods and r.endpoint != "ops.login"]
    assert {"/ops/callbacks/x1/attempt", "/ops/messages/x1/retry", "/ops/inbox/x1/reply", "/ops/caller",
            "/ops/logout"} <= set(posts)
    for url in posts:
        # No session: the login page again (401), nothing changed; a public form without a token: 400.
        assert client.post(url).status_code in (400, 401), url
    ops_login(client, "olga")
    for url in posts:
        assert client.post(url, data={"note": "x"}).status_code == 400, url


def test_login_without_csrf_token_is_rejected(client, ops_users):
    resp = client.post("/ops/login", data={"name": "olga", "password": OPS_PASSWORDS["olga"]})
    assert resp.status_code == 400
    assert client.get("/ops/calls").status_code == 302


def test_login_logout(client, ops_users):
    resp = ops_login(client, "olga")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/ops/calls")
    page = client.get("/ops/calls")
    assert page.status_code == 200 and "olga" in page.get_data(as_text=True)
    token = csrf_token_from(page.get_data(as_text=True))
    assert client.post("/ops/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/ops/calls").status_code == 302


def test_wrong_password_and_unknown_user(client, ops_users):
    assert ops_login(client, "olga", "wrong-password-x").status_code == 401
    assert ops_login(client, "nobody", "whatever-password").status_code == 401
    assert client.get("/ops/calls").status_code == 302


def test_next_is_kept_but_never_leaves_the_dashboard(client, ops_users):
    page = client.get("/ops/login?next=/ops/stats")
    token = csrf_token_from(page.get_data(as_text=True))
    resp = client.post("/ops/login?next=/ops/stats", data={"name": "olga", "password": OPS_PASSWORDS["olga"],
                                                             "csrf_token": token})
    assert resp.headers["Location"].endswith("/ops/stats")
    client.post("/ops/logout", data={"csrf_token": csrf_token_from(client.get("/ops/stats").get_data(as_text=True))})
    page = client.get("/ops/login")
    token = csrf_token_from(page.get_data(as_text=True))
    resp = client.post("/ops/login?next=//evil.example/x", data={"name": "olga", "password": OPS_PASSWORDS["olga"],
                                                                  "csrf_token": token})
    assert resp.headers["Location"].endswith("/ops/calls")


def test_failed_logins_slow_that_user_from_that_address_only(app, client, ops_users):
    for _ in range(5):
        assert ops_login(client, "olga", "wrong-password-x", REMOTE_ADDR="10.0.0.66").status_code == 401
    resp = ops_login(client, "olga", REMOTE_ADDR="10.0.0.66")  # the attacker's address must wait now
    assert resp.status_code == 429 and int(resp.headers["Retry-After"]) > 0
    assert ops_login(client, "adam", REMOTE_ADDR="10.0.0.66").status_code == 302  # another user: fine
    # Olga herself, from her own address, is not locked out by someone else's failures:
    olga = app.test_client()
    assert ops_login(olga, "olga", REMOTE_ADDR="10.0.0.7").status_code == 302
    assert olga.get("/ops/calls", environ_base={"REMOTE_ADDR": "10.0.0.7"}).status_code == 200


def test_delays_grow_with_each_failure_and_end(app_factory, tmp_path, ops_users):
    now = {"t": FIXED_NOW}
    app = app_factory(HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "p")), CLOCK=lambda: now["t"])
    client = app.test_client()
    waits = []
    for _ in range(4):
        for _ in range(5 if not waits else 1):
            assert ops_login(client, "olga", "wrong-password-x").status_code == 401
        refused = ops_login(client, "olga")
        assert refused.status_code == 429
        waits.append(int(refused.headers["Retry-After"]))
        now["t"] += dt.timedelta(seconds=waits[-1])  # waiting it out lets the next attempt through
    assert waits == [15, 30, 60, 120]
    assert ops_login(client, "olga").status_code == 302


def test_failed_logins_are_limited_per_address(app_factory, tmp_path, ops_users):
    app = app_factory(HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "p")), HOTLINE_OPS_LOGIN_MAX_PER_IP="3")
    client = app.test_client()
    for name in ("u1", "u2", "u3"):
        assert ops_login(client, name, "wrong-password-x", REMOTE_ADDR="10.0.0.9").status_code == 401
    assert ops_login(client, "olga", REMOTE_ADDR="10.0.0.9").status_code == 429
    assert ops_login(client, "olga", REMOTE_ADDR="10.0.0.10").status_code == 302


def test_success_clears_the_user_counter_and_keeps_no_names_or_addresses(client, rdb, ops_users):
    for _ in range(3):
        ops_login(client, "olga", "wrong-password-x")
    assert len(rdb.keys("ops:login:user:*")) == 1
    assert not [k for k in rdb.keys("ops:login:*") if "olga" in k or "127.0.0.1" in k]
    assert ops_login(client, "olga").status_code == 302
    assert not rdb.keys("ops:login:user:*")


def test_cookies_are_httponly_lax_and_secure_on_https(app_factory, tmp_path, ops_users):
    app = app_factory(HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "p")), HOTLINE_PUBLIC_URL="https://hotline.example")
    client = app.test_client()
    resp = ops_login(client, "olga")
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_cookie_is_secure_in_production_whatever_the_public_url(app_factory, tmp_path, ops_users):
    strong = {name: secrets.token_hex(32) for name in ("HOTLINE_SECRET_KEY", "HOTLINE_HASH_SECRET",
                                                      "TWILIO_AUTH_TOKEN")}
    prompts = fx.write(tmp_path / "p")
    app = app_factory(HOTLINE_PROMPTS_DIR=str(prompts), HOTLINE_ENV="production",
                      HOTLINE_AUDIO_DIR=str(stand_in_audio(prompts, tmp_path / "audio")),
                      HOTLINE_PUBLIC_URL="http://hotline.internal", **strong)
    client = app.test_client()
    assert "Secure" in session_cookie(client.get("/ops/login"))  # even before login
    resp = ops_login(client, "olga")
    assert resp.status_code == 302
    cookie = session_cookie(resp)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def session_cookie(resp) -> str:
    return next(c for c in resp.headers.getlist("Set-Cookie") if c.startswith("session="))


def test_cookie_not_secure_on_plain_http(client, ops_users):
    cookie = ops_login(client, "olga").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_security_headers(client, ops_users):
    ops_login(client, "olga")
    resp = client.get("/ops/calls")
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Frame-Options"] == "DENY" and resp.headers["Cache-Control"] == "no-store"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_dashboard_never_accepts_a_twilio_signature(app, client, twilio):
    form = {"CallSid": "CA1"}
    signature = twilio.validator.compute_signature("http://localhost/ops/calls", form)
    assert client.get("/ops/calls", headers={"X-Twilio-Signature": signature}).status_code == 403
    assert client.post("/ops/login", data=form, headers={"X-Twilio-Signature": signature}).status_code == 403


def test_twilio_endpoints_never_accept_a_dashboard_session(client, ops_users):
    ops_login(client, "adam")
    for url in ("/voice", "/voice/key?s=1", "/voice/status", "/sms", "/sms/status"):
        assert client.post(url, data={"CallSid": "CA1", "From": "+77011234567"}).status_code == 403, url


def test_twilio_webhooks_need_no_csrf_token(twilio):
    assert twilio.call().start().status == 200


def test_password_change_ends_existing_sessions(client, rdb, ops_users):
    ops_login(client, "olga")
    assert client.get("/ops/calls").status_code == 200
    users.add(rdb, "olga", "another-password-1", "operator", replace=True)
    assert client.get("/ops/calls").status_code == 302


def test_removed_user_is_logged_out(client, rdb, ops_users):
    ops_login(client, "olga")
    users.remove(rdb, "olga")
    assert client.get("/ops/calls").status_code == 302


def test_passwords_are_hashed(rdb, ops_users):
    record = rdb.hgetall("user:olga")
    assert record["role"] == "operator" and OPS_PASSWORDS["olga"] not in str(record)
    assert record["password"].startswith(("scrypt:", "pbkdf2:"))


def test_cli_adds_a_user_reading_the_password_from_stdin(redis_url, rdb, monkeypatch, tmp_path):
    from ivr.cli import main

    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("HOTLINE_VAR_DIR", str(tmp_path / "var"))
    runner = CliRunner()
    result = runner.invoke(main, ["users", "add", "Marat", "--role", "admin"], input="a-long-password\n")
    assert result.exit_code == 0, result.output
    user = users.verify(rdb, "marat", "a-long-password")
    assert user and user.role == "admin"
    again = runner.invoke(main, ["users", "add", "marat", "--role", "admin"], input="a-long-password\n")
    assert again.exit_code == 1 and "exists" in again.output
    short = runner.invoke(main, ["users", "add", "zhanna"], input="short\n")
    assert short.exit_code == 1 and not rdb.exists("user:zhanna")
    assert "marat\tadmin" in runner.invoke(main, ["users", "list"]).output
    assert runner.invoke(main, ["users", "remove", "marat"]).exit_code == 0
    assert not rdb.exists("user:marat")


def test_language_switch_needs_csrf_and_changes_the_interface(client, ops_users):
    ops_login(client, "olga")
    page = client.get("/ops/calls").get_data(as_text=True)
    assert "Звонки" in page
    assert client.post("/ops/lang", data={"lang": "en", "next": "/ops/calls"}).status_code == 400
    token = csrf_token_from(page)
    resp = client.post("/ops/lang", data={"lang": "en", "next": "/ops/calls", "csrf_token": token})
    assert resp.status_code == 302
    assert "Calls" in client.get("/ops/calls").get_data(as_text=True)


def test_the_login_page_switches_language_before_login(client, ops_users):
    page = client.get("/ops/login").get_data(as_text=True)
    token = csrf_token_from(page)
    assert client.post("/ops/lang", data={"lang": "en", "next": "/ops/login"}).status_code == 400
    resp = client.post("/ops/lang", data={"lang": "en", "next": "/ops/calls", "csrf_token": token})
    assert resp.status_code == 302  # not a bare 401: the language is kept in the signed cookie
    login = client.get(resp.headers["Location"], follow_redirects=True)
    assert login.status_code == 200 and "Log in" in login.get_data(as_text=True)
    assert client.get("/ops/calls").status_code == 302  # still nothing else without a login
