"""A webhook's writes, applied at most once and in one round trip.

Twilio retries a webhook that timed out; the retry must not log a step twice or count a topic
twice. The writes are queued with the `calllog` helpers on `Writes` (or a redis-py pipeline) and never
executed as such: `apply` sends them as one Lua script (EVALSHA) that first sets a mark in the
conversation's `conv:<id>:seen` hash and runs the commands only if the mark is new.
Every key a command touches is declared in KEYS, as Redis asks of scripts.

This is the one Redis command of nearly every voice webhook, so it is sent on a pooled connection
directly (`_evalsha`), under the client's own Retry, without the layers redis-py wraps around each
command (argument checks, event dispatch, response callbacks: a tenth of a menu step's CPU). After a
NOSCRIPT answer (Redis restarted and forgot the script) it is loaded and sent again.
"""
from __future__ import annotations

from redis.exceptions import NoScriptError

from .calllog import seen_key


def run_queued(first_arg: int | str, first_key: int | str = 2, then: str = "return 1", replies: str = "") -> str:
    """Lua that runs the commands `pack` put in KEYS[first_key..] and ARGV[first_arg..], in order
    (either may be a Lua expression), then `then`. `replies`: a Lua table the commands' replies are appended to."""
    keep = f"{replies}[#{replies} + 1] = " if replies else ""
    return f"""
local a = {first_arg}
for i = {first_key}, #KEYS do
  local n = tonumber(ARGV[a + 1])
  {keep}redis.call(ARGV[a], KEYS[i], unpack(ARGV, a + 2, a + 1 + n))
  a = a + 2 + n
end
{then}
"""


class Writes:
    """Writes queued for one webhook, as redis-py's pipeline would queue them (`command_stack`), for `apply`.

    The call log's helpers queue with the commands below; a redis-py pipeline built each of them through its
    whole command layer (a sixth of a menu step's CPU, for a list `apply` only reads back). Any other command
    is queued by redis-py's own pipeline, in order; `execute` runs them all as a plain pipeline would.
    tests/test_write_once.py holds every command here equal to redis-py's."""

    __slots__ = ("redis", "command_stack", "_pipe")

    def __init__(self, redis):
        self.redis, self.command_stack, self._pipe = redis, [], None

    def _queue(self, *args) -> Writes:
        self.command_stack.append((args, {}))
        return self

    def hset(self, name, key=None, value=None, mapping=None):
        pieces = [] if key is None else [key, value]
        for pair in (mapping or {}).items():
            pieces.extend(pair)
        return self._queue("HSET", name, *pieces)

    def rpush(self, name, *values):
        return self._queue("RPUSH", name, *values)

    def sadd(self, name, *values):
        return self._queue("SADD", name, *values)

    def expire(self, name, seconds):
        if not isinstance(seconds, int):  # a timedelta, as redis-py takes it
            seconds = int(seconds.total_seconds())
        return self._queue("EXPIRE", name, seconds)

    def hincrby(self, name, key, amount=1):
        return self._queue("HINCRBY", name, key, amount)

    def set(self, name, value, ex=None, **options):
        if options:  # NX, KEEPTTL, GET…: redis-py builds those
            return self.__getattr__("set")(name, value, ex=ex, **options)
        if ex is None:
            return self._queue("SET", name, value)
        if not isinstance(ex, int):
            ex = int(ex.total_seconds())
        return self._queue("SET", name, value, "EX", ex)

    def zadd(self, name, mapping):
        pieces = []
        for member, score in mapping.items():
            pieces += [score, member]
        return self._queue("ZADD", name, *pieces)

    def __getattr__(self, name):
        """Another command: redis-py's pipeline builds it, and it joins this queue in order."""
        if self._pipe is None:
            self._pipe = self.redis.pipeline(transaction=False)
        method = getattr(self._pipe, name)

        def queued(*args, **kwargs):
            method(*args, **kwargs)
            self.command_stack.extend(self._pipe.command_stack)
            self._pipe.command_stack.clear()
            return self
        return queued

    def reset(self) -> None:
        self.command_stack = []

    def execute(self) -> list:
        pipe = self.redis.pipeline(transaction=False)
        for args, options in self.command_stack:
            pipe.execute_command(*args, **options)
        self.reset()
        return pipe.execute()


def pack(pipe, keys: list, argv: list) -> tuple[list, list]:
    """The commands queued on `pipe`, appended to a script's KEYS and ARGV (and taken off the pipe)."""
    for args, _options in pipe.command_stack:  # (("RPUSH", key, value, ...), options) as redis-py queued them
        name, key, *rest = args
        keys.append(key)
        argv += [name, len(rest), *rest]
    pipe.reset()
    return keys, argv


# The once-only mark (KEYS[1] the conversation's `seen` hash, ARGV[1] the mark, ARGV[2] its TTL): a mark
# already set ends the script with 0.
MARK = """
if redis.call('HSETNX', KEYS[1], ARGV[1], 1) == 0 then return 0 end
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
"""
_SCRIPT = MARK + run_queued(3)


def apply(redis, cid: str, mark: str, pipe, retention: int) -> bool:
    """Run the commands queued on `pipe` unless `mark` was already set for this conversation.
    True: this call applied them; False: an earlier delivery of the same webhook did."""
    keys, argv = pack(pipe, [seen_key(cid)], [mark, retention])
    return bool(run(redis, _SCRIPT, keys, argv))


_scripts: dict[str, object] = {}  # source -> redis-py Script (its SHA is computed once; any client can run it)


def run(redis, source: str, keys: list, argv: list):
    """A Lua script by its SHA on a pooled connection (`_evalsha`); after NOSCRIPT (Redis restarted and forgot
    it) the script is loaded and run again."""
    script = _scripts.get(source)
    if script is None:
        script = _scripts[source] = redis.register_script(source)
    try:
        return _evalsha(redis, script.sha, keys, argv)
    except NoScriptError:
        redis.script_load(source)
        return _evalsha(redis, script.sha, keys, argv)


def _evalsha(redis, sha: str, keys: list, argv: list):
    """EVALSHA as redis-py's `execute_command` sends it — a pooled connection, the client's Retry (a broken
    connection is closed and tried again as configured), the connection back to the pool — and nothing else.
    A reply that is an error is raised, as redis-py raises it."""
    pool = redis.connection_pool
    conn = pool.get_connection()
    packed = conn.pack_command("EVALSHA", sha, len(keys), *keys, *argv)

    def send():
        conn.send_packed_command(packed, check_health=True)
        return conn.read_response()

    try:
        return conn.retry.call_with_retry(send, lambda _error: conn.disconnect())
    finally:
        pool.release(conn)


_UNLESS_SET = """
local found = redis.call('GET', KEYS[2])
if found then return found end
""" + MARK + run_queued(3, first_key=3)


def apply_unless_set(redis, cid: str, mark: str, pipe, retention: int, key: str) -> str | None:
    """`apply`, in the same round trip as reading `key`, and only if `key` holds nothing: the writes were
    worked out on the guess that it is empty (a first-time caller has no remembered language). Returns what
    `key` holds (then nothing was written, and the caller works the step out again with it), or None: the
    writes were applied, now or by an earlier delivery of the same webhook."""
    keys, argv = pack(pipe, [seen_key(cid), key], [mark, retention])
    reply = run(redis, _UNLESS_SET, keys, argv)
    return reply if isinstance(reply, str) else None


def claim(redis, cid: str, mark: str, retention: int) -> bool:
    """Only the mark: True for the first delivery of a webhook, before it does something outward."""
    return apply(redis, cid, mark, Writes(redis), retention)


_CLAIM_THEN = MARK + "local out = {1}\n" + run_queued(3, then="return out", replies="out")


def claim_then(redis, cid: str, mark: str, retention: int, pipe) -> list | None:
    """`claim`, and in the same round trip, for the first delivery only, the commands queued on `pipe` (what
    the outward thing needs to know first: a count, an EXISTS; each must reply with a number or a string,
    never nil). Their replies in order, or None: an earlier delivery claimed the mark."""
    keys, argv = pack(pipe, [seen_key(cid)], [mark, retention])
    reply = run(redis, _CLAIM_THEN, keys, argv)
    return None if reply == 0 else reply[1:]


_QUEUED = run_queued(1, first_key=1)


def apply_claimed(redis, pipe) -> None:
    """The commands queued on `pipe`, as one script: for a webhook that holds its mark already (`claim_then`).
    A script runs whole, like a MULTI: a worker never sees an RQ job queued here without the record
    written beside it."""
    keys, argv = pack(pipe, [], [])
    if keys:
        run(redis, _QUEUED, keys, argv)
