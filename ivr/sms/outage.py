"""What a texter is told while Redis is down, once their text is safely in the outage spool.

The text was fsynced to the web host's spool (ivr/store/spool.py) and will be answered by SMS when
Redis is back, so the texter hears that — "we have your message, the answer comes by SMS shortly",
with 103 for an emergency — rather than "the service is unavailable". Nothing here needs Redis: the
language is the text's own as the understander guesses it (the catalog and lexicons are in memory);
where its words are shared by neighbouring languages (Kazakh and Kyrgyz) the one the number's country
calling code names (tree.yaml `language_by_country`) decides; else Kazakh and Russian together, as
the outage line does.
"""
from __future__ import annotations

from ..store import privacy
from ..voice.caller import country_language
from .understanding import STOPWORD_EVIDENCE

KEPT = "ui.outage_kept"


def language(svc, body: str, number: str) -> str | None:
    """The text's language without any state: its words and letters when they say it plainly (a grammar
    word of its own), else the number's country code, else whatever its words lean to."""
    understood = svc.texting.understander.understand(body or "")
    guessed = understood.lang if understood.lang in svc.catalog.langs else None
    if guessed and understood.lang_evidence >= STOPWORD_EVIDENCE:
        return guessed
    return country_language(svc.catalog, number) or guessed


def kept_reply(svc, form) -> list[str]:
    """The reply to a text the spool kept: nothing where no reply could reach anyone (a withheld number) or
    Twilio has answered already (its STOP/START/HELP handling, `OptOutType`), else the 'kept' line."""
    number = form.get("From", "")
    if privacy.is_withheld(number) or form.get("OptOutType"):
        return []
    lang = language(svc, form.get("Body", ""), number)
    langs = [lang] if lang else ["kk", "ru"]
    return [" / ".join(svc.catalog.sms(code, KEPT) for code in langs)]
