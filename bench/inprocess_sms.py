"""One inbound text's CPU inside the web process, without a server or a client: the app's WSGI callable and
the baseline's, called directly with the environ gunicorn would build (bench/inprocess.py), against a real
Redis — the `/sms` webhook as `python -m bench`'s texters drive it, without the scheduler and the client
between the two.

  python -m bench.inprocess_sms [--texts N] [--rounds R] [--batch B] [--profile out.prof]
  python -m bench.inprocess_sms --against DIR [--pairs P] [--batch B]

Texters send the corpus's messages (tests/data/sms_corpus.tsv) from numbers of their own, a new number now and
then (so first messages, the language guessed, are among them), each text signed like Twilio with Twilio's whole
inbound form. Batches of B texts alternate with B baseline requests; the 20th percentile of the batches is what
the code costs (the rest is the shared VM's other load). `--profile` writes a cProfile of the texts alone.
Also counts the Redis commands and round trips one text makes (redis-py's connection wrapped), and the commands
Redis runs for it (INFO commandstats: those its scripts call included).

`--against DIR` compares this checkout's app with another checkout's (`git archive <commit> | tar -x -C DIR`): two
processes, one each (their own Redis, the same texts in the same order), answer batches in turns, so a minute when
the VM is slow slows both. It prints each side's text and floor as above, and the median over the batch pairs of this
checkout's CPU per text over the other's — the before/after a change, steadier here than two runs minutes apart.
"""
from __future__ import annotations

import argparse
import random
import statistics
import uuid

from twilio.request_validator import RequestValidator

from . import sms_cost
from .inprocess import HOST, baseline_requests, cpu_per_request, environ, setup, write_profile


def texts_requests(token: str, texts: list[str], n: int, seed: int = 1) -> list[dict]:
    """`n` signed /sms environs: the corpus's messages from numbers that change one time in five."""
    from tests.twilio_bodies import inbound_sms

    validator, rng = RequestValidator(token), random.Random(seed)
    number, out = f"+7702{rng.randrange(10**7):07d}", []
    for _ in range(n):
        if rng.random() < 0.2:
            number = f"+7702{rng.randrange(10**7):07d}"
        form = inbound_sms(rng.choice(texts), number, "SM" + uuid.uuid4().hex)
        out.append(environ("/sms", form, validator.compute_signature(f"http://{HOST}/sms", form)))
    return out


class CommandCount:
    """Redis commands and round trips (a pipeline is one) the app sends while active, counted where redis-py packs
    and sends them on a connection (the app sends some scripts straight on a pooled connection)."""

    def __init__(self):
        self.commands, self.trips = 0, 0

    def __enter__(self):
        from redis.connection import AbstractConnection as Conn

        self._saved = Conn.pack_command, Conn.pack_commands, Conn.send_packed_command, Conn.send_command
        pack_command, pack_commands, send, send_command = self._saved
        count = self

        def one(conn, *args):
            count.commands += 1
            return pack_command(conn, *args)

        def many(conn, commands):
            commands = list(commands)
            count.commands += len(commands)
            return pack_commands(conn, commands)

        def sent(conn, *args, **kwargs):
            count.trips += 1
            return send(conn, *args, **kwargs)

        def command(conn, *args, **kwargs):  # redis-py's own single commands: packed inside, sent by `sent`
            count.commands += 1
            return send_command(conn, *args, **kwargs)

        Conn.pack_command, Conn.pack_commands, Conn.send_packed_command, Conn.send_command = one, many, sent, command
        return self

    def __exit__(self, *exc):
        from redis.connection import AbstractConnection as Conn

        Conn.pack_command, Conn.pack_commands, Conn.send_packed_command, Conn.send_command = self._saved


def _commands(client) -> int:
    """Commands Redis has run (INFO commandstats, which counts those scripts call too), the INFO itself left out."""
    return sum(v["calls"] for k, v in client.info("commandstats").items() if k != "cmdstat_info")


def serve(code: str) -> None:
    """A process of `--against`: the app of the checkout at `code` (its `ivr` and `prompts/` were put first by the
    caller), which answers each line "N" on stdin with "<µs a text> <µs a floor request>" for its next N texts."""
    import sys
    from pathlib import Path

    r, app, base, _words, token = setup(Path(code) / "prompts")
    texts = [t for _, _, t in sms_cost.corpus()]
    try:
        cpu_per_request(app, texts_requests(token, texts, 200, seed=99))  # warm: caches, scripts
        envs, at = texts_requests(token, texts, 4000, seed=1), 0
        print("ready", flush=True)
        for line in sys.stdin:
            n = int(line)
            if at + n > len(envs):
                envs, at = texts_requests(token, texts, 4000, seed=at), 0
            app_us = cpu_per_request(app, envs[at:at + n])
            at += n
            print(f"{app_us:.1f} {cpu_per_request(base, baseline_requests(token, n)):.1f}", flush=True)
    finally:
        r.stop()


def against(other: str, pairs: int, batch: int) -> None:
    """This checkout's app and `other`'s in two processes, batch by batch in turns (see the module's doc)."""
    import subprocess
    import sys
    from pathlib import Path

    here = str(Path(__file__).resolve().parent.parent)
    # `ivr` imported from the checkout first; then this checkout's bench and tests (the same driver for both sides).
    boot = ("import sys; sys.path.insert(0, {code!r}); import ivr; sys.path.insert(0, {here!r}); "
            "from bench.inprocess_sms import serve; serve({code!r})")
    sides = {"this": here, "other": str(Path(other).resolve())}
    procs = {name: subprocess.Popen([sys.executable, "-c", boot.format(code=code, here=here)], cwd=code, text=True,
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE) for name, code in sides.items()}
    try:
        for name, proc in procs.items():
            if proc.stdout.readline().strip() != "ready":
                raise SystemExit(f"{name} ({sides[name]}) did not start")
        got: dict[str, list[tuple[float, float]]] = {name: [] for name in procs}
        for i in range(pairs):
            for name in (list(procs) if i % 2 == 0 else list(procs)[::-1]):
                procs[name].stdin.write(f"{batch}\n")
                procs[name].stdin.flush()
                app_us, base_us = map(float, procs[name].stdout.readline().split())
                got[name].append((app_us, base_us))
    finally:
        for proc in procs.values():
            proc.stdin.close()
            proc.wait(timeout=60)
    q = lambda xs: statistics.quantiles(xs, n=10)[1]  # noqa: E731 (the 20th percentile)
    for name, rows in got.items():
        app_us, base_us = [a for a, _ in rows], [b for _, b in rows]
        print(f"{name:5s} {sides[name]}: /sms {q(app_us):.0f} us CPU a text, baseline {q(base_us):.0f} us (20th "
              f"percentile of {len(rows)} batches of {batch}); ratio baseline/app {q(base_us) / q(app_us):.2f}")
    paired = [a[0] / b[0] for a, b in zip(got["this"], got["other"], strict=True)]
    print(f"this/other CPU a text, median of {len(paired)} batch pairs: {statistics.median(paired):.3f}")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.inprocess_sms", description=__doc__.split("\n")[0])
    ap.add_argument("--texts", type=int, default=2000, help="texts per round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--batch", type=int, default=20, help="texts per timed batch (as many baseline requests)")
    ap.add_argument("--profile", help="write a cProfile of the texts here")
    ap.add_argument("--against", metavar="DIR", help="compare with the checkout in DIR, batch by batch in turns")
    ap.add_argument("--pairs", type=int, default=250, help="with --against: batches each side answers")
    args = ap.parse_args(argv)
    if args.against:
        against(args.against, args.pairs, args.batch)
        return
    r, app, base, _words, token = setup()
    texts = [t for _, _, t in sms_cost.corpus()]
    try:
        cpu_per_request(app, texts_requests(token, texts, min(200, args.texts), seed=99))  # warm: caches, scripts
        n, before = min(500, args.texts), _commands(r.client)
        with CommandCount() as count:
            cpu_per_request(app, texts_requests(token, texts, n, seed=98))
        inside = (_commands(r.client) - before) / n
        app_us, base_us = [], []
        for k in range(args.rounds):
            envs = texts_requests(token, texts, args.texts, seed=k)
            for i in range(0, len(envs) - args.batch + 1, args.batch):
                app_us.append(cpu_per_request(app, envs[i:i + args.batch]))
                base_us.append(cpu_per_request(base, baseline_requests(token, args.batch)))
        q = lambda xs: statistics.quantiles(xs, n=10)[1]  # noqa: E731 (the 20th percentile)
        print(f"/sms {q(app_us):.0f} us CPU a text, baseline {q(base_us):.0f} us (20th percentile of "
              f"{len(app_us)} batches of {args.batch}); ratio baseline/app {q(base_us) / q(app_us):.2f}; "
              f"median {statistics.median(app_us):.0f} / {statistics.median(base_us):.0f} us; "
              f"Redis per text: {count.commands / n:.2f} commands sent in {count.trips / n:.2f} round trips, "
              f"{inside:.1f} run (scripts' own included)")
        if args.profile:
            write_profile(args.profile, app, texts_requests(token, texts, args.texts, seed=7))
    finally:
        r.stop()


if __name__ == "__main__":
    main()
