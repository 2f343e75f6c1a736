"""Missed-call callbacks on the statistics page: per day, what rang, what was called back, how it ended.

Reads the `missed:*` fields of the daily counter hashes `stats:<YYYY-MM-DD>` (written by
ivr/voice/missed.py and workers/call_jobs.py; list in ivr/store/missed_calls.py). Its column
labels are kept here, beside the numbers they name, in the dashboard's two languages.
"""
from __future__ import annotations

import datetime as dt

from ..i18n import ui_lang

OUTCOMES = ("answered", "machine", "busy", "no-answer", "failed", "gave_up")
COLUMNS = ("rang", "skipped", "placed") + OUTCOMES + ("wait",)
LABELS = {
    "en": {"title": "Missed-call callbacks", "day": "Day", "rang": "Rang", "skipped": "Not called back",
           "placed": "Calls placed", "answered": "Answered", "machine": "Voicemail", "busy": "Busy",
           "no-answer": "No answer", "failed": "Failed", "gave_up": "Given up", "wait": "Ring → call, s (avg)",
           "total": "Total", "skip_note": "Not called back: withheld number, do-not-call list, callback pending, "
                                         "called back recently, daily limit."},
    "ru": {"title": "Обратные звонки на пропущенные", "day": "День", "rang": "Звонков", "skipped": "Без перезвона",
           "placed": "Перезвонили", "answered": "Ответили", "machine": "Автоответчик", "busy": "Занято",
           "no-answer": "Нет ответа", "failed": "Сбой", "gave_up": "Отказались", "wait": "Звонок → перезвон, с (сред.)",
           "total": "Всего", "skip_note": "Без перезвона: скрытый номер, список «не звонить», перезвон уже ждёт, "
                                          "недавно перезванивали, дневной лимит."},
}


def labels() -> dict:
    return LABELS.get(ui_lang(), LABELS["en"])


def collect(redis, today: dt.date, days: int) -> dict:
    """{"rows": [{day, rang, skipped, placed, answered, …, wait}], "total": {…}}, newest day first;
    only days on which the missed-call number rang."""
    dates = [today - dt.timedelta(days=n) for n in range(days)]
    pipe = redis.pipeline(transaction=False)
    for day in dates:
        pipe.hgetall(f"stats:{day.isoformat()}")
    rows, sums = [], dict.fromkeys(("rang", "skipped", "placed", "wait_ms", "wait_n", *OUTCOMES), 0)
    for day, counters in zip(dates, pipe.execute(), strict=True):
        counts = {k[7:]: int(v) for k, v in counters.items() if k.startswith("missed:") and str(v).isdigit()}
        if not counts:
            continue
        row = {"day": day.isoformat(), "rang": counts.get("rang", 0), "placed": counts.get("placed", 0),
               "skipped": sum(v for k, v in counts.items() if k.startswith("skip:")),
               "wait_ms": counts.get("wait_ms", 0), "wait_n": counts.get("wait_n", 0)}
        row.update({name: counts.get(name, 0) for name in OUTCOMES})
        for name in sums:
            sums[name] += row[name]
        rows.append(_with_wait(row))
    return {"rows": rows, "total": _with_wait(dict(sums, day=""))}


def _with_wait(row: dict) -> dict:
    row["wait"] = f"{row['wait_ms'] / row['wait_n'] / 1000:.1f}" if row["wait_n"] else "—"
    return row
