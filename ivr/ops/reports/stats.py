"""Statistics from the daily counter hashes `stats:<YYYY-MM-DD>` (one HGETALL per day, pipelined).

Fields: `voice:<lang>`, `sms:<lang>` (calls per language; texts received per language),
`topic:<node>` (a caller reached a topic), `drop:<node>` (the last menu before a call ended),
`sms:<status>` (follow-up SMS delivery). `sms:` holds both languages and statuses; a language
code tells them apart.

The counters know no language per topic and count a call that asked for a callback as a
drop-off, so the per-language breakdown (`by_language`) reads the period's conversations,
messages and callbacks themselves, from their time indexes, at most LANG_SCAN_LIMIT of each.
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


LANG_SCAN_LIMIT = 5000  # conversations per channel examined at most for the per-language breakdown
UNKNOWN = "—"


def _lang_row() -> dict:
    return {"voice": 0, "sms": 0, "callbacks_voice": 0, "callbacks_sms": 0, "drops": 0, "delivered": 0,
            "failed": 0, "voice_topics": Counter(), "sms_topics": Counter(), "drop_nodes": Counter()}


def _topics(channel: str, events: list[dict]) -> set[str]:
    """Topics a conversation reached: a menu choice (voice or SMS number) or a matched SMS keyword."""
    found = set()
    for e in events:
        node = e.get("node")
        if node and (e.get("result") == "goto" or (channel == "sms" and e.get("type") == "keyword")):
            found.add(node)
    return found


def _asked_callback(events: list[dict]) -> bool:
    return any(e.get("callback") or e.get("type") == "callback" for e in events)


def by_language(conversations: dict, messages_in_period: list[dict], callbacks_in_period: list[dict]) -> dict:
    """Per language: conversations per channel, topics per channel, callbacks per channel, drop-offs
    without a callback (a call that ended at a menu without asking to be called back), SMS delivery.

    `conversations` maps a channel to (record, events) pairs of the period (see convlist.iterate)."""
    rows: dict[str, dict] = {}

    def row(lang: str | None) -> dict:
        return rows.setdefault(lang or UNKNOWN, _lang_row())

    for channel, pairs in conversations.items():
        for record, events in pairs:
            r = row(record.get("lang"))
            r[channel] += 1
            r[f"{channel}_topics"].update(_topics(channel, events))
            if channel == "voice" and record.get("ended") and not _asked_callback(events) and record.get("last_node"):
                r["drops"] += 1
                r["drop_nodes"][record["last_node"]] += 1
    for cb in callbacks_in_period:
        row(cb.get("lang"))["callbacks_sms" if str(cb.get("conv", "")).startswith("SMS-") else "callbacks_voice"] += 1
    for msg in messages_in_period:
        status = msg.get("status", "")
        if status == "delivered":
            row(msg.get("lang"))["delivered"] += 1
        elif status in FAILED_STATUSES:
            row(msg.get("lang"))["failed"] += 1
    return dict(sorted(rows.items(), key=lambda kv: -(kv[1]["voice"] + kv[1]["sms"])))


def in_period(redis, index: str, prefix: str, low: float, high: float, limit: int = LANG_SCAN_LIMIT) -> list[dict]:
    """Hashes `<prefix><id>` of the ids an index scores between low and high (bounded)."""
    ids = redis.zrangebyscore(index, low, high, start=0, num=limit)
    pipe = redis.pipeline(transaction=False)
    for item in ids:
        pipe.hgetall(f"{prefix}{item}")
    return [r for r in pipe.execute() if r]


def totals(rows: dict) -> Counter:
    out = Counter()
    for r in rows.values():
        for k, v in r.items():
            if isinstance(v, int):
                out[k] += v
    return out
