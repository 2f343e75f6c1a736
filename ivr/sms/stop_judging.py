"""`hotline sms stop-eval`: judging what a texter who writes about stopping receives (the STOP held-out set).

The set (tests/data/sms_stop_heldout.tsv; columns lang, expect, text) has three kinds of line:
  optout   asks, in their own words, to get no more messages: the number must be opted out (no follow-up or
           reminder goes to it) and the reply must confirm it (`ui.sms_stopped`) in the texter's language;
  ask_how  asks how to stop: the reply must say how (it holds the word STOP), or opt out with the confirmation;
  other    is not a request to stop (a symptom that does not stop, "why did you stop answering", "don't
           unsubscribe me", cancelling insurance): the number must NOT be opted out — a false opt-out silently
           cuts a person off, worse than a miss.
Every line is texted through the same Texting the webhook uses (no Redis, no Twilio) by a texter who chose the
line's language; a first-time texter's reply language is reported beside it.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..content.model import LANGUAGE_MENU
from ..store.sessions import Session
from . import optout
from .texting import Answer, Texting

HELDOUT = Path(__file__).resolve().parents[2] / "tests" / "data" / "sms_stop_heldout.tsv"
EXPECTS = ("optout", "ask_how", "other")
_STOP_WORD = re.compile(r"\bSTOP\b")


@dataclass(frozen=True)
class Line:
    lang: str
    expect: str
    text: str


@dataclass
class Result:
    line: Line
    correct: bool
    opted_out: bool
    first_lang_ok: bool  # a first-time texter: opted out (or not) alike, and a confirmation in the line's language
    reply: str


def load(path: Path | str = HELDOUT) -> list[Line]:
    lines = []
    for number, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.startswith("#") or raw.startswith("lang\t"):
            continue
        parts = [p.strip() for p in raw.split("\t")]
        if len(parts) != 3 or parts[1] not in EXPECTS:
            raise ValueError(f"{path}:{number}: expected lang<TAB>optout|ask_how|other<TAB>text")
        lines.append(Line(*parts))
    return lines


def opted_out(answer: Answer) -> bool:
    return answer.optout in (optout.CARRIER, optout.HOTLINE)


def confirms(texting: Texting, answer: Answer, lang: str) -> bool:
    said = texting.catalog.sms(lang, optout.PROMPTS["optout"])
    return any(said in reply for reply in answer.replies)


def judge(texting: Texting, line: Line, today) -> Result:
    session = Session(id="eval", caller="eval", lang=line.lang, node=texting.catalog.start)
    answer = texting.answer(session, line.text, today, is_new=False)
    first = texting.answer(Session(id="eval", caller="eval", lang=None, node=LANGUAGE_MENU), line.text, today,
                           is_new=True)
    out, reply = opted_out(answer), "\n".join(answer.replies)
    confirmed = out and confirms(texting, answer, line.lang)
    if line.expect == "optout":
        correct = confirmed
    elif line.expect == "ask_how":
        correct = confirmed or (not out and bool(_STOP_WORD.search(reply)))
    else:
        correct = not out
    first_ok = opted_out(first) == out and (not out or confirms(texting, first, line.lang))
    return Result(line, correct, out, first_ok, reply)


def run(texting: Texting, lines: list[Line], today) -> list[Result]:
    return [judge(texting, line, today) for line in lines]


def false_optouts(results: list[Result]) -> list[Result]:
    return [r for r in results if r.line.expect == "other" and r.opted_out]


def format_report(results: list[Result]) -> str:
    langs = list(dict.fromkeys(r.line.lang for r in results))
    rows = ["lang  optout  ask_how  other(not opted out)  all       first-time same+lang"]
    for code in langs + ["all"]:
        mine = [r for r in results if code in (r.line.lang, "all")]
        good, n = Counter(), Counter()
        for r in mine:
            n[r.line.expect] += 1
            good[r.line.expect] += r.correct
        right, count = sum(good.values()), sum(n.values())
        first = sum(r.first_lang_ok for r in mine)
        rows.append(f"{code:4}  {good['optout']:2}/{n['optout']:<3}  {good['ask_how']:2}/{n['ask_how']:<4}  "
                    f"{good['other']:3}/{n['other']:<17}  {right:3}/{count:<3} {right / max(count, 1):6.1%}"
                    f"  {first}/{count}")
    wrong = false_optouts(results)
    rows.append(f"false opt-outs (other lines opted out): {len(wrong)}")
    rows += [f"  {r.line.lang}: {r.line.text}" for r in wrong]
    rows.append("misses:" if any(not r.correct for r in results) else "misses: none")
    for r in results:
        if not r.correct:
            reply = r.reply.replace("\n", " / ")[:110]
            rows.append(f"  [{r.line.expect}] {r.line.lang}: {r.line.text} -- "
                        f"{'opted out' if r.opted_out else 'not opted out'}: {reply}")
    return "\n".join(rows)
