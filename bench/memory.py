"""Memory at scale: Redis bytes per stored call and per SMS thread at 10^5 of each, and the web process's
RSS as requests go by.

Records are made by the app's own webhooks, in-process (the app's WSGI callable, signed requests,
real Redis): a sample of whole calls (language, menu, SMS request, status callback) and of SMS threads
(three texts from one number). The sample is then multiplied to `target` records by copying each
record's keys with DUMP/RESTORE under new ids (so every key keeps the encoding, size and TTL the app
gave it) and adding the copies to the same indexes (sorted sets, per-caller sets). Bytes per record
= the growth of Redis's `used_memory` over the copies / their number: keys, indexes and Redis's own
per-key overhead, all of it.

RSS: the app's WSGI callable answers menu-walk calls (new numbers, new CallSids) in this process,
and the process's RSS is read at each step (`rss_steps`); a bounded cache fills early, a leak keeps
growing.
"""
from __future__ import annotations

import os
import time
import uuid

import psutil
from twilio.request_validator import RequestValidator

from . import inprocess as ip


def _keys_of(redis, ids: list[str]) -> list[str]:
    """Every key whose name contains one of `ids` (the record's own keys, per-caller keys)."""
    out = []
    for key in redis.scan_iter(count=1000):
        if any(i in key for i in ids):
            out.append(key)
    return out


def _indexes(redis) -> list[str]:
    return [k for k in redis.scan_iter(count=1000) if redis.type(k) == "zset"]


def _rename(name: str, new: dict[str, str]) -> str:
    for old, fresh in new.items():
        name = name.replace(old, fresh)
    return name


def _fresh(ids: list[str]) -> dict[str, str]:
    """A new id of the same shape for each sample id (a CallSid, a caller hash, a MessageSid)."""
    return {i: f"{i[:2]}{uuid.uuid4().hex}"[:len(i)] if len(i) >= 10 else i + uuid.uuid4().hex[:8] for i in ids}


def _plan(raw, binary, ids: list[str], indexes: list[str]) -> tuple:
    """One sample record: its keys dumped (with TTLs), its index entries, its set members."""
    keys = _keys_of(raw, ids)
    dumps = [(k, binary.dump(k), max(binary.pttl(k), 0)) for k in keys]
    scores = [(z, raw.zscore(z, i), i) for z in indexes for i in ids if raw.zscore(z, i) is not None]
    members = [(k, m) for k in keys if raw.type(k) == "set" for m in raw.smembers(k)]
    return ids, dumps, scores, members


def _shapes(raw, plans: list[tuple]) -> dict[str, float]:
    """Key shape (ids replaced by <id>, <caller>, <sid>) -> MEMORY USAGE per sample record."""
    kinds: dict[str, list[int]] = {}
    for ids, dumps, _, _ in plans:
        for key, _, _ in dumps:
            shape = key
            for n, i in enumerate(ids):
                shape = shape.replace(i, "<id>" if n == 0 else "<caller>" if n == 1 else "<sid>")
            kinds.setdefault(shape, []).append(raw.memory_usage(key, samples=0) or 0)
    return {k: sum(v) / len(plans) for k, v in sorted(kinds.items(), key=lambda kv: -sum(kv[1]))}


def multiply(redis, samples: list[list[str]], target: int, batch: int = 500) -> dict:
    """Copy sample records (each a list of ids naming its keys: a CallSid, a caller hash …) to
    `target` records in all. Returns bytes per record over the copies."""
    import redis as redis_lib

    raw = redis  # a decode_responses client: DUMP needs bytes, so a second client
    binary = redis_lib.Redis(connection_pool=redis_lib.ConnectionPool(**{
        k: v for k, v in raw.connection_pool.connection_kwargs.items() if k != "decode_responses"}))
    indexes = _indexes(raw)
    plans = [_plan(raw, binary, ids, indexes) for ids in samples]
    shapes = _shapes(raw, plans)
    before = raw.info("memory")["used_memory"]
    copies = max(0, target - len(samples))
    pipe = binary.pipeline(transaction=False)
    for made in range(copies):
        ids, dumps, scores, members = plans[made % len(plans)]
        new = _fresh(ids)
        for key, dumped, ttl in dumps:
            pipe.restore(_rename(key, new), ttl, dumped, replace=True)
        for zkey, score, member in scores:
            pipe.zadd(_rename(zkey, new), {new.get(member, member): score})
        for skey, member in members:
            pipe.sadd(_rename(skey, new), _rename(member, new))
        if (made + 1) % batch == 0:
            pipe.execute()
    pipe.execute()
    after = raw.info("memory")["used_memory"]
    return {"records": copies + len(samples), "copies": copies, "bytes_per_record": (after - before) / max(copies, 1),
            "used_memory_mb": after / 1e6, "keys": shapes}


def sample_calls(app, token: str, words, n: int) -> list[list[str]]:
    """`n` whole calls through the app (language, then the lowest option key, the SMS where offered),
    each ended by a status callback; the ids naming each call's keys: its CallSid and caller hash."""
    svc = app.extensions["hotline"]
    out = []
    rec = ip.Recorder(app, token, words, 0)
    for i in range(n):
        number = f"+7701{i:07d}"
        sid = _whole_call(app, rec, words, number)
        out.append([sid, svc.caller_hash(number)])
    return out


def _whole_call(app, rec, words, number: str) -> str:
    from urllib.parse import urlsplit

    from ivr.phone import read_turn

    from .caller import Caller

    sid = "CA" + uuid.uuid4().hex
    form = {"CallSid": sid, "AccountSid": "AC" + "0" * 32, "From": number, "To": "+77270000000",
            "Direction": "inbound", "ApiVersion": "2010-04-01", "CallStatus": "ringing"}
    url = "/voice"
    status, body = ip.call(app, ip.environ(url, form, rec.sign(url, form)))
    form["CallStatus"] = "in-progress"
    chooser = Caller("http://x/", 0, "t", words, None, None, {}, walk=0)
    lang = None
    for _ in range(8):
        turn = read_turn(url, int(status.split()[0]), body.decode())
        if turn.gather is None:
            break
        if lang is None:
            lang, key, label = words.languages[0], "1", "key:language"
        else:
            key, label, _ = chooser.choose(lang, [words.hear(h) for h in turn.heard], 0)
            if key is None:
                break
        url = urlsplit(turn.gather["action"])._replace(scheme="", netloc="").geturl()
        step = dict(form, Digits=key)
        status, body = ip.call(app, ip.environ(url, step, rec.sign(url, step)))
        if label == "key:sms":
            break
    end = dict(form, CallStatus="completed", CallDuration="40", SequenceNumber="0")
    ip.call(app, ip.environ("/voice/status", end, rec.sign("/voice/status", end)))
    return sid


def sample_threads(app, token: str, texts: list[str], n: int, per_thread: int = 3) -> list[list[str]]:
    """`n` SMS threads through the app: `per_thread` corpus texts from one new number each."""
    from tests.twilio_bodies import inbound_sms

    svc = app.extensions["hotline"]
    validator = RequestValidator(token)
    out = []
    for i in range(n):
        number = f"+7705{i:07d}"
        sids = []
        for k in range(per_thread):
            form = inbound_sms(texts[(i * per_thread + k) % len(texts)], number)
            sids.append(form["MessageSid"])
            ip.call(app, ip.environ("/sms", form, validator.compute_signature(f"http://{ip.HOST}/sms", form)))
        out.append([svc.caller_hash(number), svc.caller_hash(number), *sids])
    return out


def rss_steps(app, rec, steps, checkpoints: list[int]) -> list[dict]:
    """RSS of this process after each checkpoint's number of webhooks (menu walks, fresh calls)."""
    proc = psutil.Process(os.getpid())
    out, done, t0 = [], 0, time.perf_counter()
    per_call = len(steps)
    for target in checkpoints:
        while done < target:
            for env in ip.prepared(rec, steps, 1):
                ip.call(app, env)
            done += per_call
        out.append({"requests": done, "rss_mb": proc.memory_info().rss / 1e6, "seconds": time.perf_counter() - t0})
    return out


def phase(prompts, target: int = 100_000, sample: int = 200, rss_checkpoints=(1_000, 10_000, 50_000, 100_000)) -> dict:
    """All of it, with a Redis and an in-process app of its own (the environment `python -m bench` gives)."""
    from . import sms_cost

    r, app, _base, words, token = ip.setup(prompts)
    out = {}
    try:
        client = r.client
        calls = sample_calls(app, token, words, sample)
        out["calls"] = multiply(client, calls, target)
        client.flushdb()
        texts = [t for _, _, t in sms_cost.corpus()]
        threads = sample_threads(app, token, texts, sample)
        out["sms_threads"] = multiply(client, threads, target)
        client.flushdb()
        rec = ip.Recorder(app, token, words, 20)
        out["rss"] = rss_steps(app, rec, rec.record(), list(rss_checkpoints))
    finally:
        r.stop()
    return out


def report(out: dict) -> None:
    c, t = out["calls"], out["sms_threads"]
    print("\n== Redis memory at scale (the app's own records, copied with DUMP/RESTORE; used_memory growth)")
    print(f"   {c['records']:>7} stored calls:       {c['bytes_per_record']:6.0f} B per call (record, events, "
          f"once-only marks, caller's language and list, indexes); Redis {c['used_memory_mb']:.0f} MB")
    print(f"   {t['records']:>7} SMS threads (3 texts): {t['bytes_per_record']:6.0f} B per thread (record, events, "
          f"session, replies kept for retries, indexes); Redis {t['used_memory_mb']:.0f} MB")
    for name, rec in (("call", c), ("SMS thread", t)):
        print(f"   per {name}, MEMORY USAGE of its own keys: "
              + ", ".join(f"{k} {v:.0f}" for k, v in rec["keys"].items()))
    rows = out["rss"]
    print("   web process RSS (in-process app, menu walks): " + ", ".join(
        f"{row['requests']} req {row['rss_mb']:.1f} MB" for row in rows)
        + f"; growth over the last {rows[-1]['requests'] - rows[0]['requests']} requests "
        f"{rows[-1]['rss_mb'] - rows[0]['rss_mb']:+.1f} MB")
