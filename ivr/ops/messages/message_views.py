"""Outgoing SMS an operator may need to act on: failed, undelivered, refused, scheduled, stuck.

The `msgs` index (newest first) is walked in batches, at most SCAN_WINDOW messages (no index by
status; never a key scan), filtered by status and error code. Each error code is explained in
words (ivr/ops/messages/sms_errors.py); a retryable one has a retry button (ivr/ops/queues/outgoing.py).
Statuses are read generically: one this page does not know still shows and filters.
"""
from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...services import services
from ...store import messages
from ..blueprint import bp
from ..forms import ActionForm
from ..i18n import t, ui_lang
from ..queues import outgoing
from ..queues.queue_views import page_args
from . import sms_errors

SCAN_WINDOW = 5000
BATCH = 500
MSG_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
GROUPS = {"problems": set(sms_errors.PROBLEM_STATUSES), "waiting": set(sms_errors.WAITING_STATUSES)}


def _wanted(record: dict, status: str, code: str) -> bool:
    state = record.get("status", "")
    if status in GROUPS:
        if not (state in GROUPS[status] or (status == "problems" and record.get("error_code")
                                             and state not in ("delivered", "sent", "read"))):
            return False
    elif status and state != status:
        return False
    return not code or str(record.get("error_code") or "") == code


def scan(redis, status: str, code: str, offset: int, size: int):
    """Matching messages newest first: (rows, has_next, statuses seen, codes seen, window ran out)."""
    matched, seen_statuses, seen_codes, examined = [], set(), set(), 0
    while examined < SCAN_WINDOW and len(matched) <= offset + size:
        ids = redis.zrevrange("msgs", examined, examined + BATCH - 1)
        if not ids:
            break
        examined += len(ids)
        pipe = redis.pipeline(transaction=False)
        for mid in ids:
            pipe.hgetall(messages.key(mid))
        for record in pipe.execute():
            if not record:
                continue
            seen_statuses.add(record.get("status", ""))
            if record.get("error_code"):
                seen_codes.add(str(record["error_code"]))
            if _wanted(record, status, code):
                matched.append(record)
    return (matched[offset:offset + size], len(matched) > offset + size, sorted(seen_statuses - {""}),
            sorted(seen_codes), examined >= SCAN_WINDOW)


@bp.app_template_filter("status_word")
def status_word(status: str | None) -> str:
    """A delivery status in the operator's language; one this dashboard does not know, as it is."""
    key = f"st.{status}"
    word = t(key)
    return (status or "—") if word == key else word


@bp.get("/messages")
def sms_messages():
    redis = services().redis
    status = request.args.get("status", "problems")[:32]
    code = request.args.get("code", "")[:16]
    number, size, offset = page_args()
    rows, has_next, statuses, codes, limited = scan(redis, status, code, offset, size)
    lang = ui_lang()
    for row in rows:
        row["explained"] = sms_errors.explain(row.get("error_code"), lang)
        row["retryable"] = sms_errors.retryable(row)
    codes = sorted(set(codes) | set(sms_errors.CODES))
    table = [(c, sms_errors.explain(c, lang), sms_errors.CODES[c].retry) for c in sms_errors.CODES]
    return render_template("ops/messages.html", rows=rows, status=status, code=code, number=number,
                           has_next=has_next, statuses=statuses, codes=codes, limited=limited, window=SCAN_WINDOW,
                           groups=list(GROUPS), form=ActionForm(),
                           table=table)


@bp.post("/messages/<mid>/retry")
def sms_retry(mid):
    if not MSG_ID.match(mid):
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    outcome = outgoing.retry(services(), mid, current_user.name)
    flash(t(outcome.reason))
    return redirect(request.form.get("back") if _local(request.form.get("back")) else url_for("ops.sms_messages"))


def _local(url: str | None) -> bool:
    return bool(url) and url.startswith("/ops/") and not url.startswith("//")


@bp.get("/outbox")
def outbox():
    """The local outbox (no Twilio credentials): now one status filter of the messages page."""
    return redirect(url_for("ops.sms_messages", status="outbox"))
