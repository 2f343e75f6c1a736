"""The callback queue: oldest first, claimed by one operator, dialled, recorded, closed or reopened.

Everyone sees the masked number. The operator who claimed a callback can reveal the full number
(POST, audited in `ivr.store.audit`; the page that shows it is never cached), record attempts
(no answer, busy, wrong number, done) and notes. After HOTLINE_CALLBACK_MAX_ATTEMPTS unanswered or
busy attempts the callback closes as unreachable; any closed callback can be reopened. Admins
read the audit log of reveals and number searches at /ops/audit.
"""
from __future__ import annotations

import re
import time

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..services import services
from ..store import audit
from ..store import callbacks as callback_store
from .auth import privileged
from .blueprint import bp
from .forms import ActionForm, AttemptForm, NoteForm
from .i18n import t

ITEM_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def page_args():
    number = max(1, request.args.get("page", 1, type=int) or 1)
    size = int(services().config["HOTLINE_OPS_PAGE_SIZE"])
    return number, size, (number - 1) * size


def hashes(redis, prefix: str, ids: list[str]) -> list[dict]:
    pipe = redis.pipeline(transaction=False)
    for i in ids:
        pipe.hgetall(f"{prefix}{i}")
    return [r for r in pipe.execute() if r]


def _shown(record: dict) -> dict:
    record = dict(record)
    record.pop("number", None)  # shown only by an audited reveal
    record["shown_number"] = record.get("masked") or "***"
    record["mine"] = record.get("claimed_by") == current_user.name
    return record


@bp.get("/callbacks")
def callbacks():
    redis = services().redis
    status = request.args.get("status", "open")
    if status not in ("open", "done"):
        status = "open"
    number, size, offset = page_args()
    ids = callback_store.list_ids(redis, status, offset, size + 1)
    items = [_shown(r) for r in hashes(redis, "callback:", ids[:size])]
    return render_template("ops/callbacks.html", items=items, status=status, number=number,
                           has_next=len(ids) > size, form=ActionForm(), now=time.time())


def found_or_404(pattern: re.Pattern, item: str, get) -> dict:
    """The record `get(redis, item)` for an id of the right shape, or 404."""
    record = get(services().redis, item) if pattern.match(item) else None
    if not record:
        abort(404)
    return record


def _item(cid: str) -> dict:
    return found_or_404(ITEM_ID, cid, callback_store.get)


def _detail(cid: str, revealed: str | None = None):
    record = _shown(_item(cid))
    return render_template("ops/callback.html", c=record, revealed=revealed,
                           history=callback_store.history(services().redis, cid), form=ActionForm(),
                           attempt_form=AttemptForm(), note_form=NoteForm(), outcomes=callback_store.OUTCOMES,
                           max_failed=_max_failed())


def _max_failed() -> int:
    return int(services().config["HOTLINE_CALLBACK_MAX_ATTEMPTS"])


@bp.get("/callbacks/<cid>")
def callback_detail(cid):
    return _detail(cid)


def _checked(form_class=ActionForm):
    form = form_class()
    if not form.validate_on_submit():
        abort(400)
    return form


def _back(cid: str):
    return redirect(url_for("ops.callback_detail", cid=cid))


@bp.post("/callbacks/<cid>/claim")
def callback_claim(cid):
    _item(cid)
    _checked()
    if not callback_store.claim(services().redis, cid, current_user.name):
        flash(t("claimed_by_other"))
    return _back(cid)


@bp.post("/callbacks/<cid>/release")
def callback_release(cid):
    _item(cid)
    _checked()
    callback_store.release(services().redis, cid, current_user.name, admin=current_user.is_admin)
    return _back(cid)


@bp.post("/callbacks/<cid>/reveal")
def callback_reveal(cid):
    _item(cid)
    _checked()
    number = callback_store.reveal(services().redis, cid, current_user.name)
    if number is None:
        flash(t("claim_first"))
        return _back(cid)
    privileged()
    return _detail(cid, revealed=number)


@bp.post("/callbacks/<cid>/attempt")
def callback_attempt(cid):
    _item(cid)
    form = _checked(AttemptForm)
    status = callback_store.attempt(services().redis, cid, current_user.name, form.outcome.data,
                                    form.note.data or "", max_failed=_max_failed())
    if status is None:
        flash(t("claim_first"))
        return _back(cid)
    flash(t("saved") + " " + t("cb." + status))
    return redirect(url_for("ops.callbacks")) if status != "open" else _back(cid)


@bp.post("/callbacks/<cid>/note")
def callback_note(cid):
    _item(cid)
    form = _checked(NoteForm)
    callback_store.add_note(services().redis, cid, current_user.name, form.note.data)
    return _back(cid)


@bp.post("/callbacks/<cid>/reopen")
def callback_reopen(cid):
    _item(cid)
    _checked()
    flash(t("reopened") if callback_store.reopen(services().redis, cid, current_user.name) else t("reopen_refused"))
    return _back(cid)


@bp.get("/audit")
def audit_log():
    if not current_user.is_admin:
        abort(403)
    number, size, offset = page_args()
    entries = audit.page(services().redis, offset, size + 1)
    return render_template("ops/audit.html", entries=entries[:size], number=number, has_next=len(entries) > size)
