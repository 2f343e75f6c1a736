"""Pronunciation QA: what espeak-ng really says for every line, and `hotline audio check`.

For each line the voice menu can say, the text the synthesizer is fed (the spoken-text layer,
ivr/content/spoken.py) goes through `espeak-ng -v VOICE -q -X`: the phonemes, plus a trace of how
each word was read. A line is flagged for
  - `digits`: digits left in the fed text (the tk voice skips them, uz reads them one by one);
  - `silent`: text that yields no phonemes;
  - `switch`: a switch to another language's voice, shown as "(en)…(ky)" in the phonemes;
  - `spelled`: a word read letter by letter (the trace looks up its letters one at a time);
  - `duration`: with built audio, a generated file that is silent or whose length does not fit its text;
  - `letters`: capitals fed to the voice as one-letter words in a row (bare letters, "в О С М С", "А, В"):
    the spoken rules say each by its name (`letters:`);
  - `pause`: an apostrophe the voice reads as a pause (`_:` after the word, gone without the apostrophe);
  - `mixed`: an abbreviation the lexicon spells with other letter names than the language's `letters:`;
  - `lookalike`: a letter the language does not have (tk ń for ň) or a pair that never meets in one of its
    words (az dotted İ and dotless I), by `alphabet:` / `never_in_one_word:` of prompts/spoken/<lang>.yaml;
  - `say`: in a language Twilio's <Say> speaks, Latin or an abbreviation that would reach the voice raw
    (it gets words, or <say-as interpret-as="characters">: `spoken.for_say`);
  - `agreement`: a number before a noun in an oblique case the rules give no form for ("при 23 болезнях"
    must be said "двадцати трёх"): `numbers.oblique_endings` and `forms:`.
No WAV is made: the check takes a fraction of a build (~20 ms a line).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from . import audio
from .audio_build import VOICES

PROBLEMS = ("digits", "silent", "switch", "spelled", "duration", "letters", "pause", "mixed", "lookalike", "say",
            "agreement")
SWITCH = re.compile(r"\(([a-z]{2,3}(?:-[a-z]+)?)\)")
LETTER_LOOKUP = re.compile(r"^Found: '_?([^\W\d_]|[ʻʼ'’`])' ")  # one letter looked up on its own
TRACE = ("Found:", "Translate ", "Flags:", "Replace", "Also ", "Unpronouncable", "Unpronounceable")
ONE_LETTER_WORDS = re.compile(r"(?<![\w'-])[^\W\d_](?:[ ,]+[^\W\d_])+(?![\w'])")  # "օ ս մ ս", fed as it is
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


def judge(said: Said, voice: str, rules=None, says: bool = False) -> Said:
    """`rules`: the language's spoken rules (the written-text checks); `says`: Twilio's <Say> speaks it."""
    said.phonemes, trace = espeak(voice, said.spoken)
    if rules is not None:
        written_checks(said, rules, says)
    if "'" in said.spoken and said.phonemes.count("_:") > espeak(voice, said.spoken.replace("'", ""))[0].count("_:"):
        said.problems["pause"] = ", ".join(w for w in said.spoken.split() if "'" in w)
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


def written_checks(said: Said, rules, says: bool) -> None:
    """What the written line and the rules give away before any sound: bare letters, mixed letter names,
    look-alike letters, raw text for <Say>, a number's form."""
    from ..content import spoken

    text = said.text
    before_script = spoken.speak(dataclasses.replace(rules, transliterate={}), text)  # tg: before its Latin
    bare = [m.group() for m in ONE_LETTER_WORDS.finditer(before_script) if any(c.isupper() for c in m.group())]
    if bare:
        said.problems["letters"] = ", ".join(bare)
    mixed = [k for k in spoken.mixed_letter_names(rules) if re.search(rf"(?<!\w){re.escape(k)}", text)]
    if mixed:
        said.problems["mixed"] = ", ".join(f"{k}: {rules.words[k]}" for k in mixed)
    odd = _lookalikes(rules, text)
    if odd:
        said.problems["lookalike"] = ", ".join(odd)
    if says:
        raw = [w for kind, part, _ in spoken.for_say(rules, text) if kind == "text"
               for w in re.findall(r"[A-Za-z]+|[^\W\d_]*[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ]{2,}[^\W\d_]*", part)]
        if raw:
            said.problems["say"] = ", ".join(raw)
    endings = tuple((rules.numbers or {}).get("oblique_endings") or ())
    forms = (rules.numbers or {}).get("forms") or {}
    if endings:
        loose = [m.group() for m in re.finditer(r"(?<![\d.\w])\d+(?:[.,]\d+)?\s+([^\W\d_]+)", text)
                 if m.group(1).lower().endswith(endings) and m.group(1).lower() not in forms]
        if loose:
            said.problems["agreement"] = ", ".join(loose)


def _lookalikes(rules, text: str) -> list[str]:
    found = []
    if rules.alphabet:
        handled = set(rules.alphabet) | set(rules.latin) | set(rules.cyrillic) | set(rules.chars)
        handled |= {c.lower() for c in rules.words for c in c}
        found += sorted({c for c in text if c.isalpha() and c.lower() not in handled and c not in handled})
    for pair in rules.never_in_one_word:
        found += [w for w in re.findall(r"[^\W\d_]+", text) if all(c in w for c in pair)]
    return found


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
    says = {code for code, lang in catalog.langs.items() if lang.say_language and speaker.rules(code).say_voice}
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        done = list(pool.map(lambda s: judge(s, VOICES.get(s.lang, s.lang), speaker.rules(s.lang), s.lang in says),
                             todo))
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
