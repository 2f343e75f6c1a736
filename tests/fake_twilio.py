"""A local fake of Twilio's REST API: records every request, answers from a plan.

Reached through TWILIO_API_BASE_URL, the only thing the tests fake. `plan` is a list of
(status, json body) answers used in order; when it runs out, messages and calls are accepted (201).
Messages.json answers like Twilio's Messages API, Calls.json like its Calls API (a CallSid, queued).
A GET serves `files[path]` (a recording's WAV, as Twilio's Recordings API does), else 404.
"""
from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


class FakeTwilio:
    def __init__(self):
        self.requests: list[dict] = []
        self.files: dict[str, bytes] = {}  # path -> bytes served on GET (a recording's .wav)
        self.gets: list[dict] = []  # GET requests: path and Authorization
        self.plan: list[tuple[int, dict]] = []
        self.delay = 0.0  # seconds to wait after accepting a message, before answering
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as Twilio's API does
            disable_nagle_algorithm = True  # headers and body go out in separate writes

            def do_POST(self):  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                with fake.lock:
                    status, body = fake.plan.pop(0) if fake.plan else (201, None)
                    if status < 300:
                        fake.requests.append({"path": self.path, "form": form,
                                              "auth": self.headers.get("Authorization", "")})
                if fake.delay:
                    time.sleep(fake.delay)  # Twilio has the message; the answer is late
                if body is None and self.path.endswith("/Calls.json"):
                    body = {"sid": "CA" + uuid.uuid4().hex, "status": "queued", "to": form.get("To"),
                            "from": form.get("From"), "direction": "outbound-api", "queue_time": "0"}
                elif body is None:
                    body = {"sid": "SM" + uuid.uuid4().hex, "status": "queued", "to": form.get("To"),
                            "from": form.get("From"), "body": form.get("Body"), "num_segments": "1"}
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):  # noqa: N802 (http.server's naming)
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
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

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
