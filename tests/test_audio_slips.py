"""`hotline audio check` catches each kind of slip a caller would hear, and the spoken rules fix them:
bare letters, apostrophe pauses, mixed letter names, look-alike letters, raw text for Twilio's <Say>,
Russian number forms."""
import shutil

import pytest

from ivr.content.spoken import Rules, Speaker, for_say, speak
from ivr.voice.audio_check import Said, judge

from .conftest import ROOT

SPOKEN = ROOT / "prompts" / "spoken"
needs_espeak = pytest.mark.skipif(not shutil.which("espeak-ng"), reason="espeak-ng is not installed")


def checked(lang, text, rules, voice=None, says=False):
    said = Said(lang, "x", text, speak(rules, text))
    return judge(said, voice or lang, rules, says).problems


@needs_espeak
def test_bare_letters_are_caught_and_said_by_their_names():
    bare = Rules("ru")
    assert "letters" in checked("ru", "застрахованным в О С М С", bare)
    assert "letters" in checked("ru", "гепатиты А, В, С", bare)
    ru = Speaker(SPOKEN).rules("ru")
    assert speak(ru, "в О С М С и гепатиты А, В") == "в о эс эм эс и гепатиты а, вэ"
    assert "letters" not in checked("ru", "застрахованным в О С М С", ru)


@needs_espeak
def test_an_apostrophe_the_voice_pauses_on_is_caught():
    problems = checked("tg", "ba ma'yubi guruhi", Rules("tg"), voice="fa-latn")
    assert problems["pause"] == "ma'yubi"
    tg = Speaker(SPOKEN).rules("tg")
    assert "'" not in speak(tg, "маъюбӣ машҳур")  # ъ left out, a hyphen keeps s and h apart
    assert "pause" not in checked("tg", "ба маъюбӣ гурӯҳи", tg, voice="fa-latn")


@needs_espeak
def test_mixed_letter_names_are_caught():
    mixed = Rules("tg", words={"ДМС": "дэ эм эс"}, letters={"Д": "де", "М": "ме", "С": "се"})
    assert checked("tg", "ДМС", mixed, voice="fa-latn")["mixed"] == "ДМС: дэ эм эс"
    assert "mixed" not in checked("tg", "ДМС", Speaker(SPOKEN).rules("tg"), voice="fa-latn")


@needs_espeak
def test_look_alike_letters_are_caught():
    tk = Speaker(SPOKEN).rules("tk")
    assert checked("tk", "«Ana dańky» ordeni", tk)["lookalike"] == "ń"
    assert "lookalike" not in checked("tk", "«Ana daňky» ordeni", tk)
    az = Speaker(SPOKEN).rules("az")
    assert checked("az", "İIN alın", az)["lookalike"] == "İIN"
    assert "lookalike" not in checked("az", "İİN alın", az)


@needs_espeak
def test_latin_and_abbreviations_never_reach_the_say_voice_raw():
    assert checked("ru", "на egov.kz", Rules("ru"), says=True)["say"] == "egov, kz"
    ru = Speaker(SPOKEN).rules("ru")
    assert for_say(ru, "ДМС на egov.kz, Kaspi.kz; STOP") == [
        ("characters", "ДМС", "ДМС"), ("text", " на ", " на "), ("sub", "egov.kz", "игов точка кей зет"),
        ("text", ", ", ", "), ("sub", "Kaspi.kz", "каспи точка ка зэ"), ("text", "; ", "; "), ("sub", "STOP", "стоп")]
    assert "say" not in checked("ru", "ИИН, ДМС, ВМС, ЭЦП в ЦОНе, на fms.kz, STOP", ru, says=True)


@needs_espeak
def test_russian_numbers_agree_with_their_noun():
    ru = Speaker(SPOKEN).rules("ru")
    loose = Rules("ru", numbers={"num2words": "ru", "oblique_endings": ["ях"]})
    assert checked("ru", "при этих 23 болезнях", loose)["agreement"] == "23 болезнях"
    assert speak(ru, "При этих 23 болезнях") == "При этих двадцати трёх болезнях"
    assert speak(ru, "в течение 1 рабочего дня") == "в течение одного рабочего дня"
    assert "agreement" not in checked("ru", "при этих 23 болезнях", ru)


def test_armenian_nine_with_its_ending():
    hy = Speaker(SPOKEN).rules("hy")
    assert speak(hy, "հոկտեմբերի 9-ի հրաման") == "հոկտեմբերի ինի հրաման"


def test_say_mode_gives_polly_ssml_characters(app_factory, tmp_path):
    from ivr.content.catalog import load_catalog
    from ivr.voice.render import VoiceRenderer

    catalog = load_catalog(ROOT / "prompts")
    renderer = VoiceRenderer(catalog)
    from twilio.twiml.voice_response import VoiceResponse

    response = VoiceResponse()
    renderer.speak(response, "ru", catalog.voice("ru", "algo.checklist"))
    xml = str(response)
    assert '<say-as interpret-as="characters">ДМС</say-as>' in xml
    assert '<sub alias="игов точка кей зет">egov.kz</sub>' in xml and '<sub alias="иин">ИИН</sub>' in xml
