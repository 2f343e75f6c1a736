"""Telephone audio stand-ins for the benchmark: production refuses to start while a language Twilio
cannot speak has no audio (ivr/services.py), and building it all with espeak-ng takes minutes.

`write(prompts, directory)` writes an audio index in which every line the catalog can say has a short
silent WAV of its own (hard links to one file: the URL names the line, as with built audio). The
app renders and serves <Play> exactly as with built audio; what the files say does not matter to
the webhooks' cost.
"""
from __future__ import annotations

import datetime as dt
import wave
from pathlib import Path

from ivr.content.catalog import load_catalog
from ivr.voice import audio

STUB = ".stub.wav"


def write(prompts: Path | str, directory: Path | str, sources: str | None = None) -> Path:
    directory = Path(directory)
    catalog = load_catalog(prompts, sources)
    lines = audio.spoken_lines(catalog, dt.date.today())
    for code in catalog.languages:
        folder = audio.index_path(directory, code).parent
        folder.mkdir(parents=True, exist_ok=True)
        with wave.open(str(folder / STUB), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(1)
            out.setframerate(8000)
            out.writeframes(b"\x80" * 800)
        entries = {}
        for ln in lines:
            if ln.lang == code:
                (folder / f"{ln.sha}.wav").hardlink_to(folder / STUB)
                entries[ln.sha] = {"ids": list(ln.ids), "text": ln.text, "current": True, "kind": "generated",
                                   "voice": "benchmark stand-in", "file": f"{ln.sha}.wav"}
        audio.write_json(audio.index_path(directory, code), {"lang": code, "lines": entries})
    return directory
