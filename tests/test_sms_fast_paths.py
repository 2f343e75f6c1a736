"""The cheaper ways one inbound text is read (issue 31, the fourth /sms round) give exactly what the plainer code
they replaced gave: the understander's words and placing (ivr/sms/understanding.py), the opt-out checks' folding
done once per text and their words' entries kept (ivr/sms/optout.py, ivr/sms/optout_freeform.py), and the answers
of a texter with a language when the text's own language is not worked out. The plain versions are kept here as
the reference."""
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ivr.sms import optout, understanding
from ivr.sms.optout_freeform import FreeForm

# Letters of the eight languages, digits, the apostrophes a word may hold, an underscore, combining marks and
# letters whose lower case is longer ("İ"), punctuation and spaces.
TEXT_CHARS = st.sampled_from(list("aZ9_ 'ʻʼ’‘`-.,!?ёЖқәӨüşňğıİ\u0301\u0308\u00a0\t٣²½") + ["стоп", "SMS", "o'z"])
texts = st.lists(TEXT_CHARS, max_size=40).map("".join)


def plain_tokens(text: str) -> list[str]:
    """understanding._tokens before: character by character."""
    text = unicodedata.normalize("NFC", text).lower()
    out, word = [], []
    for ch in text + " ":
        if ch.isalnum() or ch in "'ʻʼ’‘`":
            word.append(ch)
        elif word:
            if any(c.isalnum() for c in word):
                out.append("".join(word))
            word = []
    return out[:understanding.MAX_TOKENS]


def plain_place(stems, matches):
    """understanding._place before: over the message's words, for each stem of the entry."""
    used = []
    for stem in stems:
        taken = [tok for tok, _ in used]
        hits = [(tok, m[stem]) for tok, m in enumerate(matches) if stem in m and tok not in taken]
        if not hits:
            return []
        used.append(max(hits, key=lambda hit: (hit[1], -hit[0])))
    return used


@settings(max_examples=500, deadline=None)
@given(texts)
def test_tokens_are_the_character_loops(text):
    assert understanding._tokens(text) == plain_tokens(text)


def test_tokens_keep_only_the_first_forty_words():
    assert understanding._tokens(" ".join(["врач"] * 50) + " '' `") == plain_tokens(" ".join(["врач"] * 50))


STEMS = st.sampled_from(["vrach", "polis", "dms", "bol", "kor"])
matches = st.lists(st.dictionaries(STEMS, st.sampled_from([1.0, 0.9, 0.81, 0.75])), max_size=8)


@settings(max_examples=500, deadline=None)
@given(st.lists(STEMS, min_size=1, max_size=3).map(tuple), matches)
def test_placing_by_positions_is_placing_by_words(stems, found):
    assert understanding._place(stems, understanding._positions(found)) == plain_place(stems, found)


@pytest.fixture(scope="module")
def words(real_catalog):
    return optout.OptOutWords(real_catalog)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_a_fold_kept_is_the_fold_worked_out(words, text):
    for word in [text, *text.split()]:
        words._folds.clear()
        first = words.fold(word)
        assert words.fold(word) == first == _plain_fold(words, word)


def _plain_fold(words: optout.OptOutWords, text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", bare).translate(words.fold_map)


def test_the_folds_kept_are_bounded(real_catalog, monkeypatch):
    monkeypatch.setattr(optout, "FOLDS_KEPT", 50)
    words = optout.OptOutWords(real_catalog)
    for i in range(500):
        words.fold(f"слово{i}")
        assert len(words._folds) <= 50
    assert words.fold("Қайда") == _plain_fold(words, "Қайда")


STOP_TEXTS = ["стоп", "STOP", "Stop.", "пожалуйста стоп", "не присылайте мне больше смс", "как отписаться?",
              "прекратите!", "sms ugratman", "Дигар СМС нафиристед!", "старт", "врач", "хватит уже", "", "  ",
              "не отписывайте меня", "uberite moy nomer iz rassylki"]


@settings(max_examples=200, deadline=None)
@given(st.one_of(texts, st.sampled_from(STOP_TEXTS)))
def test_the_opt_out_checks_given_the_folded_words_answer_as_without(words, text):
    free = FreeForm(words)
    folded = words.folded_words(text)
    assert words.classify(text, "", folded) == words.classify(text)
    assert words.classify(text, "STOP", folded) == words.classify(text, "STOP")
    assert free.read(text, folded) == free.read(text)
    assert free.words(text) == folded


def test_the_corpus_is_read_as_before_by_the_opt_out_checks(words):
    from bench import sms_cost

    free = FreeForm(words)
    for text in [t for _, _, t in sms_cost.corpus()] + STOP_TEXTS:
        folded = words.folded_words(text)
        assert words.key(text, folded) == " ".join(w for w in map(lambda w: _plain_fold(words, w),
                                                                  optout._WORDS.findall(optout.normalize(text)))
                                                   if w and w not in words.please)
        assert words.classify(text, "", folded) == words.classify(text)
        assert free.read(text, folded) == free.read(text)


def test_the_free_form_entries_kept_per_word_are_bounded_and_read_the_same(words, monkeypatch):
    from bench import sms_cost
    from ivr.sms import optout_freeform

    monkeypatch.setattr(optout_freeform, "WORDS_KEPT", 30)
    kept, fresh = FreeForm(words), FreeForm(words)
    for text in [t for _, _, t in sms_cost.corpus()] + STOP_TEXTS:
        fresh._starts.clear()
        assert kept.read(text) == fresh.read(text)
        assert len(kept._starts) <= 30


@pytest.mark.parametrize("lang", ["ru", "kk", "tg"])
def test_a_texter_with_a_language_is_answered_as_when_the_texts_language_was_worked_out(real_texting, lang,
                                                                                         monkeypatch):
    """The understander leaves out the text's language for a texter who has one: nothing they are answered
    with used it."""
    import copy
    import datetime as dt

    from bench import sms_cost
    from ivr.store.sessions import Session

    tx, today = real_texting, dt.date(2026, 12, 7)
    understand = tx.understander.understand
    texts = [t for _, _, t in sms_cost.corpus()][::3] + STOP_TEXTS + ["1", "9", "0", "*", "103", "2 3"]

    def answered(text, node, always):
        monkeypatch.setattr(tx.understander, "understand",
                            (lambda t, language=True: understand(t)) if always else understand)
        session = Session(id="h", caller="h", lang=lang, node=node, choices=["dms", "doctor"], started=1.0)
        answer = tx.answer(session, text, today, is_new=False)
        return answer, vars(copy.deepcopy(session))

    for text in texts:
        for node in (tx.catalog.start, "@language"):
            assert answered(text, node, always=False) == answered(text, node, always=True), text
