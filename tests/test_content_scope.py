"""Scope as data: a fact true only for some people or some package (citations.yaml `scope:`) keeps its scope
words in every wording — voice and SMS, all 8 languages — or the catalog check refuses it."""
import shutil

import pytest
import yaml

from ivr.content.catalog import DEFAULT_PROMPTS_DIR, load_catalog
from ivr.content.checks import scope_problems
from ivr.content.model import CatalogError

from . import sms_fixtures

LANGS = ["kk", "ru", "ky", "uz", "tg", "tk", "az", "hy"]
# One broken wording per language: the "free" SMS without its "only" (the reply to "free" in every language).
ONLY = {"ru": "только", "kk": "тек", "ky": "гана", "uz": "faqat", "tg": "танҳо", "tk": "diňe", "az": "yalnız",
        "hy": "միայն"}


catalog = sms_fixtures.catalog  # the real catalog, loaded once per session (conftest.py)


def _copy(tmp_path):
    directory = tmp_path / "prompts"
    shutil.copytree(DEFAULT_PROMPTS_DIR, directory)
    return directory


def _reword(directory, lang, pid, field, old, new):
    path = directory / f"{lang}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    prompt = data["prompts"][pid]
    text = " ".join(str(prompt.get(field) or prompt["voice"]).split())
    assert old in text, (lang, pid, field, text)
    prompt[field] = text.replace(old, new)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_the_real_catalog_keeps_every_scope(catalog):
    assert scope_problems(catalog) == []
    scoped = {pid for pid, cite in catalog.citations.items() if cite.scope}
    assert {"status.temporary", "urgent.call103", "dental.planned", "chronic.who", "status.children",
            "osms.payers.contrib"} <= scoped
    for pid in scoped:
        for scope in catalog.citations[pid].scope:
            assert {lang for lang, _ in scope.terms} == set(LANGS), (pid, scope.concept)


@pytest.mark.parametrize("lang", LANGS)
def test_an_sms_without_only_is_refused(tmp_path, lang):
    directory = _copy(tmp_path)
    _reword(directory, lang, "status.temporary", "sms", ONLY[lang], "")
    with pytest.raises(CatalogError) as err:
        load_catalog(directory)
    message = str(err.value)
    assert f"{lang}.yaml" in message and "status.temporary" in message and "'only'" in message, message
    assert "sms text" in message


@pytest.mark.parametrize("lang", LANGS)
def test_a_voice_without_its_package_is_refused(tmp_path, lang, catalog):
    directory = _copy(tmp_path)
    scope = next(s for s in catalog.citations["dental.planned"].scope if s.concept == "osms_package")
    text = catalog.voice(lang, "dental.planned")
    word = next(w for w in scope.words(lang) if w in text)
    _reword(directory, lang, "dental.planned", "voice", word, "")
    with pytest.raises(CatalogError, match="voice text drops the scope 'osms_package'"):
        load_catalog(directory)


def test_the_emergency_sms_must_say_of_kazakhstan_but_not_its_voice(tmp_path, catalog):
    directory = _copy(tmp_path)
    _reword(directory, "ru", "urgent.call103", "sms", "гражданам РК", "гражданам")
    with pytest.raises(CatalogError, match="of_kazakhstan"):
        load_catalog(directory)
    assert "Казахстан" not in catalog.voice("ru", "urgent.call103")  # the voice makes no hospital claim: `in: sms`


def test_a_scope_missing_a_language_is_refused(tmp_path):
    directory = _copy(tmp_path)
    path = directory / "citations.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["status.temporary"]["scope"]["only"]["hy"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(CatalogError, match="hy.yaml.*has no words for the scope 'only'"):
        load_catalog(directory)


def test_kyrgyz_writes_kazakhstan_not_kr(catalog):
    for pid in catalog.all_prompt_ids():
        assert "КР " not in catalog.sms("ky", pid) and "КР " not in catalog.voice("ky", pid), pid


@pytest.mark.parametrize("lang, negation", [("ky", "О С М С эмес"), ("uz", "O S M S emas"), ("tg", "О С М С нестанд"),
                                            ("tk", "O S M S däl")])
def test_dms_is_not_osms_is_said_negation_first(catalog, lang, negation):
    """By voice the caller must not first hear "ДМС and ВМС — this is ОСМС" and the "not" only after a comma."""
    assert negation in catalog.voice(lang, "dms.term")


def test_the_pregnant_insurance_answer_says_the_sources_do_not_settle_it_for_foreigners(catalog):
    assert "иностранок, в документах не сказано" in catalog.voice("ru", "pregnant.how")
    assert any(s.concept == "foreigners_not_settled" for s in catalog.citations["pregnant.how"].scope)


def test_screening_sms_lines_start_with_who_is_screened(catalog):
    """The SMS says "Screening is for:" and then each line starts with the group, not the disease."""
    for n in ("s2", "s3", "s4", "s5", "s6"):
        sms = catalog.sms("ru", f"screening.{n}")
        assert sms.split(". ", 1)[1].startswith(("Мужчины и женщины", "Женщины")), sms
    assert catalog.sms("ru", "screening.intro").endswith("проходят:")
