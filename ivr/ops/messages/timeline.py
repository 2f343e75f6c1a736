"""One conversation as an operator reads it: the path through the menu, step by step.

Each event becomes a row with the menu node, the text of the node's first prompt (from the
catalog, in Russian: the catalog has no English, so an English UI shows the Russian text too),
the key pressed and what it did. Follow-up SMS the conversation asked for are found in the
`msgs` index around the call's time (a bounded window; `msg:<id>.conv` names the call).
"""
from __future__ import annotations

import datetime as dt
from collections import Counter

from ...content.model import LANGUAGE_MENU, Catalog

PROMPT_LANG = "ru"
MSG_WINDOW_BEFORE = 60  # seconds before the call started
MSG_WINDOW_AFTER = 3600  # seconds after it ended (or started, if it never ended)
MSG_LIMIT = 1000  # messages examined at most
TEXT_FIELDS = ("body", "text", "prompt", "msg", "status", "callback", "error_code")


def node_text(catalog: Catalog, node_id: str | None, limit: int = 180) -> str:
    if not node_id:
        return ""
    lang = PROMPT_LANG if PROMPT_LANG in catalog.langs else catalog.languages[0]
    if node_id == LANGUAGE_MENU:
        pid = "lang.choose"
    elif node_id in catalog.nodes:
        node = catalog.nodes[node_id]
        pid = (node.say or node.items or (None,))[0]
    else:
        return ""
    prompt = catalog.langs[lang].prompts.get(pid) if pid else None
    if prompt is None:
        return ""
    text = prompt.voice.replace("{n}", "").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def rows(catalog: Catalog, record: dict, events: list[dict]) -> list[dict]:
    started = float(record.get("started") or (events[0]["t"] if events else 0))
    out = []
    for e in events:
        node = e.get("node")
        details = {k: e[k] for k in TEXT_FIELDS if e.get(k) not in (None, "")}
        if e.get("type") == "no_input":
            details["count"] = e.get("count")
        if e.get("lang"):
            details["lang"] = e["lang"]
        out.append({
            "at": clock(float(e.get("t", started)) - started), "type": e.get("type", ""), "node": node or "",
            "from": e.get("from", ""), "text": node_text(catalog, node), "key": e.get("key", ""),
            "result": e.get("result", ""), "details": details,
        })
    return out


def summary(events: list[dict]) -> dict:
    kinds = Counter(e.get("result") or e.get("type") for e in events)
    return {"keys": " ".join(e["key"] for e in events if e.get("type") == "key" and e.get("key")),
            "no_inputs": kinds["no_input"], "wrong_keys": kinds["wrong_key"],
            "nodes": [e["node"] for e in events if e.get("node")]}


def messages(redis, cid: str, record: dict) -> list[dict]:
    """msg:* records whose `conv` is this conversation, from a bounded window of `msgs`."""
    started = float(record.get("started") or 0)
    if not started:
        return []
    end = float(record.get("ended") or started) + MSG_WINDOW_AFTER
    ids = redis.zrangebyscore("msgs", started - MSG_WINDOW_BEFORE, end, start=0, num=MSG_LIMIT)
    pipe = redis.pipeline(transaction=False)
    for mid in ids:
        pipe.hgetall(f"msg:{mid}")
    return [m for m in pipe.execute() if m and m.get("conv") == cid]


def local_time(epoch: str | float | None, tz) -> str:
    try:
        return dt.datetime.fromtimestamp(float(epoch), tz).strftime("%Y-%m-%d %H:%M:%S")
    except (TypeError, ValueError):
        return ""
