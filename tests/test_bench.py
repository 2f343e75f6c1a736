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
    assert level["calls"] > 0 and level["sms_requested"] > 0 and level["baseline_req_per_s"] > 0
    assert {"voice", "key:language", "key:sms", "status"} <= set(level["webhooks"])
    assert level["redis_per_call"]["commands"] > 0 and res["memory"]["record total"] > 0
    sms = res["sms_worker"]
    assert [(w["worker"].split()[0], w["sent"]) for w in sms["runs"]] == [("HotlineWorker", 20), ("rq", 20)]
    assert sms["ratio"] > 0 and sms["fork"]["sent"] == 5
    assert [row["stored_calls"] for row in res["stored_calls"]] == [50, 100]


def test_catalog_growth_helper_builds_a_valid_catalog(tmp_path):
    from bench import growth

    row = growth.catalog_cost(growth.big_catalog(tmp_path / "big", 1), str(ROOT.parent / "shared" / "sources"), 5)
    assert row["nodes"] == 5 + 1 + 7  # the fixture, a menu on main's key 3 and its 7 leaves


def test_gunicorn_config_matches_hotline_serve(monkeypatch):
    from ivr.cli import gunicorn_options

    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    namespace = {"__file__": str(DEPLOY / "gunicorn.conf.py")}
    exec(compile((DEPLOY / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), namespace)
    expected = gunicorn_options(workers=3)
    assert namespace["workers"] == 3 and namespace["bind"] == [expected["bind"]]
    for name in ("threads", "worker_class", "timeout", "keepalive", "preload_app"):
        assert namespace[name] == expected[name]


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
