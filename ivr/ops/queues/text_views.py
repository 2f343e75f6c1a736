"""Texting pages: one SMS thread as a conversation, and the inbox of texts nobody understood.

The thread shows the texter's words and the hotline's replies as speech bubbles, other events
(language chosen, keyword matched, callback asked for, STOP) as small notes between them, and
the thread's opt-out state and language. The inbox (ivr.store.inbox) lists open texts oldest
first; an operator replies (sent by the worker: ivr/ops/queues/outgoing.py), says what a text was
about (it joins the SMS test corpus, exported at /ops/export/sms-corpus.jsonl) or closes it.
"""
from __future__ import annotations

import json
import re
import time

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...services import services
from ...store import inbox, messages
from ...store.calllog import read as read_conversation
from .. import drafts
from ..auth_paths import local_path
from ..blueprint import bp
from ..forms import ActionForm, LabelForm, ReplyForm
from ..i18n import t, ui_lang
from ..messages import convlist, timeline
from ..messages.calls_views import CONV_ID
from . import canned, outgoing
from .queue_views import found_or_404, page_args

ITEM_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
SPOKEN = {"sms_in": "in", "sms_out": "out"}


def bubbles(catalog, events: list[dict]) -> list[dict]:
    """Events as a chat: `in` and `out` bubbles, everything else a `note` line."""
    out = []
    for e in events:
        side = SPOKEN.get(e.get("type", ""), "note")
        details = {k: e[k] for k in ("topic", "lang", "key", "node", "callback", "sms", "by") if e.get(k)}
        text = timeline.node_text(catalog, e.get("node"), 80) if side == "note" else ""
        out.append({"side": side, "t": e.get("t"), "type": e.get("type", ""), "body": e.get("body", ""),
                    "details": details, "text": text})
    return out


@bp.app_context_processor
def waiting():
    """How many texts and callbacks wait: shown in the top bar of every page (two ZCARDs)."""
    if not current_user.is_authenticated:
        return {}
    pipe = services().redis.pipeline(transaction=False)
    pipe.zcard("inbox:open")
    pipe.zcard("callbacks:open")
    texts, calls = pipe.execute()
    return {"waiting": {"ops.inbox_page": texts, "ops.callbacks": calls}}


@bp.get("/sms/<cid>")
def sms_detail(cid):
    if not CONV_ID.match(cid):
        abort(404)
    svc = services()
    record, events = read_conversation(svc.redis, cid)
    if not record or record.get("channel") != "sms":
        abort(404)
    record["id"] = cid
    caller = record.get("caller", "")
    pipe = svc.redis.pipeline(transaction=False)
    pipe.get(messages.optout_key(caller))
    pipe.smembers(f"caller:{caller}:inbox")
    optout, inbox_ids = pipe.execute()
    texts = sorted(inbox.by_ids(svc.redis, inbox_ids), key=lambda r: float(r.get("received") or 0))
    can_reply = not optout and outgoing.latest_replyable(svc.redis, caller) is not None
    return render_template("ops/sms_thread.html", record=record, chat=bubbles(svc.catalog, events),
                           optout=bool(optout), texts=texts, summary=timeline.summary(events),
                           messages=timeline.messages(svc.redis, cid, record), ending=convlist.ending(record),
                           can_reply=can_reply, reply_form=ReplyForm(),
                           canned=canned.for_language(svc.catalog, record.get("lang"), ui_lang()))


@bp.get("/inbox")
def inbox_page():
    svc = services()
    status = request.args.get("status", "open")
    if status not in inbox.STATUSES + ("all",):
        status = "open"
    number, size, offset = page_args()
    rows = inbox.page(svc.redis, status, offset, size + 1)
    caller_opted = _opted_out(svc.redis, rows[:size])
    now = time.time()
    replies = _reply_statuses(svc.redis, rows[:size])
    for row in rows:
        row["opted_out"] = caller_opted.get(row.get("caller"), False)
        row["holder"] = inbox.holder(row, now) if row.get("status") == "open" else ""
        row["mine"] = row["holder"] == current_user.name
        row["reply_status"] = replies.get(row.get("reply_msg", ""), "")
        row["canned"] = canned.for_language(svc.catalog, row.get("lang"), ui_lang())
    topics = sorted(svc.catalog.keywords)  # the matcher's topics: what the corpus tests
    return render_template("ops/inbox.html", rows=rows[:size], status=status, number=number, has_next=len(rows) > size,
                           reply_form=ReplyForm(), label_form=LabelForm(), form=ActionForm(), topics=topics,
                           statuses=inbox.STATUSES + ("all",))


def _reply_statuses(redis, rows: list[dict]) -> dict:
    """The delivery status of each answered text's reply (its own message record)."""
    ids = [r["reply_msg"] for r in rows if r.get("reply_msg")]
    pipe = redis.pipeline(transaction=False)
    for mid in ids:
        pipe.hget(messages.key(mid), "status")
    return {mid: status or "" for mid, status in zip(ids, pipe.execute(), strict=True)}


def _opted_out(redis, rows: list[dict]) -> dict:
    callers = sorted({r.get("caller", "") for r in rows})
    pipe = redis.pipeline(transaction=False)
    for caller in callers:
        pipe.exists(messages.optout_key(caller))
    return {c: bool(v) for c, v in zip(callers, pipe.execute(), strict=True)}


def _item(item: str) -> dict:
    return found_or_404(ITEM_ID, item, inbox.get)


@bp.post("/inbox/<item>/claim")
def inbox_claim(item):
    _item(item)
    if not ActionForm().validate_on_submit():
        abort(400)
    holder = inbox.claim(services().redis, item, current_user.name, time.time())
    if holder != current_user.name:
        flash(t("inbox_held_by", name=holder) if holder else t("inbox_not_open"))
    return redirect(url_for("ops.inbox_page") + f"#in-{item}")


@bp.post("/inbox/<item>/release")
def inbox_release(item):
    _item(item)
    if not ActionForm().validate_on_submit():
        abort(400)
    inbox.release(services().redis, item, current_user.name)
    return redirect(url_for("ops.inbox_page") + f"#in-{item}")


@bp.post("/inbox/<item>/reply")
def inbox_reply(item):
    _item(item)
    form = ReplyForm()
    if not form.validate_on_submit():
        return _refused(t("reply_empty"), url_for("ops.inbox_page"))
    outcome = outgoing.reply(services(), item, form.body.data, current_user.name, bool(form.confirm_long.data))
    return _after_reply(outcome, url_for("ops.inbox_page") + f"#in-{item}")


def _after_reply(outcome, back: str):
    """Sent: say so. Refused: say why, and keep the words for the same form (ivr/ops/drafts.py)."""
    if outcome.ok:
        flash(t("reply_queued"))
        return redirect(local_path(request.form.get("back")) or back)
    if outcome.reason == "reply_taken":
        message = t("reply_taken", name=outcome.holder) if outcome.holder != "closed" else t("inbox_not_open")
    elif outcome.reason == "reply_too_long":
        message = t("reply_too_long", n=outcome.segments)
    else:
        message = t(outcome.reason)
    return _refused(message, back)


def _refused(message: str, back: str):
    drafts.keep(drafts.from_request())
    flash(message)
    return redirect(local_path(request.form.get("back")) or back)


@bp.post("/sms/<cid>/reply")
def sms_reply(cid):
    """A reply from the thread page: goes through the caller's newest text that still keeps the number."""
    if not CONV_ID.match(cid):
        abort(404)
    svc = services()
    record, _ = read_conversation(svc.redis, cid)
    if not record or record.get("channel") != "sms":
        abort(404)
    back = url_for("ops.sms_detail", cid=cid) + "#reply"
    form = ReplyForm()
    if not form.validate_on_submit():
        return _refused(t("reply_empty"), back)
    outcome = outgoing.reply_to_caller(svc, record.get("caller", ""), form.body.data, current_user.name,
                                       bool(form.confirm_long.data))
    return _after_reply(outcome, back)


@bp.post("/caller/<h>/reply")
def caller_reply(h):
    if not re.fullmatch(r"[0-9a-f]{32}", h):
        abort(404)
    back = url_for("ops.caller_history", h=h) + "#reply"
    form = ReplyForm()
    if not form.validate_on_submit():
        return _refused(t("reply_empty"), back)
    return _after_reply(outgoing.reply_to_caller(services(), h, form.body.data, current_user.name,
                                                 bool(form.confirm_long.data)), back)


@bp.post("/inbox/<item>/topic")
def inbox_topic(item):
    _item(item)
    form = LabelForm()
    svc = services()
    if not form.validate_on_submit():
        abort(400)
    if form.topic.data not in svc.catalog.keywords:
        abort(400)
    inbox.label(svc.redis, item, topic=form.topic.data, by=current_user.name, now=time.time(), retention=svc.retention)
    flash(t("labelled"))
    return redirect(url_for("ops.inbox_page"))


@bp.post("/inbox/<item>/close")
def inbox_close(item):
    _item(item)
    if not ActionForm().validate_on_submit():
        abort(400)
    inbox.close(services().redis, item, status="closed", by=current_user.name, now=time.time())
    flash(t("saved"))
    return redirect(url_for("ops.inbox_page"))


@bp.get("/export/sms-corpus.jsonl")
def export_corpus():
    """Texts operators labelled with a topic, one JSON object a line, for the SMS matcher's test corpus."""
    lines = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in inbox.corpus(services().redis))
    return Response(lines, mimetype="application/x-ndjson",
                    headers={"Content-Disposition": 'attachment; filename="sms-corpus.jsonl"'})
