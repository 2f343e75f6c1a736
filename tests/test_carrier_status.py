"""Delivery status callbacks as Twilio sends them: every status, 21610, early and empty ones."""
import pytest

from ivr.phone import parse_twiml
from ivr.store import messages, privacy

from .fake_twilio import FakeTwilio
from .followup_helpers import CALLER, ask_for_sms, make, msg_records, run_jobs
from .twilio_bodies import message_status, sid

CALLER_HASH = privacy.number_hash("test-hash-secret", CALLER)


def sent_message(env, redis_url, rdb):
    app, twilio = make(env)
    ask_for_sms(twilio)
    run_jobs(redis_url)
    [record] = msg_records(rdb)
    return app, twilio, record


def post_status(twilio, message_sid, status, error_code=None):
    code, _ = twilio.post("/sms/status", message_status(message_sid, status, to=CALLER, error_code=error_code))
    assert code in (200, 204)


@pytest.mark.parametrize("steps, final", [
    (["sending", "sent", "partially_delivered"], "partially_delivered"),
    (["sent", "delivered", "read"], "read"),
    (["read", "delivered", "sent"], "read"),  # out of order: never backwards
    (["accepted", "queued", "sending", "sent", "undelivered"], "undelivered"),
    (["canceled"], "canceled"),
    (["failed", "sent"], "failed"),
])
def test_every_twilio_status_moves_the_message_forward_only(env, fake, rdb, redis_url, steps, final):
    app, twilio, record = sent_message(env, redis_url, rdb)
    for status in steps:
        post_status(twilio, record["provider_sid"], status)
    assert rdb.hget(messages.key(record["id"]), "status") == final


def test_a_scheduled_message_canceled_is_counted_once(env, fake, rdb, redis_url):
    app, twilio, record = sent_message(env, redis_url, rdb)
    for _ in range(2):  # Twilio retries a callback it got no answer to
        post_status(twilio, record["provider_sid"], "canceled")
    day = app.extensions["hotline"].today().isoformat()
    assert rdb.hget(f"stats:{day}", "sms:canceled") == "1"


def test_an_unknown_status_changes_nothing(env, fake, rdb, redis_url):
    app, twilio, record = sent_message(env, redis_url, rdb)
    post_status(twilio, record["provider_sid"], "huh")
    assert rdb.hget(messages.key(record["id"]), "status") == "queued"


def test_21610_in_a_status_callback_opts_the_number_out(env, fake, rdb, redis_url):
    app, twilio, record = sent_message(env, redis_url, rdb)
    post_status(twilio, record["provider_sid"], "failed", error_code="21610")
    stored = rdb.hgetall(messages.key(record["id"]))
    assert (stored["status"], stored["error_code"]) == ("opted_out", "21610")
    assert rdb.get(messages.optout_key(CALLER_HASH)) == "twilio-21610"
    ask_for_sms(twilio)  # the same caller asks again: nothing is queued for an unsubscribed number
    run_jobs(redis_url)
    assert len(fake.sent) == 1 and msg_records(rdb)[-1]["status"] == "opted_out"


def test_an_early_status_callback_is_kept_and_applied_when_the_message_appears(env, fake, rdb, redis_url):
    """Twilio calls back before the REST call that created the message has returned to the worker."""
    provider_sid = sid("SM")
    fake.plan = [(201, {"sid": provider_sid, "status": "queued", "to": CALLER, "from": "+77270000000",
                        "body": "x", "num_segments": "1"})]
    app, twilio = make(env)
    ask_for_sms(twilio)
    post_status(twilio, provider_sid, "sent")
    post_status(twilio, provider_sid, "delivered")
    [record] = msg_records(rdb)
    assert record["status"] == "queued" and rdb.llen(messages.early_key(provider_sid)) == 2
    run_jobs(redis_url)
    assert rdb.hget(messages.key(record["id"]), "status") == "delivered"
    assert not rdb.exists(messages.early_key(provider_sid))
    day = app.extensions["hotline"].today().isoformat()
    assert rdb.hget(f"stats:{day}", "sms:delivered") == "1"


def test_an_early_21610_opts_out_once_the_message_appears(env, fake, rdb, redis_url):
    provider_sid = sid("SM")
    fake.plan = [(201, {"sid": provider_sid, "status": "queued"})]
    app, twilio = make(env)
    ask_for_sms(twilio)
    post_status(twilio, provider_sid, "undelivered", error_code="21610")
    run_jobs(redis_url)
    assert rdb.exists(messages.optout_key(CALLER_HASH))


def test_a_callback_for_a_message_that_never_appears_expires(env, fake, rdb, redis_url):
    app, twilio = make(env)
    post_status(twilio, "SM" + "f" * 32, "delivered")
    assert 0 < rdb.ttl(messages.early_key("SM" + "f" * 32)) <= messages.EARLY_TTL


@pytest.mark.parametrize("form", [{}, {"AccountSid": "AC" + "0" * 32}, {"MessageSid": "SM" + "1" * 32},
                                  {"MessageStatus": "delivered"}])
def test_an_empty_status_body_is_answered_200_and_ignored(env, fake, rdb, redis_url, form):
    app, twilio = make(env)
    status, body = twilio.post("/sms/status", form)
    assert status == 200 and not list(parse_twiml(body))  # an empty <Response/>: nothing to do
    assert not rdb.keys("msg:*")


def test_a_send_refused_with_21610_is_an_opt_out_too(env, fake, rdb, redis_url):
    app, twilio = make(env)
    fake.plan = [FakeTwilio.error(400, 21610, "Attempt to send to unsubscribed recipient")]
    ask_for_sms(twilio)
    run_jobs(redis_url)
    assert rdb.get(messages.optout_key(CALLER_HASH)) == "twilio-21610"
