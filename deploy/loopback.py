"""Bring the production layout up on loopback: redis-server (deploy/redis.conf), gunicorn
(deploy/gunicorn.conf.py, HOTLINE_PROXY_HOPS=1) and nginx (deploy/nginx/hotline-proxy.conf) as an
unprivileged user in a temporary directory; place one signed call through nginx; stop everything.

  python deploy/loopback.py            # exit 0 when a call through nginx reached an SMS leaf
  python deploy/loopback.py --keep     # ... and leave it running until Ctrl-C

Needs nginx (`apt-get install nginx`). Uses HOTLINE_PROMPTS_DIR if set, else the real catalog if
prompts/kk.yaml exists, else the tests' fixture catalog. Production refuses to start without the
telephone audio, so its audio is built first (`hotline audio build`, espeak-ng and sox): into audio/
for the real catalog (only what changed), into the temporary directory for another one.
"""
from __future__ import annotations

import argparse
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.servers import Gunicorn, Redis, free_port  # noqa: E402

NGINX_CONF = """
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    upstream hotline_app {{ server 127.0.0.1:{app_port}; keepalive 8; }}
    server {{
        listen 127.0.0.1:{port};
        include {proxy_conf};
    }}
}}
"""


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)


def write_conf(tmp: Path, app_port: int, port: int) -> Path:
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp, app_port=app_port, port=port,
                                      proxy_conf=ROOT / "deploy" / "nginx" / "hotline-proxy.conf"))
    return conf


def prompts_dir(tmp: Path) -> str:
    import os

    if os.environ.get("HOTLINE_PROMPTS_DIR"):
        return os.environ["HOTLINE_PROMPTS_DIR"]
    if (ROOT / "prompts" / "kk.yaml").exists():
        return str(ROOT / "prompts")
    from tests import catalog_fixture

    return str(catalog_fixture.write(tmp / "prompts"))


def build_audio(env: dict, tmp: Path) -> str:
    import os

    real = Path(env["HOTLINE_PROMPTS_DIR"]).resolve() == (ROOT / "prompts").resolve()
    directory = os.environ.get("HOTLINE_AUDIO_DIR") or str(ROOT / "audio" if real else tmp / "audio")
    out = subprocess.run([sys.executable, "-m", "ivr.cli", "audio", "build"], cwd=ROOT, capture_output=True,
                         text=True, timeout=1800, env={**os.environ, **env, "HOTLINE_AUDIO_DIR": directory})
    if out.returncode != 0:
        raise RuntimeError(f"hotline audio build failed: {out.stderr[-2000:]}")
    return directory


def run(keep: bool = False) -> str:
    """Returns what the caller heard; raises on any failure."""
    nginx = nginx_binary()
    if not nginx:
        raise RuntimeError("nginx is not installed")
    tmp = Path(tempfile.mkdtemp(prefix="hotline-loopback-"))
    redis = Redis()
    app = nginx_proc = None
    try:
        token = secrets.token_hex(16)  # production refuses short or placeholder secrets
        env = {"REDIS_URL": redis.url, "HOTLINE_ENV": "production", "TWILIO_AUTH_TOKEN": token,
               "HOTLINE_SECRET_KEY": secrets.token_hex(32), "HOTLINE_HASH_SECRET": secrets.token_hex(32),
               "HOTLINE_PROXY_HOPS": "1", "HOTLINE_PROMPTS_DIR": prompts_dir(tmp), "HOTLINE_VAR_DIR": str(tmp / "var")}
        env["HOTLINE_AUDIO_DIR"] = build_audio(env, tmp)
        app = Gunicorn("wsgi:app", env, workers=1, threads=4)
        port = free_port()
        conf = write_conf(tmp, app.port, port)
        subprocess.run([nginx, "-t", "-q", "-c", str(conf), "-p", str(tmp)], check=True, capture_output=True)
        nginx_proc = subprocess.Popen([nginx, "-c", str(conf), "-p", str(tmp), "-g", "daemon off;"],
                                      stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                import urllib.request

                urllib.request.urlopen(url + "/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.05)
        # The terminal phone signs for the nginx URL; the app checks it behind the proxy (ProxyFix).
        out = subprocess.run([sys.executable, "-m", "ivr.cli", "call", "--url", url, "--token", token,
                              "--keys", "2 1 1 1"], cwd=ROOT, capture_output=True, text=True, timeout=60,
                             env={**__import__("os").environ, **env})
        if out.returncode != 0:
            raise RuntimeError(f"hotline call failed: {out.stderr[-2000:]}")
        if keep:
            print(out.stdout)
            print(f"nginx on {url} -> gunicorn 127.0.0.1:{app.port} -> {redis.url}; Ctrl-C stops")
            try:
                while True:
                    time.sleep(1)
            except KeyboardInterrupt:
                pass
        return out.stdout
    finally:
        if nginx_proc:
            nginx_proc.terminate()
            nginx_proc.wait(timeout=10)
        if app:
            app.stop()
        redis.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--keep", action="store_true")
    print(run(ap.parse_args().keep))
