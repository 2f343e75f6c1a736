"""Paging conversations (calls or SMS threads) newest first, from the sorted-set indexes.

Date range and language are answered by the indexes themselves (`convs:<channel>` and
`convs:<channel>:lang:<lang>`, scored by start time): ZREVRANGEBYSCORE with LIMIT, so a page
costs one range query plus one pipelined HGETALL per row. How a call ended, topic reached and
duration have no index: for those we walk the index of the chosen period newest first in
batches and look at no more than SCAN_WINDOW conversations (never KEYS/SCAN over conv:*);
the page then says that older conversations were not examined.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

SCAN_WINDOW = 2000  # conversations examined at most for a filter with no index
BATCH = 200
ENDINGS = ("caller", "timeout", "failed", "in_progress")
FAILED = {"busy", "failed", "no-answer", "canceled"}


def ending(record: dict) -> str:
    """How a conversation ended, in four words an operator can filter by."""
    if record.get("outcome") == "hangup":
        return "timeout"  # the hotline said goodbye after repeated silence
    status = record.get("status", "")
    if status in FAILED:
        return "failed"
    if record.get("ended") or status == "completed":
        return "caller"
    return "in_progress"


@dataclass
class Filters:
    channel: str = "voice"
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    lang: str = ""
    ending: str = ""
    topic: str = ""
    min_dur: int | None = None
    max_dur: int | None = None

    @classmethod
    def from_args(cls, args, channel: str, langs, nodes) -> Filters:
        def date(name):
            try:
                return dt.date.fromisoformat(args.get(name, ""))
            except ValueError:
                return None

        def number(name):
            value = args.get(name, "").strip()
            return int(value) if value.isdigit() else None

        return cls(channel, date("from"), date("to"),
                   args.get("lang", "") if args.get("lang") in langs else "",
                   args.get("ending", "") if args.get("ending") in ENDINGS else "",
                   args.get("topic", "") if args.get("topic") in nodes else "",
                   number("min_dur"), number("max_dur"))

    @property
    def unindexed(self) -> bool:
        return bool(self.ending or self.topic or self.min_dur is not None or self.max_dur is not None)

    def index(self) -> str:
        return f"convs:{self.channel}:lang:{self.lang}" if self.lang else f"convs:{self.channel}"

    def score_range(self, tz: ZoneInfo) -> tuple[str, str]:
        low = "-inf" if not self.date_from else str(_midnight(self.date_from, tz))
        high = "+inf" if not self.date_to else f"({_midnight(self.date_to + dt.timedelta(days=1), tz)}"
        return high, low

    def args(self) -> dict:
        out = {"from": self.date_from and self.date_from.isoformat(), "to": self.date_to and self.date_to.isoformat(),
               "lang": self.lang, "ending": self.ending, "topic": self.topic,
               "min_dur": self.min_dur, "max_dur": self.max_dur}
        return {k: v for k, v in out.items() if v not in (None, "")}

    def matches(self, record: dict, events: list[dict] | None) -> bool:
        if self.ending and ending(record) != self.ending:
            return False
        duration = int(record.get("duration") or 0)
        if self.min_dur is not None and duration < self.min_dur:
            return False
        if self.max_dur is not None and duration > self.max_dur:
            return False
        if self.topic and not any(e.get("node") == self.topic for e in events or []):
            return False
        return True


def _midnight(day: dt.date, tz: ZoneInfo) -> int:
    return int(dt.datetime.combine(day, dt.time(), tzinfo=tz).timestamp())


@dataclass
class Page:
    rows: list[dict] = field(default_factory=list)
    has_next: bool = False
    total: int | None = None  # known when the index alone answers the query
    window_limited: bool = False  # the bounded window ran out before the page was full


def fetch(redis, ids: list[str], with_events: bool = False) -> list[tuple[dict, list[dict] | None]]:
    pipe = redis.pipeline(transaction=False)
    for cid in ids:
        pipe.hgetall(f"conv:{cid}")
        if with_events:
            pipe.lrange(f"conv:{cid}:events", 0, -1)
    raw = pipe.execute()
    step = 2 if with_events else 1
    out = []
    for i, cid in enumerate(ids):
        record = dict(raw[i * step], id=cid)
        events = [json.loads(e) for e in raw[i * step + 1]] if with_events else None
        out.append((record, events))
    return out


def page(redis, flt: Filters, number: int, size: int, tz: ZoneInfo) -> Page:
    high, low = flt.score_range(tz)
    start = max(0, number - 1) * size
    if not flt.unindexed:
        ids = redis.zrevrangebyscore(flt.index(), high, low, start=start, num=size + 1)
        rows = [r for r, _ in fetch(redis, ids[:size]) if r.get("channel")]
        return Page(rows, len(ids) > size, redis.zcount(flt.index(), low, high))
    return _scan_window(redis, flt, start, size, high, low)


def _scan_window(redis, flt: Filters, start: int, size: int, high: str, low: str) -> Page:
    """The bounded walk for filters with no index (see the module docstring)."""
    matched, examined = [], 0
    while examined < SCAN_WINDOW and len(matched) <= start + size:
        ids = redis.zrevrangebyscore(flt.index(), high, low, start=examined, num=min(BATCH, SCAN_WINDOW - examined))
        if not ids:
            return Page(matched[start:start + size], len(matched) > start + size)
        examined += len(ids)
        for record, events in fetch(redis, ids, with_events=bool(flt.topic)):
            if record.get("channel") and flt.matches(record, events):
                matched.append(record)
    more_left = examined >= SCAN_WINDOW and len(matched) <= start + size
    return Page(matched[start:start + size], len(matched) > start + size, window_limited=more_left)


def iterate(redis, flt: Filters, tz: ZoneInfo, limit: int = 100_000):
    """Every conversation of the period, oldest first, in batches (for exports); bounded by `limit`."""
    high, low = flt.score_range(tz)
    done = 0
    while done < limit:
        ids = redis.zrangebyscore(flt.index(), low, high, start=done, num=min(BATCH, limit - done))
        if not ids:
            return
        done += len(ids)
        for record, events in fetch(redis, ids, with_events=True):
            if record.get("channel") and flt.matches(record, events):
                yield record, events
