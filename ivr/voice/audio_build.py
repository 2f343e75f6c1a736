"""Building telephone audio (the `hotline audio` command is ivr/voice/audio_cli.py).

`build` turns every line the hotline can say (ivr/voice/audio.py `spoken_lines`) into an 8 kHz mono
μ-law WAV under audio/<lang>/generated/<content hash>.wav, and writes the index the app serves
from. A human recording in audio/<lang>/recorded/<line id>.<wav|flac|ogg|mp3…> wins over the
robot voice while the text it was recorded for is current; the ledger audio/manifest.json keeps
that text's hash. Only lines whose text, spoken form or voice settings changed are rebuilt. The robot
voice is fed the spoken-text layer's words (ivr/content/spoken.py), recorded in the index as
`spoken` with the `voice`. Voices: espeak-ng, then sox for the telephone format; Tajik, which
espeak-ng lacks, is read by the Persian voice from a Latin transliteration (prompts/spoken/tg.yaml;
audio/README.md says why).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from . import audio

VOICES = {"kk": "kk", "ru": "ru", "ky": "ky", "uz": "uz", "tk": "tk", "az": "az", "hy": "hy", "tg": "fa-latn"}
SPEED = 150  # words per minute: a little slower than espeak's 175, for a phone line
TELEPHONE = ["-r", "8000", "-c", "1", "-e", "u-law"]  # sox output options: what the phone network carries
EFFECTS = ["norm", "-3"]  # the same loudness for every prompt, recorded or generated
FORMAT_VERSION = 2  # bump to rebuild everything after a change in how files are made


class BuildError(Exception):
    pass


def voice_spec(lang: str) -> str:
    """Everything that decides how a generated file sounds: a change rebuilds it."""
    return f"espeak-ng -v {VOICES.get(lang, lang)} -s {SPEED} | sox {' '.join(TELEPHONE + EFFECTS)} | v{FORMAT_VERSION}"


def _run(cmd: list[str], stdin: bytes | None = None) -> bytes:
    proc = subprocess.run(cmd, input=stdin, capture_output=True, timeout=120)
    if proc.returncode != 0:
        raise BuildError(f"{cmd[0]} failed: {proc.stderr.decode(errors='replace').strip()[:300]}")
    return proc.stdout


def _store(folder: Path, make) -> str:
    """Make a file via `make(tmp_path)`, then keep it under its content hash; return its name."""
    with tempfile.TemporaryDirectory(dir=folder, prefix=".build-") as tmp:
        out = Path(tmp) / "out.wav"
        make(out)
        name = hashlib.sha256(out.read_bytes()).hexdigest()[:16] + ".wav"
        out.replace(folder / name)
    return name


def generate(lang: str, spoken: str, folder: Path) -> dict:
    """Synthesize `spoken` (already through the spoken-text layer); returns the file name, its length
    and whether it holds any sound at all."""
    heard = {}

    def make(out: Path):
        wav = _run(["espeak-ng", "-v", VOICES.get(lang, lang), "-s", str(SPEED), "-b", "1", "--stdout"],
                   spoken.encode())
        heard["audible"] = audio.pcm16_audible(wav)
        _run(["sox", "-q", "-t", "wav", "-", *TELEPHONE, str(out), *EFFECTS], wav)
        heard["seconds"] = audio.wav_seconds(out)

    return dict(file=_store(folder, make), **heard)


def convert(source: Path, folder: Path) -> dict:
    heard = {}

    def make(out: Path):
        _run(["sox", "-q", str(source), *TELEPHONE, str(out), *EFFECTS])
        heard["seconds"] = audio.wav_seconds(out)

    return dict(file=_store(folder, make), **heard)


# -- building ------------------------------------------------------------------------------

@dataclass
class Result:
    made: int = 0
    kept: int = 0
    stale: list[str] = field(default_factory=list)  # "lang/line id" of recordings whose text changed
    errors: list[str] = field(default_factory=list)


def _register_recordings(directory: Path, lang: str, lines: list[audio.Line], book: dict) -> None:
    """A new or replaced recording speaks the line's current text; a removed one leaves the ledger."""
    files = audio.recorded_files(directory, lang)
    text_of = {i: ln for ln in lines for i in ln.ids}
    for line_id in list(book):
        if line_id not in files:
            del book[line_id]
    for line_id, path in files.items():
        sha = audio.file_sha(path)
        line = text_of.get(line_id)
        if line and book.get(line_id, {}).get("source_sha") != sha:
            book[line_id] = {"source": path.name, "source_sha": sha, "text_sha": line.sha, "text": line.text}


def _plan(directory: Path, lang: str, lines, book: dict, old: dict, use_robot: bool, result: Result, speaker):
    """For each line: keep the old entry, or a job that makes the file. Returns (entries, jobs)."""
    folder = audio.index_path(directory, lang).parent
    files = audio.recorded_files(directory, lang)
    entries, jobs = {}, []
    for line in lines:
        recs = [i for i in line.ids if i in book and i in files]
        current = [i for i in recs if book[i]["text_sha"] == line.sha]
        result.stale += [f"{lang}/{i}" for i in recs if i not in current]
        base = {"ids": list(line.ids), "text": line.text, "current": True}
        if current:
            want = dict(base, kind="recorded", source=book[current[0]]["source"],
                        source_sha=book[current[0]]["source_sha"], voice="recording " + " ".join(TELEPHONE + EFFECTS))
            maker = (convert, files[current[0]], folder)
        elif use_robot:
            spoken = speaker.spoken(lang, line.said_from)  # the exact text the synthesizer is fed
            want = dict(base, kind="generated", voice=voice_spec(lang), spoken=spoken)
            maker = (generate, lang, spoken, folder)
        elif _robot_kept(old.get(line.sha), folder):
            # --recorded-only makes no robot audio, and keeps what an earlier build made for this very
            # text (the dashboard's accept rebuilds one language this way without removing the robot).
            entries[line.sha] = dict(old[line.sha], ids=list(line.ids), text=line.text, current=True)
            result.kept += 1
            continue
        elif recs:  # no robot voice asked for: a stale recording, marked as such
            rec = book[recs[0]]
            want = dict(base, kind="recorded", current=False, source=rec["source"], source_sha=rec["source_sha"],
                        voice="recording " + " ".join(TELEPHONE + EFFECTS))
            maker = (convert, files[recs[0]], folder)
        else:
            continue
        have = old.get(line.sha)
        same = have and all(have.get(k) == want.get(k) for k in ("kind", "voice", "source_sha", "current", "spoken"))
        if same and (folder / have["file"]).is_file():
            entries[line.sha] = {**have, **want}
            result.kept += 1
        else:
            jobs.append((line, want, maker))
    return entries, jobs


def _robot_kept(have: dict | None, folder: Path) -> bool:
    return bool(have) and have.get("kind") == "generated" and (folder / have["file"]).is_file()


def _make(job):
    line, want, (fn, *args) = job
    try:
        return line, dict(want, **fn(*args)), None
    except (BuildError, OSError, subprocess.TimeoutExpired) as exc:
        return line, None, f"{line.lang}/{line.ids[0]}: {exc}"


def _build_language(directory: Path, lang: str, lines, book: dict, use_robot: bool, jobs: int, progress,
                    result: Result, speaker) -> None:
    folder = audio.index_path(directory, lang).parent
    folder.mkdir(parents=True, exist_ok=True)
    old = audio.read_json(audio.index_path(directory, lang), {}).get("lines", {})
    entries, todo = _plan(directory, lang, lines, book, old, use_robot, result, speaker)
    progress(lang, 0, len(todo))
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for done, (line, entry, error) in enumerate(pool.map(_make, todo), 1):
            if error:
                result.errors.append(error)
            else:
                entries[line.sha] = entry
                result.made += 1
            progress(lang, done, len(todo))
    audio.write_json(audio.index_path(directory, lang), {"lang": lang, "lines": entries})
    keep = {e["file"] for e in entries.values()} | {audio.INDEX}
    for path in folder.iterdir():
        if path.is_file() and path.name not in keep:
            path.unlink()  # files no line uses any more


def build(catalog, directory: Path | str, today: dt.date, langs=None, jobs: int = 2, use_robot: bool = True,
          progress=None) -> Result:
    """Build audio for every line of every language (or of `langs`); see the module docstring.

    `progress(lang, done, total)` is called as files are made."""
    directory = Path(directory)
    if use_robot and not shutil.which("espeak-ng"):
        raise BuildError("espeak-ng is not installed (Debian: apt-get install espeak-ng sox)")
    if not shutil.which("sox"):
        raise BuildError("sox is not installed (Debian: apt-get install sox)")
    manifest = audio.read_json(directory / audio.MANIFEST, {})
    ledger = manifest.setdefault("recorded", {})
    result = Result()
    all_lines = audio.spoken_lines(catalog, today, langs)
    speaker = audio.speaker(catalog)
    for lang in [code for code in catalog.languages if langs is None or code in langs]:
        lines = [ln for ln in all_lines if ln.lang == lang]
        book = ledger.setdefault(lang, {})
        _register_recordings(directory, lang, lines, book)
        _build_language(directory, lang, lines, book, use_robot, jobs, progress or (lambda *a: None), result,
                        speaker)
        if not book:
            del ledger[lang]
    manifest["format"] = FORMAT_VERSION
    audio.write_json(directory / audio.MANIFEST, manifest)
    return result


def accept(catalog, directory: Path | str, today: dt.date, lang: str, line_id: str) -> bool:
    """Declare that a recording still says what the (changed) text says: it is current again."""
    directory = Path(directory)
    manifest = audio.read_json(directory / audio.MANIFEST, {})
    rec = manifest.get("recorded", {}).get(lang, {}).get(line_id)
    line = next((ln for ln in audio.spoken_lines(catalog, today, [lang]) if line_id in ln.ids), None)
    if not rec or not line:
        return False
    rec.update(text_sha=line.sha, text=line.text)
    audio.write_json(directory / audio.MANIFEST, manifest)
    return True
