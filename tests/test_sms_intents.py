"""Answers for the status a texter states and the need they name (issue 27 items 2-5, issue 30 item 2's SMS
side), on the real catalog and lexicons: statuses in 8 languages never get another status's rule, a named
disease of the 23, where to get ДМС, the dated ОСМС amount, labour, urgency (103 at once, inbox "urgent"),
callbacks by text (the same rules as the voice), "this did not help" (inbox "flagged"), out of scope answered
honestly (inbox "out_of_scope"), and the held-out set's floor."""
from __future__ import annotations

import datetime as dt
import itertools
import statistics

import pytest

from ivr.content.catalog import load_catalog
from ivr.content.lexicon import load_lexicon
from ivr.content.model import CatalogError
from ivr.sms import judging
from ivr.store import callbacks, inbox, messages, privacy
from ivr.store.sessions import Session

from . import sms_fixtures

TODAY = dt.date(2026, 12, 7)
SENDERS = (f"+7702333{n:04d}" for n in itertools.count(1000))


catalog, texting = sms_fixtures.catalog, sms_fixtures.texting  # the real catalog, once per module


def reply(texting, lang, text, node=None):
    session = Session(id="t", caller="t", lang=lang, node=node or texting.catalog.start)
    answer = texting.answer(session, text, TODAY, is_new=False)
    return "\n".join(answer.replies), answer


def holds(texting, lang, text, pid):
    return judging.Judge(texting, TODAY).holds(text, lang, pid)


# -- statuses --------------------------------------------------------------------------------------------

TEMPORARY = [("ru", "временный внж что бесплатно"), ("ru", "нет внж"),
             ("ru", "у меня нет вида на жительство что бесплатно"), ("kk", "ықтиярхат жоқ"),
             ("uz", "vaqtincha yashash uchun ruxsatnoma"), ("tg", "иҷозати истиқомат надорам"),
             ("ky", "внж жок эмне бекер"), ("tk", "vnj ýok näme mugt"), ("az", "vnj yoxdur ne pulsuzdur"),
             ("hy", "vnj chunem inch e anvchar"), ("ru", "я с патентом что бесплатно"),
             ("ru", "ищу убежище лечат бесплатно?")]


@pytest.mark.parametrize("lang,text", TEMPORARY)
def test_no_permit_temporary_stay_and_asylum_get_the_dangerous_disease_rule(texting, lang, text):
    body, _ = reply(texting, lang, text)
    assert holds(texting, lang, body, "status.temporary"), body
    assert not holds(texting, lang, body, "status.permanent.attach") and not holds(texting, lang, body,
                                                                                    "status.full_package")


FULL = [("ru", "я беженец есть ли бесплатное лечение"), ("kk", "мен босқынмын тегін ем бар ма"),
        ("tg", "ман гуреза хастам табобат ройгон аст?"), ("az", "qaçqın statusum var pulsuz müalicə varmı"),
        ("hy", "փախստական եմ բուժումը անվճար է?"), ("kk", "мен қандаспын тегін емделуге бола ма")]


@pytest.mark.parametrize("lang,text", FULL)
def test_refugees_and_kandases_get_the_full_free_package(texting, lang, text):
    body, _ = reply(texting, lang, text)
    assert holds(texting, lang, body, "status.full_package"), body
    assert not holds(texting, lang, body, "status.temporary")


def test_a_permanent_resident_gets_the_permanent_rule_and_a_kandas_the_osms_rule(texting):
    body, _ = reply(texting, "ru", "у меня внж как прикрепиться к поликлинике")
    assert holds(texting, "ru", body, "status.permanent.attach")
    body, _ = reply(texting, "uz", "men qandasman osms to'lashim kerakmi")
    assert holds(texting, "uz", body, "osms.foreigners"), body


# -- finer intents -----------------------------------------------------------------------------------------

def test_a_named_disease_is_confirmed_on_the_list_and_hiv_is_not(texting):
    for lang, text, pid in [("ru", "корь у ребенка бесплатно?", "disease.02"), ("uz", "bolamda qizamiq", "disease.02"),
                            ("ky", "баламда кызамык", "disease.02"), ("kk", "балада қызамық", "disease.03")]:
        body, _ = reply(texting, lang, text)
        assert holds(texting, lang, body, "diseases.intro") and holds(texting, lang, body, pid), (lang, body)
    body, _ = reply(texting, "ru", "ВИЧ лечат бесплатно мигрантам?")
    assert holds(texting, "ru", body, "elig.r_dangerous") and not holds(texting, "ru", body, "diseases.intro")


def test_where_to_get_dms_the_dated_amount_labour_and_dental(texting):
    body, _ = reply(texting, "ru", "где купить ДМС")
    assert holds(texting, "ru", body, "algo.step02")
    body, _ = reply(texting, "ru", "сколько стоит осмс в месяц")
    assert holds(texting, "ru", body, "amount.fallback"), body  # 2026: the 2025 figures, said with their year
    body, answer = reply(texting, "ru", "у жены схватки начались вызывать скорую? страховки нет")
    assert holds(texting, "ru", body, "urgent.call103") and holds(texting, "ru", body, "urgent.pregnancy")
    assert answer.inbox == "urgent"
    body, _ = reply(texting, "ru", "зуб болит бесплатно?")
    assert holds(texting, "ru", body, "dental.planned") and holds(texting, "ru", body, "dental.package")


# -- what a person must see, over the signed webhook ---------------------------------------------------------

URGENT = {"ru": "ребенку температура 39 ночь что делать срочно", "kk": "баламның ыстығы 39 түн",
          "ky": "балам 39 ысыгы бар", "uz": "bolamni isitmasi 39", "tg": "бачам ҳарорати баланд дорад",
          "tk": "çagamyň gyzgyny 39", "az": "uşağın qızdırması 39", "hy": "երեխայի ջերմությունը 39 է"}


@pytest.mark.parametrize("lang", list(URGENT))
def test_an_urgent_text_gets_103_at_once_and_reaches_the_inbox(twilio, rdb, catalog, lang):
    sender = next(SENDERS)
    twilio.sms(catalog.langs[lang].name, sender=sender)
    status, [text] = twilio.sms(URGENT[lang], sender=sender)
    assert status == 200 and text.startswith(catalog.sms(lang, "ui.sms_urgent")) and "103" in text
    caller = privacy.number_hash("test-hash-secret", sender)
    assert [i["reason"] for i in inbox.page(rdb) if i["caller"] == caller] == ["urgent"]


@pytest.mark.parametrize("lang, text", [("ru", "помогите"), ("ru", "Помогите!"), ("ky", "жардам бериңиз"),
                                        ("tk", "kömek ediň"), ("az", "kömək edin"), ("hy", "օգնեք")])
def test_a_bare_cry_for_help_is_urgent_not_the_help_text(twilio, rdb, catalog, lang, text):
    """"Помогите" alone is someone asking for help now: 103 at once and an operator, never the service's help text."""
    sender = next(SENDERS)
    twilio.sms(catalog.langs[lang].name, sender=sender)
    status, [reply_text] = twilio.sms(text, sender=sender)
    assert status == 200 and reply_text.startswith(catalog.sms(lang, "ui.sms_urgent"))
    caller = privacy.number_hash("test-hash-secret", sender)
    assert [i["reason"] for i in inbox.page(rdb) if i["caller"] == caller] == ["urgent"]


def test_a_callback_by_text_creates_one_callback_like_the_voice(twilio, rdb, catalog):
    sender = next(SENDERS)
    twilio.sms("русский", sender=sender)
    status, [text] = twilio.sms("перезвоните мне пожалуйста", sender=sender)
    assert status == 200 and text.startswith(catalog.sms("ru", "ui.sms_callback"))
    caller = privacy.number_hash("test-hash-secret", sender)
    assert rdb.exists(f"callback:open-for:{caller}")
    cid = rdb.get(f"callback:open-for:{caller}")
    assert rdb.hget(callbacks.key(cid), "source") == "sms"
    twilio.sms("оператор", sender=sender)  # one open per number
    assert rdb.get(f"callback:open-for:{caller}") == cid


@pytest.mark.parametrize("lang,text", [("kk", "маған хабарласыңыз"), ("ky", "мага кайра чалыңыз"),
                                       ("uz", "menga qo'ng'iroq qiling"), ("tg", "ба ман занг занед"),
                                       ("tk", "maňa jaň ediň"), ("az", "mənə zəng edin"), ("hy", "զանգահարեք ինձ")])
def test_asking_for_a_call_in_every_language(texting, lang, text):
    _, answer = reply(texting, lang, text)
    assert answer.action == "callback", (lang, answer.replies)


@pytest.mark.parametrize("level", ["hotline", "carrier"])
def test_no_callback_for_an_opted_out_number(rdb, app, twilio, catalog, level):
    from ivr.sms import optout

    sender = next(SENDERS)
    twilio.sms("русский", sender=sender)
    caller = privacy.number_hash("test-hash-secret", sender)
    pipe = rdb.pipeline()
    messages.opt_out(pipe, caller, optout.record(optout.HOTLINE if level == "hotline" else optout.CARRIER, 0))
    pipe.execute()
    _, replies = twilio.sms("перезвоните мне", sender=sender)
    if level == "hotline":  # the hotline's own block: its reply still arrives
        assert replies[0].startswith(catalog.sms("ru", "ui.sms_callback_no"))
    else:  # Twilio blocks the number: nothing can arrive, nothing is sent
        assert replies == []
    assert not rdb.exists(f"callback:open-for:{caller}")
    assert [i["reason"] for i in inbox.page(rdb) if i["caller"] == caller] == ["callback"]


def test_the_reply_says_when_outside_the_callback_hours(app_factory, tmp_path):
    from ivr.phone import Emulator

    from .conftest import FIXED_NOW, client_transport

    night = FIXED_NOW.replace(hour=23, minute=30)
    app = app_factory(HOTLINE_CALLBACK_HOURS="09:00-20:00", CLOCK=lambda: night)
    twilio = Emulator("http://localhost", app.config["TWILIO_AUTH_TOKEN"], client_transport(app.test_client()))
    sender = next(SENDERS)
    twilio.sms("русский", sender=sender)
    _, [text] = twilio.sms("перезвоните", sender=sender)
    assert "09:00" in text, text


def test_this_did_not_help_after_an_answer_reaches_the_inbox(twilio, rdb):
    sender = next(SENDERS)
    twilio.sms("русский", sender=sender)
    twilio.sms("туберкулез", sender=sender)
    twilio.sms("не понял", sender=sender)
    caller = privacy.number_hash("test-hash-secret", sender)
    assert [i["reason"] for i in inbox.page(rdb) if i["caller"] == caller] == ["flagged"]


OUT = {"ru": "как продлить визу", "kk": "виза қалай ұзартамын", "ky": "прописка кантип жасайм",
       "uz": "xo'jayin ish haqimni bermayapti", "tg": "хоҷаин маош намедиҳад", "tk": "wiza nädip uzaltmaly",
       "az": "işəgötürən maaşı vermir", "hy": "վիզա ինչպես երկարացնեմ"}


@pytest.mark.parametrize("lang", list(OUT))
def test_out_of_scope_is_answered_honestly_in_the_texters_language(twilio, rdb, catalog, lang):
    sender = next(SENDERS)
    twilio.sms(catalog.langs[lang].name, sender=sender)
    _, [text] = twilio.sms(OUT[lang], sender=sender)
    assert text.startswith(catalog.sms(lang, "ui.sms_out_of_scope")), text
    caller = privacy.number_hash("test-hash-secret", sender)
    assert [i["reason"] for i in inbox.page(rdb) if i["caller"] == caller] == ["out_of_scope"]


def test_who_are_you_gets_the_welcome_not_a_fact(texting):
    for lang, text in [("ru", "кто вы"), ("kk", "бул кандай номер"), ("tk", "siz kim bu nomer kimin")]:
        _, answer = reply(texting, lang, text)
        assert answer.events[0]["type"] == "welcome", (lang, answer.replies)


def test_a_status_in_a_medical_question_is_no_out_of_scope(texting):
    _, answer = reply(texting, "ru", "у меня патент можно ли бесплатно лечиться")
    assert answer.inbox is None


# -- the data ------------------------------------------------------------------------------------------------

def test_a_status_without_a_known_rule_is_refused(tmp_path):
    import shutil

    from .conftest import ROOT

    prompts = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts", prompts)
    path = prompts / "lexicon" / "statuses.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("rule: full", "rule: generous", 1), encoding="utf-8")
    with pytest.raises(CatalogError, match="rule"):
        load_lexicon(load_catalog(prompts))


# -- the held-out set: the floor reached (docs/sms.md has the numbers) ----------------------------------------

def test_the_heldout_set_holds_its_floor(texting):
    report = judging.run(texting, judging.load(judging.HELDOUT), TODAY)
    data = report.as_dict()
    assert sum(s["wrong"] for s in data["languages"].values()) == 0  # no other status's rule
    assert all(s["out_of_scope_honest"] == s["out_of_scope"] for s in data["languages"].values())
    assert data["segments"]["over_cap"] == 0 and statistics.median(report.segments) <= 2
    callbacks_ = [r for r in report.results if r.case.label == "CALLBACK"]
    assert all(r.verdict == "correct" for r in callbacks_), [r.case.text for r in callbacks_ if r.verdict != "correct"]
    total = sum(s["correct"] for s in data["languages"].values()) / len(report.results)
    assert total >= 0.9, total
    assert all(s["correct_share"] >= 0.9 for s in data["languages"].values()), data["languages"]


# -- first-message language (item 6, second half) -------------------------------------------------------------

@pytest.mark.parametrize("text,lang", [("ДМС", "ru"), ("ВНЖ", "ru"), ("страховка", "ru"), ("туберкулез", "ru"),
                                       ("полис", "ru"), ("ДМС кайдан алуга болады", "kk"),
                                       ("саламатсызбы поликлиникага прикрепиться болуш учун кандай документтер керек",
                                        "ky"), ("Здравствуйте", "ru"), ("Բարև Ձեզ", "hy")])
def test_a_first_message_is_answered_in_its_language(texting, text, lang):
    session = Session(id="t", caller="t", lang=None, node="@language")
    texting.answer(session, text, TODAY, is_new=True)
    assert session.lang == lang
