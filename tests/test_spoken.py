"""The spoken-text layer (ivr/content/spoken.py) with the real rules in prompts/spoken/: what each
language's robot voice is fed, and that espeak-ng then says words, in its own voice, for every line."""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
import yaml

from ivr.content.catalog import load_catalog
from ivr.content.model import CatalogError
from ivr.content.spoken import Speaker, load_rules, speak
from ivr.voice import audio, audio_build, audio_check

from . import catalog_fixture as fx
from . import sms_fixtures
from .conftest import ROOT

RULES = ROOT / "prompts" / "spoken"
needs_espeak = pytest.mark.skipif(not shutil.which("espeak-ng"), reason="needs espeak-ng (.ci/run installs it)")

catalog = sms_fixtures.catalog  # the real catalog, loaded once per session (conftest.py)


@pytest.fixture(scope="module")
def speaker():
    return Speaker(RULES)


@pytest.mark.parametrize("lang, text, said", [
    # numbers: amounts and years as words, service numbers digit by digit, never "5950 1406" as one number
    ("az", "5950 1406", "beş min doqquz yüz əlli bir dörd sıfır altı"),
    ("tk", "Jaň ediň: 1 4 0 6.", "Jaň ediň: bir dört nol alty."),
    ("uz", "23 kasallik", "yigirma uch kasallik"),
    ("ru", "В 2025 году взнос — 5950 тенге.", "В две тысячи двадцать пятом году взнос — пять тысяч девятьсот "
                                               "пятьдесят тенге."),
    ("ru", "от 9.10.2020", "от девятое октября две тысячи двадцатого года"),
    # ordinals after a hyphen, a case ending kept on the number word
    ("kk", "1-қадам. 9-дан", "бірінші қадам. тоғыздан"),
    ("ky", "2025-жылы", "эки миң жыйырма бешинчи жылы"),
    ("tk", "2025-nji ýylda, 9-dan", "iki müň ýigrimi bäşinji ýylda, dokuzdan"),
    ("az", "3-cü qrup", "üçüncü qrup"),
    ("hy", "1-ին, 2-րդ", "առաջին, երկրորդ"),
    ("tg", "1-ро пахш кунед", "yakro pakhsh kuned"),
    ("ru", "40–70 лет", "сорок – семьдесят лет"),
    # abbreviations: the lexicon, else the letters' names in the language, an ending kept
    ("ru", "в ЦОНе, ДМС и ВМС", "в цоне, дэ эм эс и вэ эм эс"),
    ("ky", "КТБдан, СМС", "ка тэ бэдан, эсэмэс"),
    ("tk", "MLÄ ýa-da KLÄ", "me le ä ýa-da ke le ä"),
    ("kk", "ЖСН, ПДФ", "жэ эс эн, пэ дэ эф"),
    # Latin in a Cyrillic or Armenian text: never the English voice
    ("kk", "SMS, egov.kz, Kassa24", "эсэмэс, игов нүкте кэй зэт, Касса жиырма төрт"),
    ("ky", "B жана C гепатити", "бэ жана ка гепатити"),
    ("tk", "B, C we D gepatiti. Bolalar. Dowamly", "be, se we de gepatiti. Bolalar. Dowamly"),
    ("uz", "1. Bolalar.", "bir. Bolalar."),
    ("hy", "fms.kz", "էֆ էմ էս կետ կա զե"),
    # one apostrophe form
    ("uz", "Oʻzbek tilida eʼlon", "O'zbek tilida e'lon"),
    # a letter the voice lacks (Kazakh names in a Kyrgyz text)
    ("ky", "«Алтын алқа»", "«Алтын алка»"),
])
def test_what_the_voice_is_fed(speaker, lang, text, said):
    assert speaker.spoken(lang, text) == said


def test_an_unknown_abbreviation_is_said_by_its_letters_in_every_language(speaker):
    said = {lang: speaker.spoken(lang, "ЮЖК") for lang in ("kk", "ru", "ky")}
    assert said == {"kk": "ю жэ ка", "ru": "ю жэ ка", "ky": "ю жэ ка"}
    assert speaker.spoken("az", "QXB") == "qe xe be"
    assert speaker.spoken("hy", "ԿԲԱ") == "կա բե ա"


def test_every_listed_abbreviation_has_a_pronunciation_in_all_8_languages(speaker):
    """The abbreviations the sources use (and the content may use) reach no voice as capitals or digits."""
    words = ["ДМС", "ВМС", "ОСМС", "ЦОН", "SMS", "СМС", "egov.kz", "fms.kz", "1406", "103", "ГОБМП", "ТМККК",
             "ПМСП", "ИИН", "ЖСН", "ЭЦП", "ЕАЭС", "ЕАЭО", "ФСМС", "ӘМСҚ", "МӘМС", "SaqtandyryBot"]
    for lang in ("kk", "ru", "ky", "uz", "tg", "tk", "az", "hy"):
        for word in words:
            said = speaker.spoken(lang, word)
            assert not any(ch.isdigit() for ch in said), (lang, word, said)
            assert not any(ch.isupper() for ch in said[1:]), (lang, word, said)


def test_tajik_letters_and_digraphs_stay_apart(speaker):
    said = speaker.spoken("tg", "исҳол, бонкҳо, мактҳо, ихтисос, жола, ҷанг, ғам, қадам, ҳуқуқӣ, кӯдак")
    # a hyphen, not an apostrophe, keeps them apart: fa-latn pauses after a word with an apostrophe
    assert said == "is-hol, bonk-ho, makt-ho, ikhtisos, jhola, jang, gham, qadam, huquqi, kudak"


def test_rules_are_data_a_reviewer_edits(tmp_path):
    (tmp_path / "kk.yaml").write_text(yaml.safe_dump({"words": {"ЦОН": "Халыққа қызмет көрсету орталығы"},
                                                      "numbers": {"num2words": "kz", "digit_by_digit": [1406]}},
                                                     allow_unicode=True), encoding="utf-8")
    rules = load_rules(tmp_path, "kk")
    assert speak(rules, "ЦОН, 1406, 12") == "Халыққа қызмет көрсету орталығы, бір төрт нөл алты, он екі"
    assert speak(load_rules(tmp_path, "xx"), "ДМС 12") == "ДМС 12"  # no rules: the text as written


def test_a_spoken_override_in_the_language_file_feeds_the_synthesizer(tmp_path):
    kk = fx.language("kk")
    kk["prompts"]["menu.main"]["spoken"] = "[kk] the main menu, as the robot should say it"
    catalog = load_catalog(fx.write(tmp_path / "p", langs={"kk": kk}))
    line = next(ln for ln in audio.spoken_lines(catalog, dt.date(2026, 1, 5), ["kk"]) if ln.ids == ("menu.main",))
    assert line.text == "[kk] main menu" and line.said_from == "[kk] the main menu, as the robot should say it"
    kk["prompts"]["opt.facts"]["spoken"] = "[kk] the facts"
    catalog = load_catalog(fx.write(tmp_path / "q", langs={"kk": kk}))
    option = next(ln for ln in audio.spoken_lines(catalog, dt.date(2026, 1, 5), ["kk"])
                  if ln.ids == ("ui.option--opt.facts--1",))
    assert option.said_from == "[kk] [kk] the facts: press 1"  # a filled-in template uses the override too


def test_a_spoken_override_must_keep_the_placeholders(tmp_path):
    kk = fx.language("kk")
    kk["prompts"]["ui.option"]["spoken"] = "[kk] press"
    with pytest.raises(CatalogError, match="placeholders"):
        load_catalog(fx.write(tmp_path / "p", langs={"kk": kk}))


# -- what espeak-ng makes of it ----------------------------------------------------------------------

@needs_espeak
@pytest.mark.parametrize("lang, raw, problem", [
    ("tk", "Jaň ediň: 1 4 0 6", "digits"),
    ("ky", "СМС келет", "switch"),
    ("ky", "СМС келет", "spelled"),
    ("uz", "eʼlon", "spelled"),
    ("ru", "Отправьте SMS", "switch"),
])
def test_the_check_sees_what_a_caller_would_hear(lang, raw, problem):
    said = audio_check.judge(audio_check.Said(lang, "x", raw, raw), audio_build.VOICES[lang])
    assert problem in said.problems, said


# Texts the content may come to hold (the sources' orders, dates, amounts, phone numbers, Russian terms
# in any language): the rules are general, not tuned to today's sentences.
NEW_TEXTS = ["ҚР ДСМ-121/2020 бұйрығы", "50% 1406", "с 01.01.2027 по 31.12.2027", "тел. 8 (727) 123-45-67",
             "+7 701 123 45 67", "2020-2025", "ОСМС/МӘМС", "www.egov.kz", "ТМККК, ГОБМП, ПМСП", "3-4 дня",
             "10 000 тенге", "до 1 января 2026 года", "ЕАЭС, ЕАЭО, ФСМС, ӘМСҚ", "ИИН/ЖСН, ЭЦП", "SMS: START, STOP",
             "fms.kz, SaqtandyryBot", "ЦОН", "103 112", "5950 1406", "ЮЖК, QXB"]


@needs_espeak
@pytest.mark.parametrize("lang", ["kk", "ru", "ky", "uz", "tg", "tk", "az", "hy"])
def test_texts_the_content_may_come_to_hold_are_said_in_words_too(speaker, lang):
    flagged = []
    for text in NEW_TEXTS:
        said = audio_check.judge(audio_check.Said(lang, "x", text, speaker.spoken(lang, text)),
                                 audio_build.VOICES[lang])
        if said.problems:
            flagged.append((text, said.spoken, said.problems))
    assert flagged == []


@needs_espeak
@pytest.mark.slow
def test_the_whole_real_catalog_is_said_in_words_by_each_languages_own_voice(catalog):
    """Done when: 0 lines with digits left, 0 voice switches, 0 spelled-out words, in all 8 languages."""
    results = audio_check.check(catalog, dt.date.today())
    rows = audio_check.summary(results, catalog.languages)
    assert [r["lang"] for r in rows] == ["kk", "ru", "ky", "uz", "tg", "tk", "az", "hy"]
    flagged = [(s.lang, s.line_id, s.problems, s.spoken) for s in results if s.problems]
    assert flagged == [], flagged[:10]


@needs_espeak
@pytest.mark.skipif(not shutil.which("sox"), reason="needs sox")
def test_a_small_built_sample_is_audible_and_its_length_fits(tmp_path, catalog):
    """Building everything takes minutes; a few real lines per language show the built files are sound."""
    lines = audio.spoken_lines(catalog, dt.date.today())
    sample = [ln for lang in catalog.languages for ln in [x for x in lines if x.lang == lang][:: 97][:2]]
    sp = audio.speaker(catalog)
    folder = tmp_path / "gen"
    folder.mkdir()
    for line in sample:
        fed = sp.spoken(line.lang, line.said_from)
        made = audio_build.generate(line.lang, fed, folder)
        said = audio_check.Said(line.lang, line.ids[0], line.text, fed)
        audio_check.judge_file(said, dict(made, kind="generated"), folder)
        assert made["audible"] and said.problems == {}, (line.lang, line.ids, made, said.problems)
    # A line of bare digits, as the tk voice got before: silent, and flagged.
    silent = audio_build.generate("tk", "1 4 0 6", folder)
    said = audio_check.Said("tk", "x", "1 4 0 6", "1 4 0 6")
    audio_check.judge_file(said, dict(silent, kind="generated"), folder)
    assert silent["audible"] is False and "duration" in said.problems
    espeak = subprocess.run(["espeak-ng", "-v", "tk", "-q", "-x"], input=b"1 4 0 6", capture_output=True)
    assert espeak.stdout.strip() == b""
