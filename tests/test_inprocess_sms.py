"""`python -m bench.inprocess_sms` runs: a text's CPU beside the floor's, and the Redis commands a text sends (no time
is asserted)."""
import os
import re

from bench import inprocess_sms


def test_the_inprocess_sms_benchmark_runs_and_counts_a_texts_redis_commands(capsys):
    saved = dict(os.environ)  # the benchmark sets the app's environment as `python -m bench` does
    try:
        inprocess_sms.main(["--texts", "40", "--rounds", "1", "--batch", "10"])
    finally:
        os.environ.clear()
        os.environ.update(saved)
    out = capsys.readouterr().out
    found = re.search(r"Redis per text: ([\d.]+) commands sent in ([\d.]+) round trips, ([\d.]+) run", out)
    assert found, out
    sent, trips, run = map(float, found.groups())
    assert sent == trips == 2  # the mark with the session's reads, then the save
    assert run > sent  # the scripts' own commands
