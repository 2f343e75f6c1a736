"""The dashboard's words are gettext catalogs (ivr/ops/translations, Flask-Babel): every id the code and
templates use is in both languages, the compiled catalogs match their PO files, and a translation keeps
the placeholders of the English. After changing ids: `make translations`."""
import re
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "ivr" / "ops" / "translations"


def catalog(lang: str) -> polib.POFile:
    return polib.pofile(str(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"))


def test_every_id_the_dashboard_uses_has_words_in_both_languages(tmp_path):
    pot = tmp_path / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run([str(pybabel), "extract", "-F", str(ROOT / "ivr/ops/babel.cfg"), "-k", "t", "-k", "N_",
                    "-o", str(pot), str(ROOT / "ivr/ops")], check=True, capture_output=True)
    used = {e.msgid for e in polib.pofile(str(pot)) if e.msgid}
    for lang in ("ru", "en"):
        words = {e.msgid: e.msgstr for e in catalog(lang) if not e.obsolete}
        assert sorted(used - set(words)) == [], lang  # run `make translations`, then translate
        assert [k for k in used if not words[k].strip()] == [], lang


def test_the_compiled_catalogs_match_their_po_files():
    for lang in ("ru", "en"):
        compiled = polib.mofile(str(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo"))
        assert {e.msgid: e.msgstr for e in compiled} == {e.msgid: e.msgstr for e in catalog(lang)
                                                          if e.msgstr and not e.obsolete}, lang


def test_a_translation_keeps_the_placeholders():
    english = {e.msgid: e.msgstr for e in catalog("en")}
    for entry in catalog("ru"):
        assert set(re.findall(r"\{\w+\}", entry.msgstr)) == set(re.findall(r"\{\w+\}", english[entry.msgid])), \
            entry.msgid


def test_every_event_the_sms_room_logs_has_a_word():
    """An event type written with `{"type": "..."}` in ivr/sms/ is a key the dashboard translates (ev.<type>):
    operators read the thread in words, not in the code's names."""
    written = set()
    for path in (ROOT / "ivr" / "sms").glob("*.py"):
        written |= set(re.findall(r'\{"type": "([a-z_]+)"', path.read_text(encoding="utf-8")))
    words = {e.msgid for e in catalog("ru") if e.msgstr and not e.obsolete}
    assert written and sorted(t for t in written if f"ev.{t}" not in words) == []
