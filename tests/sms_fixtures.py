"""The real catalog and a Texting over it, loaded once per test module: the SMS tests that judge what a texter
receives import these fixtures (`catalog, texting = sms_fixtures.catalog, sms_fixtures.texting`)."""
from __future__ import annotations

import pytest

from ivr.content.catalog import load_catalog
from ivr.content.lexicon import load_lexicon
from ivr.flow import Flow
from ivr.sms.keywords import Matcher
from ivr.sms.render import SmsRenderer
from ivr.sms.texting import Texting


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def texting(catalog):
    return Texting(catalog, Flow(catalog), SmsRenderer(catalog, 3), Matcher(catalog), lexicon=load_lexicon(catalog))
