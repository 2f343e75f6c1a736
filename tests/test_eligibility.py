"""The eligibility rules: the status question first, every path, its result, and that every line is cited."""
import itertools

import pytest

from ivr.content import eligibility

from . import sms_fixtures

catalog = sms_fixtures.catalog  # the real catalog, loaded once per session (conftest.py)


@pytest.mark.parametrize("answers, expected", [
    ({"status": "1"}, "full"),  # kandases and refugees: the full package (001), never "only the 23 diseases"
    ({"status": "1", "urgent": "1", "dms": "1"}, "full"),
    ({"status": "2"}, "permanent"),
    ({"status": "3"}, "eaeu"),
    ({"status": "3", "eaeu_urgent": "1"}, "urgent"),
    ({"status": "4", "urgent": "1"}, "urgent"),
    ({"status": "4", "dms": "1"}, "dms"),
    ({"status": "4", "urgent": "2", "dms": "2"}, "none"),
    ({}, "none"),
])
def test_decide(answers, expected):
    assert eligibility.decide(answers).id == expected


def test_the_status_is_asked_first_with_refugees_and_kandases_among_the_answers(catalog):
    first = eligibility.QUESTIONS[0]
    assert first.prompt == "elig.q_status"
    labels = [a.label for a in first.answers]
    assert labels[0] == "opt.elig_kandas" and "opt.status_permanent" in labels
    for lang in catalog.languages:
        assert catalog.nodes[eligibility.ENTRY].say == ("elig.intro", "elig.q_status")
        assert catalog.voice(lang, "opt.elig_kandas")
    assert "беженц" in catalog.voice("ru", "opt.elig_kandas").lower()
    assert "кандас" in catalog.voice("ru", "opt.elig_kandas").lower()


def _paths():
    """Every way through the questions: (answers, result)."""
    out = []

    def walk(question, answers):
        for a in question.answers:
            now = dict(answers, **{question.id: a.key})
            if a.then.startswith("result:"):
                out.append((now, a.then.removeprefix("result:")))
            else:
                walk(next(q for q in eligibility.QUESTIONS if q.id == a.then), now)
    walk(eligibility.QUESTIONS[0], {})
    return out


def test_every_path_has_a_result_that_ends_with_1406():
    paths = _paths()
    assert {r for _, r in paths} == set(eligibility.RESULTS)
    for answers, result in paths:
        assert eligibility.decide(answers).id == result
        assert eligibility.RESULTS[result].prompts[-1] == "elig.r_unsure"


def test_temporary_stayers_always_hear_the_dangerous_diseases_rule():
    for result in ("eaeu", "dms", "none"):
        assert "elig.r_dangerous" in eligibility.RESULTS[result].prompts
    assert "urgent.migrants" in eligibility.RESULTS["urgent"].prompts  # "only the dangerous diseases" is in it


def test_emergency_pregnancy_or_birth_gives_the_emergency_rule_and_the_pregnancy_rule():
    prompts = eligibility.RESULTS["urgent"].prompts
    assert prompts[:3] == ("elig.r_ambulance", "urgent.migrants", "elig.r_urgent")


def test_nodes_walk_like_the_rules():
    nodes = eligibility.nodes()
    for answers, result in _paths():
        node = eligibility.ENTRY
        while "options" in nodes[node]:
            qid = next(q.id for q in eligibility.QUESTIONS if eligibility.node_id(q) == node)
            node = nodes[node]["options"][answers[qid]]["goto"]
        assert node == eligibility.result_node_id(eligibility.RESULTS[result])
        assert nodes[node]["sms"] == list(eligibility.RESULTS[result].prompts)


def test_every_result_line_is_cited_in_the_real_catalog(catalog):
    for node_id in eligibility.nodes():
        if node_id.startswith("eligibility.result."):
            for pid in catalog.nodes[node_id].say:
                cite = catalog.citations[pid]
                assert cite.source in {"000", "001", "003", "004"} and cite.quote


def test_no_combination_of_keys_is_unanswered():
    keys = [[a.key for a in q.answers] for q in eligibility.QUESTIONS]
    for values in itertools.product(*keys):
        answers = dict(zip([q.id for q in eligibility.QUESTIONS], values, strict=True))
        assert eligibility.decide(answers).id in eligibility.RESULTS
