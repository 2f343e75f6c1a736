"""Pronunciation QA: what espeak-ng really says for every line, and `hotline audio check`.

For each line the voice menu can say, the text the synthesizer is fed (the spoken-text layer,
ivr/content/spoken.py) goes through `espeak-ng -v VOICE -q -X`: the phonemes, plus a trace of how
each word was read. A line is flagged for
  - `digits`: digits left in the fed text (the tk voice skips them, uz reads them one by one);
  - `silent`: text that yields no phonemes;
  - `switch`: a switch to another language's voice, shown as "(en)…(ky)" in the phonemes;
  - `spelled`: a word read letter by letter (the trace looks up its letters one at a time);
  - `duration`: with built audio, a generated file that is silent or whose length does not fit its text.
No WAV is made: the check takes a fraction of a build (~20 ms a line).
"""
from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from . import audio
from .audio_build import VOICES

PROBLEMS = ("digits", "silent", "switch", "spelled", "duration")
SWITCH = re.compile(r"\(([a-z]{2,3}(?:-[a-z]+)?)\)")
LETTER_LOOKUP = re.compile(r"^Found: '_?([^\W\d_]|[ʻʼ'’`])' ")  # one letter looked up on its own
TRACE = ("Found:", "Translate ", "Flags:", "Replace", "Also ", "Unpronouncable", "Unpronounceable")
SECONDS_PER_CHAR = (0.02, 0.3)  # a generated file's length for its fed text (150 words a minute ≈ 0.07 s)
MIN_SECONDS = 0.3


@dataclass
class Said:
    """What espeak-ng made of one line."""

    lang: str
    line_id: str
    text: str  # as written in the catalog
    spoken: str  # as fed to the synthesizer
    phonemes: str = ""
    problems: dict[str, str] = field(default_factory=dict)  # problem -> why


def espeak(voice: str, text: str) -> tuple[str, list[str]]:
    """(phonemes, trace lines) for `text` in `voice`."""
    out = subprocess.run(["espeak-ng", "-v", voice, "-q", "-X"], input=text.encode(), capture_output=True,
                         timeout=60).stdout.decode(errors="replace")
    phonemes, trace = [], []
    for row in out.splitlines():
        if not row.strip():
            continue
        (trace if row.startswith(TRACE) or "\t" in row else phonemes).append(row)
    return " ".join(phonemes), trace


def judge(said: Said, voice: str) -> Said:
    said.phonemes, trace = espeak(voice, said.spoken)
    if re.search(r"\d", said.spoken):
        said.problems["digits"] = ", ".join(re.findall(r"\S*\d\S*", said.spoken))
    if not said.phonemes.strip(" _:|") and re.search(r"[^\W\d_]", said.spoken):
        said.problems["silent"] = "no phonemes"
    switches = sorted(set(SWITCH.findall(said.phonemes)))
    if switches:
        said.problems["switch"] = "to " + ", ".join(switches)
    spelled = _spelled(trace, {w for w in re.findall(r"[^\W\d_]+", said.spoken.lower()) if len(w) == 1})
    if spelled:
        said.problems["spelled"] = ", ".join(spelled)
    return said


def _spelled(trace: list[str], one_letter_words: set[str]) -> list[str]:
    """Runs of two or more letters looked up one at a time: a word read letter by letter. (One letter
    alone is a one-letter word, or a voice's own split of a cluster, like kk "с-крининг".)"""
    runs, run = [], []
    for row in trace + ["end"]:
        m = LETTER_LOOKUP.match(row)
        if m and m.group(1).lower() not in one_letter_words:
            run.append(m.group(1))
            continue
        if row.startswith("Found: '_cyr'"):
            run.append("Cyrillic")
            continue
        if len(run) >= 2 or "Cyrillic" in run:
            runs.append("".join(x if x != "Cyrillic" else "(Cyrillic)" for x in run))
        run = []
    return runs


def judge_file(said: Said, entry: dict | None, folder: Path) -> None:
    if not entry or entry.get("kind") != "generated" or not (folder / entry["file"]).is_file():
        return
    if entry.get("audible") is False:
        said.problems["duration"] = "the file is silent"
        return
    seconds = entry.get("seconds") or audio.wav_seconds(folder / entry["file"])
    low, high = SECONDS_PER_CHAR
    chars = max(1, len(said.spoken))
    if seconds < MIN_SECONDS or not low * chars <= seconds <= high * chars:
        said.problems["duration"] = f"{seconds:.1f} s for {chars} characters"


def check(catalog, today: dt.date, langs=None, directory: Path | str | None = None, jobs: int = 2) -> list[Said]:
    """Every line of every language (or of `langs`), judged; with `directory`, built files too."""
    if not shutil.which("espeak-ng"):
        raise RuntimeError("espeak-ng is not installed (Debian: apt-get install espeak-ng)")
    speaker = audio.speaker(catalog)
    lines = audio.spoken_lines(catalog, today, langs)
    todo = [Said(ln.lang, ln.ids[0], ln.text, speaker.spoken(ln.lang, ln.said_from)) for ln in lines]
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        done = list(pool.map(lambda s: judge(s, VOICES.get(s.lang, s.lang)), todo))
    if directory is not None:
        for code in {s.lang for s in done}:
            index = audio.read_json(audio.index_path(Path(directory), code), {}).get("lines", {})
            folder = audio.index_path(Path(directory), code).parent
            for said, line in zip(done, lines, strict=True):
                if said.lang == code:
                    judge_file(said, index.get(line.sha), folder)
    return done


def summary(results: list[Said], languages) -> list[dict]:
    rows = []
    for code in languages:
        mine = [s for s in results if s.lang == code]
        if mine:
            rows.append({"lang": code, "lines": len(mine),
                         **{p: sum(p in s.problems for s in mine) for p in PROBLEMS}})
    return rows
