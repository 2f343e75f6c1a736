"""Operator accounts in Redis: `user:<name>` hashes (name, role, password hash, created).

Passwords are hashed with werkzeug.security (scrypt). The flask-login id includes a short
fingerprint of the password hash, so changing a password ends that user's existing sessions.
"""
from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass

from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

ROLES = ("operator", "admin")
INDEX = "users"  # a set of user names, so listing never scans keys
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
MIN_PASSWORD = 10
_DUMMY_HASH = generate_password_hash("not-a-password-at-all")  # equalises timing for unknown names


class UserError(ValueError):
    pass


def key(name: str) -> str:
    return f"user:{name}"


@dataclass
class User(UserMixin):
    name: str
    role: str
    password_hash: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def get_id(self) -> str:
        return f"{self.name}:{fingerprint(self.password_hash)}"


def fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:12]


def add(redis, name: str, password: str, role: str, replace: bool = False) -> User:
    if not NAME_RE.match(name or ""):
        raise UserError("name: 2-32 characters, lower-case letters, digits, . _ -")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    if len(password or "") < MIN_PASSWORD:
        raise UserError(f"password: at least {MIN_PASSWORD} characters")
    if not replace and redis.exists(key(name)):
        raise UserError(f"user {name!r} exists (use --replace to change the password or role)")
    user = User(name, role, generate_password_hash(password))
    pipe = redis.pipeline(transaction=True)
    pipe.hset(key(name), mapping={"name": name, "role": role, "password": user.password_hash,
                                  "created": f"{time.time():.0f}"})
    pipe.sadd(INDEX, name)
    pipe.execute()
    return user


def get(redis, name: str) -> User | None:
    if not NAME_RE.match(name or ""):
        return None
    record = redis.hgetall(key(name))
    if not record or record.get("role") not in ROLES:
        return None
    return User(record["name"], record["role"], record["password"])


def load(redis, user_id: str) -> User | None:
    """The flask-login user loader: the id must still match the current password hash."""
    name, _, fp = (user_id or "").partition(":")
    user = get(redis, name)
    return user if user and fingerprint(user.password_hash) == fp else None


def verify(redis, name: str, password: str) -> User | None:
    user = get(redis, name)
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    return user if check_password_hash(user.password_hash, password or "") else None


def remove(redis, name: str) -> bool:
    pipe = redis.pipeline(transaction=True)
    pipe.delete(key(name))
    pipe.srem(INDEX, name)
    return bool(pipe.execute()[0])


def names(redis) -> list[tuple[str, str]]:
    found = sorted(redis.smembers(INDEX))
    pipe = redis.pipeline(transaction=False)
    for name in found:
        pipe.hget(key(name), "role")
    return [(n, r) for n, r in zip(found, pipe.execute(), strict=True) if r]
