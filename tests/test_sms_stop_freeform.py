"""A stop asked for in the texter's own words (ivr/sms/optout_freeform.py), on the real catalog and lexicons:

- the STOP held-out set (tests/data/sms_stop_heldout.tsv, written blind): opted out and told so in the texter's
  language, told how to stop when it is a question, and never a false opt-out on the lines that do not ask;
- no line of the SMS corpus or the held-out v2 set newly opts out (and v2's STOP lines now do);
- a symptom, "don't unsubscribe me", "why did you stop", another channel or a new number is never an opt-out
  (hypothesis, built from the lexicon's own words);
- through the signed webhook: a free-form stop opts the number out at the hotline's level, a reminder scheduled
  before it and one asked for after it are never sent, and Twilio's START brings SMS back.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rq import Queue
from rq.registry import ScheduledJobRegistry
from rq.serializers import JSONSerializer

from ivr.sms import judging, optout, stop_judging
from ivr.sms.optout_freeform import ASK_HOW, NEEDS, OPTOUT, VETOES
from ivr.store import messages, privacy

from . import sms_fixtures
from .followup_helpers import CALLER, make, msg_records, run_jobs

catalog, texting = sms_fixtures.catalog, sms_fixtures.texting  # the real catalog, once per module
TODAY = dt.date(2026, 12, 7)
DATA = Path(__file__).parent / "data"
REQUESTS = ("unsubscribe", *NEEDS)


@pytest.fixture(scope="module")
def heldout(texting):
    return stop_judging.run(texting, stop_judging.load(), TODAY)


def share(results, expect):
    mine = [r for r in results if r.line.expect == expect]
    return sum(r.correct for r in mine) / len(mine)


def test_the_stop_heldout_set_is_whole(heldout):
    assert len(heldout) == 160
    for lang in ("kk", "ru", "ky", "uz", "tg", "tk", "az", "hy"):
        mine = [r.line.expect for r in heldout if r.line.lang == lang]
        assert (mine.count("optout"), mine.count("ask_how"), mine.count("other")) == (10, 3, 7), lang


def test_no_false_opt_out_on_the_heldout_set(heldout):
    assert stop_judging.false_optouts(heldout) == []


def test_heldout_floors(heldout):
    # The floors sit under the final score (80/80, 24/24): not independent, the misses of the first run were read.
    assert share(heldout, "optout") >= 0.95
    assert share(heldout, "ask_how") >= 0.9
    for lang in ("kk", "ru", "ky", "uz", "tg", "tk", "az", "hy"):
        mine = [r for r in heldout if r.line.lang == lang and r.line.expect == "optout"]
        assert sum(r.correct for r in mine) >= 9, lang


def test_a_first_time_texter_is_confirmed_in_their_language_mostly(heldout):
    assert sum(r.first_lang_ok for r in heldout) >= 150


@pytest.mark.parametrize("name", ["sms_corpus.tsv", "sms_heldout_v2.tsv", "sms_holdout.tsv"])
def test_no_other_message_of_the_corpora_opts_out(texting, name):
    from ivr.store.sessions import Session

    opted, missed = [], []
    for case in judging.load(DATA / name):
        session = Session(id="t", caller="t", lang=case.lang, node=texting.catalog.start)
        answer = texting.answer(session, case.text, TODAY, is_new=False)
        out = answer.optout in (optout.CARRIER, optout.HOTLINE)
        if out and case.label != "STOP":
            opted.append(case.text)
        if case.label == "STOP" and not out:
            missed.append(case.text)
    assert opted == []
    assert missed == []  # held-out v2's 16 STOP lines, 3 of which were whole phrases before


NOT_A_STOP = [
    ("ru", "мне не пишут из поликлиники уже неделю"), ("ru", "смс перестали приходить"),
    ("ru", "как прекратить платить осмс"), ("ru", "хватит ли мне денег на роды"),
    ("ru", "не пишите мне на ватсап, пишите смс"), ("ru", "не надо мне звонить, пишите смс"),
    ("ru", "не присылайте скорую, мне уже лучше"), ("ru", "удалите меня из очереди в поликлинику"),
    ("ru", "не отправляйте смс на старый номер, у меня новый"), ("ru", "больше не приходят сообщения, почему"),
    ("ru", "мне больше не нужна помощь, спасибо"), ("kk", "тізімнен шығарылдым ба?"),
    ("kk", "маған енді дәрі керек емес"), ("uz", "bolamni ro'yxatdan chiqarishdi, nima qilay"),
    ("ky", "мени тизмеден чыгарышты эмне кылам"), ("tk", "meni sanawdan aýyrdylar näme etmeli"),
    ("az", "məni siyahıdan sildilər nə edim"), ("tg", "маро аз рӯйхати поликлиника хориҷ карданд"),
    ("hy", "indz cucakic hanecin inch anem"), ("uz", "menga sms kelmayapti"), ("az", "mesajlar gəlmir"),
    # "don't text, call me": another channel, not a stop
    ("kk", "маған жазбаңыз, қоңырау шалыңыз"), ("ky", "мага жазбаңыз, чалып коюңуз"),
    ("uz", "menga yozmang, qo'ng'iroq qiling"), ("tg", "ба ман нанависед, занг занед"), ("tk", "maňa ýazmaň, jaň ediň"),
    ("az", "mənə yazmayın, zəng edin"), ("hy", "indz mi greq, zangeq"),
    ("ru", "больше не присылайте мне неправильную информацию"), ("ru", "не пиши мне глупости, скажи где больница"),
    ("ru", "удалите пожалуйста мое предыдущее сообщение, я ошибся"),
]


@pytest.mark.parametrize("lang,text", NOT_A_STOP)
def test_complaints_and_other_stops_are_not_opt_outs(texting, lang, text):
    from ivr.store.sessions import Session

    answer = texting.answer(Session(id="t", caller="t", lang=lang, node=texting.catalog.start), text, TODAY, False)
    assert answer.optout in (None, False), text


OWN_WORDS = [  # written for the tests by the author of the words (so not independent): other verbs and word orders
    ("ru", "пожалуйста больше не шлите мне смс"), ("ru", "исключите мой номер из вашей базы"),
    ("ru", "прекратите присылать сообщения"), ("ru", "не беспокойте меня больше"),
    ("kk", "маған енді хабарлама жазбаңыздар"), ("kk", "нөмірімді базадан өшіріңіз"),
    ("ky", "номеримди базадан очуруп коюңуз"), ("uz", "menga endi xabar jo'natmang"),
    ("uz", "obunadan chiqarib qo'ying"), ("tg", "раками маро аз рӯйхат хориҷ кунед"), ("tk", "sms ibermegi togtadyň"),
    ("az", "nömrəmi siyahıdan çıxarın"), ("hy", "hanek im hamary cucakic"), ("hy", "dadarecreq sms-nery"),
]


@pytest.mark.parametrize("lang,text", OWN_WORDS)
def test_requests_in_other_words_opt_out_and_are_confirmed(texting, lang, text):
    from ivr.store.sessions import Session

    answer = texting.answer(Session(id="t", caller="t", lang=lang, node=texting.catalog.start), text, TODAY, False)
    assert answer.optout == optout.HOTLINE, text
    assert answer.replies == [texting.catalog.sms(lang, optout.PROMPTS["optout"])]


def test_a_question_about_stopping_is_told_how_in_its_language_and_changes_nothing(texting):
    from ivr.store.sessions import Session

    for lang, text in [("ru", "как отписаться от ваших смс?"), ("az", "sms-lərdən necə imtina edim?"),
                       ("ru", "прекратите уже!"), ("ru", "вы можете больше не присылать смс?")]:  # in doubt, ask
        answer = texting.answer(Session(id="t", caller="t", lang=lang, node=texting.catalog.start), text, TODAY,
                                False)
        assert answer.optout is None
        assert answer.replies == [texting.catalog.sms(lang, optout.HOW_TO_STOP)]
        assert "STOP" in answer.replies[0] and "START" in answer.replies[0]


def test_the_new_lines_fit_two_segments_in_every_language(texting):
    from ivr.sms import segments

    for lang in texting.catalog.languages:
        for pid in (optout.HOW_TO_STOP, optout.PROMPTS["optout"]):
            assert segments.segments(texting.catalog.sms(lang, pid)) <= 2, (lang, pid)


# -- the guards, from the lexicon's own words ------------------------------------------------------------

def _as_written(entry) -> str:
    """An entry as a texter might write it: a stem gets an ending."""
    return " ".join(word + ("ите" if stem and word[:1] in "абвгдежзиклмнопрстуфхцчшщэюя" else "iniz" if stem else "")
                     for word, stem in entry.words)


def _entries(texting, classes):
    ff = texting.stop_requests
    return [(lang, name, e) for lang, by in ff.entries.items() for name in classes for e in by[name]]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_stop_word_beside_a_symptom_or_a_keep_word_never_opts_out(texting, data):
    requests = _entries(texting, REQUESTS)
    objects = _entries(texting, ("messages", "subscription", "number", "list", "me", "more"))
    guards = _entries(texting, VETOES)
    words = [_as_written(data.draw(st.sampled_from(requests))[2]),
             *(_as_written(o[2]) for o in data.draw(st.lists(st.sampled_from(objects), min_size=1, max_size=3)))]
    guard = _as_written(data.draw(st.sampled_from(guards))[2])
    words.insert(data.draw(st.integers(0, len(words))), guard)
    text = " ".join(words) + data.draw(st.sampled_from(["", "!", ", пожалуйста", " iltimos"]))
    assert texting.stop_requests.read(text) is None, text


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=200))
def test_any_text_is_read_without_error(texting, text):
    reading = texting.stop_requests.read(text)
    assert reading is None or reading.kind in (OPTOUT, ASK_HOW)


# -- through the signed webhook, with the real catalog ----------------------------------------------------

@pytest.fixture
def real_env(env, monkeypatch):
    from workers import context as job_context

    real = str(Path(__file__).resolve().parents[1] / "prompts")
    monkeypatch.setenv("HOTLINE_PROMPTS_DIR", real)
    job_context.context.cache_clear()
    return {**env, "HOTLINE_PROMPTS_DIR": real}


def _release_scheduled(redis_url):
    """What RQ's scheduler does when the time comes: the scheduled jobs go to the queue."""
    import redis

    q = Queue("sms", connection=redis.Redis.from_url(redis_url), serializer=JSONSerializer)
    registry = ScheduledJobRegistry(queue=q)
    for job_id in registry.get_job_ids():
        job = q.fetch_job(job_id)
        registry.remove(job)
        q.enqueue_job(job)


def test_a_free_form_stop_opts_out_and_no_reminder_goes_after_it(real_env, fake, rdb, redis_url):
    from ivr.sms import followups

    app, twilio = make(real_env)
    svc = app.extensions["hotline"]
    caller = privacy.number_hash("test-hash-secret", CALLER)
    later = dt.datetime(2026, 11, 24, 10, tzinfo=dt.timezone(dt.timedelta(hours=5)))
    status, replies = twilio.sms("что нужно для прикрепления", sender=CALLER)  # a texter who chose Russian
    assert status == 200 and replies
    with app.app_context():
        before = followups.request(svc, kind="reminder", number=CALLER, caller=caller, conv=f"SMS-{caller}",
                                   lang="ru", prompt_ids=["algo.reminder"], at=later)
    assert before[0] == "scheduled"

    status, replies = twilio.sms("Здравствуйте, уберите мой номер из вашей рассылки, я уже уехал", sender=CALLER)
    assert status == 200
    assert replies == [svc.catalog.sms("ru", "ui.sms_stopped")]  # told so, and that START brings SMS back
    assert "START" in replies[0]
    assert rdb.get(messages.optout_key(caller)).startswith("hotline:")  # the hotline's block, not Twilio's

    with app.app_context():
        after = followups.request(svc, kind="reminder", number=CALLER, caller=caller, conv=f"SMS-{caller}",
                                  lang="ru", prompt_ids=["algo.reminder"], at=later)
    assert after[0] == "opted_out"
    _release_scheduled(redis_url)
    run_jobs(redis_url)
    assert fake.sent == []
    assert {r["status"] for r in msg_records(rdb)} == {"opted_out"}

    # a question about stopping from an opted-out number is answered (the hotline's block lets replies through)
    status, replies = twilio.sms("как отписаться?", sender=CALLER)
    assert replies == [svc.catalog.sms("ru", optout.HOW_TO_STOP)]
    # Twilio's START lifts it: SMS again
    status, replies = twilio.sms("START", sender=CALLER)
    assert rdb.get(messages.optout_key(caller)) is None


def test_a_health_question_with_a_stop_word_keeps_the_number_subscribed(real_env, rdb):
    app, twilio = make(real_env)
    caller = privacy.number_hash("test-hash-secret", CALLER)
    for text in ("как остановить кровотечение из носа", "почему вы перестали отвечать?",
                 "не отписывайте меня, мне нужна информация"):
        status, replies = twilio.sms(text, sender=CALLER)
        assert status == 200 and replies
        assert rdb.get(messages.optout_key(caller)) is None, text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_request_with_what_it_needs_and_no_guard_is_read(texting, data):
    """The other side of the guards: no veto word swallows a request word or an object word of the lexicon."""
    ff = texting.stop_requests
    lang = data.draw(st.sampled_from(sorted(ff.entries)))
    name = data.draw(st.sampled_from(REQUESTS))
    if not ff.entries[lang][name]:
        return
    words = [_as_written(data.draw(st.sampled_from(ff.entries[lang][name])))]
    for need in (data.draw(st.sampled_from(NEEDS[name])) if name in NEEDS else ()):
        words.append(_as_written(data.draw(st.sampled_from(ff.entries[lang][need]))))
    text = " ".join(words)
    assert ff.read(text) is not None, text
