"""The app's request class: Flask's, with a cheaper reading of form posts and query strings.

Every Twilio webhook is a small `application/x-www-form-urlencoded` post with a query string;
parsing them was the largest single cost of a menu step after the view itself (werkzeug builds a
form parser and a limited stream per request, and `urllib.parse.parse_qsl` unquotes every name
and value even when there is nothing to unquote). `parse_pairs` gives exactly what werkzeug's
`parse_qsl(text, keep_blank_values=True, errors="werkzeug.url_quote")` gives (tests/test_webhook_request.py
checks it against the library on generated input); everything else — multipart, other content
types, the size limit, a body that is not UTF-8 — goes through werkzeug's own code as before.
"""
from __future__ import annotations

from urllib.parse import unquote

from flask import Request, current_app
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import cached_property

FORM = "application/x-www-form-urlencoded"


def parse_pairs(text: str) -> list[tuple[str, str]]:
    """`parse_qsl(text, keep_blank_values=True, errors="werkzeug.url_quote")`, without the work for
    parts that need no unquoting."""
    out = []
    for part in text.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        if "+" in name:
            name = name.replace("+", " ")
        if "%" in name:
            name = unquote(name, errors="werkzeug.url_quote")
        if "+" in value:
            value = value.replace("+", " ")
        if "%" in value:
            value = unquote(value, errors="werkzeug.url_quote")
        out.append((name, value))
    return out


class WebhookRequest(Request):
    @cached_property
    def args(self):
        return self.parameter_storage_class(parse_pairs(self.query_string.decode()))

    def _load_form_data(self) -> None:
        if "form" in self.__dict__:
            return
        if self.mimetype != FORM:
            super()._load_form_data()
            return
        limit = self.max_content_length
        if limit is not None and self.content_length is not None and self.content_length > limit:
            raise RequestEntityTooLarge()  # what werkzeug's form parser raises
        stream = self._get_stream_for_parsing()
        d = self.__dict__
        d["stream"], d["form"], d["files"] = (stream, self.parameter_storage_class(parse_pairs(stream.read().decode())),
                                              self.parameter_storage_class())
        if current_app and current_app.debug:  # as Flask's own Request does in debug mode
            from flask.debughelpers import attach_enctype_error_multidict

            attach_enctype_error_multidict(self)
