"""The catalog each app loads, loaded once per content in a test session.

`create_app` reads, parses and checks prompts/ (the real catalog: ~0.35 s of CPU), and the tests build
hundreds of apps over the same files. `installed()` wraps the loaders `ivr.services.build` calls, so
that a catalog and its lexicon are loaded once for each content: the key is a hash of every file
under the prompts and sources folders, so a test that writes or edits a catalog gets a fresh load,
and a catalog that fails its checks is never kept (its error is raised each time). Nothing in the app
changes a loaded catalog; `load_catalog` itself is still run for each content and tested on its own.
"""
from __future__ import annotations

import hashlib
from contextlib import contextmanager
from pathlib import Path

import pytest

from ivr import services
from ivr.content.catalog import DEFAULT_PROMPTS_DIR, DEFAULT_SOURCES_DIR


def content_hash(*folders: Path) -> str:
    digest = hashlib.sha256()
    for folder in folders:
        digest.update(str(folder).encode() + b"\0")  # the same files elsewhere: errors name the folder
        if folder.is_dir():
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@contextmanager
def installed():
    load_catalog, load_lexicon = services.load_catalog, services.load_lexicon
    catalogs: dict[str, object] = {}
    lexicons: dict[int, object] = {}  # id(catalog) -> its lexicon; the catalogs are kept, so ids stay theirs

    def catalog_once(directory=None, sources_dir=None):
        folders = (Path(directory or DEFAULT_PROMPTS_DIR), Path(sources_dir or DEFAULT_SOURCES_DIR))
        key = content_hash(*folders)
        if key not in catalogs:
            catalogs[key] = load_catalog(directory, sources_dir)
        return catalogs[key]

    def lexicon_once(catalog):
        if not any(catalog is kept for kept in catalogs.values()):
            return load_lexicon(catalog)
        if id(catalog) not in lexicons:
            lexicons[id(catalog)] = load_lexicon(catalog)
        return lexicons[id(catalog)]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services, "load_catalog", catalog_once)
        patch.setattr(services, "load_lexicon", lexicon_once)
        yield
