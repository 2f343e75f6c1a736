"""One menu step's CPU inside the web process, without a server or a client: the app's WSGI callable
and the baseline's, called directly with the environ gunicorn would build, against a real Redis.

Steadier than timing through gunicorn on a shared VM (no client, no scheduler between the two), and
what cProfile / the flame graph look at: `python -m bench.inprocess [--profile out.prof] [--steps N]`.
The requests are recorded once by walking the menu like the bench's callers (language, the lowest
option down to two levels, `*` back up), then replayed with fresh CallSids, each signed like Twilio.
"""
from __future__ import annotations

import argparse
import io
import os
import statistics
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from twilio.request_validator import RequestValidator

HOST = "hotline.bench"


def environ(url_path: str, form: dict, signature: str) -> dict:
    """The WSGI environ gunicorn's gthread worker builds for a small form post."""
    path, _, query = url_path.partition("?")
    body = urlencode(form).encode()
    return {"REQUEST_METHOD": "POST", "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": query,
            "RAW_URI": url_path, "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
            "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "40000", "HTTP_HOST": HOST,
            "CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": str(len(body)),
            "HTTP_X_TWILIO_SIGNATURE": signature, "wsgi.url_scheme": "http", "wsgi.version": (1, 0),
            "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False,
            "wsgi.errors": io.StringIO(), "wsgi.input_terminated": True, "_body": body}


def call(app, env: dict) -> tuple[str, bytes]:
    env = dict(env, **{"wsgi.input": io.BytesIO(env["_body"])})
    out = {}

    def start_response(status, headers, exc_info=None):
        out["status"] = status

    chunks = app(env, start_response)
    body = b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    return out["status"], body


class Recorder:
    """Walks one call through `app` the way bench/caller.py's menu walk does, keeping each request."""

    def __init__(self, app, token: str, words, walk: int):
        self.app, self.validator, self.words, self.walk = app, RequestValidator(token), words, walk

    def sign(self, url_path: str, form: dict) -> str:
        return self.validator.compute_signature(f"http://{HOST}{url_path}", form)

    def record(self) -> list[tuple[str, str, dict]]:
        """[(label, url path, form)] of one call; the CallSid is replaced when replayed."""
        from ivr.phone import read_turn

        from .caller import Caller

        form = {"CallSid": "CA" + uuid.uuid4().hex, "AccountSid": "AC" + "0" * 32, "From": "+77011234567",
                "To": "+77270000000", "Direction": "inbound", "ApiVersion": "2010-04-01", "CallStatus": "ringing"}
        steps, url, lang, depth = [("voice", "/voice", dict(form))], "/voice", None, 0
        chooser = Caller("http://x/", 0, "t", self.words, None, None, {}, walk=self.walk)
        status, body = call(self.app, environ(url, form, self.sign(url, form)))
        form["CallStatus"] = "in-progress"
        for _ in range(self.walk):
            turn = read_turn(url, int(status.split()[0]), body.decode())
            if turn.gather is None:
                break
            lines = [self.words.hear(h) for h in turn.heard]
            if lang is None:
                lang, key, label = self.words.languages[0], "1", "key:language"
            else:
                key, label, depth = chooser.choose(lang, lines, depth)
            url = urlsplit(turn.gather["action"])._replace(scheme="", netloc="").geturl()
            steps.append((label, url, dict(form, Digits=key)))
            status, body = call(self.app, environ(url, steps[-1][2], self.sign(url, steps[-1][2])))
        return steps


def prepared(recorder: Recorder, steps, calls: int, labels=None) -> list[dict]:
    """`calls` copies of the recorded call, each with its own CallSid, its own caller (a first call, as most
    are) and signatures."""
    out = []
    for _ in range(calls):
        sid, number = "CA" + uuid.uuid4().hex, f"+7701{uuid.uuid4().int % 10**7:07d}"
        for label, url, form in steps:
            if labels is None or label in labels:
                form = dict(form, CallSid=sid, From=number)
                out.append(environ(url, form, recorder.sign(url, form)))
    return out


def baseline_requests(token: str, n: int) -> list[dict]:
    validator = RequestValidator(token)
    form = {"CallSid": "CA" + uuid.uuid4().hex, "AccountSid": "AC" + "0" * 32, "From": "+77010000000",
            "To": "+77270000000", "CallStatus": "in-progress", "Digits": "1"}
    sig = validator.compute_signature(f"http://{HOST}/baseline", form)
    return [environ("/baseline", form, sig) for _ in range(n)]


def cpu_per_request(app, envs: list[dict]) -> float:
    """Microseconds of this process's CPU per request."""
    t0 = time.process_time()
    for env in envs:
        status, _ = call(app, env)
        if not status.startswith("200"):
            raise RuntimeError(f"{env['PATH_INFO']}?{env['QUERY_STRING']}: {status}")
    return (time.process_time() - t0) / len(envs) * 1e6


def write_profile(path: str, app, envs: list[dict]) -> None:
    """A cProfile (CPU time) of `app` answering `envs`, written to `path`."""
    import cProfile

    prof = cProfile.Profile(time.process_time)
    prof.enable()
    cpu_per_request(app, envs)
    prof.disable()
    prof.dump_stats(path)
    print(f"profile: {path}")


def setup(prompts: Path | None = None):
    """Redis, the environment `python -m bench` gives the app, the app itself, the baseline, the words."""
    import datetime
    import tempfile

    from ivr.content.catalog import load_catalog
    from ivr.voice.audio import AudioIndex, Transcript

    from . import audio_stub, caller
    from .run import SOURCES, TOKEN
    from .servers import ROOT, Redis

    tmp = tempfile.mkdtemp(prefix="hotline-inprocess-")
    if prompts is None:
        prompts = ROOT / "prompts"
    r = Redis()
    env = {"REDIS_URL": r.url, "HOTLINE_ENV": "production", "TWILIO_AUTH_TOKEN": TOKEN,
           "HOTLINE_SECRET_KEY": "bench-key-" + "5f1e" * 8, "HOTLINE_HASH_SECRET": "bench-hash-" + "a07c" * 8,
           "HOTLINE_PROMPTS_DIR": str(prompts), "HOTLINE_SOURCES_DIR": SOURCES,
           "HOTLINE_VAR_DIR": str(Path(tmp) / "var"),
           "HOTLINE_AUDIO_DIR": str(audio_stub.write(prompts, Path(tmp) / "audio", SOURCES))}
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_FROM_NUMBER", "TWILIO_API_BASE_URL", "HOTLINE_PUBLIC_URL"):
        os.environ.pop(name, None)
    os.environ.update(env)
    from ivr import create_app

    from . import baseline

    app = create_app()
    catalog = load_catalog(prompts, SOURCES)
    words = caller.Words(catalog, Transcript(catalog, AudioIndex(env["HOTLINE_AUDIO_DIR"]),
                                             datetime.date.today()).words)
    return r, app, baseline.app, words, TOKEN


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.inprocess", description=__doc__.split("\n")[0])
    ap.add_argument("--calls", type=int, default=100, help="replayed calls per round (21 requests each)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of calls")
    ap.add_argument("--walk", type=int, default=20)
    ap.add_argument("--profile", help="write a cProfile of the app's menu steps here")
    ap.add_argument("--catalog", choices=("real", "fixture"), default="real")
    ap.add_argument("--replay", choices=("app", "baseline"),
                    help="only replay --calls calls' menu steps on one side, untimed (bench.instructions)")
    args = ap.parse_args(argv)
    prompts = None
    if args.catalog == "fixture":
        import tempfile

        from tests import catalog_fixture

        prompts = catalog_fixture.write(Path(tempfile.mkdtemp(prefix="hotline-inprocess-")) / "prompts")
    r, app, base, words, token = setup(prompts)
    try:
        rec = Recorder(app, token, words, args.walk)
        steps = rec.record()
        menu = {"key:language", "key:menu", "key:back", "key:more"}
        if args.replay:  # requests for 30 calls prepared whatever --calls is: preparing cancels out
            envs = prepared(rec, steps, 30)[:args.calls * len(steps)]
            if args.replay == "app":
                cpu_per_request(app, envs)
            else:
                cpu_per_request(base, baseline_requests(token, len(envs)))
            return
        # One call's menu steps, then as many baseline requests, in turns: on a shared VM the low
        # quantile of many short batches is what the code costs; the rest is other processes' time.
        app_us, base_us, call_us = [], [], []
        n = len([s for s in steps if s[0] in menu])
        for _ in range(args.rounds):
            batch = prepared(rec, steps, args.calls)
            for i in range(args.calls):
                envs = batch[i * len(steps):(i + 1) * len(steps)]
                call_us.append(cpu_per_request(app, envs[:1]))
                app_us.append(cpu_per_request(app, envs[1:]))
                base_us.append(cpu_per_request(base, baseline_requests(token, n)))
        q = lambda xs: statistics.quantiles(xs, n=10)[1]  # noqa: E731 (the 20th percentile)
        print(f"menu step {q(app_us):.0f} us CPU, baseline {q(base_us):.0f} us (20th percentile of "
              f"{len(app_us)} batches of {n}); ratio baseline/app {q(base_us) / q(app_us):.2f}; "
              f"an incoming call (/voice) {q(call_us):.0f} us")
        if args.profile:
            write_profile(args.profile, app, prepared(rec, steps, args.calls, labels=menu))
    finally:
        r.stop()


if __name__ == "__main__":
    main()
