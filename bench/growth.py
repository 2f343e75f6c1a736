"""How cost grows: with stored calls (dashboard list pages) and with catalog size (load, one menu step)."""
from __future__ import annotations

import copy
import datetime as dt
import re
import statistics
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import requests

from ivr.content.catalog import load_catalog
from ivr.flow import Flow
from ivr.ops.people import users
from ivr.store import calllog
from ivr.store.sessions import Session
from ivr.voice.render import VoiceRenderer
from tests import catalog_fixture as fx

RETENTION = 90 * 86400


def seed_calls(redis, start: int, count: int, languages: list[str], nodes: list[str]) -> None:
    """`count` finished calls shaped like the app's (record, events, indexes, counters), pipelined."""
    now = time.time()
    day = dt.date.today().isoformat()
    pipe = redis.pipeline(transaction=False)
    for i in range(start, start + count):
        cid, caller, lang = f"CAseed{i:08d}", f"{i:032x}", languages[i % len(languages)]
        started = now - i * 7.0
        calllog.start(pipe, "voice", cid, caller, started, RETENTION)
        calllog.event(pipe, cid, "start", RETENTION, node="@language")
        calllog.event(pipe, cid, "key", RETENTION, node="main", key=str(i % 8 + 1), result="language", lang=lang)
        for node in nodes[:3]:
            calllog.event(pipe, cid, "key", RETENTION, node=node, key="1", **{"from": "main"}, result="goto")
        calllog.event(pipe, cid, "status", RETENTION, status="completed")
        calllog.update(pipe, cid, RETENTION, last_node=nodes[0], status="completed", duration=40 + i % 200,
                       ended=f"{started + 60:.3f}")
        calllog.set_language(pipe, "voice", cid, lang, started)
        calllog.count(pipe, day, f"voice:{lang}", RETENTION)
        if i % 500 == 499:
            pipe.execute()
    pipe.execute()


class Dashboard:
    def __init__(self, base: str, redis):
        users.add(redis, "benchadmin", "bench-password-123", "admin", replace=True)
        self.base, self.http, self.cookie = base, requests.Session(), ""
        page = self._request("get", "/ops/login").text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', page)
        resp = self._request("post", "/ops/login", data={"name": "benchadmin", "password": "bench-password-123",
                                                         "csrf_token": token.group(1)})
        if resp.status_code != 302:
            raise RuntimeError(f"login: HTTP {resp.status_code}")

    def _request(self, method: str, path: str, **kwargs):
        """Production marks the dashboard's session cookie Secure, which requests never sends over plain
        HTTP; the benchmark talks to loopback, so it carries the cookie itself."""
        headers = {"Cookie": f"session={self.cookie}"} if self.cookie else {}
        resp = self.http.request(method, self.base + path, headers=headers, allow_redirects=False, **kwargs)
        self.cookie = resp.cookies.get("session") or self.cookie
        return resp

    def latency_ms(self, path: str, repeat: int) -> float:
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            resp = self._request("get", path)
            times.append((time.perf_counter() - t0) * 1000)
            if resp.status_code != 200:
                raise RuntimeError(f"{path}: HTTP {resp.status_code} (to {resp.headers.get('Location')})")
        return statistics.median(times)


LIST_PAGES = {"calls, page 1": "/ops/calls", "calls, page 20": "/ops/calls?page=20",
              "calls, one language": "/ops/calls?lang=ru",
              "calls, by ending (no index: bounded walk)": "/ops/calls?ending=timeout"}


def stored_calls(base: str, redis, levels: list[int], languages: list[str], nodes: list[str],
                 repeat: int = 20) -> list[dict]:
    """List-page latency (median, ms) as stored calls grow; the index makes it flat, a scan would not be."""
    redis.flushdb()
    dash = Dashboard(base, redis)
    rows, stored = [], 0
    for level in levels:
        seed_calls(redis, stored, level - stored, languages, nodes)
        stored = level
        row = {"stored_calls": level, "used_memory_mb": redis.info("memory")["used_memory"] / 1e6}
        row.update({name: dash.latency_ms(path, repeat) for name, path in LIST_PAGES.items()})
        rows.append(row)
    return rows


def big_catalog(directory: Path, depth: int, fanout: int = 7) -> Path:
    """The fixture catalog plus a full `fanout`-ary tree of menus, `depth` levels deep, under main's key 3;
    its leaves are facts with an SMS (7**3 = 343 leaves at depth 3)."""
    tree, cites = fx.tree(), fx.citations()
    langs = {code: fx.language(code) for code in fx.LANGS}

    def add(node_id: str, level: int) -> None:
        for code, data in langs.items():
            data["prompts"][f"opt.{node_id}"] = {"voice": f"[{code}] topic {node_id}", "status": "unreviewed"}
        if level == depth:
            fact = f"fact.{node_id}"
            tree["nodes"][node_id] = {"say": [fact], "sms": fact}
            cites[fact] = dict(cites["fact.a"])
            for code, data in langs.items():
                data["prompts"][fact] = {"voice": f"[{code}] {fact} " + "text " * 40, "sms": f"[{code}] {fact}",
                                         "status": "source"}
            return
        tree["nodes"][node_id] = {"say": [f"menu.{node_id}"], "options": {}}
        for code, data in langs.items():
            data["prompts"][f"menu.{node_id}"] = {"voice": f"[{code}] menu {node_id}", "status": "unreviewed"}
        for k in range(1, fanout + 1):
            child = f"{node_id}_{k}"
            tree["nodes"][node_id]["options"][str(k)] = {"label": f"opt.{child}", "goto": child}
            add(child, level + 1)

    add("big", 0)
    tree["nodes"]["main"]["options"]["3"] = {"label": "opt.big", "goto": "big"}
    return fx.write(directory, copy.deepcopy(tree), cites, langs)


def catalog_cost(prompts_dir: Path, sources_dir: str, steps: int = 2000) -> dict:
    """Load time, and the app-side cost of one menu step (flow + TwiML) on the catalog's largest menu."""
    t0 = time.perf_counter()
    catalog = load_catalog(prompts_dir, sources_dir)
    load_ms = (time.perf_counter() - t0) * 1000
    flow, voice = Flow(catalog), VoiceRenderer(catalog)
    today = dt.datetime.now(ZoneInfo("Asia/Almaty")).date()
    node = max(catalog.nodes.values(), key=lambda n: len(n.options) + len(n.items))
    lang = catalog.languages[1]
    t0 = time.perf_counter()
    for _ in range(steps):
        session = Session(id="CAx", caller="c", lang=lang, node=node.id)
        step = flow.press(session, "9", today)
        screen = flow.screen(session, today, notices=step.notices)
        voice.menu(screen, "/voice/key?s=1", "/voice/key?s=1&noinput=1")
    step_us = (time.perf_counter() - t0) / steps * 1e6
    prompts = sum(len(lang.prompts) for lang in catalog.langs.values())
    return {"nodes": len(catalog.nodes), "prompts (all languages)": prompts, "load_ms": load_ms,
            "menu step render, us": step_us}


def catalog_sizes(real_dir: Path | None, sources_dir: str, depths: list[int], steps: int) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows.append({"catalog": "fixture", **catalog_cost(fx.write(Path(tmp) / "fixture"), sources_dir, steps)})
        for depth in depths:
            path = big_catalog(Path(tmp) / f"big{depth}", depth)
            rows.append({"catalog": f"fixture + {7 ** depth} leaves", **catalog_cost(path, sources_dir, steps)})
    if real_dir is not None:
        rows.append({"catalog": "prompts/ (real)", **catalog_cost(real_dir, sources_dir, steps)})
    return rows
