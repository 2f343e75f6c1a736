"""The free-care eligibility check: the rules, as data, and the menu nodes they become.

A few yes/no questions, asked in order; the first "yes" decides, and "no" to all gives the
last result. Each result is a list of prompt ids, and every one of those prompts carries its
citation in prompts/citations.yaml — so each line a caller hears is traceable to a source.
The rules never go beyond the sources: where they do not settle a case, the result says so
and gives 1406 (elig.r_unsure).

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
class Question:
    id: str
    prompt: str
    if_yes: Result


# Who is asked what, in order. Permanent residence is asked before work and insurance because
# it decides the most (the full package, 001); emergencies first because they need no status.
QUESTIONS = (
    Question("urgent", "elig.q_urgent",
             Result("urgent", ("elig.r_urgent", "elig.r_ambulance", "elig.r_unsure"))),
    Question("permanent", "elig.q_permanent",
             Result("permanent", ("elig.r_permanent", "elig.r_unsure"))),
    Question("eaeu", "elig.q_eaeu",
             Result("eaeu", ("elig.r_eaeu", "elig.r_dangerous", "elig.r_unsure"))),
    Question("dms", "elig.q_dms",
             Result("dms", ("elig.r_dms", "elig.r_dangerous", "elig.r_unsure"))),
)
OTHERWISE = Result("none", ("elig.r_none", "elig.r_dangerous", "elig.r_unsure"))


def decide(answers: dict[str, bool]) -> Result:
    """The result for a set of answers (a question not answered counts as "no")."""
    for question in QUESTIONS:
        if answers.get(question.id):
            return question.if_yes
    return OTHERWISE


def node_id(question_index: int) -> str:
    return ENTRY if question_index == 0 else f"{ENTRY}.{QUESTIONS[question_index].id}"


def result_node_id(result: Result) -> str:
    return f"{ENTRY}.result.{result.id}"


def nodes() -> dict[str, dict]:
    """The check as menu nodes, in tree.yaml's format: question → yes: result / no: next question."""
    out = {}
    for i, question in enumerate(QUESTIONS):
        no_target = node_id(i + 1) if i + 1 < len(QUESTIONS) else result_node_id(OTHERWISE)
        say = ["elig.intro", question.prompt] if i == 0 else [question.prompt]
        out[node_id(i)] = {"say": say, "options": {
            YES: {"label": "opt.yes", "goto": result_node_id(question.if_yes)},
            NO: {"label": "opt.no", "goto": no_target}}}
    for result in [q.if_yes for q in QUESTIONS] + [OTHERWISE]:
        out[result_node_id(result)] = {"say": list(result.prompts), "sms": list(result.prompts)}
    return out
