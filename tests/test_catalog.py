"""Catalog validation: a broken catalog refuses to start, naming file, prompt id and language."""
import pytest

from ivr import create_app
from ivr.content.catalog import load_catalog
from ivr.content.model import CatalogError

from . import catalog_fixture as fx
from .conftest import make_config, needs_sources


def test_fixture_catalog_is_valid(tmp_path):
    catalog = load_catalog(fx.write(tmp_path / "p"))
    assert catalog.languages == fx.LANGS
    assert set(catalog.nodes) == {"main", "facts", "fact_a", "fact_old", "listy"}


def test_missing_translation_names_file_prompt_and_language(tmp_path):
    uz = fx.language("uz")
    del uz["prompts"]["fact.a"]
    with pytest.raises(CatalogError) as err:
        load_catalog(fx.write(tmp_path / "p", langs={"uz": uz}))
    assert (err.value.file, err.value.prompt, err.value.lang) == ("uz.yaml", "fact.a", "uz")
    assert "uz.yaml" in str(err.value) and "'fact.a'" in str(err.value) and "'uz'" in str(err.value)


def test_dangling_key(tmp_path):
    tree = fx.tree()
    tree["nodes"]["facts"]["options"]["3"] = {"label": "opt.fact_a", "goto": "nowhere"}
    with pytest.raises(CatalogError, match="tree.yaml.*'facts' key '3' leads to missing node 'nowhere'"):
        load_catalog(fx.write(tmp_path / "p", tree_data=tree))


def test_a_node_id_that_cannot_travel_in_a_voice_url_is_refused(tmp_path):
    tree = fx.tree()
    tree["nodes"]["fact-b"] = {"say": ["fact.a"]}
    tree["nodes"]["facts"]["options"]["3"] = {"label": "opt.fact_a", "goto": "fact-b"}
    with pytest.raises(CatalogError, match="node id 'fact-b': use only letters, digits"):
        load_catalog(fx.write(tmp_path / "p", tree_data=tree))


def test_unreachable_node(tmp_path):
    tree = fx.tree()
    tree["nodes"]["orphan"] = {"say": ["fact.a"]}
    with pytest.raises(CatalogError, match="'orphan' is not reachable"):
        load_catalog(fx.write(tmp_path / "p", tree_data=tree))


def test_global_key_cannot_be_an_option(tmp_path):
    tree = fx.tree()
    tree["nodes"]["facts"]["options"]["9"] = {"label": "opt.fact_a", "goto": "fact_a"}
    with pytest.raises(CatalogError, match="global key '9'"):
        load_catalog(fx.write(tmp_path / "p", tree_data=tree))


def test_menu_that_only_loops_is_refused(tmp_path):
    tree = fx.tree()
    tree["nodes"]["facts"]["options"] = {"1": {"label": "opt.fact_a", "goto": "facts"}}
    tree["nodes"]["main"]["options"]["3"] = {"label": "opt.fact_a", "goto": "fact_a"}
    tree["nodes"]["main"]["options"]["4"] = {"label": "opt.fact_old", "goto": "fact_old"}
    with pytest.raises(CatalogError, match="'facts' only leads back to itself"):
        load_catalog(fx.write(tmp_path / "p", tree_data=tree))


def test_fact_without_citation(tmp_path):
    cites = fx.citations()
    del cites["fact.a"]
    with pytest.raises(CatalogError, match="citations.yaml, prompt 'fact.a': has no citation"):
        load_catalog(fx.write(tmp_path / "p", cites=cites))


@needs_sources
def test_quote_must_be_in_the_source(tmp_path):
    cites = fx.citations()
    cites["fact.a"]["quote"] = "words the leaflet never says"
    with pytest.raises(CatalogError, match="quote .* is not in source 000"):
        load_catalog(fx.write(tmp_path / "p", cites=cites))


def test_repealed_source_is_never_cited(tmp_path):
    cites = fx.citations()
    cites["fact.a"].update(source="002", quote="ҚАҒИДАЛАРЫ")
    with pytest.raises(CatalogError, match="repealed"):
        load_catalog(fx.write(tmp_path / "p", cites=cites))


def test_template_placeholder_must_survive_translation(tmp_path):
    hy = fx.language("hy")
    hy["prompts"]["ui.option"]["voice"] = "press a key"
    with pytest.raises(CatalogError, match="hy.yaml, prompt 'ui.option', language 'hy': lost the placeholder"):
        load_catalog(fx.write(tmp_path / "p", langs={"hy": hy}))


def test_app_refuses_to_start_on_an_invalid_catalog(tmp_path, redis_url):
    ky = fx.language("ky")
    del ky["prompts"]["ui.more"]
    directory = fx.write(tmp_path / "p", langs={"ky": ky})
    with pytest.raises(CatalogError, match="ky.yaml, prompt 'ui.more', language 'ky': is missing"):
        create_app(make_config(redis_url, tmp_path, HOTLINE_PROMPTS_DIR=str(directory)))


def test_the_real_catalog_is_valid():
    catalog = load_catalog()
    assert catalog.languages == ["kk", "ru", "ky", "uz", "tg", "tk", "az", "hy"]
