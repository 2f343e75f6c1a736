"""Helpers for tests that place calls asking for follow-up SMS and run the jobs."""
from __future__ import annotations

from rq import Queue
from rq.serializers import JSONSerializer

from ivr.phone import Emulator
from ivr.store import messages
from workers.runner import HotlineWorker

from .conftest import FIXED_NOW, client_transport

CALLER = "+77017654321"


def make(env, now=FIXED_NOW):
    """The app on `env`, its clock stopped at `now` (noon in Almaty unless a test says otherwise:
    on the real clock, the SMS tests would find quiet hours whenever CI runs at night there)."""
    from ivr import create_app

    conf = dict(env)
    conf["CLOCK"] = lambda: now
    app = create_app(conf)
    return app, Emulator("http://localhost", "tok", client_transport(app.test_client()))


def ask_for_sms(twilio, caller=CALLER):
    call = twilio.call(caller=caller)
    call.start()
    for key in ("2", "1", "1"):  # Russian, facts, fact a (it offers SMS on 1)
        call.press(key)
    return call, call.press("1")


def run_jobs(redis_url):
    import redis

    conn = redis.Redis.from_url(redis_url)
    q = Queue("sms", connection=conn, serializer=JSONSerializer)
    HotlineWorker([q], connection=conn, serializer=JSONSerializer, log_job_description=False).work(burst=True)
    return q


def msg_records(rdb):
    return [rdb.hgetall(messages.key(m)) for m in rdb.zrange("msgs", 0, -1)]
