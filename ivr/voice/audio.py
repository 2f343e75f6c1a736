"""Telephone audio at run time: which file speaks a line, the route that serves it, and coverage.

This module owns
  - the key of a spoken line: a hash of (language, voice text), so that a changed text needs new audio;
  - `spoken_lines`: every (language, text) the voice renderer can say, walked with the flow engine;
  - the recordings ledger `audio/manifest.json` (committed): which text each human recording speaks;
  - the built index `audio/<lang>/generated/index.json` (built by `hotline audio build`, see
    ivr/voice/audio_build.py, not committed) and `AudioIndex`, which answers `url(lang, text)`;
  - `coverage`: per language present / missing / stale / recorded / generated, for the CLI and dashboard.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..request_urls import current_root

ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_AUDIO_DIR = ROOT / "audio"
MANIFEST = "manifest.json"
INDEX = "index.json"
CACHE_SECONDS = 365 * 86400  # file names are content hashes: a file never changes under its URL
RECORDED_EXTENSIONS = {".wav", ".mp3", ".ogg", ".oga", ".opus", ".flac", ".aif", ".aiff", ".au", ".m4a"}
FILE_NAME = re.compile(r"^[0-9a-f]{16}\.wav$")
MISSING = "missing-"  # file-name prefix of a line's audio that was not built (never served)


def audio_dir(config: dict) -> Path:
    return Path(config.get("HOTLINE_AUDIO_DIR") or os.environ.get("HOTLINE_AUDIO_DIR") or DEFAULT_AUDIO_DIR)


def text_sha(lang: str, text: str) -> str:
    """The key of a spoken line: what is said, in which language (16 hex digits are plenty)."""
    return hashlib.sha256(f"{lang}\n{text}".encode()).hexdigest()[:16]


# -- what can be said ----------------------------------------------------------------------

@dataclass(frozen=True)
class Line:
    lang: str
    text: str
    ids: tuple[str, ...]  # line ids: a prompt id, or e.g. "ui.option--opt.facts--1" for a formatted one
    source: str = ""  # what the spoken-text layer starts from: `text`, or the prompts' `spoken:` overrides

    @property
    def said_from(self) -> str:
        return self.source or self.text

    @property
    def sha(self) -> str:
        return text_sha(self.lang, self.text)


class _IdCatalog:
    """The catalog as the renderer sees it, remembering which prompt id (and arguments) gave each text."""

    def __init__(self, catalog):
        self._cat = catalog
        self.ids: dict[tuple[str, str], set[str]] = {}
        self.sources: dict[tuple[str, str], str] = {}  # (lang, text) -> the spoken-override text it comes from
        self._pid_of: dict[tuple[str, str], str] = {}

    def __getattr__(self, name):
        return getattr(self._cat, name)

    def voice(self, lang: str, pid: str, **fmt) -> str:
        text = self._cat.voice(lang, pid, **fmt)
        said_fmt = {k: self.sources.get((lang, str(v)), str(v)) for k, v in fmt.items()}
        self.sources.setdefault((lang, text), self._cat.spoken(lang, pid, **said_fmt))
        if fmt:
            line_id = "--".join([pid] + [self._pid_of.get((lang, str(v)), str(v)) for v in fmt.values()])
        else:
            line_id = pid
            self._pid_of[(lang, text)] = pid
        self.ids.setdefault((lang, text), set()).add(line_id)
        return text


def _notices(catalog, lang: str) -> list[str]:
    """Every plain ui.* prompt may be said as a notice (welcome back, wrong key, no input, SMS sent…)."""
    return sorted(p for p, prompt in catalog.langs[lang].prompts.items()
                  if p.startswith("ui.") and "{" not in prompt.voice)


def spoken_lines(catalog, today: dt.date, langs=None) -> list[Line]:
    """Every line the voice renderer can say from `today` on: each node and page of the tree,
    the language menu, notices and goodbyes, in every language (or those in `langs`)."""
    from ..content.model import LANGUAGE_MENU
    from ..flow import Flow
    from ..store.sessions import Session
    from .render import VoiceRenderer

    idcat = _IdCatalog(catalog)
    renderer, flow = VoiceRenderer(idcat), Flow(idcat)
    langs = [code for code in catalog.languages if langs is None or code in langs]
    said: set[tuple[str, str]] = set()
    for day in catalog.change_days(today):
        for lang in langs:
            notices = _notices(catalog, lang)
            for nid, node in catalog.nodes.items():
                for page in range(flow.page_count(node, day) if node.is_list else 1):
                    session = Session(id="walk", caller="walk", lang=lang, node=nid, page=page)
                    said.update(renderer.lines(flow.screen(session, day, notices=notices)))
            session = Session(id="walk", caller="walk", lang=lang, node=LANGUAGE_MENU)
            said.update(renderer.lines(flow.screen(session, day, notices=notices)))
            if lang in catalog.language_by_country.values():  # a first call offered this language
                session = Session(id="walk", caller="walk", node=LANGUAGE_MENU, offer=lang)
                said.update(renderer.lines(flow.screen(session, day, notices=["ui.greeting"])))
    said = {(lang, text) for lang, text in said if lang in langs}
    return [Line(lang, text, tuple(sorted(idcat.ids.get((lang, text), {"line." + text_sha(lang, text)}))),
                 idcat.sources.get((lang, text), text))
            for lang, text in sorted(said)]


def speaker(catalog):
    """The spoken-text layer for a catalog: its rules live in <prompts>/spoken/<lang>.yaml."""
    from ..content.spoken import Speaker

    return Speaker(Path(catalog.directory) / "spoken")


# -- the files on disk ----------------------------------------------------------------------

def read_json(path: Path, default):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return default


def write_json(path: Path, data) -> bool:
    """Write atomically; return whether the content changed."""
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return True


def read_ledger(directory: Path) -> dict:
    """The recordings ledger: {lang: {line id: {source, source_sha, text_sha, text}}}."""
    return read_json(Path(directory) / MANIFEST, {}).get("recorded", {})


def recorded_files(directory: Path, lang: str) -> dict[str, Path]:
    """Recordings dropped in audio/<lang>/recorded/, by line id (the file name without extension)."""
    folder = Path(directory) / lang / "recorded"
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.iterdir())
            if p.is_file() and p.suffix.lower() in RECORDED_EXTENSIONS and not p.name.startswith(".")}


def file_sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def wav_seconds(path: Path) -> float:
    """The length of a WAV file from its header (any sample format)."""
    data = Path(path).read_bytes()
    i, rate, width, size = 12, 8000, 1, 0
    while i + 8 <= len(data):
        chunk, length = data[i:i + 4], int.from_bytes(data[i + 4:i + 8], "little")
        if chunk == b"fmt ":
            channels = int.from_bytes(data[i + 10:i + 12], "little")
            rate = int.from_bytes(data[i + 12:i + 16], "little")
            width = max(1, int.from_bytes(data[i + 22:i + 24], "little") // 8) * channels
        elif chunk == b"data":
            size = min(length, len(data) - i - 8)
        i += 8 + length + (length & 1)
    return round(size / (rate * width), 3) if rate else 0.0


def pcm16_audible(wav: bytes, threshold: int = 1000) -> bool:
    """Whether a 16-bit PCM WAV (what espeak-ng writes) holds any sound, judged before normalising:
    sox's `norm` would lift a silent file's dither to full loudness."""
    samples = memoryview(wav[44:len(wav) - (len(wav) - 44) % 2]).cast("h")
    return bool(len(samples)) and max(max(samples), -min(samples)) > threshold


def index_path(directory: Path, lang: str) -> Path:
    return Path(directory) / lang / "generated" / INDEX


# -- serving -------------------------------------------------------------------------------

class AudioIndex:
    """What `hotline audio build` produced, for the renderer (`url`) and the route (`path`).

    Re-reads the index files when they change (checked at most every `recheck` seconds), so a
    rebuild reaches a running app without a restart.
    """

    def __init__(self, directory: Path | str, public_url: str = "", recheck: float = 10.0):
        self.directory = Path(directory)
        self.public_url = (public_url or "").rstrip("/")
        self.recheck = recheck
        self._lock = threading.Lock()
        self._stamp: tuple = ()
        self._checked = 0.0
        self.lines: dict[tuple[str, str], dict] = {}  # (lang, text sha) -> index entry
        self.files: dict[tuple[str, str], Path] = {}  # (lang, file name) -> path
        self.texts: dict[tuple[str, str], str] = {}  # (lang, file name) -> the words it says
        self._reload()

    def _stamps(self) -> tuple:
        out = []
        for path in sorted(self.directory.glob(f"*/generated/{INDEX}")):
            try:
                out.append((str(path), path.stat().st_mtime_ns))
            except FileNotFoundError:
                pass
        return tuple(out)

    def _reload(self) -> None:
        stamp = self._stamps()
        lines, files, texts = {}, {}, {}
        for path_str, _ in stamp:
            path = Path(path_str)
            lang = path.parent.parent.name
            for sha, entry in read_json(path, {}).get("lines", {}).items():
                lines[(lang, sha)] = entry
                files[(lang, entry["file"])] = path.parent / entry["file"]
                texts[(lang, entry["file"])] = entry.get("text", "")
        self.lines, self.files, self.texts, self._stamp = lines, files, texts, stamp
        self._checked = time.monotonic()

    def refresh(self) -> None:
        if time.monotonic() - self._checked < self.recheck:
            return
        with self._lock:
            self._checked = time.monotonic()
            if self._stamps() != self._stamp:
                self._reload()

    def entry(self, lang: str, text: str) -> dict | None:
        self.refresh()
        return self.lines.get((lang, text_sha(lang, text)))

    def url(self, lang: str, text: str, stale_ok: bool = False) -> str | None:
        """The absolute URL of the audio that says `text`; None when there is none (or only a stale
        recording, unless `stale_ok`)."""
        entry = self.entry(lang, text)
        if entry is None or not (entry.get("current", True) or stale_ok):
            return None
        base = self.public_url or current_root().rstrip("/")
        return f"{base}/audio/{lang}/{entry['file']}"

    def missing_url(self, lang: str, text: str) -> str:
        """Where a line's audio would be if it were built: it is not (the route answers 404). Only a
        development app without audio renders it; production refuses to start (services.py)."""
        base = self.public_url or current_root().rstrip("/")
        return f"{base}/audio/{lang}/{MISSING}{text_sha(lang, text)}.wav"

    def words(self, url: str) -> str | None:
        """The words a built audio URL of this index says (the terminal phone shows them), or None."""
        parts = url.split("?")[0].rstrip("/").split("/")
        if len(parts) < 3 or parts[-3] != "audio":
            return None
        self.refresh()
        return self.texts.get((parts[-2], parts[-1]))

    def path(self, lang: str, name: str) -> Path | None:
        """A file the index lists, and only that: never a path built from the request."""
        self.refresh()
        return self.files.get((lang, name)) if FILE_NAME.match(name) else None


class Transcript:
    """The words behind an audio URL, for a terminal phone and tests: from the built index, or, for a
    line not built yet (a `missing-<text key>.wav` URL), from the catalog's own lines."""

    def __init__(self, catalog, index: AudioIndex, today: dt.date):
        self.catalog, self.index, self.today = catalog, index, today
        self._by_sha: dict[tuple[str, str], str] | None = None

    def words(self, url: str) -> str | None:
        found = self.index.words(url)
        name = url.split("?")[0].rsplit("/", 1)[-1]
        if found is not None or not name.startswith(MISSING):
            return found
        if self._by_sha is None:
            self._by_sha = {(ln.lang, ln.sha): ln.text for ln in spoken_lines(self.catalog, self.today)}
        lang = url.split("?")[0].rsplit("/", 2)[-2]
        return self._by_sha.get((lang, name[len(MISSING):].removesuffix(".wav")))


# -- coverage ------------------------------------------------------------------------------

def coverage(catalog, directory: Path | str, today: dt.date, lines: list[Line] | None = None) -> list[dict]:
    """Per language: lines the hotline can say, how many have current audio (recorded / generated),
    how many have none (missing: run `hotline audio build`; a silent generated file counts as missing
    and as `silent`), and recordings whose text changed
    since they were recorded (stale), recordings not yet built (new) and for no current line (unused)."""
    directory = Path(directory)
    lines = spoken_lines(catalog, today) if lines is None else lines
    ledger = read_ledger(directory)
    rows = []
    for code in catalog.languages:
        index = read_json(index_path(directory, code), {}).get("lines", {})
        mine = [ln for ln in lines if ln.lang == code]
        files = recorded_files(directory, code)
        book = ledger.get(code, {})
        built = {ln.sha: index[ln.sha] for ln in mine
                 if ln.sha in index and index[ln.sha].get("current", True)
                 and (index_path(directory, code).parent / index[ln.sha]["file"]).is_file()}
        # A file the synthesizer made silent (a line of digits the tk voice skips) is not "present".
        silent = {sha for sha, entry in built.items() if entry.get("audible") is False}
        current = {sha: entry for sha, entry in built.items() if sha not in silent}
        sha_of = {i: ln.sha for ln in mine for i in ln.ids}
        taken = {i for i, rec in book.items() if i in files and file_sha(files[i]) == rec["source_sha"]}
        stale = sorted(i for i in taken if i in sha_of and book[i]["text_sha"] != sha_of[i])
        rows.append({
            "lang": code, "lines": len(mine), "present": len(current), "missing": len(mine) - len(current),
            "recorded": sum(e["kind"] == "recorded" for e in current.values()),
            "generated": sum(e["kind"] == "generated" for e in current.values()),
            "stale": len(stale), "stale_ids": stale, "silent": len(silent),
            "silent_ids": sorted(ln.ids[0] for ln in mine if ln.sha in silent),
            "missing_ids": sorted(ln.ids[0] for ln in mine if ln.sha not in current),
            "new_ids": sorted(i for i in files if i in sha_of and i not in taken),
            "unused_ids": sorted(i for i in files if i not in sha_of),
        })
    return rows
