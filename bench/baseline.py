"""The baseline: the least a webhook can do — one Redis GET, fixed TwiML — under the same gunicorn
settings as the app (deploy/gunicorn.conf.py). `gunicorn -c deploy/gunicorn.conf.py bench.baseline:app`."""
from __future__ import annotations

import os

import redis
from flask import Flask, Response

TWIML = ('<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="/baseline" method="POST" '
         'numDigits="1" timeout="6"><Say>main menu</Say><Say>facts: press 1</Say></Gather>'
         '<Redirect method="POST">/baseline?noinput=1</Redirect></Response>')

app = Flask(__name__)
_redis = redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=0.5, decode_responses=True)


@app.post("/baseline")
def baseline():
    _redis.get("baseline:key")
    return Response(TWIML, mimetype="text/xml")
