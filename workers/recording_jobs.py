"""Downloading a reviewer's kept recording from Twilio into the pending folder.

Queued by the reviewers' number (ivr/voice/review.py) when a reviewer presses 1 (keep). The job
fetches `RecordingUrl + ".wav"` with HTTP basic auth (account SID and auth token) — only from
Twilio's API host, and through TWILIO_API_BASE_URL when that is set (tests: the local fake) — checks
with soxi that it is audio, and saves it with its metadata as a pending recording
(ivr/voice/recordings.py). Twilio may not have finished the file when the job first runs: a 404 or
any transient failure raises, and RQ's Retry runs it again. The same pending id twice is harmless.
"""
from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import urllib3

from ivr.voice import recordings
from ivr.voice.audio import audio_dir

from .context import context

log = logging.getLogger(__name__)
TWILIO_API = "api.twilio.com"
MAX_BYTES = 20 * 1024 * 1024  # a minute of 8 kHz WAV is under 1 MB
_http = urllib3.PoolManager(retries=urllib3.Retry(0, read=False))


class DownloadError(Exception):
    """Raised so that RQ's Retry tries again later."""


def source_url(url: str, config: dict) -> str | None:
    """Where to fetch a RecordingUrl's WAV: Twilio's API host only (our credentials go with the request),
    rewritten to TWILIO_API_BASE_URL when set. None for any other address."""
    parts = urlsplit(url or "")
    account = config.get("TWILIO_ACCOUNT_SID") or ""
    if parts.scheme != "https" or parts.hostname != TWILIO_API or "/Recordings/" not in parts.path:
        return None
    if account and f"/Accounts/{account}/" not in parts.path:
        return None
    base = (config.get("TWILIO_API_BASE_URL") or f"https://{TWILIO_API}").rstrip("/")
    path = parts.path if parts.path.endswith(".wav") else parts.path + ".wav"
    return base + path


def download_recording(pid: str, url: str, meta: dict) -> str:
    ctx = context()
    directory = audio_dir(ctx.config)
    if recordings.get(directory, pid):
        return "already"
    source = source_url(url, ctx.config)
    if source is None:
        log.warning("recording %s: %r is not a Twilio recording URL of this account; not fetched", pid, url)
        return "refused"
    sid, token = ctx.config.get("TWILIO_ACCOUNT_SID"), ctx.config.get("TWILIO_AUTH_TOKEN")
    headers = urllib3.make_headers(basic_auth=f"{sid}:{token}") if sid else {}
    try:
        reply = _http.request("GET", source, headers=headers, timeout=urllib3.Timeout(total=30), preload_content=False)
        data = reply.read(MAX_BYTES + 1)
        reply.release_conn()
    except urllib3.exceptions.HTTPError as exc:
        raise DownloadError(f"recording {pid}: {exc}") from exc
    if reply.status != 200:
        raise DownloadError(f"recording {pid}: HTTP {reply.status} from Twilio")
    if len(data) > MAX_BYTES:
        log.warning("recording %s: larger than %s bytes; not kept", pid, MAX_BYTES)
        return "too_large"
    return _keep(directory, pid, data, meta)


def _keep(directory: Path, pid: str, data: bytes, meta: dict) -> str:
    recordings.pending_dir(directory).mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=recordings.pending_dir(directory), prefix=".dl-", suffix=".wav") as tmp:
        tmp.write(data)
        tmp.flush()
        ext = recordings.audio_type(Path(tmp.name))
        if ext is None:
            log.warning("recording %s: what Twilio sent is not audio; not kept", pid)
            return "not_audio"
        recordings.save(directory, pid, Path(tmp.name), ext, **meta)
    return "pending"
