"""Where a caller or texter is in the menu: the Session, and how SMS conversations keep it.

The voice channel carries a Session in its signed action URLs (`call_state`) and stores none.
An SMS conversation has no URL to carry it, so it is one JSON value under `session:sms:<id>`
with a TTL that each message renews; the SMS view loads it and hands it back to `commit` with
the log events (one read and one write round trip per message). `commit` is a compare-and-set:
it writes only if the session is still what the view read, so two texts answered at once are
applied one after the other instead of one overwriting the other.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from . import write_once


@dataclass
class Session:
    id: str  # CallSid, or the sender's number hash for SMS
    caller: str  # number hash, never the number
    lang: str | None = None
    node: str = "@language"
    page: int = 0
    stack: list = field(default_factory=list)  # [[node, page], ...] for "*" (back)
    noinput: int = 0
    seq: int = 0  # increases with every answered step; a stale or repeated webhook shows an old seq
    started: float = field(default_factory=time.time)
    nav_said: bool = False  # the 9 / * / 0 hint is said once per call
    offer: str | None = None  # voice, first call: the language the number's country code names, offered first
    repeats: int = 0  # voice: replays of this screen in a row (key 9), for the call's limit (voice/limits.py)
    choices: list = field(default_factory=list)  # SMS: topics just offered as numbered choices ("1 ДМС/ВМС")

    def goto(self, node: str, page: int = 0, remember: bool = True) -> None:
        if remember and (node, page) != (self.node, self.page):
            self.stack.append([self.node, self.page])
            del self.stack[:-20]  # a bounded trail: the back key never needs more
        self.node, self.page, self.noinput = node, page, 0

    def back(self) -> bool:
        while self.stack:
            node, page = self.stack.pop()
            if node != "@language":
                self.node, self.page, self.noinput = node, page, 0
                return True
        return False


def key(channel: str, sid: str) -> str:
    return f"session:{channel}:{sid}"


def decode(raw) -> Session | None:
    if not raw:
        return None
    try:
        return Session(**json.loads(raw))
    except (TypeError, ValueError):
        return None  # a session from an older shape: start the caller again at the menu


def save(pipe, channel: str, session: Session, ttl: int) -> None:
    pipe.set(key(channel, session.id), _encode(vars(session)), ex=ttl)


_encode = json.JSONEncoder(separators=(",", ":")).encode  # json.dumps would build an encoder each time


# The caller's language, remembered by number hash for returning callers and texters.
def language_key(caller: str) -> str:
    return f"caller:{caller}:lang"


def remember_language(pipe, caller: str, lang: str, ttl: int) -> None:
    if caller != "anonymous":
        pipe.set(language_key(caller), lang, ex=ttl)


# Saving an SMS session together with the writes it causes, only if nobody saved it meanwhile:
# two texts from one number answered at once must not lose one of the two updates. Other keys may be
# guarded the same way (`also`: the text's once-only mark, ivr/store/sms_seen.py).
_COMMIT = """
local n = tonumber(ARGV[1])
for i = 1, n do
  if (redis.call('GET', KEYS[i]) or '') ~= ARGV[i + 1] then return 0 end
end
""" + write_once.run_queued("n + 2", first_key="n + 1")


def commit(redis, pipe, channel: str, session: Session, ttl: int, read_raw: str | None,
           also: dict[str, str] | None = None) -> bool:
    """Save `session` and run the writes queued on `pipe`, in one script, if the session key still
    holds `read_raw` (what this request read) and each key of `also` its value. False: another
    request moved one of them first."""
    guards = {key(channel, session.id): read_raw or "", **(also or {})}
    save(pipe, channel, session, ttl)
    keys, argv = write_once.pack(pipe, list(guards), [len(guards), *guards.values()])
    return bool(write_once.run(redis, _COMMIT, keys, argv))  # EVALSHA straight on a pooled connection
