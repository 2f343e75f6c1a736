"""The eligibility rules: every path, its result, and that every line is cited."""
import itertools

import pytest

from ivr.content import eligibility
from ivr.content.catalog import load_catalog

IDS = [q.id for q in eligibility.QUESTIONS]


@pytest.mark.parametrize("answers, expected", [
    ({"urgent": True}, "urgent"),
    ({"urgent": True, "permanent": True}, "urgent"),  # an emergency needs no status
    ({"permanent": True}, "permanent"),
    ({"permanent": True, "eaeu": True, "dms": True}, "permanent"),
    ({"eaeu": True}, "eaeu"),
    ({"eaeu": True, "dms": True}, "eaeu"),
    ({"dms": True}, "dms"),
    ({}, "none"),
    ({"urgent": False, "permanent": False, "eaeu": False, "dms": False}, "none"),
])
def test_decide(answers, expected):
    assert eligibility.decide(answers).id == expected


def test_every_combination_has_a_result_that_ends_with_1406():
    for values in itertools.product([True, False], repeat=len(IDS)):
        result = eligibility.decide(dict(zip(IDS, values, strict=True)))
        assert result.prompts[-1] == "elig.r_unsure"


def test_temporary_stayers_always_hear_the_dangerous_diseases_rule():
    for result in ("eaeu", "dms", "none"):
        r = next(r for r in [q.if_yes for q in eligibility.QUESTIONS] + [eligibility.OTHERWISE] if r.id == result)
        assert "elig.r_dangerous" in r.prompts


def test_nodes_walk_like_the_rules():
    nodes = eligibility.nodes()
    for values in itertools.product([True, False], repeat=len(IDS)):
        answers = dict(zip(IDS, values, strict=True))
        node = eligibility.ENTRY
        while "options" in nodes[node]:
            qid = next(q.id for i, q in enumerate(eligibility.QUESTIONS) if eligibility.node_id(i) == node)
            node = nodes[node]["options"]["1" if answers[qid] else "2"]["goto"]
        assert node == eligibility.result_node_id(eligibility.decide(answers))
        assert nodes[node]["sms"] == list(eligibility.decide(answers).prompts)


def test_every_result_line_is_cited_in_the_real_catalog():
    catalog = load_catalog()
    for node_id in eligibility.nodes():
        if node_id.startswith("eligibility.result."):
            for pid in catalog.nodes[node_id].say:
                cite = catalog.citations[pid]
                assert cite.source in {"000", "001", "003", "004"} and cite.quote
