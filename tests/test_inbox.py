"""The inbox store: texts nobody understood, kept for operators, forgotten with the number."""
from __future__ import annotations

import pytest

from ivr.store import inbox, retention


def test_record_page_and_close(rdb):
    first = inbox.record(rdb, conv="SMS-a", caller="a" * 32, lang="ru", body="что\x00 делать\u202e",
                         received=100.0, retention=3600)
    second = inbox.record(rdb, conv="SMS-b", caller="b" * 32, lang="tg", body="салом", received=200.0,
                          retention=3600)
    assert [r["id"] for r in inbox.page(rdb)] == [first, second]  # the longest waiting first
    assert inbox.get(rdb, first)["body"] == "что делать\u202e"  # NUL gone; bidi is the page's job
    assert inbox.count_open(rdb) == 2
    assert inbox.close(rdb, first, status="replied", by="anna", now=300.0, topic="documents")
    assert [r["id"] for r in inbox.page(rdb)] == [second]
    assert inbox.get(rdb, first)["topic"] == "documents"
    assert [r["id"] for r in inbox.page(rdb, status="replied")] == [first]
    assert not inbox.close(rdb, "gone", status="closed", by="anna", now=1.0)
    with pytest.raises(ValueError):
        inbox.close(rdb, second, status="open", by="anna", now=1.0)


def test_forget_and_purge_remove_texts(rdb):
    kept = inbox.record(rdb, conv="SMS-k", caller="k" * 32, lang="ru", body="x", received=10.0 ** 10,
                        retention=3600)
    gone = inbox.record(rdb, conv="SMS-f", caller="f" * 32, lang="ru", body="y", received=10.0 ** 10,
                        retention=3600)
    retention.forget(rdb, "f" * 32, ["ru"])
    assert inbox.get(rdb, gone) is None and rdb.zscore("inbox:all", gone) is None
    old = inbox.record(rdb, conv="SMS-o", caller="o" * 32, lang="ru", body="z", received=1.0, retention=3600)
    retention.purge(rdb, 90, ["ru"], now=10.0 ** 9)
    assert inbox.get(rdb, old) is None and rdb.zscore("inbox:open", old) is None
    assert inbox.get(rdb, kept)


def test_what_needs_attention_comes_first(rdb):
    ids = {reason: inbox.record(rdb, conv=f"SMS-{reason}", caller=reason[0] * 32, lang="ru", body=reason,
                                received=float(n), retention=3600, reason=reason)
           for n, reason in enumerate(("unclear", "out_of_scope", "flagged", "urgent"))}
    assert [r["reason"] for r in inbox.page(rdb)] == ["urgent", "flagged", "unclear", "out_of_scope"]
    assert [r["id"] for r in inbox.page(rdb, offset=1, limit=2)] == [ids["flagged"], ids["unclear"]]


def test_one_operator_takes_a_text_for_a_reply(rdb):
    item = inbox.record(rdb, conv="SMS-x", caller="x" * 32, lang="ru", body="x", received=1.0, retention=3600)
    assert inbox.claim(rdb, item, "olga", 10.0) == "olga" and inbox.claim(rdb, item, "ivan", 11.0) == "olga"
    assert inbox.claim(rdb, item, "ivan", 10.0 + inbox.CLAIM_STALE + 1) == "ivan"  # a stale claim is taken over
    assert inbox.take_for_reply(rdb, item, "olga", 12.0 + inbox.CLAIM_STALE, "m1") == "ivan"
    assert inbox.take_for_reply(rdb, item, "ivan", 12.0 + inbox.CLAIM_STALE, "m2") == ""
    assert inbox.take_for_reply(rdb, item, "ivan", 13.0 + inbox.CLAIM_STALE, "m3") == "ivan"  # answered already
    assert inbox.get(rdb, item)["reply_msg"] == "m2" and inbox.count_open(rdb) == 0
