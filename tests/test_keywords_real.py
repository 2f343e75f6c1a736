"""Topic words of the real catalog and its lexicons, per language: native script, transliterated, misspelled,
in a sentence; language names; and the language a first-time texter's words point to."""
import pytest

from ivr.content.lexicon import load_lexicon
from ivr.sms.keywords import Matcher, fold
from ivr.sms.understanding import Understander

from . import sms_fixtures

catalog = sms_fixtures.catalog  # the real catalog, loaded once per session (conftest.py)


@pytest.fixture(scope="module")
def matcher(catalog):
    return Matcher(catalog)


@pytest.fixture(scope="module")
def understander(catalog):
    return Understander(catalog, load_lexicon(catalog))


@pytest.mark.parametrize("text, topic", [
    # Russian, Cyrillic and Latin, with typos and words around
    ("документы", "documents"), ("dokumenty", "documents"), ("dokumenti pozhaluista", "documents"),
    ("бесплатно", "free"), ("besplatno", "free"), ("bisplatno", "free"), ("туберкулез", "tb"), ("tuberkulez", "tb"),
    ("ДМС", "dms"), ("страховка", "dms"), ("strahovka", "dms"), ("нет страховки", "dms"), ("осмс", "insurance"),
    ("беременность", "pregnancy"), ("скорая", "emergency"), ("skoraya", "emergency"), ("1406", "contacts"),
    ("меню", "menu"), ("zub", "dental"), ("вид на жительство", "permanent"),
    ("как прикрепиться к поликлинике", "documents"),
    # Kazakh
    ("құжаттар", "documents"), ("kuzhattar", "documents"), ("тегін", "free"), ("tegin", "free"),
    ("жүктілік", "pregnancy"), ("сақтандыру", "dms"), ("емханаға қалай бекітілемін", "documents"),
    # Kyrgyz
    ("документтер", "documents"), ("акысыз", "free"), ("akysyz", "free"), ("кош бойлуулук", "pregnancy"),
    # Uzbek, Latin and Cyrillic
    ("hujjat", "documents"), ("ҳужжат", "documents"), ("hujat", "documents"), ("bepul", "free"), ("бепул", "free"),
    ("sugurta", "dms"), ("sug'urta", "dms"), ("homiladorlik", "pregnancy"), ("sil", "tb"),
    # Tajik
    ("ҳуҷҷатҳо", "documents"), ("ройгон", "free"), ("roygon", "free"), ("суғурта", "dms"), ("ҳомиладор", "pregnancy"),
    # Turkmen
    ("resminamalar", "documents"), ("mugt", "free"), ("ätiýaçlandyryş", "dms"), ("göwrelilik", "pregnancy"),
    # Azerbaijani
    ("sənədlər", "documents"), ("senedler", "documents"), ("pulsuz", "free"), ("sığorta", "dms"),
    ("hamiləlik", "pregnancy"), ("vərəm", "tb"),
    # Armenian, and Armenian in Latin letters
    ("փաստաթղթեր", "documents"), ("անվճար", "free"), ("anvchar", "free"), ("ապահովագրություն", "dms"),
    ("թոքախտ", "tb"),
])
def test_topic_words(understander, text, topic):
    found = understander.understand(text)
    assert found.best is not None and found.best.topic == topic, (text, fold(text), found.ranked)


@pytest.mark.parametrize("text, lang", [
    ("русский", "ru"), ("russkiy", "ru"), ("қазақша", "kk"), ("kazakh", "kk"), ("кыргызча", "ky"),
    ("o'zbekcha", "uz"), ("ўзбекча", "uz"), ("тоҷикӣ", "tg"), ("tojiki", "tg"), ("türkmençe", "tk"),
    ("turkmen", "tk"), ("azərbaycanca", "az"), ("azeri", "az"), ("հայերեն", "hy"), ("hayeren", "hy"),
])
def test_language_names(matcher, text, lang):
    assert matcher.language(text) == lang


def test_every_keyword_finds_its_topic_or_the_one_a_lexicon_gives_it(catalog, understander):
    """The language files' keywords keep working; where a lexicon files a word under another topic
    ("ДМС" under dms rather than insurance), the lexicon's topic answers."""
    lexicon_topics = {}
    for entry in understander.entries:
        lexicon_topics.setdefault(entry.stems, []).append(entry.topic)
    for code, lang in catalog.langs.items():
        for topic, words in lang.keywords.items():
            for word in words:
                found = understander.understand(word)
                assert found.best is not None, (code, word)
                given = [t for r in understander.reducers.values()
                         for t in lexicon_topics.get(understander._stems(r, word), [])]
                assert found.best.topic == topic or found.best.topic in given, (code, word, found.ranked)


def test_keyword_topics_lead_to_nodes(catalog):
    topics = {t for lang in catalog.langs.values() for t in lang.keywords}
    lexicon = load_lexicon(catalog)
    topics |= {t for lang in lexicon.langs.values() for t in lang.topics}
    assert topics <= set(catalog.keywords)
    assert set(lexicon.topics) == set(catalog.keywords)


def test_no_keyword_is_an_opt_out_word(catalog):
    from ivr.sms.optout import OptOutWords

    words = OptOutWords(catalog)
    reserved = set(words.words)
    keywords = {words.key(w) for lang in catalog.langs.values() for kws in lang.keywords.values() for w in kws}
    assert reserved and not reserved & keywords


def test_no_lexicon_word_is_an_opt_out_word(catalog, understander):
    """A whole message that is an opt-out, opt-in or help word is a command, never a topic ("көмек" = help,
    though "тегін көмек" is about free care)."""
    from ivr.sms.optout import OptOutWords

    reserved = {fold(w) for w in OptOutWords(catalog).words}
    assert not reserved & {entry.stems[0] for entry in understander.entries if len(entry.stems) == 1}


@pytest.mark.parametrize("text, lang", [("bepul", "uz"), ("документы", "ru"), ("ройгон", "tg"), ("mugt", "tk"),
                                        ("емханаға қалай бекітілемін", "kk"), ("ҳуҷҷатҳо лозим", "tg"),
                                        ("sığortam yoxdur", "az"), ("kak prikrepitsya", "ru")])
def test_the_words_of_a_message_point_to_its_language(understander, text, lang):
    assert understander.understand(text).lang == lang


def test_every_line_that_says_what_else_to_text_is_understood(catalog, understander):
    """The closing line of a direct answer names words to text: each of them must be understood."""
    lexicon = load_lexicon(catalog)
    for code, lang in lexicon.langs.items():
        line = lang.replies["also"]
        words = line.split(":", 1)[1].split(".")[0] if ":" in line else line.split("՝", 1)[1].split("։")[0]
        for word in (w.strip() for w in words.split(",")):
            assert understander.understand(word).best is not None, (code, word)
