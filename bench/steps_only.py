"""Menu steps alone, through gunicorn, from a client that does nothing but send them:
`python -m bench.steps_only [--concurrency 32] [--rounds 5]`.

`python -m bench` drives whole calls with simulated callers that sign each request and read each answer,
in one Python process sharing the 2 cores with the servers: its own CPU per request is larger for the
hotline's menus than for the floor's fixed TwiML, and a call's /voice and status callback ride along with
its steps. This measures what the issue's first item names, the menu step against the floor, with as
little else on the machine as possible: the steps of a walked call (language, the lowest option down two
levels, `*` back up — bench/inprocess.py records them) are signed beforehand with fresh CallSids and
callers, written as raw HTTP, and sent over keep-alive connections by a few client processes, the app
and the floor (bench/baseline.py) in turns (who goes first alternates), under deploy/gunicorn.conf.py.
The floor gets as many pre-built requests. No /voice precedes the steps (each call's record is started
by its first step), so the figure is the step's alone. Prints req/s, server and Redis CPU per request,
and p50/p99 latency, per round and the medians.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import time

MENU = {"key:language", "key:menu", "key:back", "key:more"}


def raw(env: dict) -> bytes:
    """The HTTP/1.1 request gunicorn would have turned into this environ."""
    query = env["QUERY_STRING"]
    return (f"POST {env['PATH_INFO']}{'?' + query if query else ''} HTTP/1.1\r\nHost: {env['HTTP_HOST']}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(env['_body'])}\r\n"
            f"X-Twilio-Signature: {env['HTTP_X_TWILIO_SIGNATURE']}\r\n\r\n").encode() + env["_body"]


async def _connection(port: int, requests: list[bytes], latencies: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for request in requests:
        t0 = time.perf_counter()
        writer.write(request)
        status = await reader.readline()
        if b" 200 " not in status and b" 204 " not in status:
            raise RuntimeError(f"{request[:80]!r}: {status!r}")
        length = 0
        while (header := await reader.readline()) != b"\r\n":
            if header[:15].lower() == b"content-length:":
                length = int(header[15:])
        await reader.readexactly(length)
        latencies.append(time.perf_counter() - t0)
    writer.close()


def _client(job: tuple[int, list[list[bytes]]]) -> list[float]:
    port, connections = job
    latencies: list[float] = []

    async def main():
        await asyncio.gather(*(_connection(port, c, latencies) for c in connections))

    asyncio.run(main())
    return latencies


def _side(pool, server, redis_pid: int, connections: list[list[bytes]], processes: int) -> dict:
    from .servers import cpu_seconds

    n = sum(len(c) for c in connections)
    cpu0, redis0, t0 = server.cpu(), cpu_seconds(redis_pid), time.perf_counter()
    latencies = [x for part in pool.map(_client, [(server.port, connections[i::processes])
                                                  for i in range(processes)]) for x in part]
    elapsed = time.perf_counter() - t0
    latencies.sort()
    return {"req_per_s": n / elapsed, "server_us": (server.cpu() - cpu0) / n * 1e6,
            "redis_us": (cpu_seconds(redis_pid) - redis0) / n * 1e6,
            "p50_ms": latencies[len(latencies) // 2] * 1000, "p99_ms": latencies[int(len(latencies) * .99)] * 1000}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.steps_only", description=__doc__.split("\n")[0])
    ap.add_argument("--concurrency", type=int, default=32, help="keep-alive connections (callers) at once")
    ap.add_argument("--processes", type=int, default=4, help="client processes sharing them")
    ap.add_argument("--calls", type=int, default=8, help="walked calls per connection and round")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--json", help="also write the medians here (python -m bench reads them)")
    args = ap.parse_args(argv)

    from .inprocess import Recorder, baseline_requests, prepared, setup
    from .servers import Gunicorn

    r, app, _base, words, token = setup()
    names = ("REDIS_URL", "HOTLINE_ENV", "TWILIO_AUTH_TOKEN", "HOTLINE_SECRET_KEY", "HOTLINE_HASH_SECRET",
             "HOTLINE_PROMPTS_DIR", "HOTLINE_SOURCES_DIR", "HOTLINE_VAR_DIR", "HOTLINE_AUDIO_DIR")
    env = {k: os.environ[k] for k in names}
    servers = {}
    try:
        recorder = Recorder(app, token, words, 20)
        steps = recorder.record()
        servers = {"app": Gunicorn("wsgi:app", env, args.workers, args.threads),
                   "floor": Gunicorn("bench.baseline:app", env, args.workers, args.threads)}
        results = {name: [] for name in servers}
        with multiprocessing.get_context("fork").Pool(args.processes) as pool:
            for i in range(args.rounds):
                app_side = [[raw(e) for e in prepared(recorder, steps, args.calls, labels=MENU)]
                            for _ in range(args.concurrency)]
                floor_side = [[raw(e) for e in baseline_requests(token, len(app_side[0]))]
                              for _ in range(args.concurrency)]
                line = []
                sides = [("app", app_side), ("floor", floor_side)]
                for name, connections in sides if i % 2 == 0 else sides[::-1]:  # who goes first alternates
                    res = _side(pool, servers[name], r.proc.pid, connections, args.processes)
                    results[name].append(res)
                    line.append(f"{name} {res['req_per_s']:.0f} req/s, server {res['server_us']:.0f} us, Redis "
                                f"{res['redis_us']:.0f} us, p50/p99 {res['p50_ms']:.1f}/{res['p99_ms']:.1f} ms")
                ratio = results["app"][-1]["req_per_s"] / results["floor"][-1]["req_per_s"]
                print(f"round {i + 1}: {' | '.join(line)} | ratio {ratio:.2f}", flush=True)
        med = {name: {k: statistics.median(x[k] for x in v) for k in v[0]} for name, v in results.items()}
        a, f = med["app"], med["floor"]
        print(f"menu steps alone, {args.concurrency} connections, medians of {args.rounds} rounds: app/floor "
              f"{a['req_per_s'] / f['req_per_s']:.2f} ({a['req_per_s']:.0f} / {f['req_per_s']:.0f} req/s); server CPU "
              f"{a['server_us']:.0f} / {f['server_us']:.0f} us, Redis {a['redis_us']:.0f} / {f['redis_us']:.0f} us; "
              f"p99 {a['p99_ms']:.1f} / {f['p99_ms']:.1f} ms ({a['p99_ms'] / f['p99_ms']:.2f}x)")
        if args.json:
            with open(args.json, "w") as out:
                json.dump({"ratio": a["req_per_s"] / f["req_per_s"], "p99_ratio": a["p99_ms"] / f["p99_ms"],
                           "medians": med, "rounds": results, "concurrency": args.concurrency}, out, indent=1)
    finally:
        for server in servers.values():
            server.stop()
        r.stop()


if __name__ == "__main__":
    main()
