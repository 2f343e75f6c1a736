"""Facts know their dates: a fact past its date gives way to its successor or fallback, no node falls
silent, reviewers hear another day through HOTLINE_TODAY (never in production) and `content check --today`."""
import datetime as dt

import pytest
from click.testing import CliRunner

from ivr.content.catalog import load_catalog
from ivr.content.model import CatalogError
from ivr.phone import Emulator
from ivr.settings import SettingsError, load_settings

from . import catalog_fixture as fx
from . import sms_fixtures
from .conftest import client_transport

OLD_END = dt.date(2025, 12, 31)

catalog = sms_fixtures.catalog  # the real catalog, loaded once per session (conftest.py)


def with_successor(tmp_path, successor_effective="2026-01-01"):
    """fact.old ends 2025-12-31; fact.new (its successor) starts on `successor_effective`."""
    cites = fx.citations()
    cites["fact.old"]["successor"] = "fact.new"
    cites["fact.new"] = {"source": "000", "section": "A", "quote": "Получить ИИН", "effective": successor_effective}
    langs = {code: fx.language(code) for code in fx.LANGS}
    for code, lang in langs.items():
        lang["prompts"]["fact.new"] = {"voice": f"[{code}] fact.new text", "status": "source"}
    return fx.write(tmp_path / "p", cites=cites, langs=langs)


def test_an_expired_fact_is_replaced_by_its_successor(tmp_path):
    catalog = load_catalog(with_successor(tmp_path))
    assert catalog.current("fact.old", OLD_END) == "fact.old"
    assert catalog.current("fact.old", OLD_END + dt.timedelta(days=1)) == "fact.new"
    assert catalog.said(["fact.old"], dt.date(2026, 6, 1)) == ["fact.new"]
    assert catalog.node_in_force("fact_old", dt.date(2030, 1, 1))


def test_a_gap_before_the_successor_falls_back(tmp_path):
    catalog = load_catalog(with_successor(tmp_path, successor_effective="2026-03-01"))
    assert catalog.current("fact.old", dt.date(2026, 1, 15)) == "fact.fallback"  # the successor is not yet in force
    assert catalog.current("fact.old", dt.date(2026, 3, 1)) == "fact.new"


def test_a_fact_that_ends_without_replacement_is_refused(tmp_path):
    cites = fx.citations()
    del cites["fact.old"]["fallback"]
    with pytest.raises(CatalogError, match="'fact.old': ends on 2025-12-31 with neither a successor nor a fallback"):
        load_catalog(fx.write(tmp_path / "p", cites=cites))


def test_a_node_that_would_fall_silent_is_refused(tmp_path):
    cites = fx.citations()
    cites["fact.old"]["fallback"] = "fact.gone"  # the fallback itself ends the same day
    cites["fact.gone"] = {"source": "000", "section": "A", "quote": "Получить ИИН", "effective": "2020-10-09",
                          "until": "2025-12-31", "successor": "fact.a"}
    cites["fact.a"]["until"] = "2025-12-31"
    cites["fact.a"]["successor"] = "fact.gone"
    langs = {code: fx.language(code) for code in fx.LANGS}
    for lang in langs.values():
        lang["prompts"]["fact.gone"] = {"voice": "gone", "status": "source"}
    with pytest.raises(CatalogError, match="says nothing on 2026-01-01"):
        load_catalog(fx.write(tmp_path / "p", cites=cites, langs=langs))


def test_no_node_of_the_real_catalog_falls_silent(catalog):
    for day in catalog.change_days(dt.date(2026, 1, 1)) + [dt.date(2030, 1, 1)]:
        for nid in catalog.nodes:
            if catalog.node_in_force(nid, dt.date(2026, 12, 2)):
                assert catalog.node_in_force(nid, day), (nid, day)


def test_the_real_catalog_differs_on_2027_01_02_where_the_sources_say(catalog):
    from ivr.content import asof

    today, later = dt.date(2026, 12, 2), dt.date(2027, 1, 2)
    changes = asof.differences(catalog, today, later)
    assert changes[0] == "osms.covers:" and any("covers.item2_2027" in line for line in changes)
    assert [line for line in changes if not line.startswith("  ")] == ["osms.covers:"]  # nothing else changes
    assert "1 4 0 6" in catalog.voice("ru", "covers.item2_2027")  # where to check, not invented text
    # the 2025 amounts: said in 2025, their fallback after; "how much to pay" and its 1406 pointer stay
    assert catalog.said(["amount.ie", "amount.self", "amount.check"], dt.date(2025, 6, 1))[:2] == [
        "amount.ie", "amount.self"]
    assert catalog.said(["amount.ie", "amount.self", "amount.check"], today) == ["amount.fallback", "amount.check"]


def test_every_dated_citation_has_a_replacement_in_the_real_catalog(catalog):
    dated = {pid: c for pid, c in catalog.citations.items() if c.until}
    assert {"amount.ie", "amount.self", "covers.intro"} <= set(dated)
    assert all(c.successor or c.fallback for c in dated.values())
    assert catalog.citations["covers.intro_2027"].effective == dt.date(2027, 1, 1)


def test_hotline_today_is_refused_in_production():
    with pytest.raises(SettingsError, match="HOTLINE_TODAY"):
        load_settings({"HOTLINE_ENV": "production", "HOTLINE_TODAY": "2027-01-02", "HOTLINE_SECRET_KEY": "s",
                       "HOTLINE_HASH_SECRET": "h", "TWILIO_AUTH_TOKEN": "t"})
    with pytest.raises(SettingsError, match="not a date"):
        load_settings({"HOTLINE_TODAY": "tomorrow"})
    assert load_settings({"HOTLINE_TODAY": "2027-01-02"})["HOTLINE_TODAY"] == "2027-01-02"


def test_hotline_today_decides_what_a_caller_hears(app_factory, tmp_path):
    heard = {}
    for n, day in enumerate(("2025-06-01", "2026-06-01")):
        app = app_factory(HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / day)), HOTLINE_TODAY=day, CLOCK=None)
        twilio = Emulator("http://localhost", app.config["TWILIO_AUTH_TOKEN"], client_transport(app.test_client()))
        call = twilio.call(caller=f"+7701555000{n}")  # a new caller each time: the language menu first
        call.start()
        call.press("2")  # Russian
        call.press("1")
        heard[day] = [h.text for h in call.press("2").heard]
    assert "[ru] fact.old text" in heard["2025-06-01"]
    assert "[ru] fact.fallback text" in heard["2026-06-01"] and "[ru] fact.old text" not in heard["2026-06-01"]


def test_content_check_prints_what_callers_hear_differently(tmp_path, monkeypatch):
    from ivr.cli import main

    monkeypatch.setenv("HOTLINE_PROMPTS_DIR", str(fx.write(tmp_path / "p")))
    monkeypatch.setenv("HOTLINE_TODAY", "2025-06-01")
    result = CliRunner().invoke(main, ["content", "check", "--today", "2026-01-01"])
    assert "Heard differently on 2026-01-01 than on 2025-06-01:" in result.output
    assert "fact_old:\n  - fact.old: [ru] fact.old text\n  + fact.fallback: [ru] fact.fallback text" in result.output


def test_stale_facts_are_listed_for_review(catalog):
    from ivr.content import stale

    listed = {s.pid: s.reason for s in stale.stale_facts(catalog, dt.date(2026, 12, 2))}
    # the free-package facts end with 004's dated ГОБМП list (sources.yaml `lists:`): no longer stale against it,
    # said with that list's date, and still from a source over 36 months old
    assert "status.full_package" not in listed
    assert listed["status.full_package.dated"] == "source dated 2021-01-01, over 36 months ago"
    assert "covers.01" not in listed  # 003 (2025) is recent
    assert "amount.ie" not in listed  # out of force: not said, nothing to review
