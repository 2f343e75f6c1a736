"""What people send while Redis is down, kept on the web host's disk and replayed when it returns.

Inbound texts (`/sms`), status callbacks (`/sms/status`, `/voice/status`) and missed-call rings
(`/voice/missed`) that fail on a Redis error are appended to a spool file: one JSON line per request
(path with its query, the form, the time), written and fsynced before Twilio gets its answer, one
file per process (`<HOTLINE_VAR_DIR>/spool/<host>-<pid>.jsonl`, so no two writers share a file).

A replay thread in each web process looks every second while its host has spool files: when Redis
answers it claims every file (a rename, atomic: two processes never replay one file; a file of a
process that died is claimed too), runs the requests again in the order they came, through the same
views with their usual once-only checks (`sms:seen:<MessageSid>`, `missed:ring:<CallSid>`, the
status dedups), and deletes the files. A room may wrap the replay of its own requests (`on_replay`):
the SMS room sends an inbound text's answer as an SMS then, since the texter was told the service was
briefly unavailable. The store imports no room above it.
A request that fails again for Redis stays spooled for the next round.
"""
from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from pathlib import Path

import redis as redis_lib

log = logging.getLogger(__name__)
SPOOLED_PATHS = ("/sms", "/sms/status", "/voice/status", "/voice/missed")
CHECK_EVERY = 1.0  # seconds between looks at Redis while something waits in the spool

_lock = threading.Lock()  # one writer per process file, one replay thread per app


class NotYet(Exception):
    """Raised by a room's replay step (`on_replay`) for a request to be replayed again next round."""


def is_redis_down(exc: BaseException | None) -> bool:
    """A Redis error that means 'not reachable now' (down, frozen, out of memory), here or in a cause."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, (redis_lib.ConnectionError, redis_lib.TimeoutError, redis_lib.exceptions.OutOfMemoryError,
                            redis_lib.exceptions.BusyLoadingError)):
            return True
        if isinstance(exc, redis_lib.ResponseError) and "-OOM " in str(exc):  # Redis 6: a script's write refused
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def directory(config) -> Path:
    return Path(config["HOTLINE_VAR_DIR"]) / "spool"


def own_file(config) -> Path:
    return directory(config) / f"{socket.gethostname()}-{os.getpid()}.jsonl"


def keep(app, path: str, query: str, form: dict) -> None:
    """Append one request to this process's spool file, fsynced, and make sure it will be replayed."""
    app = getattr(app, "_get_current_object", lambda: app)()  # the app itself, not Flask's proxy
    entry = {"at": time.time(), "path": path, "query": query, "form": form}
    line = (json.dumps(entry, ensure_ascii=False) + "\n").encode()
    target = own_file(app.config)
    with _lock:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
    log.warning("Redis unavailable: %s kept in the spool for replay", path)
    watch(app)


def pending(config) -> list[Path]:
    """Spool files waiting: every process's, and those a process died replaying."""
    folder = directory(config)
    if not folder.is_dir():
        return []
    return sorted(list(folder.glob("*.jsonl")) + [p for p in folder.glob("*.replay-*") if _orphaned(p)])


def _orphaned(path: Path) -> bool:
    """A file claimed for replay by a process of this host that is gone (it died mid-replay)."""
    try:
        pid = int(path.suffix.split("-")[1])
        os.kill(pid, 0)
    except (IndexError, ValueError):
        return True
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def watch(app) -> None:
    """Start the app's replay thread if it is not running (it ends when the spool is empty)."""
    with _lock:
        running = app.extensions.get("spool_replay")
        if running is not None and running.is_alive():
            return
        thread = app.extensions["spool_replay"] = threading.Thread(target=_replay_loop, args=(app,),
                                                                   name="spool-replay", daemon=True)
        thread.start()


def _replay_loop(app) -> None:
    while True:
        if not pending(app.config):
            with _lock:  # keep() writes under the lock: a line written now is seen, or starts a new thread
                if not pending(app.config):
                    app.extensions.pop("spool_replay", None)
                    return
        try:
            replay(app)
        except Exception:  # noqa: BLE001 - a replay that failed is tried again; the files stay
            log.exception("spool replay failed; trying again")
        time.sleep(CHECK_EVERY)


def replay(app) -> int:
    """Replay every spooled request of this host if Redis answers. Returns how many were replayed."""
    svc = app.extensions["hotline"]
    try:
        svc.redis.ping()
    except redis_lib.RedisError:
        return 0
    claimed = []
    for path in pending(app.config):
        mine = path.with_suffix(f".replay-{os.getpid()}-{time.monotonic_ns()}")
        try:
            path.rename(mine)  # atomic: another process that got there first keeps it
        except FileNotFoundError:
            continue
        claimed.append(mine)
    entries = []
    for path in claimed:
        with open(path, encoding="utf-8") as source:
            for number, line in enumerate(source):
                try:
                    entries.append((json.loads(line), path.name, number))
                except ValueError:  # a line cut short by a crash mid-write: nothing was answered 'kept'
                    log.error("spool %s line %s unreadable; skipped", path.name, number)
    entries.sort(key=lambda e: (e[0]["at"], e[1], e[2]))
    done = 0
    for index, (entry, _, _) in enumerate(entries):
        try:
            _run(app, entry)
        except Exception as exc:  # noqa: BLE001
            if not is_redis_down(exc) and not isinstance(exc, NotYet):
                log.exception("spooled %s failed on replay; dropped", entry.get("path"))
                continue
            _put_back(app, [e for e, _, _ in entries[index:]])  # Redis went away again (or not yet): next round
            break
        done += 1
    for path in claimed:
        path.unlink(missing_ok=True)
    if done:
        log.warning("spool: %s requests replayed after a Redis outage", done)
    return done


def _put_back(app, entries: list[dict]) -> None:
    target = own_file(app.config)
    with _lock:
        fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, b"".join((json.dumps(e, ensure_ascii=False) + "\n").encode() for e in entries))
            os.fsync(fd)
        finally:
            os.close(fd)


_after_replay: dict[str, object] = {}


def on_replay(path: str, hook) -> None:
    """A room's own step around one of its requests replayed: `hook(app, form, run)` calls `run()` (the view)
    and returns nothing. The SMS room sends a text's late answer this way (ivr/sms/webhooks.py); the store
    knows no room above it."""
    _after_replay[path] = hook


def _run(app, entry: dict) -> None:
    """The request again, through its view (its signature was checked when it came)."""
    from flask import g

    path, query, form = entry["path"], entry.get("query", ""), entry["form"]
    with app.test_request_context(path, method="POST", data=form, query_string=query):
        g.spool_replay = True
        endpoint, args = app.url_map.bind("localhost").match(path, method="POST")

        def run():
            return app.ensure_sync(app.view_functions[endpoint])(**args)

        hook = _after_replay.get(path)
        if hook is None:
            run()
        else:
            hook(app, form, run)
