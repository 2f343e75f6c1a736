"""Reading every value in a test Redis, as an attacker with a dump would (zlib-compressed RQ data too)."""
from __future__ import annotations

import zlib

import redis


def _expand(value: bytes) -> bytes:
    try:
        return value + zlib.decompress(value)
    except zlib.error:
        return value


def values(conn: redis.Redis, key: bytes) -> list[bytes]:
    kind = conn.type(key)
    if kind == b"string":
        return [conn.get(key)]
    if kind == b"hash":
        return [k + b"=" + _expand(v) for k, v in conn.hgetall(key).items()]  # RQ's `data` is a zlib field
    if kind == b"list":
        return conn.lrange(key, 0, -1)
    if kind in (b"set",):
        return list(conn.smembers(key))
    if kind == b"zset":
        return conn.zrange(key, 0, -1)
    if kind == b"stream":
        return [str(entry).encode() for entry in conn.xrange(key)]
    return []


def keys_containing(url: str, needle: str) -> set[str]:
    """Every key whose name or value holds `needle` (UTF-8), decompressing what RQ compressed."""
    conn = redis.Redis.from_url(url)
    found = set()
    raw = needle.encode()
    for key in conn.scan_iter(count=1000):
        if raw in key or any(raw in _expand(v) for v in values(conn, key)):
            found.add(key.decode())
    return found
