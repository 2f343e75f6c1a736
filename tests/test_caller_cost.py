"""`hotline content cost`: keys and seconds of audio until a key fact is said, on a small catalog
whose every line is given a known length in a real audio index."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from ivr.content.catalog import load_catalog
from ivr.voice import audio, cost

from . import catalog_fixture as fx

TODAY = dt.date(2026, 11, 23)
FACTS = {"a": "fact.a", "sixth": "item.6", "old": "fact.old"}
AUDIO_ONLY = cost.Timing(0.0, 0.0)  # the audio alone: no gap before a verb, no round trip after a key


def catalog_and_index(tmp_path, seconds=2.0, drop=(), offers=None):
    tree = fx.tree()
    tree["key_facts"] = FACTS
    langs = None
    if offers:
        tree["language_by_country"] = offers
        langs = {code: fx.language(code) for code in fx.LANGS}
        for code, lang in langs.items():
            lang["prompts"]["lang.offer"] = {"voice": f"[{code}] offer", "status": "unreviewed"}
    catalog = load_catalog(fx.write(tmp_path / "p", tree_data=tree, langs=langs))
    by_lang: dict[str, dict] = {}
    for line in audio.spoken_lines(catalog, TODAY):
        if line.text not in drop:
            by_lang.setdefault(line.lang, {})[line.sha] = {"file": f"{line.sha}.wav", "seconds": seconds,
                                                           "current": True, "text": line.text}
    for lang, lines in by_lang.items():
        path = audio.index_path(tmp_path / "audio", lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"lines": lines}), encoding="utf-8")
    return catalog, audio.AudioIndex(tmp_path / "audio")


def test_key_facts_are_read_from_the_tree(tmp_path):
    catalog, _ = catalog_and_index(tmp_path)
    assert cost.key_facts(catalog.directory) == FACTS


def test_keys_and_seconds_listening_through_every_screen(tmp_path):
    catalog, index = catalog_and_index(tmp_path)
    rows = {(r.lang, r.name): r for r in cost.CallerCost(catalog, index, TODAY, AUDIO_ONLY).report(FACTS)}
    # main menu: its prompt and three options — four lines of 2 s (the 9/*/0 hint waits for a fact)
    assert rows[("tk", "main menu")].ends == 8.0
    a = rows[("tk", "a")]  # main (8 s) → 1 → facts (prompt + 2 options: 6 s) → 1 → the fact first
    assert (a.keys, a.starts, a.ends, a.missing) == (["1", "1"], 14.0, 16.0, [])
    # main → 2 → the list's first group: prompt, "next" early, 5 items, "next", the 9/*/0 hint (18 s) → 1
    sixth = rows[("kk", "sixth")]
    assert (sixth.keys, sixth.starts, sixth.ends) == (["2", "1"], 26.0, 28.0)


def test_a_fact_past_its_date_is_measured_as_said_today(tmp_path):
    catalog, index = catalog_and_index(tmp_path)
    old = cost.CallerCost(catalog, index, TODAY, AUDIO_ONLY).cost("ru", "old", "fact.old")
    assert old.keys == ["1", "2"] and old.ends == old.starts + 2.0  # its fallback line


def test_lines_without_audio_are_named_and_limits_checked(tmp_path):
    catalog, index = catalog_and_index(tmp_path, drop={"[hy] facts menu"})
    hy = cost.CallerCost(catalog, index, TODAY, AUDIO_ONLY).cost("hy", "a", "fact.a")
    assert hy.missing == ["[hy] facts menu"] and hy.starts == 12.0
    rows = cost.CallerCost(catalog, index, TODAY, AUDIO_ONLY).report(FACTS)
    assert cost.format_rows(rows, max_keys=3, max_seconds=45)[1]
    text, ok = cost.format_rows(rows, max_keys=1, max_seconds=45)
    assert not ok and "over 1 keys" in text and "1 line(s) without audio" in text


def test_a_fact_nowhere_in_the_tree_is_not_reachable(tmp_path):
    catalog, index = catalog_and_index(tmp_path)
    row = cost.CallerCost(catalog, index, TODAY, AUDIO_ONLY).cost("ru", "x", "menu.list.nowhere")
    assert row.keys is None
    assert not cost.format_rows([row], 3, 45)[1]


def test_the_command_prints_the_table_and_fails_over_the_limits(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from ivr.cli import main

    catalog, _ = catalog_and_index(tmp_path)
    monkeypatch.setenv("HOTLINE_PROMPTS_DIR", str(catalog.directory))
    monkeypatch.setenv("HOTLINE_AUDIO_DIR", str(tmp_path / "audio"))
    monkeypatch.setenv("HOTLINE_TODAY", TODAY.isoformat())
    ok = CliRunner().invoke(main, ["content", "cost"])
    assert ok.exit_code == 0, ok.output
    assert "tk    sixth                  2 1           30.7    32.7" in ok.output  # gaps and round trips counted
    assert "key facts: max 32.7 s, median 19.2 s (limit 35 s)" in ok.output
    assert CliRunner().invoke(main, ["content", "cost", "--max-median", "15"]).exit_code == 1
    over = CliRunner().invoke(main, ["content", "cost", "--max-seconds", "20"])
    assert over.exit_code == 1 and "over 3 keys / 20 s" in over.output


def test_the_summary_table_for_docs_has_a_row_per_fact_and_a_column_per_language(tmp_path):
    catalog, index = catalog_and_index(tmp_path, drop={"[hy] facts menu"})
    table = cost.markdown(cost.CallerCost(catalog, index, TODAY, AUDIO_ONLY).report(FACTS)).splitlines()
    assert table[0] == "| key fact | " + " | ".join(fx.LANGS) + " |"
    assert table[2].startswith("| main menu | 8 s | ")
    row = next(line for line in table if line.startswith("| a |"))
    assert "| 1 1 · 16 s |" in row and row.endswith("| 1 1 · 14 s * |")  # hy: a line without audio


def test_the_gap_before_each_verb_and_the_round_trip_after_each_key_are_counted(tmp_path):
    catalog, index = catalog_and_index(tmp_path)
    a = cost.CallerCost(catalog, index, TODAY).cost("tk", "a", "fact.a")
    # main (4 lines) → 1 → facts (3 lines) → 1 → the fact: 8 verbs before it, each 2 s + 0.25 s, 2 keys × 0.6 s
    assert a.starts == pytest.approx(7 * 2.25 + 2 * 0.6 + 0.25)
    assert a.ends == pytest.approx(8 * 2.25 + 2 * 0.6)
    assert cost.TIMING == cost.Timing(0.25, 0.6)


def test_a_first_call_to_the_main_menu_per_country_code(tmp_path):
    catalog, index = catalog_and_index(tmp_path, offers={"996": "ky"})
    rows = cost.CallerCost(catalog, index, TODAY).first_calls()
    ky = rows[0]
    assert (ky.name, ky.lang, ky.keys) == ("+996", "ky", ["1"])
    assert ky.ends == pytest.approx(2 * 2.25 + 0.6)  # the greeting and the offer in Kyrgyz, then key 1
    plus7 = {r.lang: r for r in rows[1:]}
    assert all(r.name == "+7" for r in rows[1:]) and list(plus7) == fx.LANGS
    assert plus7["ru"].ends == pytest.approx(3 * 2.25 + 0.6)  # the greeting, kk's line, ru's line: key 2
    assert plus7["hy"].keys == ["8"] and plus7["hy"].ends == pytest.approx(9 * 2.25 + 0.6)
    text, ok = cost.format_first_calls(rows, limit=20)
    assert ok and "+996        ky    1             5.1" in text
    assert not cost.format_first_calls(rows, limit=5)[1]
    assert cost.markdown_first_calls(rows).splitlines()[0].startswith("| first call | +996 | +7 kk | +7 ru |")


def test_the_median_and_the_worst_key_fact(tmp_path):
    catalog, index = catalog_and_index(tmp_path)
    rows = cost.CallerCost(catalog, index, TODAY, AUDIO_ONLY).report(FACTS)
    assert cost.fact_summary(rows) == (28.0, 16.0)
