"""The callback queue: oldest first, claimed by one operator, dialled, recorded, closed or reopened.

Everyone sees the masked number, the callback's age, how it came (voice menu, text, a missed call
the robot gave up on) and who holds it ("mine" marked). The operator who claimed a callback can
reveal the full number (POST, audited in `ivr.store.audit`; it then stays on the page for them
while they hold the claim, never cached), record attempts (no answer, busy, wrong number, done) and
notes, and say when to call ("after 14:00"). A failed attempt is refused within
HOTLINE_CALLBACK_MIN_INTERVAL_MINUTES of the last one and may send the caller an SMS, in their
language, saying when the hotline calls again; "done" needs a reveal or the operator's word that
they called (audited). One operator holds at most HOTLINE_CALLBACK_CLAIM_LIMIT callbacks. After
HOTLINE_CALLBACK_MAX_ATTEMPTS unanswered or busy attempts the callback closes as unreachable; any
closed callback can be reopened. Admins read the audit log at /ops/audit.
"""
from __future__ import annotations

import datetime as dt
import re
import time

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...services import services
from ...sms import followups
from ...store import audit
from ...store import callbacks as callback_store
from .. import drafts
from ..blueprint import bp
from ..forms import ActionForm, AttemptForm, CallAfterForm, NoteForm
from ..i18n import t
from ..messages import timeline
from ..messages.calls_views import tz
from ..people.auth import privileged

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


def _shown(record: dict, now: float | None = None) -> dict:
    record = dict(record)
    revealed = callback_store.shown_to(record, current_user.name)
    record.pop("number", None)  # shown only to the claimer after an audited reveal
    record["revealed"] = revealed
    record["shown_number"] = record.get("masked") or "***"
    record["mine"] = record.get("claimed_by") == current_user.name
    now = now or time.time()
    record["age"] = now - float(record.get("created") or now)
    call_after = float(record.get("call_after") or 0)
    record["not_before"] = call_after if call_after > now else None
    return record


@bp.app_template_filter("age")
def age_filter(seconds) -> str:
    """How long a callback has waited, in words: '5 мин', '3 ч 10 мин', '2 дн 4 ч'."""
    minutes = int(float(seconds or 0) // 60)
    days, hours, mins = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        return t("age_dh", d=days, h=hours)
    return t("age_hm", h=hours, m=mins) if hours else t("age_m", m=mins)


@bp.get("/callbacks")
def callbacks():
    redis = services().redis
    status = request.args.get("status", "open")
    if status not in ("open", "done"):
        status = "open"
    number, size, offset = page_args()
    ids = callback_store.list_ids(redis, status, offset, size + 1)
    now = time.time()
    items = [_shown(r, now) for r in hashes(redis, "callback:", ids[:size])]
    held = len(callback_store.claimed_by(redis, current_user.name, now))
    return render_template("ops/callbacks.html", items=items, status=status, number=number,
                           has_next=len(ids) > size, form=ActionForm(), now=now, held=held, limit=_limit())


def _limit() -> int:
    return int(services().config["HOTLINE_CALLBACK_CLAIM_LIMIT"])


def _interval() -> int:
    return int(services().config["HOTLINE_CALLBACK_MIN_INTERVAL_MINUTES"]) * 60


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
    return render_template("ops/callback.html", c=record, revealed=revealed or record["revealed"],
                           history=callback_store.history(services().redis, cid), form=ActionForm(),
                           attempt_form=AttemptForm(), note_form=NoteForm(), after_form=CallAfterForm(),
                           outcomes=callback_store.OUTCOMES, max_failed=_max_failed(),
                           interval_minutes=_interval() // 60)


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
    redis = services().redis
    if not callback_store.claim(redis, cid, current_user.name, limit=_limit()):
        at_limit = callback_store.at_limit(redis, current_user.name, _limit())
        flash(t("claim_limit", n=_limit()) if at_limit else t("claimed_by_other"))
        return redirect(url_for("ops.callbacks")) if at_limit else _back(cid)
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
    record = _item(cid)
    form = AttemptForm()
    if not form.validate_on_submit():
        abort(400)
    svc = services()
    status = callback_store.attempt(svc.redis, cid, current_user.name, form.outcome.data, form.note.data or "",
                                    max_failed=_max_failed(), min_interval=_interval(),
                                    logged_call=bool(form.logged_call.data))
    if status in (None, callback_store.TOO_SOON, callback_store.NOT_CALLED):
        drafts.keep(drafts.from_request())  # the note typed with it is not lost
        after = float(callback_store.get(svc.redis, cid).get("call_after") or 0)
        when = timeline.local_time(after, tz()) if status == callback_store.TOO_SOON else ""
        flash({None: t("claim_first"), callback_store.TOO_SOON: t("too_soon", at=when),
               callback_store.NOT_CALLED: t("not_called")}[status])
        return _back(cid)
    message = t("saved") + " " + t(f"cb.{status}")
    if form.send_sms.data and form.outcome.data in callback_store.FAILED and status == "open":
        message += " " + t(_tell_caller(svc, record, callback_store.get(svc.redis, cid)))
    flash(message)
    return redirect(url_for("ops.callbacks")) if status != "open" else _back(cid)


def _tell_caller(svc, record: dict, fresh: dict) -> str:
    """After a failed attempt: an SMS in the caller's language saying when the hotline calls again
    (ui.callback_sms_at, the missed-call line's own words). Opt-out, quiet hours and the daily limit
    apply as to every SMS. Returns an i18n key saying what happened."""
    number, lang = record.get("number"), record.get("lang") or ""
    when = float(fresh.get("call_after") or 0)
    if not number or not when:
        return "cb_sms_not_sent"
    langs = [lang] if lang in svc.catalog.langs else ["kk", "ru"]
    at = dt.datetime.fromtimestamp(when, tz()).strftime("%H:%M %d.%m")
    body = "\n".join(svc.catalog.sms(code, "ui.callback_sms_at", time=at) for code in langs)
    outcome, _ = followups.request(svc, kind="callback_at", number=number, caller=record.get("caller", ""),
                                   conv=record.get("conv", ""), lang=langs[0], prompt_ids=[], body=body)
    return "cb_sms_" + outcome if outcome in ("queued", "scheduled") else "cb_sms_not_sent"


@bp.post("/callbacks/<cid>/after")
def callback_after(cid):
    _item(cid)
    form = _checked(CallAfterForm)
    when = None
    if form.at.data:
        now = dt.datetime.now(tz())
        at = dt.datetime.combine(now.date(), dt.time.fromisoformat(form.at.data), tzinfo=tz())
        when = (at if at > now else at + dt.timedelta(days=1)).timestamp()
    if not callback_store.set_call_after(services().redis, cid, current_user.name, when):
        flash(t("claim_first"))
    else:
        flash(t("saved"))
    return _back(cid)


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
