"""The HTTP client under twilio's REST client: what reaches the API, proxies and errors."""
import base64

import pytest
import urllib3
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from ivr.sms.twilio_http import Urllib3HttpClient

from .fake_twilio import FakeTwilio

SID = "AC" + "1" * 32


def client_for(fake) -> Client:
    client = Client(SID, "secret-token", http_client=Urllib3HttpClient(5, fake.url))
    client.api.base_url = fake.url
    return client


def test_a_message_reaches_the_api_with_its_fields_and_basic_auth():
    with FakeTwilio() as fake:
        msg = client_for(fake).messages.create(to="+77011234567", from_="+77270000000", body="Сәлем, 1 + 1 & ok",
                                               status_callback="https://h.example/sms/status")
    assert msg.sid.startswith("SM") and msg.status == "queued"
    [req] = fake.requests
    assert req["path"] == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert req["form"] == {"To": "+77011234567", "From": "+77270000000", "Body": "Сәлем, 1 + 1 & ok",
                           "StatusCallback": "https://h.example/sms/status"}
    assert req["auth"] == "Basic " + base64.b64encode(f"{SID}:secret-token".encode()).decode()


def test_an_api_error_is_twilios_exception_with_its_code():
    with FakeTwilio() as fake:
        fake.plan = [FakeTwilio.error(400, 21610, "unsubscribed")]
        with pytest.raises(TwilioRestException) as caught:
            client_for(fake).messages.create(to="+77011234567", from_="+77270000000", body="x")
    assert caught.value.code == 21610 and caught.value.status == 400


def test_proxies_come_from_the_environment_once_and_no_proxy_is_honoured(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    pool = Urllib3HttpClient(5).pool
    assert isinstance(pool, urllib3.ProxyManager) and pool.proxy.host == "proxy.internal"
    monkeypatch.setenv("NO_PROXY", "api.twilio.com")
    assert not isinstance(Urllib3HttpClient(5).pool, urllib3.ProxyManager)


def test_each_host_gets_one_pool_and_the_query_reaches_it():
    with FakeTwilio() as fake:
        http = Urllib3HttpClient(5, fake.url)
        for _ in range(2):
            reply = http.request("POST", fake.url + "/2010-04-01/Accounts/x/Messages.json", params={"a": "b c"},
                                 data={"To": "+77011234567"}, headers={"Accept": "application/json"})
            assert reply.status_code == 201
        assert [r["path"] for r in fake.requests] == ["/2010-04-01/Accounts/x/Messages.json?a=b+c"] * 2
        assert list(http._hosts) == [fake.url]
