"""A local fake of Twilio's REST API: records every request, answers from a plan.

Reached through TWILIO_API_BASE_URL, the only thing the tests fake. `plan` is a list of
(status, json body) answers used in order; when it runs out, messages and calls are accepted (201).
Messages.json answers like Twilio's Messages API, Calls.json like its Calls API (a CallSid, queued).
A GET serves `files[path]` (a recording's WAV, as Twilio's Recordings API does), else 404.

Faults after Twilio has accepted (the message or call is created, then its answer goes wrong), one
per POST from `faults`: "late" answers after `late_by` seconds (past the client's timeout), "reset"
closes the connection with a TCP reset instead of answering, "500" answers 500. "lost" never creates
anything and answers late: the request reached nobody; "429" and "503" refuse it (nothing created).
GET on Messages.json / Calls.json lists what was created, in Twilio's page shape (`messages` /
`calls`, `next_page_uri`, …), filtered by To, From, DateSent> / StartTime> and Status as Twilio
filters them, newest first.
"""
from __future__ import annotations

import datetime as dt
import email.utils
import json
import socket
import struct
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class FakeTwilio:
    def __init__(self):
        self.requests: list[dict] = []
        self.files: dict[str, bytes] = {}  # path -> bytes served on GET (a recording's .wav)
        self.gets: list[dict] = []  # GET requests: path and Authorization
        self.plan: list[tuple[int, dict]] = []
        self.delay = 0.0  # seconds to wait after accepting a message, before answering
        self.faults: list[str] = []  # one per POST: late, reset, 500, lost (see the module's docstring)
        self.late_by = 3.0
        self.created: list[dict] = []  # the resources Twilio has, as its API lists them
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as Twilio's API does
            disable_nagle_algorithm = True  # headers and body go out in separate writes

            def do_POST(self):  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                fake._post(self, form)

            def _json(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except OSError:  # the client gave up waiting (its timeout)
                    self.close_connection = True

            def do_GET(self):  # noqa: N802 (http.server's naming)
                path = self.path.split("?")[0]
                if path.endswith(("/Messages.json", "/Calls.json")):
                    with fake.lock:
                        fake.gets.append({"path": self.path, "auth": self.headers.get("Authorization", "")})
                        page = fake._page(self.path)
                    return self._json(200, page)
                with fake.lock:
                    fake.gets.append({"path": self.path, "auth": self.headers.get("Authorization", "")})
                    data = fake.files.get(self.path.split("?")[0])
                self.send_response(200 if data is not None else 404)
                self.send_header("Content-Type", "audio/x-wav" if data is not None else "application/json")
                self.send_header("Content-Length", str(len(data or b"")))
                self.end_headers()
                self.wfile.write(data or b"")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.handle_error = lambda request, address: None  # a client killed mid-request (chaos tests)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        # poll_interval: how long `shutdown` may wait for the serving loop to look (0.5 s by default, at
        # the end of every test that uses the fake)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def _post(self, handler, form: dict) -> None:
        """Answer one POST: its fault (if any), the plan's answer, or the resource created."""
        with self.lock:
            fault = self.faults.pop(0) if self.faults else ""
            status, body = self.plan.pop(0) if self.plan and fault != "lost" else (201, None)
            if fault in ("429", "503"):  # Twilio refuses before doing anything
                status, body = FakeTwilio.error(int(fault), 20000 + int(fault), "refused")
            if status < 300 and fault != "lost":
                self.requests.append({"path": handler.path, "form": form,
                                      "auth": handler.headers.get("Authorization", "")})
                body = self._create(handler.path, form, body)
        if fault == "reset":  # Twilio has it; the connection dies before the answer
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            handler.connection.close()
            handler.close_connection = True
            return
        if fault in ("late", "lost"):
            time.sleep(self.late_by)
        if fault == "500":
            status, body = FakeTwilio.error(500, 20500, "Internal Server Error")
        if self.delay:
            time.sleep(self.delay)  # Twilio has the message; the answer is late
        handler._json(status, body or {})

    def _create(self, path: str, form: dict, given: dict | None = None) -> dict:
        """The resource Twilio creates for a POST (the plan's answer if it gave one), kept for the lists."""
        now = dt.datetime.now(dt.UTC)
        stamp = email.utils.format_datetime(now)  # Twilio's dates: RFC 2822, GMT
        if path.endswith("/Calls.json"):
            body = {"sid": "CA" + uuid.uuid4().hex, "status": "queued", "to": form.get("To"),
                    "from": form.get("From"), "direction": "outbound-api", "queue_time": "0",
                    "date_created": stamp, "start_time": None}
        else:
            body = {"sid": "SM" + uuid.uuid4().hex, "status": "queued", "to": form.get("To"),
                    "from": form.get("From"), "body": form.get("Body"), "num_segments": "1",
                    "direction": "outbound-api", "date_created": stamp, "date_sent": stamp}
        body = given or body
        self.created.append(dict(body, _kind="calls" if path.endswith("/Calls.json") else "messages", _at=now))
        return body

    def _page(self, raw_path: str) -> dict:
        parts = urlsplit(raw_path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        kind = "calls" if parts.path.endswith("/Calls.json") else "messages"
        after_key, stamp_key = ("StartTime>", "start_time") if kind == "calls" else ("DateSent>", "date_sent")
        after = _when(query[after_key]) if after_key in query else None
        found = []
        for item in reversed(self.created):
            if item["_kind"] != kind or ("To" in query and item["to"] != query["To"]):
                continue
            if ("From" in query and item["from"] != query["From"]) or (
                    "Status" in query and item["status"] != query["Status"]):
                continue
            if after is not None and (not item.get(stamp_key) or _when(item[stamp_key]) < after):
                continue  # Twilio filters on the date: a call not started yet has none
            found.append({k: v for k, v in item.items() if not k.startswith("_")})
        size = int(query.get("PageSize", 50))
        return {kind: found[:size], "first_page_uri": raw_path, "next_page_uri": None, "previous_page_uri": None,
                "page": 0, "page_size": size, "start": 0, "end": max(0, min(size, len(found)) - 1),
                "uri": raw_path}

    @property
    def sent(self) -> list[dict]:
        """The messages Twilio accepted, as the form fields the client posted."""
        return [r["form"] for r in self.requests if r["path"].endswith("/Messages.json")]

    @property
    def calls(self) -> list[dict]:
        """The calls Twilio accepted (Calls API), as the form fields the client posted."""
        return [r["form"] for r in self.requests if r["path"].endswith("/Calls.json")]

    @staticmethod
    def error(status: int, code: int, message: str = "error") -> tuple[int, dict]:
        return status, {"code": code, "message": message, "status": status, "more_info": ""}


def _when(text: str) -> dt.datetime:
    """A date as Twilio's filters and resources write it: ISO 8601 (or a bare day), or RFC 2822."""
    try:
        found = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return email.utils.parsedate_to_datetime(text)
    return found if found.tzinfo else found.replace(tzinfo=dt.UTC)
