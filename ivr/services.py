"""The composition root: the long-lived objects the views and commands use, built once.

`Services` holds the Redis client, the validated catalog, the flow engine, the renderers
and the clock. `create_app` builds one and keeps it in `app.extensions["hotline"]`;
views reach it with `services()`. Tests swap parts (the clock) through the config mapping.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from flask import current_app

from .content.catalog import load_catalog
from .content.lexicon import load_lexicon
from .content.model import Catalog
from .flow import Flow
from .settings import SettingsError
from .sms.keywords import Matcher
from .sms.render import SmsRenderer
from .sms.texting import Texting
from .sms.transport import make_transport
from .sms.understanding import Understander
from .store import connection as redis_store
from .store import privacy
from .voice.audio import AudioIndex, audio_dir
from .voice.render import VoiceRenderer

WITHHELD_KEPT = 20_000  # caller hashes whose withheld-or-not answer is kept


@dataclass
class Services:
    config: dict
    redis: object
    catalog: Catalog
    flow: Flow
    voice: VoiceRenderer
    clock: Callable[[], dt.datetime]
    texting: Texting
    transport: object
    _rq_redis: object = None
    _withheld: dict = field(default_factory=dict)  # number hash -> withheld? (caller_hash)
    _queues: dict = field(default_factory=dict)  # RQ queue name -> Queue (queue)

    @property
    def rq_redis(self):
        """RQ wants a client that returns bytes; it shares the server (and its pool settings)."""
        if self._rq_redis is None:
            import redis as redis_lib

            self._rq_redis = redis_lib.Redis.from_url(self.config["REDIS_URL"], socket_timeout=2,
                                                      socket_connect_timeout=1)
        return self._rq_redis

    def queue(self, name: str):
        """RQ's queue `name` (JSON payloads), one per process: a new Queue reads the server's version (INFO, a
        round trip) before its first immediate enqueue, and building one costs more than the rest of an enqueue
        into a pipeline."""
        found = self._queues.get(name)
        if found is None:
            from rq import Queue
            from rq.serializers import JSONSerializer

            found = self._queues[name] = Queue(name, connection=self.rq_redis, serializer=JSONSerializer)
        return found

    def today(self) -> dt.date:
        return self.clock().date()

    def caller_hash(self, number: str) -> str:
        """The number's keyed hash; "anonymous" for a withheld caller ID, which is nobody in particular.
        Whether a number is withheld (phonenumbers' validity: ~0.1 ms, on every webhook) is remembered by
        its hash, never by the number: `is_withheld` depends only on the normalised number, which the
        hash stands for (the empty one hashes to "anonymous"). Bounded."""
        hashed = privacy.number_hash(self.config["HOTLINE_HASH_SECRET"], number)
        withheld = self._withheld.get(hashed)
        if withheld is None:
            withheld = privacy.is_withheld(number)
            if len(self._withheld) >= WITHHELD_KEPT:
                self._withheld.clear()
            self._withheld[hashed] = withheld
        return "anonymous" if withheld else hashed

    @property
    def retention(self) -> int:
        return int(self.config["HOTLINE_LOG_RETENTION_DAYS"]) * 86400


def build(config: dict) -> Services:
    url = config["REDIS_URL"] or redis_store.start_embedded(config["HOTLINE_VAR_DIR"])
    config["REDIS_URL"] = url  # child processes (the worker) reuse the same server
    redis = redis_store.connect(url, config["REDIS_SOCKET_TIMEOUT"])
    catalog = load_catalog(config["HOTLINE_PROMPTS_DIR"], config["HOTLINE_SOURCES_DIR"])
    tz = ZoneInfo(config["HOTLINE_TIMEZONE"])
    clock = config.get("CLOCK") or _clock(tz, config.get("HOTLINE_TODAY"))
    audio_index = AudioIndex(audio_dir(config), config["HOTLINE_PUBLIC_URL"])  # also serves /audio/ in say mode
    voice = VoiceRenderer(catalog, config["HOTLINE_VOICE_PROMPTS"], config["HOTLINE_GATHER_TIMEOUT"], audio_index)
    flow = Flow(catalog)
    lexicon = load_lexicon(catalog)
    texting = Texting(catalog, flow, SmsRenderer(catalog, int(config["HOTLINE_SMS_SEGMENTS"])), Matcher(catalog),
                      twilio_handles_optout=config["TWILIO_ADVANCED_OPT_OUT"] == "on", lexicon=lexicon,
                      understander=Understander(catalog, lexicon))
    return Services(config, redis, catalog, flow, voice, clock, texting, make_transport(config))


def _clock(tz: ZoneInfo, today: str | None) -> Callable[[], dt.datetime]:
    """The real time, or (HOTLINE_TODAY, refused in production by settings) that date at the real time of day."""
    if not today:
        return lambda: dt.datetime.now(tz)
    day = dt.date.fromisoformat(today)
    return lambda: dt.datetime.combine(day, dt.datetime.now(tz).timetz())


def refuse_unspeakable(svc: Services) -> None:
    """A production web app never sends a caller a line nobody can say: Twilio speaks only Russian, so
    every other language needs its audio built (`hotline audio build`) before the app starts.
    (Commands like `hotline forget` build services too: they need no audio.)"""
    from .voice.audio import spoken_lines

    voice = svc.voice
    gaps = voice.unspeakable(spoken_lines(svc.catalog, svc.today()))
    if gaps:
        langs = sorted({ln.lang for ln in gaps})
        raise SettingsError(f"{len(gaps)} voice lines in {', '.join(langs)} have neither audio nor a Twilio voice "
                            f"(first: {gaps[0].lang} {gaps[0].ids[0]}): run `hotline audio build` "
                            f"(HOTLINE_AUDIO_DIR={voice.audio.directory if voice.audio else '-'})")


def services() -> Services:
    return current_app.extensions["hotline"]
