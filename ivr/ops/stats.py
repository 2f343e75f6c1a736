"""Statistics from the daily counter hashes `stats:<YYYY-MM-DD>` (one HGETALL per day, pipelined).

Fields: `voice:<lang>`, `sms:<lang>` (conversations per language), `topic:<node>` (a caller
reached a topic), `drop:<node>` (the last menu before a call ended), `sms:<status>` (follow-up
SMS delivery). `sms:` holds both languages and statuses; a language code tells them apart.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter

FAILED_STATUSES = {"failed", "undelivered", "rejected"}


def collect(redis, today: dt.date, days: int, languages: list[str]) -> dict:
    dates = [today - dt.timedelta(days=n) for n in range(days - 1, -1, -1)]
    pipe = redis.pipeline(transaction=False)
    for day in dates:
        pipe.hgetall(f"stats:{day.isoformat()}")
    out = {"days": [d.isoformat() for d in dates], "voice": {c: [] for c in languages},
           "sms": {c: [] for c in languages}, "delivery": {"delivered": [], "failed": []},
           "topics": Counter(), "drops": Counter()}
    for counters in pipe.execute():
        counts = {k: int(v) for k, v in counters.items() if str(v).lstrip("-").isdigit()}
        for code in languages:
            out["voice"][code].append(counts.get(f"voice:{code}", 0))
            out["sms"][code].append(counts.get(f"sms:{code}", 0))
        out["delivery"]["delivered"].append(counts.get("sms:delivered", 0))
        out["delivery"]["failed"].append(sum(counts.get(f"sms:{s}", 0) for s in FAILED_STATUSES))
        for name, value in counts.items():
            kind, _, node = name.partition(":")
            if kind == "topic":
                out["topics"][node] += value
            elif kind == "drop":
                out["drops"][node] += value
    return out
