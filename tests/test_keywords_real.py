"""Keywords of the real catalog, per language: native script, transliterated, misspelled, in a sentence."""
import pytest

from ivr.content.catalog import load_catalog
from ivr.sms.keywords import Matcher, fold


@pytest.fixture(scope="module")
def matcher():
    return Matcher(load_catalog())


@pytest.mark.parametrize("text, topic", [
    # Russian, Cyrillic and Latin, with typos and words around
    ("документы", "documents"), ("dokumenty", "documents"), ("dokumenti pozhaluista", "documents"),
    ("бесплатно", "free"), ("besplatno", "free"), ("bisplatno", "free"), ("туберкулез", "tb"), ("tuberkulez", "tb"),
    ("ДМС", "dms"), ("страховка", "dms"), ("strahovka", "dms"), ("нет страховки", "dms"), ("осмс", "insurance"),
    ("беременность", "pregnancy"),
    ("скорая", "emergency"), ("skoraya", "emergency"), ("1406", "contacts"), ("меню", "menu"),
    # Kazakh
    ("құжаттар", "documents"), ("kuzhattar", "documents"), ("тегін", "free"), ("tegin", "free"),
    ("жүктілік", "pregnancy"), ("сақтандыру", "insurance"),
    # Kyrgyz
    ("документтер", "documents"), ("акысыз", "free"), ("akysyz", "free"), ("кош бойлуулук", "pregnancy"),
    # Uzbek, Latin and Cyrillic
    ("hujjat", "documents"), ("ҳужжат", "documents"), ("hujat", "documents"), ("bepul", "free"), ("бепул", "free"),
    ("sugurta", "insurance"), ("sug'urta", "insurance"), ("homiladorlik", "pregnancy"),
    # Tajik
    ("ҳуҷҷатҳо", "documents"), ("ройгон", "free"), ("roygon", "free"), ("суғурта", "insurance"),
    # Turkmen
    ("resminamalar", "documents"), ("mugt", "free"), ("ätiýaçlandyryş", "insurance"), ("göwrelilik", "pregnancy"),
    # Azerbaijani
    ("sənədlər", "documents"), ("senedler", "documents"), ("pulsuz", "free"), ("sığorta", "insurance"),
    ("hamiləlik", "pregnancy"),
    # Armenian, and Armenian in Latin letters
    ("փաստաթղթեր", "documents"), ("անվճար", "free"), ("anvchar", "free"), ("ապահովագրություն", "insurance"),
])
def test_keywords(matcher, text, topic):
    match = matcher.topic(text)
    assert match is not None and match.topic == topic, (text, fold(text), match)


@pytest.mark.parametrize("text, lang", [
    ("русский", "ru"), ("russkiy", "ru"), ("қазақша", "kk"), ("kazakh", "kk"), ("кыргызча", "ky"),
    ("o'zbekcha", "uz"), ("ўзбекча", "uz"), ("тоҷикӣ", "tg"), ("tojiki", "tg"), ("türkmençe", "tk"),
    ("turkmen", "tk"), ("azərbaycanca", "az"), ("azeri", "az"), ("հայերեն", "hy"), ("hayeren", "hy"),
])
def test_language_names(matcher, text, lang):
    assert matcher.language(text) == lang


def test_every_keyword_finds_its_topic(matcher):
    catalog = load_catalog()
    for code, lang in catalog.langs.items():
        for topic, words in lang.keywords.items():
            for word in words:
                match = matcher.topic(word)
                assert match is None or match.topic == topic, (code, word, match)
            assert any(matcher.topic(w) and matcher.topic(w).topic == topic for w in words), (code, topic)


def test_keyword_topics_lead_to_nodes():
    catalog = load_catalog()
    topics = {t for lang in catalog.langs.values() for t in lang.keywords}
    assert topics <= set(catalog.keywords)


def test_no_keyword_is_an_opt_out_word():
    from ivr.sms.optout import OptOutWords, normalize

    catalog = load_catalog()
    reserved = set(OptOutWords(catalog).words)
    keywords = {normalize(w) for lang in catalog.langs.values() for kws in lang.keywords.values() for w in kws}
    assert reserved and not reserved & keywords


@pytest.mark.parametrize("text, lang", [("bepul", "uz"), ("документы", "ru"), ("ройгон", "tg"), ("mugt", "tk")])
def test_a_keyword_shared_by_languages_picks_the_one_that_uses_it(matcher, text, lang):
    assert matcher.topic(text).lang == lang
