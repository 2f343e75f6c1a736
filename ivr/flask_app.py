"""The Flask class the hotline runs: Flask, with the cheaper webhook parsing (webhook_request.py) and
without re-inspecting the same hook functions on every request.

Flask asks `ensure_sync(func)` of every before/after-request hook, view and teardown function on
every request, and each answer runs `inspect.iscoroutinefunction` (several attribute look-ups per
function): a few per cent of a webhook that has a handful of hooks (signature check, CSRF,
flask-login, security headers). A function does not become a coroutine function later, so the
answer is remembered per function (bounded: bound methods are new objects each time).
"""
from __future__ import annotations

from flask import Flask

from .webhook_request import WebhookRequest

_MAX = 1024


class HotlineFlask(Flask):
    request_class = WebhookRequest

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._sync: dict = {}

    def ensure_sync(self, func):
        try:
            return self._sync[func]
        except KeyError:
            pass
        except TypeError:  # not hashable: ask Flask each time
            return super().ensure_sync(func)
        got = super().ensure_sync(func)
        if len(self._sync) < _MAX:
            self._sync[func] = got
        return got
