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
