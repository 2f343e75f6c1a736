"""`python -m bench.inprocess_sms` runs: a text's CPU beside the floor's, and the Redis commands a text sends (no time
is asserted). In its own process, as it is run: it sets the app's environment, and the floor's app reads REDIS_URL
when it is imported."""
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_inprocess_sms_benchmark_runs_and_counts_a_texts_redis_commands():
    run = subprocess.run([sys.executable, "-m", "bench.inprocess_sms", "--texts", "40", "--rounds", "1", "--batch",
                          "10"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    found = re.search(r"Redis per text: ([\d.]+) commands sent in ([\d.]+) round trips, ([\d.]+) run", run.stdout)
    assert found, run.stdout
    sent, trips, ran = map(float, found.groups())
    assert sent == trips == 2  # the mark with the session's reads, then the save
    assert ran > sent  # the scripts' own commands


def test_against_another_checkout_runs_both_in_turns():
    """`--against DIR`: this checkout beside another (here itself), batch by batch; the paired ratio is printed."""
    run = subprocess.run([sys.executable, "-m", "bench.inprocess_sms", "--against", str(ROOT), "--pairs", "4",
                          "--batch", "5"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert re.search(r"^this .*ratio baseline/app [\d.]+$", run.stdout, re.M), run.stdout
    assert re.search(r"^other .*ratio baseline/app [\d.]+$", run.stdout, re.M), run.stdout
    assert re.search(r"this/other CPU a text, median of 4 batch pairs: [\d.]+", run.stdout), run.stdout
