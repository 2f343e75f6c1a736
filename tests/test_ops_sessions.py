"""Dashboard sessions live in Redis: logout, disabling a user and a password reset end them, so an old
cookie gets the login page; an idle timeout and an absolute lifetime end them too; webhooks never
read one."""
import datetime as dt

import pytest

from ivr.ops.people import users

from . import catalog_fixture as fx
from .conftest import FIXED_NOW, client_transport, csrf_token_from, ops_login


@pytest.fixture
def app(app_factory, tmp_path):
    return app_factory(HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "prompts")))


def logged_in(app, name="olga"):
    client = app.test_client()
    assert ops_login(client, name).status_code == 302
    assert client.get("/ops/calls").status_code == 200
    return client, client.get_cookie("session").value


def with_cookie(app, value):
    """Another browser that presents a copied session cookie."""
    other = app.test_client()
    other.set_cookie("session", value)
    return other


def gets_login_page(client) -> bool:
    resp = client.get("/ops/calls")
    return resp.status_code == 302 and "/ops/login" in resp.headers["Location"]


def test_the_cookie_is_only_an_id_and_redis_keeps_the_session_under_its_hash(app, rdb, ops_users):
    client, cookie = logged_in(app)
    assert "." not in cookie and len(cookie) >= 40
    keys = rdb.keys("ops:session:*")
    assert len(keys) == 1 and cookie not in keys[0]
    assert 0 < rdb.ttl(keys[0]) <= 30 * 60  # the idle timeout
    assert rdb.smembers("ops:sessions:olga") == set(keys)
    assert not gets_login_page(client)


def test_logout_revokes_the_session(app, rdb, ops_users):
    client, cookie = logged_in(app)
    token = csrf_token_from(client.get("/ops/calls").get_data(as_text=True))
    assert client.post("/ops/logout", data={"csrf_token": token}).status_code == 302
    assert gets_login_page(with_cookie(app, cookie))  # the old cookie, replayed, gets the login page
    assert not rdb.keys("ops:session:*")


def test_disabling_a_user_revokes_their_sessions(app, rdb, ops_users):
    _olga, cookie = logged_in(app)
    _olga2, cookie2 = logged_in(app)  # a second browser
    users.set_disabled(rdb, "olga", True)
    assert gets_login_page(with_cookie(app, cookie)) and gets_login_page(with_cookie(app, cookie2))
    assert not rdb.keys("ops:session:*") and not rdb.exists("ops:sessions:olga")
    assert ops_login(app.test_client(), "olga").status_code == 401  # and the right password is refused
    users.set_disabled(rdb, "olga", False)
    assert ops_login(app.test_client(), "olga").status_code == 302


def test_password_reset_revokes_the_sessions(app, rdb, ops_users):
    _client, cookie = logged_in(app)
    _admin, admin_cookie = logged_in(app, "adam")
    users.set_password(rdb, "olga", None)
    assert gets_login_page(with_cookie(app, cookie))
    assert not gets_login_page(with_cookie(app, admin_cookie))  # nobody else's


def test_the_login_gets_a_new_session_id(app, ops_users):
    client = app.test_client()
    client.get("/ops/login")
    before = client.get_cookie("session").value
    ops_login(client, "olga")
    assert client.get_cookie("session").value != before


def test_idle_timeout_and_absolute_lifetime(app_factory, tmp_path, rdb, ops_users):
    now = {"t": FIXED_NOW}
    app = app_factory(HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "p")), CLOCK=lambda: now["t"],
                      HOTLINE_OPS_IDLE_MINUTES="20", HOTLINE_OPS_SESSION_HOURS="1")
    client, _cookie = logged_in(app)
    key = rdb.keys("ops:session:*")[0]
    assert 19 * 60 < rdb.ttl(key) <= 20 * 60  # idle: the key expires unless a request renews it
    now["t"] += dt.timedelta(minutes=50)
    assert client.get("/ops/calls").status_code == 200
    assert rdb.ttl(key) <= 10 * 60  # never past the absolute end
    now["t"] += dt.timedelta(minutes=11)  # busy all along, but the login is over an hour old
    assert gets_login_page(client)
    assert not rdb.exists(key)


def test_idle_session_expires_in_redis(app, rdb, ops_users):
    _client, cookie = logged_in(app)
    rdb.delete(*rdb.keys("ops:session:*"))  # what the idle TTL does
    assert gets_login_page(with_cookie(app, cookie))


def test_before_login_nothing_is_kept_in_redis(app, rdb):
    client = app.test_client()
    for _ in range(5):
        assert client.get("/ops/login").status_code == 200
    assert not rdb.keys("ops:session*")


def test_a_signed_pre_login_cookie_cannot_carry_a_login(app, rdb, ops_users):
    from flask.sessions import SecureCookieSessionInterface

    client = app.test_client()
    with app.test_request_context("/ops/login"):
        forged = SecureCookieSessionInterface().get_signing_serializer(app).dumps(
            {"_user_id": users.get(rdb, "adam").get_id(), "_fresh": True})
    client.set_cookie("session", forged)
    assert gets_login_page(client)


def test_webhooks_open_no_session(app, twilio, ops_users):
    client, _cookie = logged_in(app)
    store = app.session_interface
    reads = []
    redis = store._redis
    store._redis = lambda: reads.append(1) or redis()
    # The test client sends the dashboard cookie with every request, webhooks included.
    twilio.transport = client_transport(client)
    assert twilio.call().start().status == 200
    assert reads == []
    client.get("/ops/calls")
    assert reads


def test_a_new_address_keeps_the_session_but_another_browser_or_a_rotated_id_does_not(app, rdb, ops_users):
    """A phone moving from Wi-Fi to 4G keeps its login; a cookie replayed from another browser does not,
    and a copy taken before a privileged action (here: a number shown) stops working after it."""
    from ivr.store import callbacks

    phone = {"REMOTE_ADDR": "10.0.0.7", "HTTP_USER_AGENT": "Phone/1.0"}
    client = app.test_client()
    ops_login(client, "olga", **phone)
    cookie = client.get_cookie("session").value
    assert client.get("/ops/calls", environ_base=phone).status_code == 200
    moved = dict(phone, REMOTE_ADDR="100.64.3.9")  # the same phone, now on the mobile network
    assert client.get("/ops/calls", environ_base=moved).status_code == 200
    other_browser = with_cookie(app, cookie)
    resp = other_browser.get("/ops/calls", environ_base={"REMOTE_ADDR": "192.0.2.1", "HTTP_USER_AGENT": "Thief"})
    assert resp.status_code == 302 and "/ops/login" in resp.headers["Location"]

    copied = with_cookie(app, cookie)  # a copy that even sends the same browser name
    assert copied.get("/ops/calls", environ_base=dict(phone, REMOTE_ADDR="192.0.2.1")).status_code == 200
    svc = app.extensions["hotline"]
    cid = callbacks.request(rdb, "+77015550123", svc.caller_hash("+77015550123"), "CA1", "ru")
    token = csrf_token_from(client.get(f"/ops/callbacks/{cid}", environ_base=moved).get_data(as_text=True))
    assert client.post(f"/ops/callbacks/{cid}/claim", data={"csrf_token": token}, environ_base=moved).status_code == 302
    shown = client.post(f"/ops/callbacks/{cid}/reveal", data={"csrf_token": token}, environ_base=moved)
    assert "+77015550123" in shown.get_data(as_text=True)
    assert client.get_cookie("session").value != cookie  # the id rotated on the reveal
    assert client.get("/ops/calls", environ_base=moved).status_code == 200
    resp = copied.get("/ops/calls", environ_base=dict(phone, REMOTE_ADDR="192.0.2.1"))
    assert resp.status_code == 302 and "/ops/login" in resp.headers["Location"]
