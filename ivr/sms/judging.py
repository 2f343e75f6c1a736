"""`hotline sms eval` judging the reply a texter gets, not the topic the understander picked.

A judged corpus line names what a correct reply must contain and what it must not (tests/data/sms_heldout_v2.tsv;
columns lang, text, status, expect, must_not, note):
  expect    comma-separated groups of prompt ids, each group `a|b` (any one of them suffices); the reply holds
            a prompt when it holds that prompt's SMS wording in the row's language. Or one label:
            OUT_OF_SCOPE (the honest "we cover medical care only" line, the text in the inbox), CALLBACK (a
            callback request), STOP (opted out), URGENT (103 at once, the text in the inbox as urgent), MENU (a
            truly unclear text: the numbered menu, no fact).
  must_not  prompt ids a correct reply never holds (another status's rule), or "-".
The old corpus (lang, topic, text, optional must, must_not) is judged the same way: its expectation is the topic's
own direct answer, plus its must / must_not columns when given.

Every line is texted twice through the same Texting the webhook uses, without Redis or Twilio: by a texter who
chose the line's language (what the reply says), and by a first-time texter (the language it is answered in).
Per language: direct and correct; a menu of numbered choices one of which is correct; wrong (holds a must_not);
no answer (nothing understood where something was asked); out of scope answered honestly; the first message's
language kept; segments. Everything is ordered explicitly: two runs under any hash seed print the same report.
"""
from __future__ import annotations

import copy
import datetime as dt
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..content.model import LANGUAGE_MENU
from ..store.sessions import Session
from . import segments
from .texting import Answer, Texting

LABELS = ("OUT_OF_SCOPE", "CALLBACK", "STOP", "URGENT", "MENU")
VERDICTS = ("correct", "menu", "wrong", "none", "other")  # "other": an answer without what was asked
HELDOUT = Path(__file__).resolve().parents[2] / "tests" / "data" / "sms_heldout_v2.tsv"


@dataclass(frozen=True)
class Case:
    lang: str
    text: str
    expect: tuple[tuple[str, ...], ...] = ()  # groups of alternatives; every group must be in the reply
    label: str | None = None  # one of LABELS instead of prompt ids
    must_not: tuple[str, ...] = ()
    status: str = "-"
    topic: str | None = None  # the old corpus: the topic a person would answer
    note: str = ""


@dataclass
class Judged:
    case: Case
    verdict: str
    reply: str
    first_lang: str | None
    segments: list[int]
    why: str = ""


@dataclass
class LangScore:
    total: int = 0
    verdicts: Counter = field(default_factory=Counter)
    oos: int = 0  # lines that are out of scope
    oos_honest: int = 0
    lang_kept: int = 0


@dataclass
class JudgedReport:
    results: list[Judged]
    langs: dict[str, LangScore]
    cap: int

    def share(self, lang: str, verdict: str = "correct") -> float:
        score = self.langs[lang]
        return score.verdicts[verdict] / score.total if score.total else 0.0

    @property
    def segments(self) -> list[int]:
        return [n for r in self.results for n in r.segments]

    def as_dict(self) -> dict:
        segs = self.segments
        return {
            "languages": {code: {"total": s.total, **{v: s.verdicts[v] for v in VERDICTS},
                                 "correct_share": round(self.share(code), 4), "out_of_scope": s.oos,
                                 "out_of_scope_honest": s.oos_honest, "language_kept": s.lang_kept}
                          for code, s in self.langs.items() if s.total},
            "segments": {"median": statistics.median(segs) if segs else 0, "max": max(segs, default=0),
                         "cap": self.cap, "over_cap": sum(n > self.cap for n in segs),
                         "histogram": dict(sorted(Counter(segs).items()))},
            "misses": [{"lang": r.case.lang, "text": r.case.text, "verdict": r.verdict, "why": r.why}
                       for r in self.results if r.verdict != "correct"],
        }


def _ids(field_: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in field_.split(",") if p.strip() and p.strip() != "-")


def is_judged(path: Path | str) -> bool:
    """A judged corpus (6 columns) rather than a topic corpus."""
    if str(path).endswith(".jsonl"):
        return False
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            return len(line.split("\t")) == 6
    return False


def load(path: Path | str = HELDOUT) -> list[Case]:
    """A judged corpus (lang, text, status, expect, must_not, note), or the old one (lang, topic, text[, must,
    must_not]); `#` lines and the header row are skipped."""
    cases = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#") or line.startswith("lang\t"):
            continue
        parts = [p.strip() for p in line.split("\t")]
        if len(parts) == 6:
            lang, text, status, expect, must_not, note = parts
            if expect in LABELS:
                cases.append(Case(lang, text, (), expect, _ids(must_not), status or "-", None, note))
            else:
                groups = tuple(tuple(a.strip() for a in g.split("|") if a.strip()) for g in _ids(expect))
                cases.append(Case(lang, text, groups, None, _ids(must_not), status or "-", None, note))
        elif len(parts) in (3, 4, 5):
            lang, topic, text = parts[:3]
            must = tuple(tuple(a for a in g.split("|")) for g in _ids(parts[3])) if len(parts) > 3 else ()
            label = parts[3] if len(parts) > 3 and parts[3] in LABELS else None
            cases.append(Case(lang, text, () if label else must, label, _ids(parts[4]) if len(parts) > 4 else (),
                              topic=topic))
        else:
            raise ValueError(f"{path}:{number}: expected 6 tab-separated columns (or lang, topic, text)")
    return cases


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", segments.cheapest(text).translate(segments.APOSTROPHES)).strip().lower()


class Judge:
    def __init__(self, texting: Texting, today: dt.date):
        self.texting, self.today = texting, today
        self.catalog = texting.catalog

    def holds(self, reply: str, lang: str, pid: str) -> bool:
        """The reply holds the fact `pid` as it is said today: itself, or after its `until` its successor or
        dated fallback (a fact from a dated list is said with its date: status.full_package.dated)."""
        said = {pid, self.catalog.current(pid, self.today) or pid}
        return any(p in self.catalog.langs[lang].prompts and _plain(self.catalog.sms(lang, p)) in _plain(reply)
                   for p in sorted(said))

    def _chosen(self, case: Case) -> tuple[Session, Answer]:
        session = Session(id="eval", caller="eval", lang=case.lang, node=self.catalog.start)
        return session, self.texting.answer(session, case.text, self.today, is_new=False)

    def _fact_ok(self, case: Case, answer: Answer, reply: str) -> tuple[bool, str]:
        if case.expect:
            missing = [g for g in case.expect if not any(self.holds(reply, case.lang, p) for p in g)]
            return not missing, ("lacks " + ", ".join("|".join(g) for g in missing)) if missing else ""
        if case.topic:
            topics = [e.get("topic") for e in answer.events if e.get("type") in ("keyword", "choice", "intent")]
            return case.topic in topics, f"topic {topics or '-'}"
        return False, "no expectation"

    def _label_ok(self, case: Case, answer: Answer, reply: str) -> bool:
        if case.label == "STOP":
            return answer.optout not in (None, False)  # opted out (by the carrier's word or the hotline's)
        if case.label == "CALLBACK":
            return answer.action == "callback"
        if case.label == "URGENT":
            return answer.inbox == "urgent" and "103" in reply
        if case.label == "OUT_OF_SCOPE":
            return answer.inbox == "out_of_scope"
        if case.label == "MENU":
            return _nothing_said(answer) and answer.action is None
        return False

    def judge(self, case: Case) -> Judged:
        session, answer = self._chosen(case)
        reply = "\n".join(answer.replies)
        first = Session(id="eval", caller="eval", lang=None, node=LANGUAGE_MENU)
        self.texting.answer(first, case.text, self.today, is_new=True)
        segs = [segments.segments(r) for r in answer.replies]

        def done(verdict: str, why: str = "") -> Judged:
            return Judged(case, verdict, reply, first.lang, segs, why)

        wrong = [p for p in case.must_not if self.holds(reply, case.lang, p)]
        if wrong:
            return done("wrong", "holds " + ", ".join(wrong))
        if case.label:
            if self._label_ok(case, answer, reply):
                return done("correct")
            return done("none" if _nothing_said(answer) else "other", _what(answer))
        ok, why = self._fact_ok(case, answer, reply)
        if ok:
            return done("correct")
        if session.choices and self._a_choice_is_right(case, session):
            return done("menu", "numbered choices: " + ", ".join(session.choices))
        return done("none" if _nothing_said(answer) else "other", f"{why}; {_what(answer)}")

    def _a_choice_is_right(self, case: Case, session: Session) -> bool:
        for i in range(1, len(session.choices) + 1):
            trial = copy.deepcopy(session)
            answer = self.texting.answer(trial, str(i), self.today, is_new=False)
            reply = "\n".join(answer.replies)
            if not any(self.holds(reply, case.lang, p) for p in case.must_not) \
                    and self._fact_ok(case, answer, reply)[0]:
                return True
        return False


def _nothing_said(answer: Answer) -> bool:
    return any(e.get("type") in ("unknown", "welcome", "error") for e in answer.events) or answer.inbox == "unclear"


def _what(answer: Answer) -> str:
    kinds = [f"{e.get('type')}:{e.get('topic') or e.get('intent') or e.get('node') or ''}" for e in answer.events]
    return " ".join(kinds) + (f" inbox={answer.inbox}" if answer.inbox else "")


def run(texting: Texting, cases: list[Case], today: dt.date) -> JudgedReport:
    judge = Judge(texting, today)
    langs = {code: LangScore() for code in texting.catalog.languages}
    results = []
    for case in cases:
        judged = judge.judge(case)
        results.append(judged)
        score = langs.setdefault(case.lang, LangScore())
        score.total += 1
        score.verdicts[judged.verdict] += 1
        score.lang_kept += judged.first_lang == case.lang
        if case.label == "OUT_OF_SCOPE":
            score.oos += 1
            score.oos_honest += judged.verdict == "correct"
    return JudgedReport(results, langs, texting.renderer.budget)


def format_report(report: JudgedReport, misses: int = 400) -> str:
    data = report.as_dict()
    lines = ["lang  lines  direct+correct   menu-right  wrong  no-answer  other  out-of-scope-honest  language-kept"]
    totals = Counter()
    for code, s in data["languages"].items():
        lines.append(f"{code:4}  {s['total']:5}  {s['correct']:4} ({s['correct_share']:6.1%})  {s['menu']:10}  "
                     f"{s['wrong']:5}  {s['none']:9}  {s['other']:5}  "
                     f"{s['out_of_scope_honest']:8}/{s['out_of_scope']:<10}"
                     f"  {s['language_kept']:4}/{s['total']}")
        totals.update({k: s[k] for k in ("total", "correct", "menu", "wrong", "none", "other", "out_of_scope",
                                         "out_of_scope_honest", "language_kept")})
    t = totals
    lines.append(f"all   {t['total']:5}  {t['correct']:4} ({t['correct'] / max(t['total'], 1):6.1%})  {t['menu']:10}  "
                 f"{t['wrong']:5}  {t['none']:9}  {t['other']:5}  {t['out_of_scope_honest']:8}/{t['out_of_scope']:<10}"
                 f"  {t['language_kept']:4}/{t['total']}")
    seg = data["segments"]
    lines.append(f"reply segments (texter who chose the language): median {seg['median']}, max {seg['max']} "
                 f"(cap {seg['cap']}, over the cap: {seg['over_cap']}), histogram {seg['histogram']}")
    shown = data["misses"][:misses]
    lines.append("not direct and correct:" if shown else "not direct and correct: none")
    for m in shown:
        lines.append(f"  [{m['verdict']}] {m['lang']}: {m['text']} -- {m['why']}")
    return "\n".join(lines)
