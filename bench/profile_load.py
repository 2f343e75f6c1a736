"""Where a gunicorn worker's CPU goes under the menu walk: py-spy on the app's gunicorn (all workers,
only threads holding the GIL) while 32 simulated callers walk the menus, as in `python -m bench`.

  python -m bench.profile_load [--seconds 15] [--callers 32] [--svg flame.svg] [--top 25]

Prints the functions with the most samples, inclusive (the hotline's own and the frameworks'
entry points) and exclusive (where the time is spent), as shares of all samples. py-spy is not a
dependency of the hotline: `pip install py-spy` first.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import datetime
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ivr.content.catalog import load_catalog
from ivr.voice.audio import AudioIndex, Transcript

from . import audio_stub, caller
from .run import SOURCES, TOKEN
from .servers import ROOT, Gunicorn, Redis


def py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(found).exists():
        raise SystemExit("py-spy not found: pip install py-spy")
    return found


def summarize(raw: Path, top: int) -> tuple[list, list, int]:
    """(inclusive, exclusive) [(share, frame)] from py-spy's collapsed stacks."""
    inclusive, exclusive, total = collections.Counter(), collections.Counter(), 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [f.split(" (")[0] + " (" + f.split(" (")[-1].split(":")[0].rsplit("/", 1)[-1] + ")"
                  if " (" in f else f for f in stack.split(";")[1:]]  # drop the process/thread frame
        for frame in set(frames):
            inclusive[frame] += n
        if frames:
            exclusive[frames[-1]] += n
    share = lambda counter: [(n / max(total, 1), f) for f, n in counter.most_common(top)]  # noqa: E731
    return share(inclusive), share(exclusive), total


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.profile_load", description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--callers", type=int, default=32)
    ap.add_argument("--walk", type=int, default=20)
    ap.add_argument("--svg", help="also write py-spy's flame graph here")
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="hotline-profile-"))
    prompts = ROOT / "prompts"
    r = Redis()
    env = {"REDIS_URL": r.url, "HOTLINE_ENV": "production", "TWILIO_AUTH_TOKEN": TOKEN,
           "HOTLINE_SECRET_KEY": "bench-key-" + "5f1e" * 8, "HOTLINE_HASH_SECRET": "bench-hash-" + "a07c" * 8,
           "HOTLINE_PROMPTS_DIR": str(prompts), "HOTLINE_SOURCES_DIR": SOURCES, "HOTLINE_VAR_DIR": str(tmp / "var"),
           "HOTLINE_AUDIO_DIR": str(audio_stub.write(prompts, tmp / "audio", SOURCES))}
    app = Gunicorn("wsgi:app", env, 2, 4)
    try:
        catalog = load_catalog(prompts, SOURCES)
        words = caller.Words(catalog, Transcript(catalog, AudioIndex(env["HOTLINE_AUDIO_DIR"]),
                                                 datetime.date.today()).words)
        base = f"http://127.0.0.1:{app.port}/"
        asyncio.run(caller.run_callers(base, app.port, TOKEN, words, 4, 200, 5, walk=args.walk))  # warm up
        outputs = [(tmp / "raw.txt", "raw")] + ([(Path(args.svg), "flamegraph")] if args.svg else [])
        spies = [subprocess.Popen([py_spy(), "record", "--pid", str(app.proc.pid), "--subprocesses", "--gil",
                                   "--rate", "250", "--duration", str(int(args.seconds)), "--format", fmt,
                                   "--output", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for out, fmt in outputs]
        stats, elapsed = asyncio.run(caller.run_callers(base, app.port, TOKEN, words, args.callers, 10**9,
                                                        args.seconds + 1, walk=args.walk))
        for spy in spies:
            spy.wait(timeout=60)
        print(f"{stats.requests} webhooks in {elapsed:.1f} s ({stats.requests / elapsed:.0f} req/s) under py-spy")
        inclusive, exclusive, total = summarize(tmp / "raw.txt", args.top)
        print(f"\n{total} samples (GIL held). Inclusive:")
        for share, frame in inclusive:
            print(f"  {share:6.1%}  {frame}")
        print("\nExclusive (self):")
        for share, frame in exclusive:
            print(f"  {share:6.1%}  {frame}")
        if args.svg:
            print(f"\nflame graph: {args.svg}")
    finally:
        app.stop()
        r.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
