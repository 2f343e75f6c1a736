"""The HTTP client twilio's REST client sends with: urllib3 directly, through twilio's own interface.

twilio-python sends through `requests` by default. Per message that is a Request, a PreparedRequest,
hooks, cookie jars and a scan of the environment for proxies around one urllib3 call: on two
cores that was about a third of a send job's CPU (docs/performance.md). twilio documents custom
HTTP clients (`Client(http_client=...)`); this one keeps one urllib3 pool, the timeout, and the
proxy and CA bundle read once at start, and hands twilio the same Response it expects.

It also says what a failure means for a request that creates something (a message, a call):
`NotSent` when no connection was made (Twilio certainly did nothing), `AnswerLost` when the request
went out and no answer came back (a read timeout, a reset): Twilio may have acted on it, and only a
look at what Twilio has (workers/reconcile.py) can tell.
"""
from __future__ import annotations

import json
import logging
import os
from urllib.parse import urlencode

import urllib3
from twilio.http import HttpClient
from twilio.http.response import Response

JSON_TYPES = ("application/json", "application/scim+json")
# Failures before the request could leave: no connection, so Twilio has not seen it.
_NOT_SENT = (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError,
             urllib3.exceptions.NameResolutionError, urllib3.exceptions.ProxyError)


class NotSent(Exception):
    """No connection reached Twilio: the request certainly had no effect."""


class AnswerLost(Exception):
    """The request may have reached Twilio, and its answer never came (timeout, reset, broken reply)."""


def _classify(exc: Exception) -> Exception:
    reason = exc.reason if isinstance(exc, urllib3.exceptions.MaxRetryError) else exc
    if isinstance(reason, _NOT_SENT):
        return NotSent(f"{type(reason).__name__}: {reason}")
    return AnswerLost(f"{type(reason).__name__}: {reason}")


def _ca_bundle() -> str | None:
    found = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if found:
        return found
    try:
        import certifi  # what requests (and so twilio's default client) trusts

        return certifi.where()
    except ImportError:  # pragma: no cover - urllib3 then uses the system's store
        return None


class Urllib3HttpClient(HttpClient):
    def __init__(self, timeout: float, api_url: str = "https://api.twilio.com"):
        super().__init__(logging.getLogger("twilio.http_client"), False, timeout)
        from requests.utils import get_environ_proxies  # proxy rules (incl. no_proxy) for the one API we call

        options = {"retries": urllib3.Retry(0, read=False), "maxsize": 4, "ca_certs": _ca_bundle()}
        proxy = get_environ_proxies(api_url).get(api_url.split(":", 1)[0])
        self.pool = urllib3.ProxyManager(proxy, **options) if proxy else urllib3.PoolManager(**options)
        self._hosts: dict[str, urllib3.HTTPConnectionPool] | None = None if proxy else {}

    def _route(self, uri: str):
        """The host's connection pool and the path to ask it for. PoolManager parses the whole URL
        on every request, and the host's pool parses it again; twilio calls one or two hosts,
        so their pools are looked up once. Through a proxy, ProxyManager keeps the job."""
        if self._hosts is None:
            return self.pool, uri
        scheme, _, rest = uri.partition("://")
        host, slash, path = rest.partition("/")
        origin = f"{scheme}://{host}"
        pool = self._hosts.get(origin)
        if pool is None:
            pool = self._hosts[origin] = self.pool.connection_from_url(origin)
        return pool, slash + path

    def request(self, method, uri, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False) -> Response:
        headers = dict(headers or {})
        if auth:
            headers.update(urllib3.make_headers(basic_auth=f"{auth[0]}:{auth[1]}"))
        if params:
            uri += ("&" if "?" in uri else "?") + urlencode(params, doseq=True)
        body = None
        if data:
            body = json.dumps(data) if headers.get("Content-Type") in JSON_TYPES else urlencode(data, doseq=True)
        pool, target = self._route(uri)
        try:
            reply = pool.urlopen(method.upper(), target, body=body, headers=headers, redirect=allow_redirects,
                                 timeout=urllib3.Timeout(total=timeout or self.timeout))
            text = reply.data.decode("utf-8")
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise _classify(exc) from exc
        self._test_only_last_response = Response(reply.status, text, reply.headers)
        return self._test_only_last_response
