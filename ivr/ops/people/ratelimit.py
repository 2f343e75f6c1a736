"""Login limits that slow a password guesser without locking out the operator whose name is guessed.

Failures count per user name *and* address, and per address over all names, never per name
alone: someone else's failures elsewhere cannot shut an operator out. Past the free tries
(HOTLINE_OPS_LOGIN_MAX_PER_USER for one name from one address, HOTLINE_OPS_LOGIN_MAX_PER_IP for
one address), every failure makes that counter wait before its next attempt:
HOTLINE_OPS_LOGIN_DELAY seconds, doubled by each further failure, at most
HOTLINE_OPS_LOGIN_WINDOW. An attempt during a wait is refused without checking the password.
A counter is forgotten HOTLINE_OPS_LOGIN_WINDOW seconds after its last failure; a success clears
the name-and-address counter. Counters are hashes under `ops:login:*`, keyed by a digest of the
name and address (no operator addresses in Redis), shared by every app process.

Why not Flask-Limiter: it limits request rates in fixed windows and hooks every request of the
app (the Twilio webhooks too); what is needed here is counting failures only, a delay that
doubles, and a success that clears — a few lines over Redis.
"""
from __future__ import annotations

import hashlib
import math


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:24]


def _counters(conf: dict, name: str, ip: str) -> list[tuple[str, int]]:
    """(key, free tries) for the name-and-address counter and the address counter."""
    name, ip = (name or "").lower()[:64], (ip or "-")[:64]
    return [(f"ops:login:user:{_digest(name, ip)}", int(conf["HOTLINE_OPS_LOGIN_MAX_PER_USER"])),
            (f"ops:login:ip:{_digest(ip)}", int(conf["HOTLINE_OPS_LOGIN_MAX_PER_IP"]))]


def delay(conf: dict, failures: int, free: int) -> int:
    """Seconds to wait after `failures` failures of which `free` cost nothing."""
    if failures < free:
        return 0
    return min(int(conf["HOTLINE_OPS_LOGIN_DELAY"]) * 2 ** min(failures - free, 30),
               int(conf["HOTLINE_OPS_LOGIN_WINDOW"]))


def wait(redis, conf: dict, name: str, ip: str, now: float) -> int:
    """Seconds before this name may try again from this address (0: now)."""
    pipe = redis.pipeline(transaction=False)
    for key, _free in _counters(conf, name, ip):
        pipe.hget(key, "until")
    until = max(float(u or 0) for u in pipe.execute())
    return max(0, math.ceil(until - now))


def failed(redis, conf: dict, name: str, ip: str, now: float) -> None:
    counters = _counters(conf, name, ip)
    pipe = redis.pipeline(transaction=False)
    for key, _free in counters:
        pipe.hincrby(key, "n", 1)
    counts = pipe.execute()
    window = int(conf["HOTLINE_OPS_LOGIN_WINDOW"])
    pipe = redis.pipeline(transaction=False)
    for (key, free), failures in zip(counters, counts, strict=True):
        seconds = delay(conf, failures, free)
        if seconds:
            pipe.hset(key, "until", f"{now + seconds:.3f}")
        pipe.expire(key, window + seconds)
    pipe.execute()


def succeeded(redis, conf: dict, name: str, ip: str) -> None:
    redis.delete(_counters(conf, name, ip)[0][0])
