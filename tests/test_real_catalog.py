"""The real catalog, walked as Twilio walks it: every node in every language, the fact groups
within 3 key presses, the sources cited, the dates honoured, the SMS within budget."""
from collections import deque

import pytest

from ivr.content.model import LANGUAGE_MENU
from ivr.flow import MORE_KEY
from ivr.sms import segments

from . import sms_fixtures
from .conftest import FIXED_NOW, SOURCES, needs_sources

LANGS = ["kk", "ru", "ky", "uz", "tg", "tk", "az", "hy"]
# One prompt that stands for each fact group of the content issue.
FACT_GROUPS = {
    "12 steps": "algo.step01", "attachment checklist": "algo.checklist", "23 diseases": "disease.01",
    "free services": "service.01", "contacts 1406": "contacts.main",
}


catalog = sms_fixtures.catalog  # the real catalog, loaded once per session (conftest.py)


def paths(catalog):
    """The shortest key path from the main menu to every node."""
    found = {catalog.start: []}
    queue = deque([catalog.start])
    while queue:
        nid = queue.popleft()
        for o in catalog.nodes[nid].options:
            if o.goto != LANGUAGE_MENU and o.goto not in found:
                found[o.goto] = found[nid] + [o.key]
                queue.append(o.goto)
    return found


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_every_node_in_every_language_by_walking_the_twiml(twilio, catalog, lang):
    for n, (nid, keys) in enumerate(paths(catalog).items()):
        node = catalog.nodes[nid]
        call = twilio.call(caller=f"+7701{LANGS.index(lang)}{n:06d}")  # a new caller hears the language menu
        call.start()
        turn = call.press(str(LANGS.index(lang) + 1))
        for key in keys:
            turn = call.press(key)
        heard = [h.text for h in turn.heard]
        if not catalog.node_in_force(nid, FIXED_NOW.date()):
            continue  # out of force: the walk would not be offered it (tested in test_dates)
        first = catalog.said(list(node.say) + list(node.items), FIXED_NOW.date())[0]
        assert catalog.voice(lang, first) in heard, (lang, nid, keys, heard[:3])
        if node.is_list and len(node.items) > 5:
            more = call.press(MORE_KEY)
            assert catalog.voice(lang, "ui.more") in heard and len(more.heard) > 0
        call.hang_up()


def test_fact_groups_within_three_presses(catalog):
    depth = catalog.depth()
    where = {}
    for node in catalog.nodes.values():
        for pid in node.prompt_ids():
            where.setdefault(pid, []).append(depth[node.id])
    for group, pid in FACT_GROUPS.items():
        assert pid in where and min(where[pid]) <= 3, group
    facts = [p for p in catalog.all_prompt_ids() if p in catalog.citations and p in where]
    deep = [p for p in facts if min(where[p]) > 3 and not p.startswith("elig.")]
    assert deep == [], "facts deeper than 3 presses"


@needs_sources
def test_citations_point_to_existing_sources(catalog):
    sources = {p.name[:3] for p in SOURCES.glob("*.txt")}
    for pid, cite in catalog.citations.items():
        assert cite.source in sources - {"002"}, pid
        assert cite.section and cite.quote and cite.effective, pid


def test_superseded_amounts_are_never_said(catalog):
    for code in LANGS:
        for pid, prompt in catalog.langs[code].prompts.items():
            for old in ("2 975", "2975", "2 125", "2125", "2 917", "2917"):
                assert old not in prompt.voice and old not in prompt.sms, (code, pid)


def test_sms_texts_within_three_segments(catalog):
    for code in LANGS:
        for pid in catalog.all_prompt_ids():
            assert segments.segments(catalog.sms(code, pid)) <= 3, (code, pid)


def test_content_doc_lists_every_fact(catalog):
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "docs" / "content.md").read_text(encoding="utf-8")
    for pid in catalog.citations:
        if pid in catalog.all_prompt_ids():
            assert f"`{pid}`" in doc, pid


def test_dates_decide_what_is_said(catalog):
    import datetime as dt

    amounts = [p for p, c in catalog.citations.items() if c.source == "004" and c.effective == dt.date(2025, 1, 1)]
    assert amounts, "the 2025 contribution amounts come from 004"
    assert all(not catalog.in_force(p, dt.date(2024, 12, 31)) for p in amounts)
    assert all(catalog.in_force(p, dt.date(2025, 12, 31)) for p in amounts)
    # the 2025 amounts end with 2025: their fallback says them as last year's; the node keeps its 1406 pointer
    assert catalog.said(["amount.ie", "amount.self", "amount.check"], FIXED_NOW.date()) == [
        "amount.fallback", "amount.check"]
    assert catalog.node_in_force("osms.amount", FIXED_NOW.date())
    covers = [p for p, c in catalog.citations.items() if c.source == "003"]
    assert covers and all(catalog.citations[p].effective >= dt.date(2025, 12, 15) for p in covers)
    assert not catalog.node_in_force("osms.covers", dt.date(2025, 6, 1))


def test_follow_up_sms_bodies_fit_in_five_segments(catalog):
    from ivr.sms.followups import compose

    for node in catalog.nodes.values():
        for code in LANGS:
            if node.sms:
                assert segments.segments(compose(catalog, code, list(node.sms))) <= 5, (node.id, code)


def test_spoken_numbers_are_digits_to_dial(catalog):
    import re

    for code in LANGS:
        for pid in catalog.all_prompt_ids():
            voice = catalog.voice(code, pid) if "{" not in catalog.langs[code].prompts[pid].voice else ""
            assert not re.search(r"\b(1406|103)\b", voice), (code, pid, voice)


def test_eligibility_by_keypad_ends_in_a_cited_result_that_can_be_sent(twilio, catalog, rdb):
    call = twilio.call(caller="+77015550600")
    call.start()
    call.press("2")  # Russian
    call.press("6")  # other
    turn = call.press("3")  # check what care is free for me
    assert catalog.voice("ru", "elig.q_status") in turn.text  # the status first, kandases and refugees among them
    assert catalog.voice("ru", "opt.elig_kandas") in turn.text
    turn = call.press("4")  # temporary stayer
    assert catalog.voice("ru", "elig.q_urgent") in turn.text
    turn = call.press("2")  # not an emergency
    assert catalog.voice("ru", "elig.q_dms") in turn.text
    result = call.press("2")
    for pid in ("elig.r_none", "elig.r_dangerous", "elig.r_unsure"):
        assert catalog.voice("ru", pid) in result.text
    assert catalog.voice("ru", "ui.sms_offer", key="1") in result.text
    after = call.press("1")
    assert after.heard[0].text == catalog.voice("ru", "ui.sms_queued")
    [msg] = rdb.zrange("msgs", 0, -1)
    assert rdb.hget(f"msg:{msg}", "kind") == "eligibility.result.none"
    assert rdb.hget(f"msg:{msg}", "body").startswith(catalog.sms("ru", "elig.r_none"))


def test_callback_and_reminder_from_the_menu(twilio, catalog, rdb):
    call = twilio.call(caller="+77015550700")
    call.start()
    call.press("1")  # Kazakh
    call.press("6")  # other, operator
    turn = call.press("1")
    assert catalog.voice("kk", "ui.callback_done") in turn.text
    assert len(rdb.zrange("callbacks:open", 0, -1)) == 1
    call.press("0")
    call.press("1")  # the documents to attach to a clinic
    done = call.press("2")  # a reminder on the next working day
    assert catalog.voice("kk", "ui.reminder_done") in done.text
    [msg] = rdb.zrange("msgs", 0, -1)
    assert rdb.hget(f"msg:{msg}", "status") == "scheduled" and rdb.hget(f"msg:{msg}", "kind") == "reminder"
    assert f"sms-{msg}" in rdb.zrange("rq:scheduled:sms", 0, -1)  # its job, written in the same script


@pytest.mark.parametrize("text, lang, prompt", [("bepul", "uz", "status.temporary"),
                                                ("dokumenty", "ru", "algo.checklist"),
                                                ("туберкулёз", "ru", "diseases.tb"),  # TB itself, not diseases 1-4
                                                ("hayeren", "hy", "menu.main")])
def test_a_new_texter_gets_a_direct_answer_in_their_language(twilio, catalog, text, lang, prompt):
    from ivr.sms.segments import cheapest

    status, [reply] = twilio.sms(text, sender="+998901112233")
    assert cheapest(catalog.sms(lang, prompt)) in reply
