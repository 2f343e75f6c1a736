"""Callers' numbers at rest: hashes everywhere but the job payloads and the callback queue;
`forget` deletes everything about a number; the purge drops what is past retention."""
import time

import pytest

from ivr.store import callbacks, calllog, inbox, privacy, retention

from . import catalog_fixture as fx
from .followup_helpers import ask_for_sms, make, run_jobs
from .redis_scan import keys_containing

NUMBER = "+77017654321"


def test_mask():
    assert privacy.mask("+77011234567") == "+7 701 *** ** 67"
    assert privacy.mask("8 (701) 123-45-67") == "+870 *** ** 67"  # not E.164: +870 is Inmarsat's code
    assert privacy.mask("+992929123456") == "+992 92 *** ** 56"  # a three-digit country code stays whole
    assert privacy.mask("+996555123456") == "+996 555 *** ** 56"
    assert privacy.mask("+37491234567") == "+374 91 *** ** 67"
    assert privacy.mask("+12025550123") == "+1 202 *** ** 23"
    assert privacy.mask("12") == "***"


def test_hash_is_keyed():
    assert privacy.number_hash("a", NUMBER) != privacy.number_hash("b", NUMBER)
    assert privacy.number_hash("a", NUMBER) == privacy.number_hash("a", "+7 701 765 43 21")
    assert privacy.number_hash("a", "") == "anonymous"


def busy_day(twilio, redis_url):
    """Calls, SMS, a follow-up SMS and a callback request from one number."""
    call, _ = ask_for_sms(twilio, caller=NUMBER)
    call.hang_up()
    twilio.sms("русский", sender=NUMBER)
    twilio.sms("документы", sender=NUMBER)
    return call


def worked_on(rdb, svc):
    """What operators do with a number: a callback tried until it closed (its number kept aside to
    reopen it), a second one open, a text nobody understood kept for a reply."""
    caller = svc.caller_hash(NUMBER)
    first = callbacks.request(rdb, NUMBER, caller, "CA1", "ru")
    callbacks.claim(rdb, first, "olga")
    for _ in range(3):
        callbacks.attempt(rdb, first, "olga", "no_answer")
    assert rdb.exists(callbacks.kept_key(first))
    callbacks.request(rdb, NUMBER, caller, "CA2", "ru")
    inbox.record(rdb, conv=f"SMS-{caller}", caller=caller, lang="ru", body="?", received=time.time(),
                 retention=svc.retention, number=NUMBER)


def test_no_plaintext_number_outside_the_allowed_keys(env, fake, rdb, redis_url):
    app, twilio = make(env)
    busy_day(twilio, redis_url)
    svc = app.extensions["hotline"]
    worked_on(rdb, svc)
    for needle in (NUMBER, NUMBER[1:], "7017654321", "701 765"):
        holders = keys_containing(redis_url, needle)
        assert all(k.startswith(("rq:job:sms-", "callback:")) or (k.startswith("inbox:") and k.endswith(":to"))
                   for k in holders), holders
        assert all(rdb.ttl(k) > 0 for k in holders if not k.startswith("rq:job:"))
    run_jobs(redis_url)
    assert all(k.startswith("callback:") or rdb.ttl(k) > 0 for k in keys_containing(redis_url, "7017654321"))


def test_forget_deletes_everything_about_a_number(env, fake, rdb, redis_url):
    app, twilio = make(env)
    busy_day(twilio, redis_url)
    other, _ = ask_for_sms(twilio, caller="+77010000055")
    svc = app.extensions["hotline"]
    caller = svc.caller_hash(NUMBER)
    worked_on(rdb, svc)
    assert keys_containing(redis_url, caller)
    retention.forget(rdb, caller, svc.catalog.languages, svc.rq_redis)
    # One marker stays, by design: a forgotten number is never rung back by a missed-call callback.
    assert keys_containing(redis_url, caller) == {f"donotcall:{caller}"}
    assert rdb.get(f"donotcall:{caller}") == "1"  # the hash only, nothing about the person
    assert keys_containing(redis_url, "7017654321") == set()
    assert rdb.exists(calllog.conv_key(other.sid))  # nobody else's records
    run_jobs(redis_url)
    assert [m["To"] for m in fake.sent] == ["+77010000055"]  # the forgotten number's queued SMS is gone too


def test_forget_command(env, fake, rdb, redis_url, monkeypatch):
    from click.testing import CliRunner

    from ivr.cli import main

    app, twilio = make(env)
    busy_day(twilio, redis_url)
    result = CliRunner().invoke(main, ["forget", NUMBER, "--yes"])
    assert result.exit_code == 0, result.output
    assert "+7 701 *** ** 21" in result.output and NUMBER not in result.output
    caller = app.extensions["hotline"].caller_hash(NUMBER)
    assert keys_containing(redis_url, caller) == {f"donotcall:{caller}"}  # never rung back by a callback


def test_purge_drops_what_is_past_retention(app_factory, tmp_path, rdb):
    app_factory(HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "p")))
    old, new = time.time() - 91 * 86400, time.time() - 86400
    for cid, when in (("CAold", old), ("CAnew", new)):
        rdb.hset(calllog.conv_key(cid), mapping={"channel": "voice", "started": when})
        rdb.zadd("convs:voice", {cid: when})
        rdb.zadd("convs:voice:lang:ru", {cid: when})
    removed = retention.purge(rdb, 90, fx.LANGS)
    assert removed == 2
    assert rdb.zrange("convs:voice", 0, -1) == ["CAnew"] and rdb.zrange("convs:voice:lang:ru", 0, -1) == ["CAnew"]
    assert not rdb.exists(calllog.conv_key("CAold")) and rdb.exists(calllog.conv_key("CAnew"))


@pytest.mark.parametrize("now_hour, expected_day", [(2, 23), (4, 24)])
def test_housekeeping_runs_daily_at_half_past_three(now_hour, expected_day):
    import datetime as dt
    from zoneinfo import ZoneInfo

    from workers.housekeeping import next_run

    now = dt.datetime(2026, 11, 23, now_hour, tzinfo=ZoneInfo("Asia/Almaty"))
    assert next_run(now) == dt.datetime(2026, 11, expected_day, 3, 30, tzinfo=ZoneInfo("Asia/Almaty"))


@pytest.mark.parametrize("number", ["+266696687", "266696687", "anonymous", "Restricted", "unknown", "", None, "  "])
def test_withheld_caller_ids_are_recognised(number):
    from ivr.store.privacy import is_withheld

    assert is_withheld(number)


@pytest.mark.parametrize("number", ["+77011234567", "+992935551234", "+12025550123"])
def test_real_numbers_are_not_withheld(number):
    from ivr.store.privacy import is_withheld

    assert not is_withheld(number)
