"""`hotline sms eval` judges the reply, not the topic (issue 27, item 7): the judged format, each verdict, and the
held-out set's own rules (every id exists, ≥ 240 lines, 30 per language)."""
from __future__ import annotations

import datetime as dt

from ivr.sms import judging

from . import sms_fixtures

TODAY = dt.date(2026, 12, 7)


catalog, texting = sms_fixtures.catalog, sms_fixtures.texting  # the real catalog, once per module


def test_the_heldout_set_is_complete_and_names_only_real_prompts(catalog):
    cases = judging.load(judging.HELDOUT)
    assert len(cases) >= 240
    assert all(sum(c.lang == code for c in cases) >= 25 for code in catalog.languages)
    ids = set(catalog.langs["ru"].prompts)
    named = {p for c in cases for g in c.expect for p in g} | {p for c in cases for p in c.must_not}
    assert named <= ids, named - ids
    assert all(c.expect or c.label for c in cases)


def test_each_verdict(texting, tmp_path):
    corpus = tmp_path / "judged.tsv"
    corpus.write_text(
        "lang\ttext\tstatus\texpect\tmust_not\tnote\n"
        "ru\tтуберкулез\t-\tdiseases.tb\t-\tright\n"
        "ru\tтуберкулез\t-\tdms.what\t-\tanswered, not what was asked\n"
        "ru\tтуберкулез\t-\tdiseases.tb\tdiseases.tb\tholds what it must not\n"
        "ru\tqwzx\t-\tdms.what\t-\tnothing understood\n"
        "ru\tqwzx\t-\tMENU\t-\ttruly unclear\n", encoding="utf-8")
    assert judging.is_judged(corpus)
    report = judging.run(texting, judging.load(corpus), TODAY)
    assert [r.verdict for r in report.results] == ["correct", "other", "wrong", "none", "correct"]
    assert 0 <= report.langs["ru"].lang_kept <= 5
    text = judging.format_report(report)
    assert text.splitlines()[1].split()[:3] == ["ru", "5", "2"]


def test_the_topic_corpus_is_judged_too(texting):
    cases = judging.load(judging.HELDOUT.parent / "sms_corpus.tsv")
    assert cases and all(c.topic for c in cases)
    report = judging.run(texting, cases[:20], TODAY)
    assert sum(r.verdict == "correct" for r in report.results) >= 15
