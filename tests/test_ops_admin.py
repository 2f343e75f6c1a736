"""The admins' page of operator accounts: add (with a one-time link), disable, enable, reset, change
roles; operators get 403; the link sets a password once; and the same from the command line."""
import re

import pytest
from click.testing import CliRunner

from ivr.ops.people import users

from . import catalog_fixture as fx
from .conftest import OPS_PASSWORDS, csrf_token_from, ops_login


@pytest.fixture
def app(app_factory, tmp_path):
    return app_factory(HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "prompts")))


@pytest.fixture
def admin(app, ops_users):
    client = app.test_client()
    assert ops_login(client, "adam").status_code == 302
    return client


def post(client, url, **data):
    token = csrf_token_from(client.get("/ops/admin/users").get_data(as_text=True))
    return client.post(url, data=dict(data, csrf_token=token))


def link_on(page) -> str:
    found = re.search(r'id="reset-link" type="text" readonly size="90" value="([^"]+)"', page.get_data(as_text=True))
    assert found, "no one-time link on the page"
    return found.group(1)


def set_password_through(app, link: str, password: str):
    client = app.test_client()
    path = link.replace("http://localhost", "")
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    return client.post(path, data={"password": password, "again": password, "csrf_token": token})


def test_an_operator_gets_403_on_the_admin_page(app, ops_users):
    client = app.test_client()
    ops_login(client, "olga")
    assert client.get("/ops/admin/users").status_code == 403
    token = csrf_token_from(client.get("/ops/calls").get_data(as_text=True))
    for url in ("/ops/admin/users", "/ops/admin/users/adam/disable", "/ops/admin/users/adam/reset",
                "/ops/admin/users/olga/role"):
        assert client.post(url, data={"csrf_token": token, "name": "eve", "role": "admin"}).status_code == 403, url
    assert users.get(app.extensions["hotline"].redis, "olga").role == "operator"
    assert "/ops/admin/users" not in client.get("/ops/calls").get_data(as_text=True)  # no link in the nav


def test_admin_sees_the_accounts_and_the_nav_link(admin):
    page = admin.get("/ops/admin/users")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="user-olga"' in html and 'id="user-adam"' in html and "/ops/admin/users" in html


def test_add_an_operator_with_a_one_time_link(app, admin, rdb):
    page = post(admin, "/ops/admin/users", name="Zhanna", role="operator")
    assert page.status_code == 200
    link = link_on(page)
    assert users.get(rdb, "zhanna").role == "operator" and not users.get(rdb, "zhanna").has_password
    assert ops_login(app.test_client(), "zhanna", "anything-at-all-1").status_code == 401
    assert set_password_through(app, link, "zhanna-password-1").status_code == 302
    assert ops_login(app.test_client(), "zhanna", "zhanna-password-1").status_code == 302
    again = app.test_client().get(link.replace("http://localhost", ""))  # spent
    assert again.status_code == 404
    assert not rdb.keys("ops:reset:*") or rdb.keys("ops:reset:*") == ["ops:reset:latest:zhanna"]


def test_the_link_refuses_short_or_differing_passwords_and_stays_usable(app, admin, rdb):
    link = link_on(post(admin, "/ops/admin/users", name="timur", role="operator"))
    assert set_password_through(app, link, "short").status_code == 400
    client = app.test_client()
    path = link.replace("http://localhost", "")
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    resp = client.post(path, data={"password": "timur-password-1", "again": "timur-password-2", "csrf_token": token})
    assert resp.status_code == 400
    assert set_password_through(app, link, "timur-password-1").status_code == 302


def test_a_duplicate_name_is_refused(admin):
    assert post(admin, "/ops/admin/users", name="olga", role="admin").status_code == 400


def test_disable_and_enable(app, admin, rdb):
    olga = app.test_client()
    ops_login(olga, "olga")
    assert post(admin, "/ops/admin/users/olga/disable").status_code == 302
    assert users.get(rdb, "olga").disabled
    assert olga.get("/ops/calls").status_code == 302  # her open session ended
    assert ops_login(app.test_client(), "olga").status_code == 401
    assert post(admin, "/ops/admin/users/olga/enable").status_code == 302
    assert ops_login(app.test_client(), "olga").status_code == 302


def test_reset_ends_the_old_password_and_sessions_and_gives_a_link(app, admin, rdb):
    olga = app.test_client()
    ops_login(olga, "olga")
    page = post(admin, "/ops/admin/users/olga/reset")
    link = link_on(page)
    assert olga.get("/ops/calls").status_code == 302
    assert ops_login(app.test_client(), "olga").status_code == 401  # the old password is gone
    assert set_password_through(app, link, "new-olga-password").status_code == 302
    assert ops_login(app.test_client(), "olga", "new-olga-password").status_code == 302
    assert ops_login(app.test_client(), "olga", OPS_PASSWORDS["olga"]).status_code == 401


def test_a_second_link_replaces_the_first(app, admin):
    first = link_on(post(admin, "/ops/admin/users/olga/reset"))
    second = link_on(post(admin, "/ops/admin/users/olga/reset"))
    assert app.test_client().get(first.replace("http://localhost", "")).status_code == 404
    assert set_password_through(app, second, "new-olga-password").status_code == 302


def test_change_role(app, admin, rdb):
    assert post(admin, "/ops/admin/users/olga/role", role="admin").status_code == 302
    assert users.get(rdb, "olga").is_admin
    olga = app.test_client()
    ops_login(olga, "olga")
    assert olga.get("/ops/admin/users").status_code == 200
    assert post(admin, "/ops/admin/users/olga/role", role="operator").status_code == 302
    assert olga.get("/ops/admin/users").status_code == 403  # at once, not at the next login


def test_an_admin_cannot_disable_or_demote_themselves(admin, rdb):
    post(admin, "/ops/admin/users/adam/disable")
    post(admin, "/ops/admin/users/adam/role", role="operator")
    adam = users.get(rdb, "adam")
    assert adam.is_admin and not adam.disabled


def test_unknown_user_or_action(admin):
    assert post(admin, "/ops/admin/users/nobody/disable").status_code == 404
    assert post(admin, "/ops/admin/users/olga/explode").status_code == 404


def test_cli_reset_disable_enable_role(redis_url, rdb, monkeypatch, tmp_path, app, ops_users):
    from ivr.cli import main

    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("HOTLINE_VAR_DIR", str(tmp_path / "var"))
    runner = CliRunner()
    olga = app.test_client()
    ops_login(olga, "olga")
    result = runner.invoke(main, ["users", "reset", "olga"], input="cli-set-password\n")
    assert result.exit_code == 0, result.output
    assert olga.get("/ops/calls").status_code == 302
    assert users.verify(rdb, "olga", "cli-set-password")
    assert runner.invoke(main, ["users", "disable", "olga"]).exit_code == 0
    assert users.verify(rdb, "olga", "cli-set-password") is None
    assert "olga\toperator\tdisabled" in runner.invoke(main, ["users", "list"]).output
    assert runner.invoke(main, ["users", "enable", "olga"]).exit_code == 0
    assert runner.invoke(main, ["users", "role", "olga", "admin"]).exit_code == 0
    assert users.get(rdb, "olga").is_admin
    missing = runner.invoke(main, ["users", "disable", "nobody"])
    assert missing.exit_code == 1 and "no user" in missing.output
