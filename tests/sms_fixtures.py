"""The real catalog and a Texting over it, for the tests that only read them: a module imports these
fixtures (`catalog, texting = sms_fixtures.catalog, sms_fixtures.texting`). Both are loaded once per
session (`real_catalog`, `real_texting` in conftest.py); a test that changes a catalog writes its own.
Module-scoped, not per test: hypothesis tests take them."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def catalog(real_catalog):
    return real_catalog


@pytest.fixture(scope="module")
def texting(real_texting):
    return real_texting
