"""The peer: Twilio's own Flask IVR sample (TwilioDevEd/ivr-phone-tree-python), the thing a team would
start from, run under the same gunicorn settings and load as the hotline.

It is never vendored: at bench time it is taken from a local git mirror — $HOTLINE_BENCH_PEER (a git
directory or a checkout), else /work/.mirror/TwilioDevEd+ivr-phone-tree-python/repo (this machine has no
internet; `fetch` made that mirror) — and extracted to `bench/peers/<name>-<commit>/`, which git ignores
and no package imports; without a mirror the bench says "peer skipped: not fetched". It runs as
published, on this project's Flask and twilio (its requirements pin Python 2-era versions).

What it does per request, so the figure is read rightly: no signature check, no state, no Redis —
`POST /ivr/welcome` builds a fixed menu with twilio's VoiceResponse and returns it. Its key handler
`/ivr/menu` calls `dict.has_key`, gone since Python 3, so any key pressed there is an HTTP 500; the
menu it renders is what is timed (`peer_probe` reports what the key handler answers).
"""
from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from twilio.request_validator import RequestValidator

from .caller import HttpClient, Screens, Stats

NAME = "TwilioDevEd/ivr-phone-tree-python"
MIRROR = Path("/work/.mirror/TwilioDevEd+ivr-phone-tree-python/repo")
APP = "ivr_phone_tree_python:app"
PATH = "/ivr/welcome"
PEERS = Path(__file__).resolve().parent / "peers"  # git ignores all but its README


def source() -> Path | None:
    """Where the peer's code is on this machine, or None (not fetched)."""
    configured = os.environ.get("HOTLINE_BENCH_PEER")
    for candidate in ([Path(configured)] if configured else []) + [MIRROR]:
        if candidate.exists():
            return candidate
    return None


def extract(src: Path, peers: Path = PEERS) -> tuple[Path, str]:
    """The peer's tree under bench/peers/ (extracted once per commit), and the commit it is at."""
    git_dir = src / ".git" if (src / ".git").exists() else src
    commit = subprocess.run(["git", "--git-dir", str(git_dir), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, check=True).stdout.strip()
    dest = peers / f"{NAME.split('/')[1]}-{commit}"
    if not dest.exists():
        peers.mkdir(parents=True, exist_ok=True)
        part = Path(tempfile.mkdtemp(prefix=".extracting-", dir=peers))  # never a half-extracted tree under dest
        archive = subprocess.run(["git", "--git-dir", str(git_dir), "archive", "HEAD"], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(part)], input=archive.stdout, check=True)
        try:
            part.rename(dest)
        except OSError:  # another bench run extracted it meanwhile
            shutil.rmtree(part, ignore_errors=True)
    return dest, commit


async def run_peer(port: int, token: str, concurrency: int, max_requests: int, max_seconds: float,
                   stats: Stats) -> tuple[Stats, float]:
    """The same client work per request as the hotline's callers (sign, post Twilio's form, read the TwiML)."""
    max_requests += stats.requests
    validator = RequestValidator(token)
    url = f"http://127.0.0.1:{port}{PATH}"
    deadline = time.perf_counter() + max_seconds
    screens = Screens()

    async def loop():
        http = HttpClient("127.0.0.1", port)
        form = {"CallSid": "CA" + uuid.uuid4().hex, "AccountSid": "AC" + "0" * 32, "From": "+77010000000",
                "To": "+77270000000", "CallStatus": "in-progress", "Digits": "2"}
        while stats.requests < max_requests and time.perf_counter() < deadline:
            headers = {"X-Twilio-Signature": validator.compute_signature(url, form)}
            t0 = time.perf_counter()
            status, body = await http.post(PATH, form, headers)
            stats.latency["peer"].append(time.perf_counter() - t0)
            if status >= 400:
                stats.errors[f"peer HTTP {status}"] += 1
            else:
                screens.read(url, status, body)
        http.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(loop() for _ in range(concurrency)))
    return stats, time.perf_counter() - t0


def peer_probe(port: int) -> dict:
    """What the peer answers to its welcome menu and to a key pressed at it (status codes)."""
    import requests

    base = f"http://127.0.0.1:{port}"
    form = {"CallSid": "CA" + uuid.uuid4().hex, "Digits": "2"}
    return {"welcome": requests.post(base + "/ivr/welcome", data=form, timeout=10).status_code,
            "menu (key 2)": requests.post(base + "/ivr/menu", data=form, timeout=10).status_code}
