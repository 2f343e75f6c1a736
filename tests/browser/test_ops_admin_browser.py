"""The admin page in a real browser: an admin adds an operator, who sets a password through the
one-time link, logs in, cannot reach the admin page, logs out — and the browser's back button then
shows the login page, not the dashboard."""
from __future__ import annotations

import os

from ..conftest import OPS_PASSWORDS
from .test_ops_browser import SCREENSHOT_DIR, browser_page, live_app, pytestmark  # noqa: F401  (same app, chromium)


def log_in(page, base, name, password):
    page.goto(f"{base}/ops/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]:not(.link)")
    page.wait_for_url("**/ops/calls")


def log_out(page):
    page.click("header >> text=Выйти")
    page.wait_for_url("**/ops/login")


def test_admin_adds_an_operator_who_sets_a_password_through_the_link(live_app, browser_page):  # noqa: F811
    _app, base = live_app
    page = browser_page
    log_in(page, base, "adam", OPS_PASSWORDS["adam"])
    page.click("nav >> text=Операторы")
    page.wait_for_url("**/ops/admin/users")
    page.fill("input[name=name]", "zhanna")
    page.click("form[action$='/ops/admin/users'] button[type=submit]")
    link = page.locator("#reset-link").input_value()
    assert link.startswith(f"{base}/ops/reset/")
    assert "пароль не задан" in page.locator("#user-zhanna").inner_text()
    if SCREENSHOT_DIR:
        page.screenshot(path=os.path.join(SCREENSHOT_DIR, "ops-admin-users.png"), full_page=True)
    log_out(page)

    page.goto(link)
    page.fill("input[name=password]", "zhanna-password-1")
    page.fill("input[name=again]", "zhanna-password-1")
    page.click("button[type=submit]:not(.link)")
    page.wait_for_url("**/ops/login")
    log_in(page, base, "zhanna", "zhanna-password-1")
    assert page.locator("nav >> text=Операторы").count() == 0
    assert page.goto(f"{base}/ops/admin/users").status == 403
    page.goto(f"{base}/ops/calls")
    log_out(page)
    page.go_back()  # the dashboard page again, from a cookie that logout revoked
    page.reload()
    assert "/ops/login" in page.url
    assert page.goto(link).status == 404  # the link is spent
