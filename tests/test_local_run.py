"""`hotline up` (make run) cannot break itself: a second run on a taken port, or on the data directory
another run owns, exits non-zero before touching anything of the first, which keeps answering calls;
`/` leads to the dashboard; only the owner of an embedded Redis stops it."""
import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from ivr.cli import _http_transport
from ivr.phone import Emulator
from ivr.settings import DEV_AUTH_TOKEN
from ivr.store import connection

from . import catalog_fixture as fx
from .conftest import ROOT, free_port


def up_env(tmp_path, var="var"):
    return dict(os.environ, REDIS_URL="", HOTLINE_VAR_DIR=str(tmp_path / var), HOTLINE_ENV="development",
                HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "p")))


def start_up(env, port):
    return subprocess.Popen([sys.executable, "-m", "ivr.cli", "up", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_banner(proc) -> str:
    seen = []
    for line in proc.stdout:  # the banner comes only once the web app answers
        seen.append(line)
        if line.startswith("  Redis"):
            return "".join(seen)
    raise AssertionError(f"`hotline up` ended: {''.join(seen)} {proc.stderr.read()[-2000:]}")


CALLERS = iter(range(1000, 9999))


def answers_a_call(port) -> bool:
    """A first-time caller (a new number each time) hears the language menu and chooses Russian."""
    caller = f"+7701000{next(CALLERS)}"
    phone = Emulator(f"http://127.0.0.1:{port}", DEV_AUTH_TOKEN, _http_transport).call(caller=caller)
    turn = phone.start()
    return turn.status == 200 and phone.press("2").heard[0].text == "[ru] main menu"


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()


@pytest.mark.slow
def test_a_second_up_is_refused_and_the_first_keeps_answering(tmp_path):
    port = free_port()
    env = up_env(tmp_path)
    first = start_up(env, port)
    try:
        banner = wait_for_banner(first)
        assert f"http://127.0.0.1:{port}/ops/" in banner
        assert "bin/hotline users add NAME --role admin" in banner  # no operators yet: how to add the first
        assert answers_a_call(port)
        redis_pid = connection.running_embedded(env["HOTLINE_VAR_DIR"])[0]

        same_port = subprocess.run([sys.executable, "-m", "ivr.cli", "up", "--port", str(port)], cwd=ROOT, env=env,
                                   capture_output=True, text=True, timeout=60)
        assert same_port.returncode != 0
        assert f"127.0.0.1:{port} is already in use" in same_port.stderr and "PORT=" in same_port.stderr

        other_port = free_port()
        same_data = subprocess.run([sys.executable, "-m", "ivr.cli", "up", "--port", str(other_port)], cwd=ROOT,
                                   env=env, capture_output=True, text=True, timeout=60)
        assert same_data.returncode != 0
        assert "owns the Redis there" in same_data.stderr and "HOTLINE_VAR_DIR=" in same_data.stderr

        assert answers_a_call(port)  # the first run, and its Redis, are untouched
        assert connection.running_embedded(env["HOTLINE_VAR_DIR"])[0] == redis_pid
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/") as resp:  # `/` redirects to the dashboard
            assert "/ops/login" in resp.url and resp.status == 200
    finally:
        assert stop(first) == 0
    assert connection.running_embedded(env["HOTLINE_VAR_DIR"]) is None  # the owner stopped its Redis


@pytest.mark.slow
def test_a_second_run_with_its_own_data_directory_runs_beside_the_first(tmp_path):
    ports = free_port(), free_port()
    runs = [start_up(up_env(tmp_path, "var-a"), ports[0]), start_up(up_env(tmp_path, "var-b"), ports[1])]
    try:
        for proc in runs:
            wait_for_banner(proc)
        assert stop(runs[1]) == 0  # the second stops, with its own Redis ...
        assert answers_a_call(ports[0])  # ... and the first answers on
    finally:
        for proc in runs:
            if proc.poll() is None:
                stop(proc)


def test_a_command_beside_a_run_never_stops_its_redis(tmp_path):
    """`hotline users add` (any process) attaches to the running embedded Redis and leaves it alone."""
    var = str(tmp_path / "var")
    code = ("import sys; from ivr.store import connection as c; url = c.start_embedded(sys.argv[1]); "
            "print(url, flush=True); sys.stdin.readline(); c.stop_embedded(sys.argv[1])")
    owner = subprocess.Popen([sys.executable, "-c", code, var], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True, cwd=ROOT)
    try:
        url = owner.stdout.readline().strip()
        pid = connection.running_embedded(var)[0]
        attach = ("import sys; from ivr.store import connection as c; "
                  "assert c.start_embedded(sys.argv[1]) == sys.argv[2]; c.stop_embedded(sys.argv[1])")
        subprocess.run([sys.executable, "-c", attach, var, url], check=True, cwd=ROOT, timeout=60)
        time.sleep(0.2)
        assert connection.running_embedded(var)[0] == pid  # still there after the other process ended
    finally:
        owner.stdin.write("\n")
        owner.stdin.close()
        owner.wait(timeout=30)
        owner.stdout.close()
    assert connection.running_embedded(var) is None


def test_the_front_door_leads_to_the_dashboard(app):
    resp = app.test_client().get("/")
    assert resp.status_code == 302 and resp.headers["Location"] == "/ops/"


def test_gunicorns_empty_listening_line_names_the_addresses():
    import logging

    from ivr.cli import _ListeningAt

    record = logging.LogRecord("gunicorn.error", logging.INFO, __file__, 1, "Listening at: %s (%s)", ("", 4242), None)
    _ListeningAt("127.0.0.1:8000").filter(record)
    assert record.getMessage() == "Listening at: 127.0.0.1:8000, a socket per worker (reuse_port) (4242)"
