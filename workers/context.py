"""What a job needs, built once per worker process: settings, Redis, the SMS transport, the calls
adapter, the clock."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from ivr.settings import load_settings
from ivr.sms.transport import make_transport
from ivr.store import connection as redis_store
from ivr.voice.calls import make_calls


@dataclass
class JobContext:
    config: dict
    redis: object
    transport: object
    calls: object = None  # ivr.voice.calls: Twilio's Calls API, or the outbox
    _rq_redis: object = None

    @property
    def retention(self) -> int:
        return int(self.config["HOTLINE_LOG_RETENTION_DAYS"]) * 86400

    def now(self) -> dt.datetime:
        return dt.datetime.now(ZoneInfo(self.config["HOTLINE_TIMEZONE"]))

    def status_callback(self, msg_id: str = "") -> str | None:
        """The SMS status callback, with our message id in it: Twilio's callback then says which
        message it is even when Twilio's answer to the send was lost."""
        public = self.config["HOTLINE_PUBLIC_URL"].rstrip("/")
        if not public:
            return None
        return f"{public}/sms/status?m={msg_id}" if msg_id else f"{public}/sms/status"

    @property
    def rq_redis(self):
        """A client for enqueueing (RQ wants bytes replies), made when first needed."""
        if self._rq_redis is None:
            import redis as redis_lib

            self._rq_redis = redis_lib.Redis.from_url(self.config["REDIS_URL"], socket_timeout=5.0)
        return self._rq_redis


@lru_cache(maxsize=1)
def context() -> JobContext:
    config = load_settings()
    # A worker may wait on Twilio for seconds; its Redis timeout can be longer than a webhook's.
    redis = redis_store.connect(config["REDIS_URL"], timeout=5.0)
    transport = make_transport(config)
    return JobContext(config, redis, transport, make_calls(config, redis, transport))
