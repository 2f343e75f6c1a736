"""The recordings page in a real browser (Debian's chromium with Playwright): an admin logs in, opens
/ops/recordings, the pending recording's <audio> loads from the login-required route, and Accept
moves the row to the accepted recordings."""
from __future__ import annotations

import os
import threading

import pytest
from werkzeug.serving import make_server

from ivr.voice import audio, recordings

from .. import catalog_fixture as fx
from ..conftest import OPS_PASSWORDS, free_port
from ..test_recordings import sine_wav
from .test_ops_browser import SCREENSHOT_DIR, browser_page, pytestmark  # noqa: F401  (chromium, its marks)


@pytest.fixture
def recordings_app(app_factory, tmp_path, ops_users):
    directory = tmp_path / "audio"
    take = tmp_path / "take.wav"
    take.write_bytes(sine_wav(0.5))
    rec = recordings.save(directory, recordings.new_id(), take, ".wav", lang="kk", line_id="menu.main",
                          text="[kk] main menu", text_sha=audio.text_sha("kk", "[kk] main menu"), reviewer="olga",
                          source="upload", time=0.0, seconds=0.5)
    app = app_factory(HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "prompts")), HOTLINE_AUDIO_DIR=str(directory))
    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}", rec, directory
    server.shutdown()
    thread.join(timeout=10)


def test_an_admin_listens_to_a_pending_recording_and_accepts_it(recordings_app, browser_page):  # noqa: F811
    _app, base, rec, directory = recordings_app
    page = browser_page
    page.goto(f"{base}/ops/recordings?lang=kk")
    page.fill("input[name=name]", "adam")
    page.fill("input[name=password]", OPS_PASSWORDS["adam"])
    page.click("button[type=submit]:not(.link)")
    page.wait_for_url("**/ops/recordings?lang=kk")
    row = page.locator(f"#pending-{rec.id}")
    assert "[kk] main menu" in row.inner_text()
    player = row.locator("audio")
    src = player.get_attribute("src")
    status, kind = page.evaluate("src => fetch(src).then(r => [r.status, r.headers.get('content-type')])", src)
    assert status == 200 and kind.startswith("audio/")
    page.wait_for_function("el => el.readyState >= 1 && el.duration > 0", arg=player.element_handle())
    if SCREENSHOT_DIR:
        page.screenshot(path=os.path.join(SCREENSHOT_DIR, "ops-recordings.png"), full_page=True)
    row.locator("summary.accept").click()  # accepting asks first
    row.locator("button.accept").click()
    page.wait_for_load_state()
    assert page.locator(f"#pending-{rec.id}").count() == 0
    accepted = page.locator('[id="recorded-kk-menu.main"]')
    assert "[kk] main menu" in accepted.inner_text() and "актуальна" in accepted.inner_text()
    assert audio.AudioIndex(directory).entry("kk", "[kk] main menu")["kind"] == "recorded"
