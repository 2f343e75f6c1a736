"""Login attempt limits, per user name and per client address, as counters in Redis.

Failed attempts count within a fixed window (HOTLINE_OPS_LOGIN_WINDOW seconds from the first
failure); past the limit every attempt is refused without checking the password, so guessing
is slow even across app processes. A successful login clears the user-name counter.
"""
from __future__ import annotations


def _keys(name: str, ip: str) -> tuple[str, str]:
    return f"ops:login:user:{(name or '').lower()[:64]}", f"ops:login:ip:{(ip or '-')[:64]}"


def blocked(redis, conf: dict, name: str, ip: str) -> bool:
    by_user, by_ip = _keys(name, ip)
    user_count, ip_count = redis.mget(by_user, by_ip)
    return (int(user_count or 0) >= int(conf["HOTLINE_OPS_LOGIN_MAX_PER_USER"])
            or int(ip_count or 0) >= int(conf["HOTLINE_OPS_LOGIN_MAX_PER_IP"]))


def failed(redis, conf: dict, name: str, ip: str) -> None:
    window = int(conf["HOTLINE_OPS_LOGIN_WINDOW"])
    pipe = redis.pipeline(transaction=False)
    for k in _keys(name, ip):
        pipe.set(k, 0, ex=window, nx=True)  # the window starts at the first failure
        pipe.incr(k)
    pipe.execute()


def succeeded(redis, name: str) -> None:
    redis.delete(_keys(name, "")[0])
