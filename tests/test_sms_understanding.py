"""The SMS channel understanding what migrants write, on the real catalog and its lexicons: the corpus and its
accuracy, a chosen language that no keyword switches, direct answers, numbered choices, the inbox, the welcome,
and the same answer under any hash seed."""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys

import pytest

from ivr.content.lexicon import load_lexicon
from ivr.sms import evaluate, segments
from ivr.sms.render import WELCOME_SEGMENTS
from ivr.sms.segments import cheapest
from ivr.sms.understanding import Scored, Understanding
from ivr.store import inbox, privacy, sessions

from . import sms_fixtures
from .conftest import ROOT

TODAY = dt.date(2026, 11, 23)


catalog, texting = sms_fixtures.catalog, sms_fixtures.texting  # the real catalog, once per module


@pytest.fixture(scope="module")
def report(texting):
    return evaluate.evaluate(texting, evaluate.load_corpus(), TODAY)


def text(twilio, body, sender):
    status, replies = twilio.sms(body, sender=sender)
    assert status == 200
    return replies


# -- the corpus ---------------------------------------------------------------------------------

def test_the_corpus_has_400_first_messages_across_the_8_languages(catalog):
    rows = evaluate.load_corpus()
    assert len(rows) >= 400
    per_lang = {code: [r for r in rows if r.lang == code] for code in catalog.languages}
    assert all(len(found) >= 50 for found in per_lang.values()), {c: len(f) for c, f in per_lang.items()}
    assert {r.topic for r in rows} <= set(catalog.keywords)
    assert len({(r.lang, r.text) for r in rows}) == len(rows), "a message is in the corpus twice"


def test_top1_accuracy_is_at_least_90_percent_in_every_language(report):
    low = {code: round(report.accuracy(code), 3) for code, r in report.langs.items() if report.accuracy(code) < 0.9}
    assert not low, (low, report.as_dict()["confusions"])


def test_no_reply_is_over_the_cap_and_the_welcome_fits_two_segments(report):
    assert max(report.reply_segments) <= report.cap
    assert report.welcome_segments <= WELCOME_SEGMENTS


def test_the_median_reply_on_the_corpus_is_at_most_two_segments(report):
    import statistics

    assert statistics.median(report.reply_segments) <= 2


def test_a_number_to_dial_is_a_question_not_three_menu_keys(twilio, catalog):
    text(twilio, "русский", "+77015554001")
    [reply] = text(twilio, "103", "+77015554001")
    assert reply.startswith(catalog.sms("ru", "urgent.call103")), reply


@pytest.mark.slow
def test_the_evaluation_is_the_same_under_two_hash_seeds(tmp_path):
    """Python salts str hashes per process: two seeds, two processes, one report."""
    outputs = []
    for seed in ("1", "4242"):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "TWILIO_"))}
        env.update(PYTHONHASHSEED=seed, HOTLINE_VAR_DIR=str(tmp_path / "var"))
        done = subprocess.run([sys.executable, "-c", "from ivr.cli import main; main()", "sms", "eval", "--json"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0])["languages"]["ru"]["total"] > 0


def test_ties_are_broken_by_position_then_by_the_topics_file(texting):
    understander = texting.understander
    ranked = understander._score([{"dms": 1.0}, {"tuberkulez": 1.0}])  # both words known, TB weighs more
    assert [s.topic for s in ranked][:2] == ["tb", "dms"]
    order = list(texting.lexicon.topics)
    same = [Scored("menu", 1.0, 0), Scored("documents", 1.0, 0), Scored("free", 1.0, 1)]
    same.sort(key=lambda s: (-s.score, s.first, order.index(s.topic)))
    assert [s.topic for s in same] == ["documents", "menu", "free"]


def test_understanding_says_clear_only_with_a_margin():
    assert Understanding([Scored("tb", 2.0, 0), Scored("free", 0.8, 1)]).clear
    unsure = Understanding([Scored("pregnancy", 1.3, 1), Scored("dms", 1.1, 2), Scored("free", 0.2, 0)])
    assert not unsure.clear and unsure.choices() == ["pregnancy", "dms"]


# -- the webhook, as Twilio calls it -------------------------------------------------------------

FOREIGN_WORDS = [  # (message, topic, the prompt that answers it): words of one language, or of several
    ("ҳомиладор", "pregnancy", "urgent.pregnancy"),  # Uzbek and Tajik
    ("sil", "tb", "diseases.tb"),  # Uzbek and Tajik
    ("туберкулез", "tb", "diseases.tb"),  # nearly every language
    ("bepul", "free", "status.temporary"),
    ("mugt", "free", "status.temporary"),
    ("pulsuz", "free", "status.temporary"),
    ("անվճար", "free", "status.temporary"),
    ("тегін", "free", "status.temporary"),
    ("dokumenty", "documents", "algo.checklist"),
]


@pytest.mark.parametrize("lang", ["kk", "ru", "ky", "uz", "tg", "tk", "az", "hy"])
def test_a_chosen_language_is_never_switched_by_a_keyword(twilio, catalog, rdb, lang):
    sender = "+7701555" + str(1000 + catalog.languages.index(lang))
    text(twilio, "salam", sender)
    text(twilio, str(catalog.languages.index(lang) + 1), sender)  # the language menu: this language
    for body, topic, prompt in FOREIGN_WORDS:
        [reply] = text(twilio, body, sender)
        assert cheapest(catalog.sms(lang, prompt)) in reply, (lang, body, topic, reply)
    caller = privacy.number_hash("test-hash-secret", sender)
    assert rdb.get(sessions.language_key(caller)) == lang


def test_a_remembered_language_is_kept_for_a_new_conversation(twilio, catalog, rdb):
    sender = "+77015552001"
    text(twilio, "русский", sender)
    rdb.delete(sessions.key("sms", privacy.number_hash("test-hash-secret", sender)))  # the session expired
    [reply] = text(twilio, "ҳомиладор", sender)
    assert catalog.sms("ru", "urgent.pregnancy") in reply


@pytest.mark.parametrize("body, lang, prompt", [
    ("как прикрепиться к поликлинике", "ru", "algo.checklist"),
    ("емханаға қалай бекітілемін", "kk", "algo.checklist"),
    ("sığortam yoxdur nə edim", "az", "dms.what"),
    ("ҳуҷҷатҳо лозим", "tg", "algo.checklist"),
])
def test_a_first_message_that_is_a_question_skips_the_welcome(twilio, catalog, body, lang, prompt):
    [reply] = text(twilio, body, "+77015553001")
    assert cheapest(catalog.sms(lang, prompt)) in reply
    assert catalog.langs["hy"].name not in reply  # not the language menu


def test_a_direct_answer_ends_with_what_else_to_text_when_it_costs_nothing(twilio, catalog):
    lexicon = load_lexicon(catalog)
    text(twilio, "русский", "+77015554001")
    [reply] = text(twilio, "куда звонить?", "+77015554001")
    assert reply.startswith(catalog.sms("ru", "contacts.main"))
    assert reply.endswith(lexicon.reply("ru", "also")) and segments.segments(reply) <= 2


def test_an_unclear_message_gets_numbered_choices_and_a_number_picks_one(twilio, catalog):
    lexicon = load_lexicon(catalog)
    sender = "+77015555001"
    text(twilio, "русский", sender)
    [choices] = text(twilio, "зуб болит, скорую вызывать?", sender)  # as much about one as the other
    lines = choices.split("\n")
    assert lines[0] == lexicon.reply("ru", "choose") and 3 <= len(lines) <= 4
    assert lines[1] == "1 " + lexicon.langs["ru"].labels["dental"]  # the first word's topic first
    assert lines[2] == "2 " + lexicon.langs["ru"].labels["emergency"]
    [answer] = text(twilio, "1", sender)
    assert catalog.sms("ru", "dental.planned") in answer
    assert text(twilio, "1", sender)[0] != answer  # the choice was used once; now "1" is a menu key again


def test_the_inbox_export_is_a_corpus_too(tmp_path, texting):
    """Texts operators labelled in the inbox (/ops/export/sms-corpus.jsonl) run through the same evaluation."""
    export = tmp_path / "sms-corpus.jsonl"
    export.write_text('{"text": "тісім ауырады", "lang": "kk", "topic": "dental", "by": "olga", "t": 1}\n'
                      '{"text": "???", "lang": "", "topic": "", "by": "olga", "t": 2}\n', encoding="utf-8")
    rows = evaluate.load_corpus(export)
    assert rows == [evaluate.Row("kk", "dental", "тісім ауырады")]
    assert evaluate.evaluate(texting, rows, TODAY).accuracy("kk") == 1.0


def test_unmatched_texts_are_kept_for_operators(twilio, rdb):
    sender = "+77015556001"
    text(twilio, "qwertyuiop asdf", sender)  # a first-time texter: the welcome, and the inbox
    text(twilio, "русский", sender)
    [reply] = text(twilio, "zxcvb mnbvc", sender)
    assert reply
    rows = inbox.page(rdb)
    assert [r["body"] for r in rows] == ["qwertyuiop asdf", "zxcvb mnbvc"]
    caller = privacy.number_hash("test-hash-secret", sender)
    assert all(r["caller"] == caller for r in rows) and rows[1]["lang"] == "ru"
    assert rdb.get(inbox.number_key(rows[1]["id"])) == sender  # an operator may answer, for a while
    text(twilio, "скорая", sender)
    assert inbox.count_open(rdb) == 2  # understood texts are not kept


def test_the_welcome_fits_two_segments_for_everyone(twilio, catalog):
    [first] = text(twilio, "hello?", "+77015557001")
    assert segments.segments(first) <= WELCOME_SEGMENTS
    assert all(catalog.langs[code].name in first for code in catalog.languages)
    for i, code in enumerate(catalog.languages, 1):
        sender = f"+7701555800{i}"
        text(twilio, "salam", sender)
        text(twilio, str(i), sender)
        [menu] = text(twilio, "0", sender)
        [welcome] = text(twilio, "8", sender)  # main menu key 8: change the language
        assert segments.segments(welcome) <= WELCOME_SEGMENTS, (code, welcome)
        assert menu != welcome


# -- the command line ------------------------------------------------------------------------------

def test_hotline_sms_eval_prints_accuracy_and_confusions(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from ivr.cli import main

    monkeypatch.setenv("HOTLINE_VAR_DIR", str(tmp_path / "var"))
    corpus = tmp_path / "corpus.tsv"
    corpus.write_text("lang\ttopic\ttext\nru\tdental\tзуб болит\nru\tdms\tзуб\nkk\ttb\tтуберкулез\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["sms", "eval", "--corpus", str(corpus)])
    assert result.exit_code == 0, result.output
    assert re.search(r"^ru +2 +1 \( *50.0%\)", result.output, re.M) and "dms -> dental (1): ru: зуб" in result.output
    failing = CliRunner().invoke(main, ["sms", "eval", "--corpus", str(corpus), "--min-accuracy", "0.9"])
    assert failing.exit_code == 1


def test_hotline_sms_text_still_texts_the_hotline(tmp_path, monkeypatch):
    """`hotline sms TEXT` (the README's terminal texter) is the `send` subcommand under the `eval` group."""
    from click.testing import CliRunner

    from ivr.cli import main

    monkeypatch.setenv("HOTLINE_VAR_DIR", str(tmp_path / "var"))
    group_help = CliRunner().invoke(main, ["sms", "--help"])
    assert "eval" in group_help.output and "send" in group_help.output
    result = CliRunner().invoke(main, ["sms", "dokumenty", "--url", "http://127.0.0.1:9"])  # nothing listens
    assert "No such command" not in result.output and result.exit_code != 0
    assert isinstance(result.exception, OSError) or "HTTP" in result.output
