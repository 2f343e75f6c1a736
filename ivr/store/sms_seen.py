"""The once-only mark of an inbound text (Twilio's MessageSid): "in progress" first, final with its reply.

`sms:seen:<MessageSid>` holds, for a day, one of:

  taking:<unix time>:<token>   a request is handling the text now (`begin`)
  {"reply": [...], "todo": {...}, "by_sms": b, "at": t}
                               answered and saved, what it asked for (an inbox item, a reminder, a
                               callback: `todo`) not yet done — nor the reply delivered, since a request
                               that fails after this answers with the outage line instead (`settle`)
  [...]                        answered in TwiML: the replies, what a second delivery gets back
  {"sms": [...], "at": t}      answered by SMS (a replay after an outage: the texter had been told the
                               answer would come by SMS); a second delivery gets nothing more

The final value is written by the same script that saves the texter's session, and only while the mark
is still the writer's own (`guard`, ivr/store/sessions.py `commit`): one MessageSid is answered once.
A text whose handling did not finish (Redis went away after the mark was set, the process died) is
taken over by the spool's replay of that request at once (its first handler failed: it is what spooled
it), or by Twilio's next delivery of the text once the mark is older than TAKEOVER_AFTER — longer than
Twilio waits for a webhook's answer (15 s), so the handler it replaces can no longer be heard anyway.
A text left with a `todo` is finished the same way: what it asked for is done (each step once by its own
key), and its saved reply delivered — by SMS on a replay.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass

from . import write_once

TTL = 86400
TAKEOVER_AFTER = 30.0  # seconds: a mark "in progress" this old belongs to a request that will never finish
_PENDING = "taking:"

_BEGIN = """
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, 7) == 'taking:' then
  local at = tonumber(string.match(v, '^taking:([%d%.]+):'))
  if ARGV[4] ~= '1' and at and tonumber(ARGV[2]) - at < tonumber(ARGV[3]) then return {'busy', v} end
elseif v then
  return {'done', v}
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[5])
local out, reads, known = {'mine', ARGV[1], 0}, tonumber(ARGV[6]), 0
for i = 2, reads + 1 do
  out[#out + 1] = redis.call('GET', KEYS[i]) or false
end
if #KEYS > reads + 1 then
  local thread = KEYS[reads + 2]
  known = redis.call('EXISTS', thread)
  out[3] = known
  if not v then
    local a, skip = 8, 0
    if known == 1 then skip = tonumber(ARGV[7]) end
    for i = reads + 3, #KEYS do
      local n = tonumber(ARGV[a + 1])
      if i - reads - 2 > skip then redis.call(ARGV[a], KEYS[i], unpack(ARGV, a + 2, a + 1 + n)) end
      a = a + 2 + n
    end
  end
end
return out
"""
_encode = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps would build an encoder each time


def key(sid: str) -> str:
    return f"sms:seen:{sid}"


@dataclass(frozen=True)
class Mark:
    state: str  # mine: this request handles the text; busy: another one does, now; done: it was answered;
    #             todo: answered and saved, what it asked for not yet done (`todo`)
    value: str  # the mark as stored (for `mine`: what `guard` expects)
    known: bool = False  # for `mine` with a `FirstDelivery`: its thread key existed before this text

    @property
    def saved(self) -> dict:
        """For `todo`: the stored answer — `reply`, `todo`, `by_sms`, `at`."""
        return json.loads(self.value) if self.state == "todo" else {}

    @property
    def replies(self) -> list[str]:
        """For `done`: what a second delivery of the text gets back (nothing when it was answered by SMS)."""
        if self.state != "done":
            return []
        found = json.loads(self.value or "[]")
        return found if isinstance(found, list) else []


@dataclass(frozen=True)
class FirstDelivery:
    """Writes that go with the mark, in the same script, the first time a text is seen (no mark at all): the text
    in its thread's log, before anything tries to understand it. A request that takes a text over (its mark
    "in progress") finds it logged already — by the script that set that mark — so a text is logged once.
    `if_new`'s commands run only when `thread` (a key) does not exist yet; `writes`' always. Both are queues
    (`write_once.Writes`, or redis-py pipelines) never executed, as `write_once` and `sessions.commit` use them."""
    thread: str
    if_new: object
    writes: object


def begin(redis, sid: str, take_over: bool = False, now: float | None = None, reads: tuple[str, ...] = (),
          first: FirstDelivery | None = None) -> tuple[Mark, list]:
    """Mark the text as being handled by this request, unless it was answered or another request handles it
    (a mark in progress younger than TAKEOVER_AFTER; `take_over`: the spool's replay takes it whatever its age).
    `reads`: keys read (GET) in the same script when the text is this request's (the webhook's session): their
    values are returned with the mark (None each when the text is not this request's).
    `first`: writes done with the mark on the text's first delivery (`FirstDelivery`); the mark then says
    whether its thread existed before (`Mark.known`).

    One command, EVALSHA straight on a pooled connection (`write_once.run`: a pipeline of the script and the
    reads cost more than the script reading them); on NOSCRIPT (Redis restarted) the script is loaded and run
    again — the failed call wrote nothing."""
    now = time.time() if now is None else now
    pending = f"{_PENDING}{now:.3f}:{os.urandom(6).hex()}"  # 12 random hex digits: whose mark it is
    keys = [key(sid), *reads]
    argv = [pending, f"{now:.3f}", TAKEOVER_AFTER, int(take_over), TTL, len(reads)]
    if first is not None:
        keys.append(first.thread)
        argv.append(len(first.if_new.command_stack))
        write_once.pack(first.if_new, keys, argv)
        write_once.pack(first.writes, keys, argv)
    result = write_once.run(redis, _BEGIN, keys, argv)
    mark = begun(result)
    values = [_text(v) if v is not None else None for v in result[3:]] if mark.state == "mine" else [None] * len(reads)
    return mark, values


def begun(result) -> Mark:
    state, value, *known = result
    mark = _classified(_text(state), _text(value))
    return Mark(mark.state, mark.value, bool(known[0])) if known else mark


def may_finish(mark: Mark, take_over: bool, now: float | None = None) -> bool:
    """A `todo` this request may finish: a replay's, or one older than TAKEOVER_AFTER (its request is gone)."""
    now = time.time() if now is None else now
    return take_over or now - float(mark.saved.get("at", 0)) >= TAKEOVER_AFTER


def guard(sid: str, mark: Mark) -> dict[str, str]:
    """For `sessions.commit(also=...)`: the final reply is written only while the mark is still this one."""
    return {key(sid): mark.value}


def finish(pipe, sid: str, replies: list[str], by_sms: bool = False, todo: dict | None = None) -> str:
    """The mark queued on the pipe `sessions.commit` runs: the replies, or that they go by SMS — or, when the
    text asked for something (`todo`), the answer saved with it until `settle` says it is done. Returns it."""
    value = _encode(_value(replies, by_sms, todo))
    pipe.set(key(sid), value, ex=TTL)
    return value


def settle(redis, sid: str, mark_value: str, replies: list[str], by_sms: bool) -> bool:
    """The final mark after the `todo` was done, if the mark is still `mark_value` (else another request settled it)."""
    value = _encode(_value(replies, by_sms, None))
    return bool(write_once.run(redis, _SETTLE, [key(sid)], [mark_value, value, TTL]))


_SETTLE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1
"""


def _value(replies: list[str], by_sms: bool, todo: dict | None):
    if todo:
        return {"reply": replies, "todo": todo, "by_sms": by_sms, "at": round(time.time(), 3)}
    return {"sms": replies, "at": round(time.time(), 3)} if by_sms else replies


def current(redis, sid: str) -> Mark:
    """The mark as it is now, read again (after a commit that lost: whose is it now?)."""
    value = _text(redis.get(key(sid)))
    if value is None:
        return Mark("none", "")
    return _classified("busy" if value.startswith(_PENDING) else "done", value)


def _classified(state: str, value: str) -> Mark:
    if state == "done" and value.startswith('{"reply"'):
        return Mark("todo", value)
    return Mark(state, value)


def answered_by_sms(mark: Mark) -> tuple[list[str], float] | None:
    """For a text answered by SMS: its replies and when they were decided; else None."""
    if mark.state != "done" or not mark.value.startswith("{"):
        return None
    found = json.loads(mark.value)
    return list(found.get("sms", [])), float(found.get("at", 0))


def _text(value) -> str | None:
    return value.decode() if isinstance(value, bytes) else value
