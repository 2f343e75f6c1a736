"""`hotline up` (make run) on one machine: the checks that keep a second run from disturbing the first,
waiting for the web app, the startup message, and stopping the children.

A run refuses, before it starts or stops anything, when its port is taken or when another run
owns its data directory (var/: the embedded Redis there belongs to the run that holds
`var/up.lock`, and only that run stops it).
"""
from __future__ import annotations

import fcntl
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import click


def address_in_use(host: str, port: int) -> str | None:
    """Why host:port cannot be bound (something listens there), or None when it is free."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT leftovers are fine
        try:
            probe.bind((host, port))
        except OSError as exc:
            return exc.strerror or str(exc)
    return None


def refuse_taken_port(host: str, port: int) -> None:
    reason = address_in_use(host, port)
    if reason:
        raise click.ClickException(
            f"{host}:{port} is already in use ({reason}); nothing was started or stopped. Stop the other "
            f"server, or use another port: make run PORT={port + 1}  (or: hotline up --port {port + 1})")


def claim_var_dir(var_dir: str, port: int):
    """Hold var_dir's lock for this run (the returned file: keep it open); refuse if another run holds it."""
    path = Path(var_dir)
    path.mkdir(parents=True, exist_ok=True)
    handle = open(path / "up.lock", "a+")  # held open (and locked) for the whole run
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        pid, _, other_port = handle.read().strip().partition(" ")
        handle.close()
        raise click.ClickException(
            f"another `hotline up` (pid {pid or '?'}, http://127.0.0.1:{other_port or '?'}/ops/) runs on {var_dir} "
            f"and owns the Redis there; nothing was started or stopped. Stop it first, or give this run its own "
            f"data: HOTLINE_VAR_DIR=var-{port} make run PORT={port}") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()} {port}")
    handle.flush()
    return handle


def wait_listening(host: str, port: int, server: subprocess.Popen, timeout: float = 90.0) -> bool:
    """True once host:port accepts connections; False if the server process ended first (or never listened)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def hotline_command() -> str:
    """How to type `hotline` from here: `.venv/bin/hotline` when the venv is not activated."""
    exe = Path(sys.executable).parent / "hotline"
    if not exe.exists():
        return "hotline"
    try:
        return str(exe.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(exe)


def banner(host: str, port: int, redis_url: str, owned: bool, has_users: bool) -> str:
    base = f"http://{host}:{port}"
    cmd = hotline_command()
    if os.environ.get("HOTLINE_VAR_DIR"):
        cmd = f"HOTLINE_VAR_DIR={os.environ['HOTLINE_VAR_DIR']} {cmd}"
    url_opt = "" if port == 8000 else f" --url {base}"
    lines = ["Hotline running (Ctrl-C stops everything):",
             f"  dashboard  {base}/ops/"]
    if not has_users:
        lines.append(f"             no operators yet; add the first:  {cmd} users add NAME --role admin"
                     "  (asks for a password)")
    lines += [f"  phone      {cmd} call{url_opt}",
              f"  missed     {cmd} call --missed{url_opt}   (rejected, then the hotline calls back)",
              f"  SMS        {cmd} sms \"dokumenty\"{url_opt}",
              f"  Redis      {redis_url}" + ("  (embedded; stops with this run)" if owned else "")]
    return "\n".join(lines)


def has_users(redis_url: str) -> bool:
    from .ops.people.users import INDEX
    from .store.connection import connect

    try:
        return bool(connect(redis_url, 2.0).scard(INDEX))
    except Exception:  # the message is a hint; a Redis hiccup must not stop the run
        return True


def what_stopped(procs: dict[str, subprocess.Popen]) -> str | None:
    """'the worker stopped (exit status 1)' for the first child that ended, or None."""
    for name, proc in procs.items():
        if proc.poll() is not None:
            return f"the {name} stopped (exit status {proc.returncode})"
    return None


def stop(procs: list[subprocess.Popen], timeout: float = 10.0) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
