"""Dashboard sessions kept in Redis, so that a login can be ended from the server side.

The cookie carries only a random session id; Redis keeps what the session holds under the
id's SHA-256 (`ops:session:<sha256>`, so a Redis dump hands out no working cookie), with an
idle timeout (the key's TTL, renewed by each request) and an absolute lifetime (the login
time is kept in the record and checked on every read). `ops:sessions:<user>` indexes a
user's sessions, so logging out, disabling a user or resetting a password deletes them all:
the old cookie then finds nothing and gets the login page.

Before login (the login form's CSRF token, the interface language) the session stays in a
signed cookie, as Flask's own: a flood of login-page requests cannot fill Redis, which the
webhooks need. Only requests under /ops open a session at all: a Twilio webhook never costs
a Redis read here.

Why not Flask-Session: it keys Redis by the raw cookie value, keeps no per-user index and no
login time, and encodes with msgspec for a bytes client; revocation and the absolute
lifetime would have to be built beside its internal key layout anyway.
"""
from __future__ import annotations

import hashlib
import json
import secrets
import time

from flask.sessions import SecureCookieSessionInterface, SessionMixin
from itsdangerous import BadSignature
from werkzeug.datastructures import CallbackDict

PREFIX = "ops:session:"
USER_INDEX = "ops:sessions:"


def _key(sid: str) -> str:
    return PREFIX + hashlib.sha256(sid.encode()).hexdigest()


class OpsSession(CallbackDict, SessionMixin):
    """A dict that remembers it changed, its id (None until first saved) and its login time."""

    def __init__(self, initial=None, sid: str | None = None, created: float | None = None):
        def on_update(self):
            self.modified = True

        super().__init__(initial, on_update)
        self.sid, self.created, self.modified = sid, created, False
        self.stale_sid: str | None = None  # an id to delete on save (login renews the id)

    def renew(self) -> None:
        """A new id from the next save on (on login: a planted id is never promoted)."""
        if self.sid:
            self.stale_sid = self.sid
        self.sid, self.created, self.modified = None, None, True

    def rotate(self) -> None:
        """A new id for the same login (its login time kept): the old cookie stops working at once.
        Used when an operator does something privileged, so a cookie copied earlier is refused."""
        if self.sid:
            self.stale_sid = self.sid
            self.sid, self.modified = None, True


class RedisSessions(SecureCookieSessionInterface):
    """Flask's session interface over one Redis client; `redis` is called for the client when needed."""

    def __init__(self, redis, idle_seconds: int, absolute_seconds: int, clock=time.time):
        self._redis, self.idle, self.absolute, self.clock = redis, int(idle_seconds), int(absolute_seconds), clock

    # -- Flask's interface ----------------------------------------------------------------

    def open_session(self, app, request):
        if not request.path.startswith("/ops"):
            return None  # Flask then uses a NullSession, which refuses writes
        value = request.cookies.get(self.get_cookie_name(app)) or ""
        if "." in value:  # signed, before login (ids are URL-safe base64: no dots)
            return OpsSession(self._unsign(app, value))
        record = self._read(value) if value else None
        if record is None:
            return OpsSession()
        return OpsSession(record["data"], value, record["created"])

    def save_session(self, app, session, response) -> None:
        if not isinstance(session, OpsSession):
            return
        if session.stale_sid:
            self._delete(session.stale_sid)
        if session.sid is None and not _user_of(session):  # not logged in: a signed cookie, nothing in Redis
            if session:
                self._set_cookie(app, response, self.get_signing_serializer(app).dumps(dict(session)), self.idle)
            return
        if session.sid is None:
            session.sid, session.created = secrets.token_urlsafe(32), session.created or self.clock()
        left = int(session.created + self.absolute - self.clock())
        if not session or left <= 0:  # logged out (cleared), or past the absolute lifetime
            self._delete(session.sid)
            response.delete_cookie(self.get_cookie_name(app), domain=self.get_cookie_domain(app),
                                   path=self.get_cookie_path(app))
            return
        self._write(session, min(self.idle, left))
        self._set_cookie(app, response, session.sid, left)

    def _set_cookie(self, app, response, value: str, max_age: int) -> None:
        response.set_cookie(self.get_cookie_name(app), value, max_age=max_age,
                            httponly=self.get_cookie_httponly(app), secure=self.get_cookie_secure(app),
                            samesite=self.get_cookie_samesite(app), domain=self.get_cookie_domain(app),
                            path=self.get_cookie_path(app))
        response.vary.add("Cookie")

    def _unsign(self, app, value: str) -> dict:
        try:
            data = dict(self.get_signing_serializer(app).loads(value, max_age=self.idle))
        except BadSignature:
            return {}
        data.pop("_user_id", None)  # a login is only ever kept in Redis
        return data

    # -- revocation -----------------------------------------------------------------------

    def revoke_user(self, name: str) -> int:
        """End every session of `name`; returns how many there were."""
        return revoke_user(self._redis(), name)

    # -- storage ------------------------------------------------------------------------

    def _read(self, sid: str) -> dict | None:
        raw = self._redis().get(_key(sid))
        if not raw:
            return None
        record = json.loads(raw)
        if record["created"] + self.absolute <= self.clock():
            self._delete(sid)
            return None
        return record

    def _write(self, session: OpsSession, ttl: int) -> None:
        user = _user_of(session)
        key = _key(session.sid)
        pipe = self._redis().pipeline(transaction=True)
        pipe.set(key, json.dumps({"data": dict(session), "created": session.created, "user": user}), ex=ttl)
        if user:
            pipe.sadd(USER_INDEX + user, key)
            pipe.expire(USER_INDEX + user, self.absolute)
        pipe.execute()

    def _delete(self, sid: str) -> None:
        key = _key(sid)
        redis = self._redis()
        raw = redis.get(key)
        pipe = redis.pipeline(transaction=True)
        pipe.delete(key)
        if raw:
            user = json.loads(raw).get("user")
            if user:
                pipe.srem(USER_INDEX + user, key)
        pipe.execute()


def _user_of(session) -> str:
    """The user name in flask-login's id (`name:fingerprint`, ivr.ops.people.users.User.get_id)."""
    return str(session.get("_user_id") or "").partition(":")[0]


def revoke_user(redis, name: str) -> int:
    """Delete every session of `name` (the user index says which): logout everywhere."""
    index = USER_INDEX + name
    keys = list(redis.smembers(index))
    pipe = redis.pipeline(transaction=True)
    if keys:
        pipe.delete(*keys)
    pipe.delete(index)
    return pipe.execute()[0] if keys else 0


def count_user(redis, names: list[str]) -> dict[str, int]:
    """How many sessions each user has open (the index may hold a few expired ones: counted live)."""
    pipe = redis.pipeline(transaction=False)
    for name in names:
        pipe.smembers(USER_INDEX + name)
    members = pipe.execute()
    pipe = redis.pipeline(transaction=False)
    for keys in members:
        pipe.exists(*(keys or ["ops:session:-"]))
    return {name: int(n) for name, n in zip(names, pipe.execute(), strict=True)}
