"""What the real catalog says, in all 8 languages: every claim names its audience as the sources limit it,
the ДМС/ВМС answer is there, and each language keeps one term per concept (its glossary)."""
import pytest

from ivr.content import glossary
from ivr.content.catalog import load_catalog
from ivr.content.checks import UI_PROMPTS
from ivr.content.lexicon import load_lexicon
from ivr.content.model import CatalogError
from ivr.sms import segments
from ivr.sms.understanding import Understander

from . import catalog_fixture as fx
from . import sms_fixtures

LANGS = ["kk", "ru", "ky", "uz", "tg", "tk", "az", "hy"]
# How each language says "permanent" (residence), "ДМС", "dynamic observation" and "conversion" (the TB limit).
PERMANENT = {"kk": "тұрақты", "ru": "постоянн", "ky": "туруктуу", "uz": "doimiy", "tg": "доимӣ", "tk": "hemişelik",
             "az": "daimi", "hy": "մշտ"}
DMS = {"kk": "ЕМС", "ru": "ДМС", "ky": "ДМС", "uz": "DMS", "tg": "ДМС", "tk": "DMS", "az": "DMS", "hy": "ДМС"}
OBSERVATION = {"kk": "бақылау", "ru": "наблюдени", "ky": "байкоо", "uz": "kuzatuv", "tg": "назорат",
               "tk": "gözegçilik", "az": "müşahidə", "hy": "հսկողության"}
CONVERSION = {"kk": "конверсия", "ru": "конверси", "ky": "конверсия", "uz": "konversiya", "tg": "конверсия",
              "tk": "konwersiýa", "az": "konversiya", "hy": "կոնվերսիա"}


catalog = sms_fixtures.catalog  # the real catalog, loaded once per session (conftest.py)


def texts(catalog, lang, pid):
    prompt = catalog.prompt(lang, pid)
    return prompt.voice + "\n" + prompt.sms


@pytest.mark.parametrize("lang", LANGS)
def test_residence_permit_answers_say_permanent(catalog, lang):
    for pid in ("elig.r_permanent", "status.permanent.attach"):
        for text in (catalog.prompt(lang, pid).voice, catalog.prompt(lang, pid).sms):
            assert PERMANENT[lang] in text.lower() or (lang == "kk" and "ықтиярхат" in text.lower()), (pid, text)


@pytest.mark.parametrize("lang", LANGS)
def test_emergency_care_is_said_by_audience(catalog, lang):
    assert catalog.nodes["urgent"].say[0] == "urgent.call103"  # 103 first, before any choice
    node = catalog.nodes["urgent.emergency"]
    assert node.say == ("urgent.uninsured", "urgent.migrants") and node.sms == ("urgent.call103",)
    assert DMS[lang] in texts(catalog, lang, "urgent.migrants")
    assert DMS[lang] in catalog.prompt(lang, "urgent.call103").sms  # the SMS says who pays, not "free for all"
    assert PERMANENT[lang] in texts(catalog, lang, "urgent.uninsured").lower()


def test_the_old_claims_are_gone(catalog):
    ru = "\n".join(texts(catalog, "ru", pid) for pid in catalog.all_prompt_ids())
    for claim in ("Даже без страховки ОСМС экстренную помощь", "Даже если у вас нет страховки",
                  "полная бесплатная помощь", "полный пакет бесплатной помощи: скорая", "В любом случае"):
        assert claim not in ru, claim


@pytest.mark.parametrize("lang", LANGS)
def test_limits_the_sources_set_are_kept(catalog, lang):
    for pid in ("disease.13", "diseases.tb"):  # TB: free until smear conversion, also where TB is said first
        assert CONVERSION[lang] in texts(catalog, lang, pid).lower(), pid
    for pid in ("screening.s4", "screening.s5", "screening.s6"):
        assert OBSERVATION[lang] in catalog.voice(lang, pid).lower(), pid


def test_who_is_entitled_is_said_where_the_sources_limit_it(catalog):
    assert catalog.nodes["free.chronic"].say == ("menu.free_chronic", "chronic.who")
    assert "status.tmkkk" in catalog.nodes["free.status.permanent"].say
    assert {"pregnancy.free", "pregnancy.migrants"} <= set(catalog.nodes["urgent.pregnancy"].say)
    ru = {pid: texts(catalog, "ru", pid) for pid in catalog.all_prompt_ids()}
    assert "в документах не сказано" in ru["services.intro"] and "1 4 0 6" in ru["services.intro"]
    assert "военнослужащих" in ru["osms.payers.contrib"]
    assert "временно пребывающего" in ru["status.children"]
    assert "Qoldau 24/7" in ru["contacts.main"] and "fondosms" in ru["contacts.main"]


@pytest.mark.parametrize("lang", LANGS)
def test_dms_words_open_the_dms_answer(catalog, lang):
    assert catalog.keywords["dms"] == "dms"
    assert catalog.nodes["dms"].say == ("dms.what",) and catalog.nodes["dms.more"].say == ("dms.why", "dms.term")
    assert any(o.goto == "dms" for o in catalog.nodes["main"].options)
    assert any(o.goto == "osms" for o in catalog.nodes["dms"].options)
    understander = Understander(catalog, load_lexicon(catalog))
    words = catalog.langs[lang].keywords["dms"]
    assert "дмс" in words and all(understander.understand(w).best.topic == "dms" for w in words)
    assert DMS[lang] in catalog.voice(lang, "dms.what")


def test_uzbek_is_gsm7_with_the_ascii_apostrophe(catalog):
    ids = catalog.all_prompt_ids() | set(UI_PROMPTS)
    for pid in ids:
        text = catalog.prompt("uz", pid).voice + catalog.prompt("uz", pid).sms
        assert not set("ʻ‘’ʼ") & set(text), pid
        assert segments.encoding(catalog.sms("uz", pid)) == "GSM-7", pid


def test_every_language_keeps_its_glossary(catalog):
    ids = catalog.all_prompt_ids() | set(UI_PROMPTS)
    assert set(catalog.glossaries) == set(LANGS)
    for code, gloss in catalog.glossaries.items():
        assert gloss.terms, code
        assert glossary.problems(catalog, code, gloss, ids) == [], code
    assert "STIR" not in "".join(catalog.prompt("uz", p).voice for p in ids)


def test_a_text_against_its_glossary_is_refused(tmp_path):
    directory = fx.write(tmp_path / "p")
    (directory / "glossary").mkdir()
    (directory / "glossary" / "ru.yaml").write_text(
        "terms:\n  fact: {use: факт, avoid: [item.3]}\nforbid_characters: \"ʻ\"\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="ru.yaml, prompt 'item.3', language 'ru': says 'item.3' for fact"):
        load_catalog(directory)


def test_an_abbreviation_in_a_glossary_matches_capitals_only():
    assert glossary._has("барои бозгашт — ситорача", "СИТ") is False
    assert glossary._has("шартномаи СИТ ё", "СИТ") is True
    assert glossary._has("бейтапканага барыңыз", "бейтапкана") is True


@pytest.mark.parametrize("language, body, lang", [("русский", "ДМС", "ru"), (None, "нет страховки", "ru"),
                                                   (None, "ymk", "ky"), ("o'zbekcha", "DMS", "uz"),
                                                   ("қазақша", "емс", "kk")])
def test_a_texter_asking_about_dms_gets_the_dms_answer(twilio, catalog, language, body, lang):
    if language:
        twilio.sms(language, sender="+77015550101")
    _, replies = twilio.sms(body, sender="+77015550101")
    assert catalog.sms(lang, "dms.what")[:40] in "\n".join(replies), replies
