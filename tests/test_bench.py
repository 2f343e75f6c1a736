"""The benchmark runs on a tiny load, and the deploy/ configs parse and work on loopback.

No timed assertions here (numbers live in docs/performance.md): only that the code runs and
that every phase produced a result.
"""
import configparser
import shutil
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

DEPLOY = ROOT / "deploy"


@pytest.mark.slow
def test_the_benchmark_runs_on_a_tiny_load(tmp_path, monkeypatch):
    from bench import run

    out = tmp_path / "bench.json"
    assert run.main(["--quick", "--catalog", "fixture", "--concurrency", "2", "--stored-calls", "50,100",
                     "--catalog-depths", "",
                     "--json", str(out)]) == 0
    import json

    res = json.loads(out.read_text())
    level, walk = res["levels"]
    assert walk["load"].startswith("menu walk") and {"key:menu", "key:back"} <= set(walk["webhooks"])
    assert walk["cpu_ms_per_request"]["app"]["server"] > 0
    assert walk["webhooks"]["key:language"]["n"] <= walk["calls"]  # one language pick a first call, no more
    assert level["calls"] > 0 and level["sms_requested"] > 0 and level["baseline_req_per_s"] > 0
    assert {"voice", "key:language", "key:sms", "status"} <= set(level["webhooks"])
    assert level["redis_per_call"]["commands"] > 0 and res["memory"]["record total"] > 0
    sms = res["sms_worker"]
    assert [(w["worker"].split()[0], w["sent"]) for w in sms["runs"]] == [("HotlineWorker", 20), ("rq", 20)]
    assert sms["ratio"] > 0 and sms["fork"]["sent"] == 5
    assert [row["stored_calls"] for row in res["stored_calls"]] == [50, 100]
    assert set(res["cpu_check_ms"]) == {"whole calls", "the menu walk", "the /sms webhook", "the SMS worker"}
    texts, = res["sms_webhook"]
    assert texts["requests"] > 0 and texts["ratio"] > 0 and not texts["errors"]
    understood = res["sms_understanding"]
    assert understood["cost"]["messages"] > 100 and understood["cost"]["median_us"] > 0
    assert [row["factor"] for row in understood["growth"]] == [1, 2, 4]
    if "skipped" not in res["peer"]:  # fetched on this machine: it ran beside the menu walk
        assert walk["peer"]["req_per_s"] > 0 and res["peer"]["probe"]["welcome"] == 200
    assert res["steps_only"]["ratio"] > 0 and res["steps_only"]["medians"]["app"]["server_us"] > 0
    scale = res["memory_at_scale"]
    assert scale["calls"]["records"] == scale["sms_threads"]["records"] == 1000
    assert scale["calls"]["bytes_per_record"] > 0 and scale["rss"][-1]["requests"] >= 1000


def test_catalog_growth_helper_builds_a_valid_catalog(tmp_path):
    from bench import growth

    row = growth.catalog_cost(growth.big_catalog(tmp_path / "big", 1), str(ROOT.parent / "shared" / "sources"), 5)
    assert row["nodes"] == 5 + 1 + 7  # the fixture, a menu on main's key 3 and its 7 leaves


def _gunicorn_conf() -> dict:
    namespace = {"__file__": str(DEPLOY / "gunicorn.conf.py")}
    exec(compile((DEPLOY / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), namespace)
    return namespace


def test_gunicorn_config_matches_hotline_serve(monkeypatch):
    from ivr.cli import gunicorn_options, refuse_taken_address

    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.delenv("HOTLINE_BIND", raising=False)
    namespace = _gunicorn_conf()
    expected = gunicorn_options(workers=3)
    assert namespace["workers"] == 3 and namespace["bind"] == [expected["bind"]]
    for name in ("threads", "worker_class", "timeout", "keepalive", "preload_app", "reuse_port", "on_starting"):
        assert namespace[name] == expected[name]
    assert namespace["reuse_port"] is True and namespace["on_starting"] is refuse_taken_address


def test_a_unix_socket_is_not_shared_with_reuse_port(monkeypatch):
    # Each worker would unlink the path and bind its own: only the last one would be reachable.
    monkeypatch.setenv("HOTLINE_BIND", "unix:/run/hotline/web.sock")
    namespace = _gunicorn_conf()
    assert namespace["bind"] == ["unix:/run/hotline/web.sock"] and namespace["reuse_port"] is False


@pytest.mark.slow
def test_every_worker_listens_and_a_second_server_is_refused(redis_server):
    """Connections spread over the workers (each has its own listening socket), and a second
    server on the same port stops instead of silently sharing it."""
    import os
    import socket
    import subprocess
    import time

    import psutil

    from bench.servers import Gunicorn

    env = {"REDIS_URL": redis_server["url"]}
    server = Gunicorn("bench.baseline:app", env, workers=2, threads=2)
    try:
        def listening(proc):
            return any(c.status == "LISTEN" and c.laddr.port == server.port for c in proc.net_connections("tcp"))

        deadline = time.time() + 20  # the server answered once one worker was up; wait for both
        while time.time() < deadline:
            workers = psutil.Process(server.proc.pid).children()
            if len(workers) == 2 and all(listening(w) for w in workers):
                break
            time.sleep(0.1)
        assert len(workers) == 2 and all(listening(w) for w in workers)
        assert not listening(psutil.Process(server.proc.pid))  # the master holds no socket of its own
        clients = []
        for _ in range(32):  # keep-alive connections, as nginx's upstream pool holds them
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            sock.sendall(b"POST /baseline HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
            assert sock.recv(64).startswith(b"HTTP/1.1 200")
            clients.append(sock)
        time.sleep(0.2)
        held = [sum(c.status == "ESTABLISHED" and c.laddr.port == server.port for c in w.net_connections("tcp"))
                for w in workers]
        assert sum(held) == 32 and min(held) > 0, held  # with one shared socket, 32/0 splits happen
        second = subprocess.run([sys.executable, "-m", "gunicorn", "-c", str(DEPLOY / "gunicorn.conf.py"),
                                 "bench.baseline:app"], cwd=ROOT, capture_output=True, text=True, timeout=30,
                                env=dict(os.environ, **env, HOTLINE_BIND=f"127.0.0.1:{server.port}",
                                         PYTHONPATH=str(ROOT)))
        assert second.returncode != 0 and "already in use" in second.stderr
        server.log.seek(0)
        assert f"Listening at: 127.0.0.1:{server.port}, a socket per worker" in server.log.read().decode()
        for sock in clients:
            sock.close()
    finally:
        server.stop()


def test_the_sysctl_file_names_keys_the_kernel_has():
    settings = [line.split("=") for line in (DEPLOY / "sysctl" / "60-hotline.conf").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    assert [(k.strip(), v.strip()) for k, v in settings] == [("net.ipv4.tcp_migrate_req", "1")]
    if not Path("/proc/sys/net/ipv4/tcp_migrate_req").exists():  # the name is checked where the kernel has it
        pytest.skip("no tcp_migrate_req here (Linux < 5.14, or no /proc)")


def test_redis_conf_persists_with_aof_and_never_evicts(tmp_path):
    from bench.servers import Redis

    server = Redis()
    try:
        conf = {k: server.client.config_get(k)[k] for k in ("appendonly", "appendfsync", "maxmemory-policy")}
    finally:
        server.stop()
    assert conf == {"appendonly": "yes", "appendfsync": "everysec", "maxmemory-policy": "noeviction"}


@pytest.mark.parametrize("unit", sorted((DEPLOY / "systemd").glob("*.service")), ids=lambda p: p.name)
def test_systemd_units_parse(unit):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(unit)
    assert {"Unit", "Service", "Install"} <= set(parser.sections())
    exec_start = parser["Service"]["ExecStart"].split()
    assert exec_start[0].startswith("/opt/hotline/.venv/bin/")
    if "gunicorn" in exec_start[0]:
        assert "/opt/hotline/deploy/gunicorn.conf.py" in exec_start and exec_start[-1] == "wsgi:app"
    else:
        assert exec_start[1] == "worker"
    assert parser["Service"]["Restart"] == "always" and parser["Service"]["User"] == "hotline"


@pytest.mark.slow
def test_nginx_in_front_of_gunicorn_on_loopback(tmp_path, monkeypatch):
    from . import catalog_fixture

    monkeypatch.setenv("HOTLINE_PROMPTS_DIR", str(catalog_fixture.write(tmp_path / "prompts")))  # 2 1 1 1 = SMS
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not nginx:
        pytest.skip("nginx is not installed (apt-get install -y nginx)")
    sys.path.insert(0, str(DEPLOY))
    try:
        import loopback
    finally:
        sys.path.remove(str(DEPLOY))
    heard = loopback.run()
    assert "sms" in heard.lower() and "(call ended)" in heard  # a signed call through nginx reached the SMS step


def test_the_load_generator_reads_a_screen_once_and_each_action_from_its_own_body():
    """bench/caller.Screens: a menu is parsed once, but the action followed is always this answer's own."""
    from bench.caller import Screens
    from ivr.phone import read_turn

    def body(s, t):
        url = f"/voice/key?s={s}&amp;l=kk&amp;n=main&amp;t={t}"
        return ('<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="' + url + '" method="POST" '
                'numDigits="1"><Play>http://h/audio/kk/a.wav</Play><Say>menu</Say></Gather>'
                f'<Redirect method="POST">{url}&amp;noinput=1</Redirect></Response>')

    screens = Screens()
    for s, t in ((3, 1796678907), (17, 1796670000), (3, 1796678907)):
        heard, action, _ = screens.read("http://h/voice/key", 200, body(s, t))
        turn = read_turn("http://h/voice/key", 200, body(s, t))
        assert heard == turn.heard and action == turn.gather["action"] == f"/voice/key?s={s}&l=kk&n=main&t={t}"
    assert len(screens._shapes) == 1
    hangup = '<?xml version="1.0" encoding="UTF-8"?><Response><Say>bye</Say><Hangup/></Response>'
    assert screens.read("http://h/voice/key", 200, hangup)[:2] == (read_turn("u", 200, hangup).heard, None)
    odd = body(5, 9).replace("&amp;l=kk", "&amp;l=kk&lt;")  # another entity: html.unescape's reading
    assert screens.read("http://h/voice/key", 200, odd)[1] == read_turn("u", 200, odd).gather["action"]


def test_the_steps_only_benchmark_runs_a_round():
    """bench.steps_only on a tiny load: both sides answer every pre-signed step (a refused signature or a
    500 would raise), and it prints the medians."""
    import subprocess

    out = subprocess.run([sys.executable, "-m", "bench.steps_only", "--concurrency", "2", "--processes", "1",
                          "--calls", "1", "--rounds", "1", "--workers", "1", "--threads", "1"],
                         capture_output=True, text=True, timeout=240, cwd=str(Path(__file__).resolve().parent.parent))
    assert out.returncode == 0, out.stderr[-2000:]
    assert "menu steps alone" in out.stdout and "ratio" in out.stdout


def test_the_load_generator_picks_a_language_as_a_first_time_caller_does(app, twilio):
    """bench/caller.Words.choose_language on the hotline's own first screens: the +7 list after the greeting
    and a country code's offer. Each pick leads to a main menu whose options the caller reads in the
    language it picked (the walk once read the greeting as a language and pressed keys at random)."""
    import random

    from bench.caller import Words

    from .conftest import words_of

    words, rng = Words(app.extensions["hotline"].catalog, words_of(app)), random.Random(7)
    picked = set()
    for number in ["+7701123450" + str(i) for i in range(6)] + ["+996555123457", "+992901234567"]:
        call = twilio.call(caller=number)
        turn = call.start()
        key, lang = words.choose_language([words.hear(h) for h in turn.heard], rng)
        assert key is not None, turn.text
        menu = call.press(key)
        keys, _, _ = words.read(lang, [words.hear(h) for h in menu.heard])
        assert keys, (number, lang, menu.text)
        picked.add(lang)
    assert {"ky", "tg"} <= picked and len(picked) >= 4


def test_the_peer_is_extracted_under_bench_peers_once_per_commit_and_git_ignores_it(tmp_path):
    """bench/peer.extract: the peer's tree from a git mirror, under bench/peers/<name>-<commit>/, once per commit,
    never half-extracted; git ignores what is extracted there, and nothing in ivr/ names it."""
    import subprocess

    from bench import peer

    mirror = tmp_path / "mirror"
    git = ["git", "-C", str(mirror), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(["git", "init", "-q", str(mirror)], check=True)
    (mirror / "ivr_phone_tree_python.py").write_text("app = None\n")
    subprocess.run(git + ["add", "."], check=True)
    subprocess.run(git + ["commit", "-qm", "sample"], check=True)
    peers = tmp_path / "peers"
    dest, commit = peer.extract(mirror, peers)
    assert dest == peers / f"ivr-phone-tree-python-{commit}" and (dest / "ivr_phone_tree_python.py").exists()
    (dest / "marker").write_text("kept")
    assert peer.extract(mirror, peers) == (dest, commit) and (dest / "marker").exists()  # not extracted again
    assert [p.name for p in peers.iterdir()] == [dest.name]  # no half-extracted tree left beside it
    assert peer.PEERS == ROOT / "bench" / "peers"
    ignored = subprocess.run(["git", "-C", str(ROOT), "check-ignore", "-q",
                              f"bench/peers/ivr-phone-tree-python-{commit}/ivr_phone_tree_python.py"])
    assert ignored.returncode == 0
    assert subprocess.run(["git", "-C", str(ROOT), "check-ignore", "-q", "bench/peers/README.md"]).returncode == 1
    named = [p for p in (ROOT / "ivr").rglob("*.py") if "peers" in p.read_text() or "ivr_phone_tree" in p.read_text()]
    assert not named
