"""The free-care eligibility check: the rules, as data, and the menu nodes they become.

The status question comes first, because status decides the most (001): kandases and refugees have the
full package like citizens, permanent residents (residence permit) the full package and ОСМС when insured;
workers from the EAEU and other temporary stayers are then asked whether it is an emergency, pregnancy or
birth (the emergency rule for temporary migrants and the pregnancy rule), and the others whether they have
ДМС/ВМС. Each result is a list of prompt ids, and every one of those prompts carries its citation in
prompts/citations.yaml — so each line a caller hears is traceable to a source. The rules never go beyond
the sources: where they do not settle a case, the result says so and gives 1406 (elig.r_unsure).

Sources: 001 (ФСМС presentation) for who gets what by status, pregnancy and emergencies;
000 section A (the leaflet's algorithm) for attachment with ДМС/ВМС and the employment rule.
"""
from __future__ import annotations

from dataclasses import dataclass

ENTRY = "eligibility"  # the node id the main menu links to
YES, NO = "1", "2"


@dataclass(frozen=True)
class Result:
    id: str
    prompts: tuple[str, ...]


@dataclass(frozen=True)
class Answer:
    key: str
    label: str  # the option's prompt id
    then: str  # a question id, or "result:<id>"


@dataclass(frozen=True)
class Question:
    id: str
    prompt: str
    answers: tuple[Answer, ...]


RESULTS = {r.id: r for r in (
    Result("full", ("elig.r_full", "elig.r_unsure")),
    Result("permanent", ("elig.r_permanent", "elig.r_unsure")),
    # an emergency, pregnancy or birth of a temporary stayer: 103, who pays in an emergency, the pregnancy rule
    Result("urgent", ("elig.r_ambulance", "urgent.migrants", "elig.r_urgent", "elig.r_unsure")),
    Result("eaeu", ("elig.r_eaeu", "elig.r_dangerous", "elig.r_unsure")),
    Result("dms", ("elig.r_dms", "elig.r_dangerous", "elig.r_unsure")),
    Result("none", ("elig.r_none", "elig.r_dangerous", "elig.r_unsure")),
)}


def _yes_no(qid: str, prompt: str, yes: str, no: str) -> Question:
    return Question(qid, prompt, (Answer(YES, "opt.yes", yes), Answer(NO, "opt.no", no)))


# The first question is asked first; "result:<id>" ends the check.
QUESTIONS = (
    Question("status", "elig.q_status", (
        Answer("1", "opt.elig_kandas", "result:full"),
        Answer("2", "opt.status_permanent", "result:permanent"),
        Answer("3", "opt.status_eaeu", "eaeu_urgent"),
        Answer("4", "opt.status_temporary", "urgent"))),
    _yes_no("eaeu_urgent", "elig.q_urgent", "result:urgent", "result:eaeu"),
    _yes_no("urgent", "elig.q_urgent", "result:urgent", "dms"),
    _yes_no("dms", "elig.q_dms", "result:dms", "result:none"),
)
_BY_ID = {q.id: q for q in QUESTIONS}


def decide(answers: dict[str, str]) -> Result:
    """The result for the keys a caller pressed, by question id (a question not answered counts as the last
    answer: "no", or "temporary stayer" for the status)."""
    question = QUESTIONS[0]
    while True:
        key = answers.get(question.id, question.answers[-1].key)
        answer = next((a for a in question.answers if a.key == key), question.answers[-1])
        if answer.then.startswith("result:"):
            return RESULTS[answer.then.removeprefix("result:")]
        question = _BY_ID[answer.then]


def node_id(question: Question | str) -> str:
    qid = question if isinstance(question, str) else question.id
    return ENTRY if qid == QUESTIONS[0].id else f"{ENTRY}.{qid}"


def result_node_id(result: Result) -> str:
    return f"{ENTRY}.result.{result.id}"


def _target(then: str) -> str:
    return result_node_id(RESULTS[then.removeprefix("result:")]) if then.startswith("result:") else node_id(then)


def nodes() -> dict[str, dict]:
    """The check as menu nodes, in tree.yaml's format: each question → its answers' next question or result."""
    out = {}
    for i, question in enumerate(QUESTIONS):
        say = ["elig.intro", question.prompt] if i == 0 else [question.prompt]
        out[node_id(question)] = {"say": say, "options": {
            a.key: {"label": a.label, "goto": _target(a.then)} for a in question.answers}}
    for result in RESULTS.values():
        out[result_node_id(result)] = {"say": list(result.prompts), "sms": list(result.prompts)}
    return out
