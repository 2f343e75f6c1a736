"""`hotline sms eval`: how well the SMS channel understands a corpus of first messages.

The corpus (tests/data/sms_corpus.tsv: language, expected topic, text) is run through the same Texting the
webhook uses, without Redis or Twilio: top-1 topic accuracy per language and the confusions; the language a
first-time texter is answered in; and what each reply costs (segments) for a texter who chose the language.
Everything is ordered explicitly, so two runs — under any hash seed — print the same report.
"""
from __future__ import annotations

import datetime as dt
import json
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..content.model import LANGUAGE_MENU
from ..store.sessions import Session
from . import segments
from .texting import Texting

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "tests" / "data" / "sms_corpus.tsv"


@dataclass(frozen=True)
class Row:
    lang: str
    topic: str
    text: str


@dataclass
class LanguageResult:
    total: int = 0
    top1: int = 0
    clear: int = 0  # answered directly (the rest got numbered choices or nothing)
    first_lang: int = 0  # a first-time texter answered in this language


@dataclass
class Report:
    langs: dict[str, LanguageResult] = field(default_factory=dict)
    confusions: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (expected, got) -> texts
    reply_segments: list[int] = field(default_factory=list)
    welcome_segments: int = 0
    cap: int = 0

    def accuracy(self, lang: str) -> float:
        result = self.langs[lang]
        return result.top1 / result.total if result.total else 0.0

    def as_dict(self) -> dict:
        return {
            "languages": {code: {"total": r.total, "top1": r.top1, "accuracy": round(self.accuracy(code), 4),
                                 "clear": r.clear, "first_time_language": r.first_lang}
                          for code, r in self.langs.items()},
            "confusions": [{"expected": e, "got": g, "texts": texts}
                           for (e, g), texts in sorted(self.confusions.items())],
            "segments": {"median": statistics.median(self.reply_segments) if self.reply_segments else 0,
                         "max": max(self.reply_segments, default=0), "cap": self.cap,
                         "histogram": dict(sorted(Counter(self.reply_segments).items())),
                         "welcome": self.welcome_segments},
        }


def load_corpus(path: Path | str = DEFAULT_CORPUS) -> list[Row]:
    """lang<TAB>topic<TAB>text lines, or the JSON lines operators label in the inbox (/ops/export/sms-corpus.jsonl)."""
    if str(path).endswith(".jsonl"):
        entries = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
        return [Row(e["lang"], e["topic"], e["text"]) for e in entries if e.get("lang") and e.get("topic")]
    rows = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#") or line.startswith("lang\t"):
            continue
        parts = line.split("\t")
        if len(parts) not in (3, 4, 5) or not all(p.strip() for p in parts[:3]):
            raise ValueError(f"{path}:{number}: expected lang<TAB>topic<TAB>text[<TAB>must<TAB>must_not]")
        rows.append(Row(*(p.strip() for p in parts[:3])))  # must / must_not: ivr/sms/judging.py
    return rows


def _reply(texting: Texting, row: Row, today: dt.date, lang: str | None) -> tuple[Session, list[str], list[dict]]:
    start = texting.catalog.start if lang else LANGUAGE_MENU
    session = Session(id="eval", caller="eval", lang=lang, node=start)
    answer = texting.answer(session, row.text, today, is_new=lang is None)
    return session, answer.replies, answer.events


def evaluate(texting: Texting, rows: list[Row], today: dt.date) -> Report:
    report = Report(langs={code: LanguageResult() for code in texting.catalog.languages},
                    cap=texting.renderer.budget)
    for row in rows:
        result = report.langs.setdefault(row.lang, LanguageResult())
        understood = texting.understander.understand(row.text)
        got = understood.best.topic if understood.best else "(none)"
        result.total += 1
        if got == row.topic:
            result.top1 += 1
            result.clear += understood.clear
        else:
            report.confusions.setdefault((row.topic, got), []).append(f"{row.lang}: {row.text}")
        session, _, _ = _reply(texting, row, today, None)
        result.first_lang += session.lang == row.lang
        _, replies, _ = _reply(texting, row, today, row.lang)
        report.reply_segments += [segments.segments(r) for r in replies]
    welcome = texting.answer(Session(id="eval", caller="eval"), "", today, is_new=True).replies
    report.welcome_segments = max(segments.segments(r) for r in welcome)
    return report


def format_report(report: Report) -> str:
    data = report.as_dict()
    lines = ["lang  messages  top-1           direct  first-time language"]
    for code, r in data["languages"].items():
        if r["total"]:
            lines.append(f"{code:4}  {r['total']:8}  {r['top1']:3} ({r['accuracy']:6.1%})  {r['clear']:6}  "
                         f"{r['first_time_language']:3} ({r['first_time_language'] / r['total']:6.1%})")
    total = sum(r["total"] for r in data["languages"].values())
    top1 = sum(r["top1"] for r in data["languages"].values())
    lines.append(f"all   {total:8}  {top1:3} ({top1 / max(total, 1):6.1%})")
    seg = data["segments"]
    lines.append(f"reply segments (texter who chose the language): median {seg['median']}, max {seg['max']} "
                 f"(cap {seg['cap']}), histogram {seg['histogram']}; welcome {seg['welcome']}")
    lines.append("confusions (expected -> got):" if data["confusions"] else "confusions: none")
    for c in data["confusions"]:
        lines.append(f"  {c['expected']} -> {c['got']} ({len(c['texts'])}): " + " | ".join(c["texts"][:5]))
    return "\n".join(lines)
