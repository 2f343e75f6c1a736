"""A call status callback's writes, in one round trip whatever the record already says.

Twilio posts a call's status (ringing, in-progress, completed, busy…) to /voice/status, late, twice or
out of order. What it writes depends on the call's record: a status already seen writes nothing; the
status fields are not written over a call that has ended, unless this status ends it too; a call that
ends counts as a drop-off at its last menu (`drop:<node>` on the day's statistics); and a call that
never reached /voice has no record at all. Reading the record first cost a round trip of its own on
every status callback, so the script reads it and applies the writes the webhook queued (with the
call log's own helpers, `write_once.Writes`) in the groups those rules name.

A call with no record (an "orphan": its first webhook failed) is rare: the script takes the mark and
returns ORPHAN, and the webhook writes the record and the queued writes itself.
"""
from __future__ import annotations

from . import write_once
from .calllog import conv_key, seen_key

DUPLICATE, WRITTEN, ORPHAN = 0, 1, 2

_SCRIPT = write_once.MARK + """
local record = redis.call('HMGET', KEYS[2], 'channel', 'last_node', 'ended')
if not record[1] then return 2 end
local a, k = 7, 4
local function run(n)
  for _ = 1, n do
    local c = tonumber(ARGV[a + 1])
    redis.call(ARGV[a], KEYS[k], unpack(ARGV, a + 2, a + 1 + c))
    a = a + 2 + c
    k = k + 1
  end
end
local ending = ARGV[5] == '1'
run(tonumber(ARGV[3]))
if ending or not record[3] then run(tonumber(ARGV[4])) end
if ending and record[2] then
  redis.call('HINCRBY', KEYS[3], ARGV[6] .. record[2], 1)
  redis.call('EXPIRE', KEYS[3], ARGV[2])
end
return 1
"""


def record(redis, sid: str, mark: str, always: write_once.Writes, unless_ended: write_once.Writes, ending: bool,
           stats_key: str, drop_prefix: str, retention: int) -> int:
    """Apply a status callback once (`mark`): `always` (its event), `unless_ended` (the status fields: only if
    the call has not ended, or `ending` ends it now), and when `ending`, `drop_prefix + last node` counted in
    `stats_key`. DUPLICATE: the same callback again, nothing written; ORPHAN: no record yet, nothing but the
    mark written (the caller writes the rest); WRITTEN."""
    n_always, n_unless = len(always.command_stack), len(unless_ended.command_stack)
    keys, argv = [seen_key(sid), conv_key(sid), stats_key], [mark, retention, n_always, n_unless, int(ending),
                                                              drop_prefix]
    stacks = always.command_stack, unless_ended.command_stack
    write_once.pack(always, keys, argv)
    write_once.pack(unless_ended, keys, argv)
    always.command_stack, unless_ended.command_stack = stacks  # an orphan's webhook writes them itself
    return int(write_once.run(redis, _SCRIPT, keys, argv))
