"""Understanding a text does not grow faster than linearly with the lexicon (issue 31).

Work is counted in operations (lexicon entries placed against the message, stems compared while a
misspelling is forgiven: bench/sms_cost.Counting), never in time: the lexicon is grown with made-up
words in every language and topic, and the growth exponent of the work per message against the
lexicon's distinct stems must stay near 1.
"""
from pathlib import Path

from bench import sms_cost
from ivr.content.catalog import load_catalog
from ivr.content.lexicon import load_lexicon

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT.parent / "shared" / "sources"


def test_understanding_grows_at_most_linearly_with_the_lexicon():
    catalog = load_catalog(ROOT / "prompts", SOURCES if SOURCES.exists() else None)
    lexicon = load_lexicon(catalog)
    texts = [t for _, _, t in sms_cost.corpus()][::4]
    rows = sms_cost.lexicon_growth(catalog, lexicon, texts, factors=(1, 2, 8))
    assert rows[-1]["stems"] > 3 * rows[1]["stems"]  # the lexicon really grew
    # The entries placed per message do not grow at all (an index by stem, not a scan) ...
    assert rows[-1]["placed_per_message"] <= 1.2 * rows[0]["placed_per_message"], rows
    # ... and the whole work grows like the stems compared for spelling: linearly, not worse.
    assert sms_cost.growth_exponent(rows) <= 1.15, rows


def _scan_strip(suffixes, folded: str, shortest: int) -> str:
    """The reference: try every suffix, longest first, until none applies (what strip() did before)."""
    changed = True
    while changed:
        changed = False
        for suffix in suffixes:
            if folded.endswith(suffix) and len(folded) - len(suffix) >= shortest:
                folded, changed = folded[: -len(suffix)], True
                break
    return folded


def test_suffix_stripping_by_length_strips_what_the_scan_did():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from ivr.sms.understanding import _Reducer

    reducers = [_Reducer(None, ("lar", "ler", "dan", "den", "ning", "da", "de", "i", "ы", "ov", "lari")),
                _Reducer(None, ("a", "aa", "aaa", "ab", "b", "ba"))]

    @settings(max_examples=300, deadline=None)
    @given(st.text(alphabet="abdeilnorvы", max_size=14), st.integers(0, 5))
    def check(word, shortest):
        for reducer in reducers:
            assert reducer.strip(word, shortest) == _scan_strip(reducer.suffixes, word, shortest)

    check()
