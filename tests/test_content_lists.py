"""Dated lists: the facts resting on the ГОБМП list, which 004 heads "until 1 January 2026" (sources.yaml
`lists:`), are said as current until then and with that date after it, in all 8 languages."""
import datetime as dt

import pytest
from click.testing import CliRunner

from ivr.cli import main
from ivr.content import stale
from ivr.sms import segments

from . import sms_fixtures

LANGS = ["kk", "ru", "ky", "uz", "tg", "tk", "az", "hy"]
BEFORE, AFTER = dt.date(2025, 12, 1), dt.date(2026, 12, 7)
FREE_PACKAGE = ["status.tmkkk", "urgent.uninsured", "pregnancy.free", "chronic.who", "status.full_package",
                "status.permanent.attach", "status.permanent.scope", "elig.r_permanent"]
YEAR = {"kk": "2026", "ru": "2026", "ky": "2026", "uz": "2026", "tg": "2026", "tk": "2026", "az": "2026", "hy": "2026"}


catalog = sms_fixtures.catalog  # the real catalog, loaded once per session (conftest.py)


def test_every_free_package_fact_ends_with_the_list(catalog):
    for pid in FREE_PACKAGE:
        cite = catalog.citations[pid]
        assert cite.until == dt.date(2025, 12, 31) and cite.successor == pid + ".dated" and cite.dated_by == "004"
        assert catalog.current(pid, BEFORE) == pid
        assert catalog.current(pid, AFTER) == pid + ".dated"


@pytest.mark.parametrize("lang", LANGS)
def test_after_the_list_the_fact_is_said_with_its_date(catalog, lang):
    for pid in FREE_PACKAGE:
        dated = catalog.prompt(lang, pid + ".dated")
        fact = catalog.prompt(lang, pid)
        assert fact.voice in dated.voice and "2026" in dated.voice and "1 4 0 6" in dated.voice, (lang, pid)
        assert fact.sms in dated.sms and "2026" in dated.sms and "1406" in dated.sms, (lang, pid)
        assert segments.segments(dated.sms) <= 3, (lang, pid, len(dated.sms))
        assert dated.status == "unreviewed"


def test_what_callers_hear_on_each_side_of_the_date(catalog):
    node = catalog.nodes["free.status.permanent"]
    assert catalog.said(node.say, BEFORE) == list(node.say)
    assert catalog.said(node.say, AFTER) == [pid + ".dated" for pid in node.say]
    urgent = catalog.nodes["urgent.emergency"]
    assert catalog.said(urgent.say, AFTER) == ["urgent.uninsured.dated", "urgent.migrants"]
    assert catalog.voice("ru", "urgent.uninsured.dated").startswith(
        "По перечню, действовавшему до 1 января 2026 года: Гражданам Казахстана")


def test_the_dated_facts_are_not_listed_as_stale_against_the_list_that_dates_them(catalog):
    reasons = {s.pid: s.reason for s in stale.stale_facts(catalog, BEFORE)}
    for pid in FREE_PACKAGE:
        assert "004" not in reasons.get(pid, ""), reasons.get(pid)


def test_the_check_shows_them_current_before_and_dated_after(monkeypatch):
    monkeypatch.setenv("HOTLINE_TODAY", AFTER.isoformat())
    result = CliRunner().invoke(main, ["content", "check", "--today", BEFORE.isoformat()])
    assert result.exit_code == 0, result.output
    assert f"Heard differently on {BEFORE} than on {AFTER}:" in result.output
    assert "  - status.tmkkk.dated: По перечню, действовавшему до 1 января 2026 года: Бесплатный пакет" in result.output
    assert "  + status.tmkkk: Бесплатный пакет" in result.output
    assert "Not said today (out of force): " in result.output
    out_of_force = result.output.split("Not said today (out of force): ")[1].split("\n")[0]
    assert "status.tmkkk.dated" in out_of_force and "status.tmkkk," not in out_of_force


def test_the_dated_wording_is_exported_once_not_per_fact(catalog):
    from ivr.content import po

    ctxts = {e.msgctxt for e in po.export(catalog, "uz")}
    assert "dated.gobmp" in ctxts and "dated.gobmp|sms" in ctxts
    assert not any(c.startswith("status.tmkkk.dated") for c in ctxts)
