"""Translators' PO files: `hotline content export` / `import` round-trip without loss, carry the review status
(fuzzy = unreviewed), the Russian and the source quote, and a bad file changes nothing."""
import shutil

import polib
import pytest
from click.testing import CliRunner

from ivr.cli import main
from ivr.content import po
from ivr.content.catalog import DEFAULT_PROMPTS_DIR, load_catalog

from . import sms_fixtures

LANGS = ["kk", "ru", "ky", "uz", "tg", "tk", "az", "hy"]

catalog = sms_fixtures.catalog  # the real catalog, loaded once per session (conftest.py)


@pytest.fixture
def prompts_copy(tmp_path, monkeypatch):
    directory = tmp_path / "prompts"
    shutil.copytree(DEFAULT_PROMPTS_DIR, directory)
    monkeypatch.setenv("HOTLINE_PROMPTS_DIR", str(directory))
    return directory


def test_export_then_import_changes_nothing(prompts_copy, tmp_path):
    before = {code: (prompts_copy / f"{code}.yaml").read_bytes() for code in LANGS}
    runner = CliRunner()
    for code in LANGS:
        out = tmp_path / f"{code}.po"
        assert runner.invoke(main, ["content", "export", "--lang", code, "--out", str(out)]).exit_code == 0
        result = runner.invoke(main, ["content", "import", str(out)])
        assert result.exit_code == 0 and "0 prompts changed" in result.output, result.output
    assert {code: (prompts_copy / f"{code}.yaml").read_bytes() for code in LANGS} == before


def test_the_po_entry_carries_what_a_reviewer_needs(catalog):
    entries = {e.msgctxt: e for e in po.export(catalog, "uz")}
    entry = entries["dms.what"]
    assert entry.msgid == catalog.voice("ru", "dms.what") and entry.msgstr == catalog.voice("uz", "dms.what")
    assert "Russian (voice): " in entry.comment and "Source 000, A, step 2: «" in entry.comment
    assert entry.fuzzy  # unreviewed
    assert entries["dms.what|sms"].msgstr == catalog.sms("uz", "dms.what")
    assert not entries["disease.01"].fuzzy and po.FROM_SOURCE in entries["disease.01"].comment


def test_a_reviewed_translation_comes_back_reviewed(prompts_copy, tmp_path):
    catalog = load_catalog(prompts_copy)
    pofile = po.export(catalog, "tk")
    voice, sms = (next(e for e in pofile if e.msgctxt == ctxt) for ctxt in ("urgent.migrants", "urgent.migrants|sms"))
    voice.msgstr = voice.msgstr.replace("Mugt diňe", "Mugt, diňe")  # the reviewer's correction
    voice.flags.remove("fuzzy")
    path = tmp_path / "tk.po"
    pofile.save(str(path))
    CliRunner().invoke(main, ["content", "import", str(path)])
    assert load_catalog(prompts_copy).prompt("tk", "urgent.migrants").status == "unreviewed"  # its SMS is not yet
    sms.flags.remove("fuzzy")
    path = tmp_path / "tk.po"
    pofile.save(str(path))
    result = CliRunner().invoke(main, ["content", "import", str(path)])
    assert result.exit_code == 0 and "1 prompts changed" in result.output, result.output
    after = load_catalog(prompts_copy).prompt("tk", "urgent.migrants")
    assert after.status == "reviewed" and "Mugt, diňe" in after.voice
    assert after.sms == catalog.prompt("tk", "urgent.migrants").sms  # its SMS wording is untouched


def test_an_import_that_would_break_the_catalog_is_refused(prompts_copy, tmp_path):
    catalog = load_catalog(prompts_copy)
    pofile = po.export(catalog, "uz")
    next(e for e in pofile if e.msgctxt == "algo.step01").msgstr = "1-qadam. STIR oling."  # against the glossary
    path = tmp_path / "uz.po"
    pofile.save(str(path))
    before = (prompts_copy / "uz.yaml").read_bytes()
    result = CliRunner().invoke(main, ["content", "import", str(path)])
    assert result.exit_code != 0 and "STIR" in result.output
    assert (prompts_copy / "uz.yaml").read_bytes() == before


def test_an_unknown_prompt_is_refused(prompts_copy, tmp_path):
    pofile = po.export(load_catalog(prompts_copy), "az")
    pofile.append(polib.POEntry(msgctxt="no.such.prompt", msgid="x", msgstr="y"))
    path = tmp_path / "az.po"
    pofile.save(str(path))
    result = CliRunner().invoke(main, ["content", "import", str(path)])
    assert result.exit_code != 0 and "no.such.prompt" in result.output


def _save(pofile, tmp_path, lang):
    path = tmp_path / f"{lang}.po"
    pofile.save(str(path))
    return path


def test_an_entry_translated_from_an_older_russian_is_refused(prompts_copy, tmp_path):
    """A translator who exported before a scope fix must not bring the old wording back as reviewed."""
    catalog = load_catalog(prompts_copy)
    pofile = po.export(catalog, "tg")
    entry = next(e for e in pofile if e.msgctxt == "status.temporary|sms")
    entry.msgid = "Временно пребывающие иностранцы и ищущие убежище: болезни, опасные для окружающих, лечат бесплатно."
    entry.msgstr = "Хориҷиёни муваққатан қарордошта: бемориҳои хатарнок ройгон табобат мешаванд."
    entry.flags = []
    path = _save(pofile, tmp_path, "tg")
    before = (prompts_copy / "tg.yaml").read_bytes()
    result = CliRunner().invoke(main, ["content", "import", str(path)])
    assert result.exit_code != 0 and "status.temporary|sms" in result.output and "older Russian" in result.output
    assert (prompts_copy / "tg.yaml").read_bytes() == before


def test_an_older_russian_can_come_in_unreviewed_but_never_reviewed(prompts_copy, tmp_path):
    catalog = load_catalog(prompts_copy)
    pofile = po.export(catalog, "az")
    for ctxt in ("dms.what", "dms.what|sms"):
        entry = next(e for e in pofile if e.msgctxt == ctxt)
        entry.msgid = "an older Russian text"
        entry.flags = []
    path = _save(pofile, tmp_path, "az")
    result = CliRunner().invoke(main, ["content", "import", "--stale", "unreviewed", str(path)])
    assert result.exit_code == 0, result.output
    assert load_catalog(prompts_copy).prompt("az", "dms.what").status == "unreviewed"


@pytest.mark.parametrize("body", [b'msgctxt "a"\nmsgid "x"\nmsgstrr "y"\n', b'garbage here\n',
                                  b'msgctxt "a"\nmsgid "\xff\xfe"\nmsgstr "y"\n'])
def test_a_broken_po_file_gives_one_line_and_writes_nothing(prompts_copy, tmp_path, body):
    path = tmp_path / "broken.po"
    path.write_bytes(b'msgid ""\nmsgstr ""\n"Language: uz\\n"\n\n' + body)
    before = (prompts_copy / "uz.yaml").read_bytes()
    result = CliRunner().invoke(main, ["content", "import", str(path)])
    assert result.exit_code != 0
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert len(result.output.strip().splitlines()) == 1 and "broken.po" in result.output, result.output
    assert (prompts_copy / "uz.yaml").read_bytes() == before


def test_an_sms_over_the_budget_is_refused_before_writing(prompts_copy, tmp_path):
    pofile = po.export(load_catalog(prompts_copy), "ky")
    entry = next(e for e in pofile if e.msgctxt == "status.temporary|sms")
    entry.msgstr = entry.msgstr + " " + entry.msgstr + " " + entry.msgstr  # 5 segments
    path = _save(pofile, tmp_path, "ky")
    before = (prompts_copy / "ky.yaml").read_bytes()
    result = CliRunner().invoke(main, ["content", "import", str(path)])
    assert result.exit_code != 0 and "status.temporary" in result.output and "segments" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert (prompts_copy / "ky.yaml").read_bytes() == before


def test_an_edited_source_text_becomes_unreviewed(prompts_copy, tmp_path):
    catalog = load_catalog(prompts_copy)
    assert catalog.prompt("kk", "disease.01").status == "source"
    pofile = po.export(catalog, "kk")
    entry = next(e for e in pofile if e.msgctxt == "disease.01")
    assert po.FROM_SOURCE in entry.comment and not entry.fuzzy
    entry.msgstr = entry.msgstr + " (өзгертілді)"
    path = _save(pofile, tmp_path, "kk")
    result = CliRunner().invoke(main, ["content", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert load_catalog(prompts_copy).prompt("kk", "disease.01").status == "unreviewed"


def test_clearing_fuzzy_on_only_the_voice_says_the_prompt_stays_unreviewed(prompts_copy, tmp_path):
    pofile = po.export(load_catalog(prompts_copy), "hy")
    next(e for e in pofile if e.msgctxt == "urgent.migrants").flags.remove("fuzzy")
    path = _save(pofile, tmp_path, "hy")
    result = CliRunner().invoke(main, ["content", "import", str(path)])
    assert result.exit_code == 0 and "urgent.migrants: its sms entry is still fuzzy" in result.output, result.output
    assert load_catalog(prompts_copy).prompt("hy", "urgent.migrants").status == "unreviewed"


def test_a_dated_fact_is_not_translated_on_its_own(prompts_copy, tmp_path):
    pofile = po.export(load_catalog(prompts_copy), "uz")
    pofile.append(polib.POEntry(msgctxt="status.tmkkk.dated", msgid="x", msgstr="y"))
    path = _save(pofile, tmp_path, "uz")
    result = CliRunner().invoke(main, ["content", "import", str(path)])
    assert result.exit_code != 0 and "status.tmkkk" in result.output and "dated.gobmp" not in result.output
