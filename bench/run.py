"""`python -m bench`: the hotline's cost on this machine, against a baseline measured in the same run.

Starts redis-server with deploy/redis.conf (AOF everysec, noeviction) and two gunicorns with
deploy/gunicorn.conf.py (the settings of `hotline serve`): the app (`wsgi:app`, HOTLINE_ENV=production)
and the baseline (`bench.baseline:app`: one Redis GET, fixed TwiML). At each concurrency it replays
simulated calls (bench/caller.py) and the baseline, then prints throughput, per-webhook latency,
Redis commands and bytes per call, Redis memory per stored call, one SMS worker's jobs/s against
the local fake Twilio API, and how list pages and menu steps grow with stored calls and catalog size.
All traffic goes to 127.0.0.1. Without prompts/kk.yaml it uses the tests' fixture catalog. The
telephone audio is a stand-in (bench/audio_stub.py): every line plays one short silent file.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ivr.content.catalog import load_catalog
from ivr.voice.audio import AudioIndex, Transcript

from . import audio_stub, caller, growth, peer, sms_cost, sms_worker
from .servers import ROOT, Gunicorn, Redis

TOKEN = "bench-auth-token-0123456789abcdef"  # production refuses secrets under 32 characters
SOURCES = str(ROOT.parent / "shared" / "sources")
MENU_STEPS = {"key:language", "key:menu", "key:back", "key:more"}  # key presses answered with a menu
STATS_FIELDS = ("total_commands_processed", "total_net_input_bytes", "total_net_output_bytes")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    ap.add_argument("--concurrency", default="1,8,32", help="simulated callers in parallel, per level")
    ap.add_argument("--requests", type=int, default=4000, help="webhook requests per level and side at most")
    ap.add_argument("--seconds", type=float, default=8.0, help="seconds per level and side at most")
    ap.add_argument("--slices", type=int, default=4, help="app and baseline alternate this many times per level")
    ap.add_argument("--walk", type=int, default=20,
                    help="menu steps per call of the menu-walk load (0: whole calls only)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn processes (WEB_CONCURRENCY)")
    ap.add_argument("--threads", type=int, default=4, help="gunicorn threads per process")
    ap.add_argument("--steps-only", type=int, default=4,
                    help="rounds of bench.steps_only (menu steps alone, a minimal client) at the top level (0: skip)")
    ap.add_argument("--sms-webhook", default="1,32", help="concurrent texters per /sms level ('': skip)")
    ap.add_argument("--no-peer", dest="peer", action="store_false",
                    help="leave out Twilio's sample IVR (bench/peer.py; skipped anyway when not fetched)")
    ap.add_argument("--memory", type=int, default=100_000,
                    help="stored calls, SMS threads and in-process requests for the memory phase (0: skip)")
    ap.add_argument("--sms-jobs", type=int, default=1500, help="SMS jobs per worker run (0: skip)")
    ap.add_argument("--sms-runs", type=int, default=3, help="runs of each worker, alternating with the baseline's")
    ap.add_argument("--fork-jobs", type=int, default=200, help="jobs for the fork-per-job worker (0: skip)")
    ap.add_argument("--stored-calls", default="1000,10000", help="stored-call levels for the list pages ('': skip)")
    ap.add_argument("--catalog-depths", default="2,3", help="synthetic catalog depths (7**depth leaves; '': skip)")
    ap.add_argument("--catalog", choices=("auto", "real", "fixture"), default="auto",
                    help="auto: prompts/ if prompts/kk.yaml exists, else the tests' fixture catalog")
    ap.add_argument("--quick", action="store_true", help="a tiny load that checks the benchmark runs (tests)")
    ap.add_argument("--json", help="also write the results to this file")
    if "--quick" in (sys.argv[1:] if argv is None else argv):  # tiny defaults; explicit options still win
        ap.set_defaults(concurrency="1,4", sms_webhook="4", memory=1000, requests=60, seconds=3.0, slices=2, walk=6,
                        sms_jobs=20, sms_runs=1, steps_only=1,
                        fork_jobs=5, stored_calls="100,300", catalog_depths="1")
    return ap.parse_args(argv)


def steps_only_phase(args) -> dict:
    """bench.steps_only in its own process (its own Redis and servers), at the largest concurrency level."""
    out = Path(tempfile.mkdtemp(prefix="hotline-steps-only-")) / "steps.json"
    concurrency = max(int(x) for x in args.concurrency.split(",") if x)
    calls = ["--calls", "1", "--processes", "2"] if args.quick else []
    print(f"\n== menu steps alone (bench.steps_only: pre-signed steps from a minimal client, {concurrency} "
          f"connections, {args.steps_only} rounds, app and floor in turns)")
    subprocess.run([sys.executable, "-m", "bench.steps_only", "--rounds", str(args.steps_only), "--concurrency",
                    str(concurrency), "--workers", str(args.workers), "--threads", str(args.threads),
                    "--json", str(out), *calls], check=True, cwd=ROOT)
    result = json.loads(out.read_text())
    shutil.rmtree(out.parent, ignore_errors=True)
    return result


def sms_phase(env: dict, client, args) -> dict:
    """One SMS worker: HotlineWorker and RQ's SimpleWorker in turns, then RQ's forking Worker once."""
    print(f"\n== One SMS worker against the local fake Twilio API (burst; {args.sms_runs} alternating runs of "
          f"{args.sms_jobs} jobs each; start-up not counted)")
    out = {"runs": [], "summary": {}}
    names = list(sms_worker.WORKERS)
    if args.sms_jobs:
        out = sms_worker.compare(env, client.flushdb, args.sms_jobs, args.sms_runs, names[:2])
        for res in out["runs"]:
            print_worker_run(res)
        mine, base = (out["summary"][n] for n in names[:2])
        out["ratio"] = mine["median_jobs_per_s"] / max(base["median_jobs_per_s"], 1e-9)
        print(f"   median {mine['median_jobs_per_s']:.0f} jobs/s (worst {mine['worst_jobs_per_s']:.0f}, best "
              f"{mine['best_jobs_per_s']:.0f}), CPU {mine['median_cpu_ms_per_job']:.2f} ms/job; baseline "
              f"{base['median_jobs_per_s']:.0f} jobs/s, {base['median_cpu_ms_per_job']:.2f} ms/job; "
              f"ratio {out['ratio']:.2f}")
    if args.fork_jobs:
        client.flushdb()
        out["fork"] = sms_worker.run(env, args.fork_jobs, names[2])
        print_worker_run(out["fork"])
    return out


def print_worker_run(res: dict) -> None:
    print(f"   {res['worker']:<30}{res['sent']:>6}/{res['jobs']} sent {res['jobs_per_s']:7.0f} jobs/s"
          f"   worker CPU {res['worker_cpu_ms_per_job']:.2f} ms/job")


def info_snapshot(r) -> dict:
    stats = r.info("stats")
    snap = {f: stats[f] for f in STATS_FIELDS}
    snap["commandstats"] = {k.removeprefix("cmdstat_"): v["calls"] for k, v in r.info("commandstats").items()}
    return snap


def add(x: dict, y: dict) -> dict:
    out = {f: x[f] + y[f] for f in STATS_FIELDS}
    out["commandstats"] = {k: x["commandstats"].get(k, 0) + y["commandstats"].get(k, 0)
                           for k in set(x["commandstats"]) | set(y["commandstats"])}
    return out


def delta(after: dict, before: dict) -> dict:
    out = {f: after[f] - before[f] for f in STATS_FIELDS}
    out["commandstats"] = {k: v - before["commandstats"].get(k, 0) for k, v in after["commandstats"].items()
                           if v - before["commandstats"].get(k, 0) > 0}
    return out


def memory_per_call(r, sample: int = 300) -> dict:
    """MEMORY USAGE of stored call records (conv hash, events list, dedup hash) and what else a call leaves."""
    ids = r.zrevrange("convs:voice", 0, sample - 1)
    parts = {"conv:<id> (hash)": "conv:{}", "conv:<id>:events (list)": "conv:{}:events",
             "conv:<id>:seen (hash)": "conv:{}:seen"}
    out = {name: statistics.mean([r.memory_usage(pattern.format(c), samples=0) or 0 for c in ids])
           for name, pattern in parts.items()} if ids else {}
    out["record total"] = sum(out.values())
    calls = r.zcard("convs:voice") or 1
    out["indexes per call (convs:voice + per-language)"] = sum(
        r.memory_usage(k, samples=0) or 0 for k in ["convs:voice"] + list(r.scan_iter("convs:voice:lang:*"))) / calls
    msg_ids = r.zrevrange("msgs", 0, sample - 1)
    if msg_ids:
        out["msg:<id> per SMS (hash)"] = statistics.mean([r.memory_usage(f"msg:{m}", samples=0) or 0 for m in msg_ids])
    out["events per call"] = statistics.mean([r.llen(f"conv:{c}:events") for c in ids]) if ids else 0
    return out


class Meter:
    """What one side of a level used: its requests' wall time, client CPU, server CPU, Redis CPU and stats."""

    def __init__(self, server, redis_server):
        self.server, self.redis_server = server, redis_server
        self.stats = caller.Stats()
        self.elapsed = self.client_cpu = self.server_cpu = self.redis_cpu = 0.0
        self.redis_used = None

    def run(self, coroutine_factory) -> None:
        before, cpu0 = info_snapshot(self.redis_server.client), time.process_time()
        server0, redis0 = self.server.cpu(), self.redis_server.cpu()
        _, elapsed = asyncio.run(coroutine_factory(self.stats))
        self.elapsed += elapsed
        self.client_cpu += time.process_time() - cpu0
        self.server_cpu += self.server.cpu() - server0
        self.redis_cpu += self.redis_server.cpu() - redis0
        used = delta(info_snapshot(self.redis_server.client), before)
        self.redis_used = used if self.redis_used is None else add(self.redis_used, used)

    def per_request_ms(self) -> dict:
        n = max(self.stats.requests, 1)
        return {"client": 1000 * self.client_cpu / n, "server": 1000 * self.server_cpu / n,
                "redis": 1000 * self.redis_cpu / n}


def measure_level(app, base, r, words, c, args, walk: int = 0, peer_server=None) -> dict:
    """App and baseline in alternating slices (`--slices`), so a machine that slows down for a
    while (a shared VM) slows both sides alike; throughput, latency and CPU are summed over slices."""
    a, b = Meter(app, r), Meter(base, r)
    p = Meter(peer_server, r) if peer_server is not None else None
    known: dict = {}
    slices = max(1, args.slices)
    budget, seconds = args.requests // slices, args.seconds / slices
    for i in range(slices):
        seed = c * 100 + i + walk * 10_000  # new numbers per level: the server must not know them already
        a.run(lambda stats, seed=seed: caller.run_callers(f"http://127.0.0.1:{app.port}/", app.port, TOKEN, words, c,
                                                          budget, seconds, seed=seed, walk=walk, stats=stats,
                                                          known=known))
        b.run(lambda stats: caller.run_baseline(base.port, TOKEN, c, budget, seconds, stats=stats))
        if peer_server is not None:
            p.run(lambda stats: peer.run_peer(peer_server.port, TOKEN, c, budget, seconds, stats))
    stats, bstats, used = a.stats, b.stats, a.redis_used
    webhooks = {label: {"n": len(v), "p50_ms": percentile(v, .5) * 1000, "p95_ms": percentile(v, .95) * 1000,
                        "p99_ms": percentile(v, .99) * 1000} for label, v in sorted(stats.latency.items())}
    menu = [x for label, v in stats.latency.items() if label in MENU_STEPS for x in v]
    lat = bstats.latency["baseline"]
    calls = max(stats.calls, 1)
    result = {
        "load": f"menu walk ({walk} steps a call)" if walk else "whole calls",
        "concurrency": c, "calls": stats.calls, "requests": stats.requests, "seconds": a.elapsed,
        "app_req_per_s": stats.requests / a.elapsed, "calls_per_s": stats.calls / a.elapsed,
        "baseline_req_per_s": bstats.requests / b.elapsed,
        "cpu_ms_per_request": {"app": a.per_request_ms(), "baseline": b.per_request_ms()},
        "baseline": {"p50_ms": percentile(lat, .5) * 1000, "p95_ms": percentile(lat, .95) * 1000,
                     "p99_ms": percentile(lat, .99) * 1000},
        "menu_step": {"p50_ms": percentile(menu, .5) * 1000, "p95_ms": percentile(menu, .95) * 1000,
                      "p99_ms": percentile(menu, .99) * 1000},
        "webhooks": webhooks, "errors": dict(stats.errors) | {f"baseline {k}": v for k, v in bstats.errors.items()},
        "sms_requested": stats.sms_requested,
        "redis_per_call": {"commands": used["total_commands_processed"] / calls,
                           "bytes_in": used["total_net_input_bytes"] / calls,
                           "bytes_out": used["total_net_output_bytes"] / calls,
                           "by_command": {k: round(v / calls, 2) for k, v in
                                          sorted(used["commandstats"].items(), key=lambda kv: -kv[1])}},
    }
    result["ratio"] = result["app_req_per_s"] / result["baseline_req_per_s"]
    if p is not None:
        plat = p.stats.latency["peer"]
        result["peer"] = {"req_per_s": p.stats.requests / p.elapsed, "p50_ms": percentile(plat, .5) * 1000,
                          "p99_ms": percentile(plat, .99) * 1000, "cpu_ms_per_request": p.per_request_ms(),
                          "errors": dict(p.stats.errors)}
        result["peer"]["ratio_to_baseline"] = result["peer"]["req_per_s"] / result["baseline_req_per_s"]
    return result


def measure_sms_level(app, base, r, texts, c, args) -> dict:
    """The signed /sms webhook against the baseline, in alternating slices as the voice loads."""
    a, b = Meter(app, r), Meter(base, r)
    slices = max(1, args.slices)
    budget, seconds = args.requests // slices, args.seconds / slices
    for i in range(slices):
        a.run(lambda stats, i=i: sms_cost.run_texters(app.port, TOKEN, texts, c, budget, seconds, stats,
                                                      seed=c * 100 + i))
        b.run(lambda stats: caller.run_baseline(base.port, TOKEN, c, budget, seconds, stats=stats))
    lat, blat = a.stats.latency["sms"], b.stats.latency["baseline"]
    res = {"load": "sms webhook", "concurrency": c, "requests": a.stats.requests, "seconds": a.elapsed,
           "app_req_per_s": a.stats.requests / a.elapsed, "baseline_req_per_s": b.stats.requests / b.elapsed,
           "sms": {q: percentile(lat, v) * 1000 for q, v in (("p50_ms", .5), ("p95_ms", .95), ("p99_ms", .99))},
           "baseline": {q: percentile(blat, v) * 1000 for q, v in (("p50_ms", .5), ("p95_ms", .95), ("p99_ms", .99))},
           "cpu_ms_per_request": {"app": a.per_request_ms(), "baseline": b.per_request_ms()},
           "errors": dict(a.stats.errors) | {f"baseline {k}": v for k, v in b.stats.errors.items()}}
    res["ratio"] = res["app_req_per_s"] / res["baseline_req_per_s"]
    server_ms = res["cpu_ms_per_request"]["app"]["server"]
    res["messages_per_s_one_process"] = 1000 / server_ms if server_ms else float("nan")
    return res


def print_sms_level(res: dict) -> None:
    s, bl, cpu = res["sms"], res["baseline"], res["cpu_ms_per_request"]
    print(f"\n== /sms webhook (signed, real Redis), {res['concurrency']} concurrent texters: {res['requests']} "
          f"messages in {res['seconds']:.1f} s")
    print(f"   app {res['app_req_per_s']:7.0f} msg/s   baseline {res['baseline_req_per_s']:7.0f} req/s   "
          f"ratio app/baseline = {res['ratio']:.2f}")
    print(f"   /sms p50 / p95 / p99 {s['p50_ms']:.1f} / {s['p95_ms']:.1f} / {s['p99_ms']:.1f} ms   baseline "
          f"{bl['p50_ms']:.1f} / {bl['p95_ms']:.1f} / {bl['p99_ms']:.1f} ms")
    print(f"   server CPU per message {cpu['app']['server']:.2f} ms (baseline {cpu['baseline']['server']:.2f}): "
          f"one web "
          f"process on one core ~{res['messages_per_s_one_process']:.0f} messages/s; client {cpu['app']['client']:.2f} "
          f"ms, Redis {cpu['app']['redis']:.3f} ms")
    if res["errors"]:
        print(f"   ERRORS: {res['errors']}")


def sms_understanding(prompts, quick: bool) -> dict:
    """The understander alone on the corpus, and how its work grows with the lexicon."""
    from ivr.content.lexicon import load_lexicon
    from ivr.sms.understanding import Understander

    if (ROOT / "prompts" / "kk.yaml").exists():  # the corpus is written for the real lexicons
        prompts = ROOT / "prompts"
    catalog = load_catalog(prompts, SOURCES)
    lexicon = load_lexicon(catalog)
    texts = [t for _, _, t in sms_cost.corpus()]
    understander = Understander(catalog, lexicon)
    out = {"catalog": str(prompts), "cost": sms_cost.understander_cost(understander, texts, repeat=2 if quick else 5)}
    c = out["cost"]
    print(f"\n== SMS understanding alone (in-process, {c['messages']} corpus messages, best of repeats): "
          f"median {c['median_us']:.0f} us, p99 {c['p99_us']:.0f} us, max {c['max_us']:.0f} us; "
          f"{c['messages_per_s']:.0f} messages/s on one thread")
    out["growth"] = sms_cost.lexicon_growth(catalog, lexicon, texts[:60] if quick else texts,
                                            (1, 2, 4) if quick else (1, 2, 4, 8))
    out["growth_exponent"] = sms_cost.growth_exponent(out["growth"])
    first = out["growth"][0]
    print("   lexicon growth (made-up words added to every topic): work counted in operations, not time")
    for row in out["growth"]:
        print(f"   x{row['factor']}: {row['entries']:6d} entries {row['stems']:6d} stems   work/message "
              f"{row['work_per_message']:8.0f} ({row['work_per_message'] / first['work_per_message']:.2f}x)   "
              f"{row['us_per_message']:6.0f} us/message")
    print(f"   growth exponent of work against stems, x2 -> x{out['growth'][-1]['factor']}: "
          f"{out['growth_exponent']:.2f} (1 = linear)")
    return out


def print_level(res: dict) -> None:
    print(f"\n== {res['load']}, {res['concurrency']} concurrent callers: {res['calls']} calls, {res['requests']} "
          f"webhooks in {res['seconds']:.1f} s ({res['sms_requested']} SMS requested)")
    print(f"   app {res['app_req_per_s']:7.0f} req/s ({res['calls_per_s']:.1f} calls/s)   baseline "
          f"{res['baseline_req_per_s']:7.0f} req/s   ratio app/baseline = {res['ratio']:.2f}")
    print(f"   {'webhook':<14}{'n':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    rows = dict(res["webhooks"], **{"(menu steps)": res["menu_step"] | {"n": ""},
                                    "(baseline)": res["baseline"] | {"n": ""}})
    for label, w in rows.items():
        print(f"   {label:<14}{w['n']:>7}{w['p50_ms']:9.1f}{w['p95_ms']:9.1f}{w['p99_ms']:9.1f}")
    cpu = res["cpu_ms_per_request"]
    print("   CPU ms per request   " + "   ".join(f"{side}: client {c['client']:.2f}, server {c['server']:.2f}, "
                                              f"Redis {c['redis']:.3f}" for side, c in cpu.items()))
    if "peer" in res:
        pr = res["peer"]
        print(f"   peer {peer.NAME} POST {peer.PATH} (no signature check, no state, no Redis: a fixed menu built "
              f"per request): {pr['req_per_s']:.0f} req/s = {pr['ratio_to_baseline']:.2f}x the baseline, p50 / p99 "
              f"{pr['p50_ms']:.1f} / {pr['p99_ms']:.1f} ms, "
              f"server CPU {pr['cpu_ms_per_request']['server']:.2f} ms/req; "
              f"the hotline's = {res['app_req_per_s'] / pr['req_per_s']:.2f}x the peer's"
              + (f"   ERRORS: {pr['errors']}" if pr["errors"] else ""))
    rc = res["redis_per_call"]
    top = ", ".join(f"{k} {v}" for k, v in list(rc["by_command"].items())[:8])
    print(f"   Redis per call: {rc['commands']:.1f} commands, {rc['bytes_in']:.0f} B in, {rc['bytes_out']:.0f} B out"
          f"  ({top})")
    if res["errors"]:
        print(f"   ERRORS: {res['errors']}")


def cpu_check(results: dict, phase: str, r) -> None:
    """Time a fixed piece of pure Python on an idle machine before a phase. This VM's speed moves
    by a third within minutes; the check says how fast it was when each phase started, so runs
    can be compared (lower is faster). Redis's background work (an AOF rewrite forks and writes
    the whole dataset) would slow a phase too, so its AOF size and rewrites so far are printed."""
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        table: dict = {}
        for i in range(200_000):
            table[i & 1023] = table.get(i & 1023, 0) + i % 7
        best = min(best, time.perf_counter() - t0)
    results.setdefault("cpu_check_ms", {})[phase] = round(best * 1000, 1)
    aof = r.info("persistence")
    print(f"\n-- CPU check before {phase}: {best * 1000:.1f} ms for a fixed Python loop (lower is faster); "
          f"Redis AOF {aof.get('aof_current_size', 0) / 1e6:.0f} MB, {aof.get('aof_rewrites', 0)} rewrites so far"
          f"{', one running' if aof.get('aof_rewrite_in_progress') else ''}")


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {platform.system()}"


def main(argv=None) -> int:  # noqa: C901 (one phase after another, each printed)
    args = parse_args(argv)
    real = args.catalog == "real" or (args.catalog == "auto" and (ROOT / "prompts" / "kk.yaml").exists())
    tmp = tempfile.TemporaryDirectory(prefix="hotline-bench-")
    if real:
        prompts = ROOT / "prompts"
    else:
        from tests import catalog_fixture

        prompts = catalog_fixture.write(Path(tmp.name) / "prompts")
    results = {"machine": machine(), "catalog": "prompts/" if real else "tests' fixture catalog",
               "args": vars(args)}
    r = Redis()
    env = {"REDIS_URL": r.url, "HOTLINE_ENV": "production", "TWILIO_AUTH_TOKEN": TOKEN,
           "HOTLINE_SECRET_KEY": "bench-key-" + "5f1e" * 8, "HOTLINE_HASH_SECRET": "bench-hash-" + "a07c" * 8,
           "HOTLINE_PROMPTS_DIR": str(prompts),
           "HOTLINE_SOURCES_DIR": SOURCES, "HOTLINE_VAR_DIR": str(Path(tmp.name) / "var"),
           "HOTLINE_AUDIO_DIR": str(audio_stub.write(prompts, Path(tmp.name) / "audio", SOURCES))}
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_FROM_NUMBER", "TWILIO_API_BASE_URL", "HOTLINE_PUBLIC_URL"):
        os.environ.pop(name, None)  # the app under test sends nothing: SMS go to the outbox
    servers = []
    try:
        app = Gunicorn("wsgi:app", env, args.workers, args.threads)
        servers.append(app)
        base = Gunicorn("bench.baseline:app", env, args.workers, args.threads)
        servers.append(base)
        peer_server, peer_src = None, peer.source() if args.peer else None
        if peer_src is not None:
            peer_dir, commit = peer.extract(peer_src)
            peer_server = Gunicorn(peer.APP, env, args.workers, args.threads, cwd=peer_dir)
            servers.append(peer_server)
            results["peer"] = {"name": peer.NAME, "commit": commit, "probe": peer.peer_probe(peer_server.port)}
            print(f"peer: {peer.NAME} @ {commit} from {peer_src}, same gunicorn settings; it answers "
                  f"{results['peer']['probe']} (its /ivr/menu calls dict.has_key: Python 2)")
        else:
            results["peer"] = {"skipped": "not fetched" if args.peer else "--no-peer"}
            print("peer skipped: " + results["peer"]["skipped"])
        print(f"hotline benchmark — {results['machine']}\nRedis {r.version} ({Path(r.proc.args[0])}), "
              f"gunicorn gthread {args.workers} workers x {args.threads} threads, catalog: {results['catalog']}")
        catalog = load_catalog(prompts, SOURCES)
        index = AudioIndex(env["HOTLINE_AUDIO_DIR"])
        words = caller.Words(catalog, Transcript(catalog, index, datetime.date.today()).words)
        asyncio.run(caller.run_callers(f"http://127.0.0.1:{app.port}/", app.port, TOKEN, words, 4, 200, 5))  # warm up
        asyncio.run(caller.run_baseline(base.port, TOKEN, 4, 200, 5))
        if peer_server is not None:
            asyncio.run(peer.run_peer(peer_server.port, TOKEN, 4, 200, 5, caller.Stats()))
        r.client.flushdb()
        results["levels"] = []
        for walk in (0, args.walk) if args.walk else (0,):
            cpu_check(results, "the menu walk" if walk else "whole calls", r.client)
            for c in [int(x) for x in args.concurrency.split(",") if x]:
                res = measure_level(app, base, r, words, c, args, walk, peer_server if walk else None)
                results["levels"].append(res)
                print_level(res)
            if not walk:  # records of whole calls, as callers leave them
                results["memory"] = memory_per_call(r.client)
        if args.steps_only:
            results["steps_only"] = steps_only_phase(args)
        print("\n== Redis memory per stored call (MEMORY USAGE, bytes)")
        for k, v in results.get("memory", {}).items():
            print(f"   {k:<48}{v:8.0f}")

        sms_levels = [int(x) for x in args.sms_webhook.split(",") if x]
        if sms_levels:
            results["sms_understanding"] = sms_understanding(prompts, args.quick)
            cpu_check(results, "the /sms webhook", r.client)
            texts = [t for _, _, t in sms_cost.corpus()]
            results["sms_webhook"] = []
            for c in sms_levels:
                res = measure_sms_level(app, base, r, texts, c, args)
                results["sms_webhook"].append(res)
                print_sms_level(res)

        if args.sms_jobs or args.fork_jobs:
            cpu_check(results, "the SMS worker", r.client)
            results["sms_worker"] = sms_phase(env, r.client, args)

        levels = [int(x) for x in args.stored_calls.split(",") if x]
        if levels:
            cat = load_catalog(prompts, SOURCES)
            rows = growth.stored_calls(f"http://127.0.0.1:{app.port}", r.client, levels, list(cat.languages),
                                       sorted(cat.nodes), repeat=5 if args.quick else 20)
            results["stored_calls"] = rows
            print("\n== Dashboard list pages vs stored calls (median ms, one client)")
            names = list(growth.LIST_PAGES)
            print("   " + f"{'stored':>8}{'MB':>7}" + "".join(f"{n[:22]:>25}" for n in names))
            for row in rows:
                print("   " + f"{row['stored_calls']:>8}{row['used_memory_mb']:7.1f}"
                      + "".join(f"{row[n]:25.1f}" for n in names))
        depths = [int(x) for x in args.catalog_depths.split(",") if x]
        if depths:
            rows = growth.catalog_sizes(prompts if real else None, SOURCES, depths, 200 if args.quick else 2000)
            results["catalog_sizes"] = rows
            print("\n== Catalog size: start-up load and one menu step's flow + TwiML (in-process)")
            for row in rows:
                print(f"   {row['catalog']:<28}{row['nodes']:>5} nodes {row['prompts (all languages)']:>6} prompts"
                      f"  load {row['load_ms']:7.0f} ms  step {row['menu step render, us']:6.0f} us")
        if args.memory:  # a Redis and an in-process app of its own (bench/memory.py)
            from . import memory

            n = args.memory
            results["memory_at_scale"] = memory.phase(prompts, target=n, sample=min(200, max(10, n // 50)),
                                                      rss_checkpoints=sorted({max(1, n // 100), n // 10, n // 2, n}))
            memory.report(results["memory_at_scale"])
    finally:
        for s in servers:
            s.stop()
        r.stop()
        tmp.cleanup()
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    errors = sum(sum(level["errors"].values()) for level in results.get("levels", []) + results.get("sms_webhook", []))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
