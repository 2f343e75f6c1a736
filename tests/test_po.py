"""Translators' PO files: `hotline content export` / `import` round-trip without loss, carry the review status
(fuzzy = unreviewed), the Russian and the source quote, and a bad file changes nothing."""
import shutil

import polib
import pytest
from click.testing import CliRunner

from ivr.cli import main
from ivr.content import po
from ivr.content.catalog import DEFAULT_PROMPTS_DIR, load_catalog

LANGS = ["kk", "ru", "ky", "uz", "tg", "tk", "az", "hy"]


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


def test_the_po_entry_carries_what_a_reviewer_needs():
    catalog = load_catalog()
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
