"""Operator accounts in Redis: `user:<name>` hashes (name, role, password hash, disabled, created),
and one-time links that let an operator set a password (`ops:reset:<sha256 of the token>`).

Passwords are hashed with werkzeug.security (scrypt). Whatever ends an account's access —
disabling it, resetting or changing its password, removing it — deletes its dashboard sessions
(session_store.revoke_user); the flask-login id also carries a fingerprint of the password
hash and the loader refuses disabled users, so a session that slipped through ends anyway.
An account added from the admin page has no password until its link is used.
"""
from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass

from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from .session_store import revoke_user

ROLES = ("operator", "admin")
INDEX = "users"  # a set of user names, so listing never scans keys
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
MIN_PASSWORD = 10
_DUMMY_HASH = generate_password_hash("not-a-password-at-all")  # equalises timing for unknown names


class UserError(ValueError):
    """A refused account change: the message is for the CLI; `code` names it for the dashboard's words."""

    def __init__(self, message: str, code: str = "", **fmt):
        super().__init__(message)
        self.code, self.fmt = code, fmt


def key(name: str) -> str:
    return f"user:{name}"


RESET_PREFIX = "ops:reset:"


@dataclass
class User(UserMixin):
    name: str
    role: str
    password_hash: str
    disabled: bool = False
    created: str = ""

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_active(self) -> bool:  # flask-login's login_user refuses an inactive user
        return not self.disabled

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    def get_id(self) -> str:
        return f"{self.name}:{fingerprint(self.password_hash)}"


def fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:12]


def _check_password(password: str | None) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise UserError(f"password: at least {MIN_PASSWORD} characters", "password_short", n=MIN_PASSWORD)


def add(redis, name: str, password: str | None, role: str, replace: bool = False) -> User:
    """A new account (or, with replace, a new password and role). password None: none yet (a link sets it)."""
    if not NAME_RE.match(name or ""):
        raise UserError("name: 2-32 characters, lower-case letters, digits, . _ -", "bad_name")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}", "bad_role")
    if password is not None:
        _check_password(password)
    if not replace and redis.exists(key(name)):
        raise UserError(f"user {name!r} exists (use --replace to change the password or role)", "exists", name=name)
    user = User(name, role, generate_password_hash(password) if password is not None else "")
    pipe = redis.pipeline(transaction=True)
    pipe.hset(key(name), mapping={"name": name, "role": role, "password": user.password_hash})
    pipe.hsetnx(key(name), "created", f"{time.time():.0f}")
    pipe.sadd(INDEX, name)
    pipe.execute()
    if replace:
        revoke_user(redis, name)
    return user


def set_password(redis, name: str, password: str | None) -> None:
    """A new password (None: none, until a reset link sets one); every session of the user ends."""
    if password is not None:
        _check_password(password)
    if get(redis, name) is None:
        raise UserError(f"no user {name!r}", "no_user", name=name)
    redis.hset(key(name), "password", generate_password_hash(password) if password is not None else "")
    revoke_user(redis, name)


def set_role(redis, name: str, role: str) -> None:
    """Takes effect on the user's next request (the loader reads the role each time)."""
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}", "bad_role")
    if get(redis, name) is None:
        raise UserError(f"no user {name!r}", "no_user", name=name)
    redis.hset(key(name), "role", role)


def set_disabled(redis, name: str, disabled: bool) -> None:
    """Disabling ends every session of the user at once and refuses their logins until enabled."""
    if get(redis, name) is None:
        raise UserError(f"no user {name!r}", "no_user", name=name)
    redis.hset(key(name), "disabled", "1" if disabled else "")
    if disabled:
        revoke_user(redis, name)


def issue_reset(redis, name: str, ttl_seconds: int) -> str:
    """A one-time token that lets `name` set a password (an older token of theirs stops working)."""
    if get(redis, name) is None:
        raise UserError(f"no user {name!r}", "no_user", name=name)
    token = secrets.token_urlsafe(32)
    latest = f"{RESET_PREFIX}latest:{name}"
    old = redis.get(latest)
    pipe = redis.pipeline(transaction=True)
    if old:
        pipe.delete(RESET_PREFIX + old)
    pipe.set(RESET_PREFIX + _token_digest(token), name, ex=ttl_seconds)
    pipe.set(latest, _token_digest(token), ex=ttl_seconds)
    pipe.execute()
    return token


def reset_name(redis, token: str) -> str | None:
    """Whose link this is, or None (unknown, used or expired)."""
    return redis.get(RESET_PREFIX + _token_digest(token)) if token else None


def use_reset(redis, token: str, password: str) -> str:
    """Set the password through a one-time link; the link is spent. Returns the user name."""
    _check_password(password)
    pipe = redis.pipeline(transaction=True)
    pipe.get(RESET_PREFIX + _token_digest(token))
    pipe.delete(RESET_PREFIX + _token_digest(token))
    name = pipe.execute()[0]
    if not name:
        raise UserError("this link was used or has expired; ask an admin for a new one", "link_used")
    set_password(redis, name, password)
    return name


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def get(redis, name: str) -> User | None:
    if not NAME_RE.match(name or ""):
        return None
    return _user(redis.hgetall(key(name)))


def _user(record: dict) -> User | None:
    if not record or record.get("role") not in ROLES:
        return None
    return User(record["name"], record["role"], record.get("password", ""), bool(record.get("disabled")),
                record.get("created", ""))


def load(redis, user_id: str) -> User | None:
    """The flask-login user loader: an enabled user whose password hash the id still matches."""
    name, _, fp = (user_id or "").partition(":")
    user = get(redis, name)
    return user if user and not user.disabled and fingerprint(user.password_hash) == fp else None


def verify(redis, name: str, password: str) -> User | None:
    """The user if the password is right and the account enabled; the same time spent either way."""
    user = get(redis, name)
    if user is None or not user.has_password:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    ok = check_password_hash(user.password_hash, password or "")
    return user if ok and not user.disabled else None


def remove(redis, name: str) -> bool:
    pipe = redis.pipeline(transaction=True)
    pipe.delete(key(name))
    pipe.srem(INDEX, name)
    removed = bool(pipe.execute()[0])
    revoke_user(redis, name)
    return removed


def all_users(redis) -> list[User]:
    found = sorted(redis.smembers(INDEX))
    pipe = redis.pipeline(transaction=False)
    for name in found:
        pipe.hgetall(key(name))
    return [u for u in map(_user, pipe.execute()) if u]


def names(redis) -> list[tuple[str, str]]:
    return [(u.name, u.role) for u in all_users(redis)]
