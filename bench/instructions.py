"""Instructions per menu step, counted by valgrind (callgrind), so that a change of a few per cent can be
seen on a VM whose speed moves by a third within minutes: `python -m bench.instructions`.

Runs `bench.inprocess` twice under callgrind, replaying N1 and N2 walked calls (an incoming call and 20
menu steps each, or as many baseline requests) and divides the difference of the totals by that of the
requests: start-up, recording and the first render of each screen cancel out. Needs valgrind; slow (a minute or two).
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def count(side: str, calls: int, catalog: str) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cg.out"
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "--dump-instr=no",
                        sys.executable, "-m", "bench.inprocess", "--replay", side, "--calls", str(calls),
                        "--catalog", catalog], cwd=ROOT, check=True, capture_output=True,
                       env=dict(os.environ, PYTHONPATH=str(ROOT)))
        totals = re.search(r"^summary:\s*(\d+)", out.read_text(), re.M) or re.search(r"^totals:\s*(\d+)",
                                                                                   out.read_text(), re.M)
        return int(totals.group(1))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__.split("\n")[0])
    ap.add_argument("--calls", default="3,13", help="N1,N2 replayed calls (21 requests each)")
    ap.add_argument("--catalog", choices=("real", "fixture"), default="fixture")
    ap.add_argument("--side", choices=("app", "baseline", "both"), default="both")
    args = ap.parse_args(argv)
    n1, n2 = (int(x) for x in args.calls.split(","))
    for side in ("app", "baseline") if args.side == "both" else (args.side,):
        i1, i2 = count(side, n1, args.catalog), count(side, n2, args.catalog)
        per = (i2 - i1) / ((n2 - n1) * 21)
        print(f"{side}: {per / 1e6:.3f} M instructions per request ({args.catalog} catalog)", flush=True)


if __name__ == "__main__":
    main()
