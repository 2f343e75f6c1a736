"""Native speakers' recordings on their way to callers: pending, then accepted (or rejected).

A recording made on the reviewers' number (ivr/voice/review.py, downloaded by
workers/recording_jobs.py) or uploaded in the dashboard (ivr/ops/admin/recording_views.py) waits in
`<audio dir>/pending/` (not committed) as `<id>.<ext>` with `<id>.json`: lang, line id, the exact
text and its key (`text_sha`) at recording time, reviewer (a caller hash or an operator's name),
source (phone | upload), time, seconds. A pending recording is never served to callers: the audio
index does not know it, and only the dashboard's login-required route plays it.

`accept` moves it to `audio/<lang>/recorded/<line id>.<ext>`, writes the ledger (manifest.json)
with the text key AT RECORDING TIME — a recording of a text that has changed since is stale at
once — and rebuilds the language's recorded audio (the `--recorded-only` build, which keeps the
robot's files): a running app serves it within AudioIndex's 10 s. `reject` deletes it.
"""
from __future__ import annotations

import fcntl
import re
import shutil
import subprocess
import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from . import audio, audio_build

PENDING = "pending"
ID_RE = re.compile(r"^[0-9a-f]{16}$")
LINE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
UPLOAD_TYPES = {"wav": ".wav", "flac": ".flac", "ogg": ".ogg", "vorbis": ".ogg", "mp3": ".mp3", "mpeg": ".mp3"}
MIME = {".wav": "audio/wav", ".flac": "audio/flac", ".ogg": "audio/ogg", ".mp3": "audio/mpeg"}


class RecordingError(ValueError):
    pass


@dataclass
class Pending:
    id: str
    lang: str
    line_id: str
    text: str  # the line's text when it was recorded
    text_sha: str  # its key (audio.text_sha): the ledger keeps this one
    reviewer: str  # a reviewer's caller hash, or the operator who uploaded it
    source: str  # phone | upload
    time: float
    seconds: float
    ext: str
    recording_sid: str = ""

    def file(self, directory: Path) -> Path:
        return pending_dir(directory) / f"{self.id}{self.ext}"

    @property
    def mimetype(self) -> str:
        return MIME.get(self.ext, "application/octet-stream")


def pending_dir(directory: Path | str) -> Path:
    return Path(directory) / PENDING


def new_id() -> str:
    return uuid.uuid4().hex[:16]


def audio_type(path: Path) -> str | None:
    """The file's extension by its content (soxi reads the header), or None when it is no audio we take."""
    try:
        proc = subprocess.run(["soxi", "-t", str(path)], capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return UPLOAD_TYPES.get(proc.stdout.decode(errors="replace").strip().lower()) if proc.returncode == 0 else None


def seconds_of(path: Path) -> float:
    proc = subprocess.run(["soxi", "-D", str(path)], capture_output=True, timeout=20)
    try:
        return round(float(proc.stdout.decode().strip()), 2)
    except ValueError:
        return 0.0


def save(directory: Path | str, pid: str, source_file: Path, ext: str, **meta) -> Pending:
    """Keep `source_file` as pending recording `pid` (the same id again replaces it: a retried job)."""
    if not ID_RE.match(pid) or not LINE_ID_RE.match(meta.get("line_id", "")) or ext not in MIME:
        raise RecordingError("bad recording id, line id or type")
    folder = pending_dir(directory)
    folder.mkdir(parents=True, exist_ok=True)
    rec = Pending(id=pid, ext=ext, **meta)
    tmp = folder / f".{pid}.{uuid.uuid4().hex[:6]}.tmp"
    shutil.copyfile(source_file, tmp)
    tmp.replace(rec.file(directory))
    audio.write_json(folder / f"{pid}.json", asdict(rec))  # last: a listed recording has its file
    return rec


def get(directory: Path | str, pid: str) -> Pending | None:
    if not ID_RE.match(pid or ""):
        return None
    data = audio.read_json(pending_dir(directory) / f"{pid}.json", None)
    rec = Pending(**data) if data else None
    return rec if rec and rec.file(Path(directory)).is_file() else None


def all_pending(directory: Path | str, lang: str | None = None) -> list[Pending]:
    folder = pending_dir(directory)
    found = [get(directory, p.stem) for p in folder.glob("*.json")] if folder.is_dir() else []
    return sorted((r for r in found if r and (lang is None or r.lang == lang)), key=lambda r: r.time)


def pending_lines(directory: Path | str, lang: str) -> set[str]:
    """Line ids with a recording waiting: the reviewer is not asked for them again."""
    return {r.line_id for r in all_pending(directory, lang)}


def reject(directory: Path | str, pid: str) -> bool:
    rec = get(directory, pid)
    if rec is None:
        return False
    _remove(Path(directory), rec)
    return True


def _remove(directory: Path, rec: Pending) -> None:
    (pending_dir(directory) / f"{rec.id}.json").unlink(missing_ok=True)
    rec.file(directory).unlink(missing_ok=True)


@contextmanager
def _audio_lock(directory: Path):
    """One ledger writer at a time (two admins accepting at once, a build)."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".recordings.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


PREVIOUS = ".previous"  # audio/<lang>/recorded/.previous/: the recording an accept replaced, for a revert


def _keep_previous(directory: Path, manifest: dict, lang: str, line_id: str) -> None:
    """Move the line's current recording (if any) aside, with its ledger entry under manifest['previous']:
    one step of history per line, enough to undo an accept. A line with none keeps `None` there: a
    revert then goes back to the robot voice."""
    folder = directory / lang / "recorded"
    keep = folder / PREVIOUS
    keep.mkdir(parents=True, exist_ok=True)
    for stale in keep.glob(f"{line_id}.*"):
        stale.unlink()
    current = audio.recorded_files(directory, lang).get(line_id)
    entry = manifest.get("recorded", {}).get(lang, {}).get(line_id)
    if current is not None:
        current.replace(keep / current.name)  # perhaps another format of the same line: one recording per line
    manifest.setdefault("previous", {}).setdefault(lang, {})[line_id] = entry if current is not None else None


def revert(catalog, directory: Path | str, today, lang: str, line_id: str) -> bool:
    """Undo the last accept of a line: the recording it replaced comes back (or the robot voice, if there
    was none); the undone one is kept aside in its place, so a second revert redoes it. False when the
    line has no accept to undo."""
    directory = Path(directory)
    with _audio_lock(directory):
        manifest = audio.read_json(directory / audio.MANIFEST, {})
        previous = manifest.get("previous", {}).get(lang, {})
        if line_id not in previous:
            return False
        entry = previous[line_id]
        folder = directory / lang / "recorded"
        back = next((p for p in (folder / PREVIOUS).glob(f"{line_id}.*")), None) if entry else None
        parked = folder / PREVIOUS / "swap"
        parked.mkdir(parents=True, exist_ok=True)
        if back is not None:
            back = back.replace(parked / back.name)
        _keep_previous(directory, manifest, lang, line_id)
        book = manifest.setdefault("recorded", {}).setdefault(lang, {})
        if back is not None and entry:
            back.replace(folder / back.name)
            book[line_id] = entry
        else:
            book.pop(line_id, None)
        audio.write_json(directory / audio.MANIFEST, manifest)
        result = audio_build.build(catalog, directory, today, [lang], use_robot=shutil.which("espeak-ng") is not None)
        if result.errors:
            raise RecordingError("; ".join(result.errors))
    return True


def revertible(directory: Path | str, lang: str) -> set[str]:
    """The lines of `lang` whose last accept can be undone."""
    manifest = audio.read_json(Path(directory) / audio.MANIFEST, {})
    return set(manifest.get("previous", {}).get(lang, {}))


@dataclass
class Accepted:
    rec: Pending
    target: Path
    current: bool  # False: the text changed since the recording: stale at once (robot voice)
    seconds: float  # how long the rebuild took


def accept(catalog, directory: Path | str, today, pid: str) -> Accepted:
    """Make a pending recording the line's recording (see the module docstring)."""
    directory = Path(directory)
    started = time.monotonic()
    with _audio_lock(directory):
        rec = get(directory, pid)
        if rec is None:
            raise RecordingError("no such pending recording")
        folder = directory / rec.lang / "recorded"
        folder.mkdir(parents=True, exist_ok=True)
        manifest = audio.read_json(directory / audio.MANIFEST, {})
        book = manifest.setdefault("recorded", {}).setdefault(rec.lang, {})
        _keep_previous(directory, manifest, rec.lang, rec.line_id)  # so that an admin can revert
        target = folder / f"{rec.line_id}{rec.ext}"
        shutil.copyfile(rec.file(directory), target)
        book[rec.line_id] = {"source": target.name, "source_sha": audio.file_sha(target), "text_sha": rec.text_sha,
                             "text": rec.text}
        audio.write_json(directory / audio.MANIFEST, manifest)
        result = audio_build.build(catalog, directory, today, [rec.lang], use_robot=False)
        if result.errors:
            raise RecordingError("; ".join(result.errors))
        _remove(directory, rec)
    current = f"{rec.lang}/{rec.line_id}" not in result.stale
    return Accepted(rec, target, current, round(time.monotonic() - started, 3))
