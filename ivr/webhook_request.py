"""The app's request class: Flask's, with a cheaper reading of form posts and query strings.

Every Twilio webhook is a small `application/x-www-form-urlencoded` post with a query string;
parsing them was the largest single cost of a menu step after the view itself (werkzeug builds a
form parser and a limited stream per request, and `urllib.parse.parse_qsl` unquotes every name
and value even when there is nothing to unquote). `parse_pairs` gives exactly what werkzeug's
`parse_qsl(text, keep_blank_values=True, errors="werkzeug.url_quote")` gives (tests/test_webhook_request.py
checks it against the library on generated input); everything else — multipart, other content
types, a body over the size limit — goes through werkzeug's own code as before. The body is read
straight from `wsgi.input` (exactly CONTENT_LENGTH bytes, as werkzeug's limited stream would); a
body that is not UTF-8 fails as werkzeug's `.decode()` does.
"""
from __future__ import annotations

import io
from urllib.parse import unquote

from flask import Request, current_app
from werkzeug.utils import cached_property

FORM = "application/x-www-form-urlencoded"


# "%2B" → "+" and the like: Twilio escapes a few ASCII characters in nearly every post ("+" of a number,
# ":" and "/" of a URL); unquoting those by table is several times cheaper than urllib's general path.
_ASCII = {f"{b:02X}": chr(b) for b in range(0x80)}
_ASCII.update({k.lower(): v for k, v in _ASCII.items()})


def _unquote(text: str) -> str:
    head, *rest = text.split("%")
    out = [head]
    for part in rest:
        char = _ASCII.get(part[:2])
        if char is None:  # not ASCII (UTF-8 bytes), or not an escape at all
            return _unquote_utf8(text)
        out.append(char)
        out.append(part[2:])
    return "".join(out)


def _unquote_utf8(text: str) -> str:
    """Escaped UTF-8 ("%D0%B4%D0%B0": a text in Cyrillic or Armenian), its escapes read by Python's
    `unicode_escape` codec as "\\xD0" (its own backslashes doubled first), the bytes decoded once: urllib
    unquotes byte by byte in Python, 6× slower on a text's body. Anything else — a broken escape, a character
    that is not ASCII, bytes that are not UTF-8 — urllib's way, with werkzeug's errors."""
    if text.isascii():
        try:
            escaped = text.replace("\\", "\\\\").replace("%", "\\x").encode()
            return escaped.decode("unicode_escape").encode("latin-1").decode()
        except UnicodeError:
            pass
    return unquote(text, errors="werkzeug.url_quote")


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
            name = _unquote(name)
        if "+" in value:
            value = value.replace("+", " ")
        if "%" in value:
            value = _unquote(value)
        out.append((name, value))
    return out


class WebhookRequest(Request):
    @cached_property
    def args(self):
        return self.parameter_storage_class(parse_pairs(self.query_string.decode()))

    def _load_form_data(self) -> None:
        if "form" in self.__dict__:
            return
        env = self.environ
        length = env.get("CONTENT_LENGTH", "")
        # The plain case only (what Twilio sends): exactly this content type, a length, the body not
        # read yet, within MAX_CONTENT_LENGTH. Anything else is werkzeug's, limits and errors alike.
        if (env.get("CONTENT_TYPE") != FORM or not (length.isascii() and length.isdigit())
                or "_cached_data" in self.__dict__
                or (self.max_content_length is not None and int(length) > self.max_content_length)):
            super()._load_form_data()
            return
        body = env["wsgi.input"].read(int(length)) if int(length) else b""
        d = self.__dict__
        d["stream"], d["form"], d["files"] = (io.BytesIO(b""), self.parameter_storage_class(parse_pairs(body.decode())),
                                              self.parameter_storage_class())
        if current_app and current_app.debug:  # as Flask's own Request does in debug mode
            from flask.debughelpers import attach_enctype_error_multidict

            attach_enctype_error_multidict(self)
