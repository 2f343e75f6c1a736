"""Pages for work queues: the outbox of follow-up SMS and the callback queue.

The callback queue is the one place a full phone number is shown, and only to admins;
operators see the mask. Marking a callback done goes through ivr.callbacks.mark_done,
which also deletes the stored number.
"""
from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..services import services
from ..store import callbacks as callback_store
from .blueprint import bp
from .forms import CallbackDoneForm
from .i18n import t

ITEM_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _page_args():
    number = max(1, request.args.get("page", 1, type=int) or 1)
    size = int(services().config["HOTLINE_OPS_PAGE_SIZE"])
    return number, size, (number - 1) * size


def _hashes(redis, prefix: str, ids: list[str]) -> list[dict]:
    pipe = redis.pipeline(transaction=False)
    for i in ids:
        pipe.hgetall(f"{prefix}{i}")
    return [r for r in pipe.execute() if r]


@bp.get("/outbox")
def outbox():
    redis = services().redis
    number, size, offset = _page_args()
    ids = redis.lrange("outbox", offset, offset + size)  # newest first, one extra to know of a next page
    messages = _hashes(redis, "msg:", ids[:size])
    return render_template("ops/outbox.html", messages=messages, number=number, has_next=len(ids) > size)


def _shown(record: dict) -> dict:
    record = dict(record)
    if not current_user.is_admin or record.get("status") != "open":
        record.pop("number", None)
    record["shown_number"] = record.get("number") or record.get("masked") or "***"
    return record


@bp.get("/callbacks")
def callbacks():
    redis = services().redis
    status = request.args.get("status", "open")
    if status not in ("open", "done"):
        status = "open"
    number, size, offset = _page_args()
    ids = callback_store.list_ids(redis, status, offset, size + 1)
    items = [_shown(r) for r in _hashes(redis, "callback:", ids[:size])]
    return render_template("ops/callbacks.html", items=items, status=status, number=number,
                           has_next=len(ids) > size, form=CallbackDoneForm())


@bp.post("/callbacks/<cid>/done")
def callback_done(cid):
    if not ITEM_ID.match(cid):
        abort(404)
    form = CallbackDoneForm()
    if not form.validate_on_submit():
        abort(400)
    if callback_store.mark_done(services().redis, cid, current_user.name, form.note.data or ""):
        flash(t("saved"))
    else:
        flash(t("not_found"))
    return redirect(url_for("ops.callbacks"))
