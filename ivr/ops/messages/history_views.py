"""One caller's history: search by phone number, see every call, text, SMS sent and callback.

The number typed in, in any usual form (`8 701 …`, `+7 …`, other countries: privacy.from_typed),
is hashed with the same HMAC as everywhere (ivr.store.privacy) and never stored or put in a URL:
the form posts it, and the page links on by the hash. Each search by number, and each history
opened by hash, goes to the audit log. The per-caller sets `caller:<hash>:convs|msgs|callbacks|inbox`
(also used by `hotline forget`) find everything without a scan.
"""
from __future__ import annotations

import re

from flask import abort, render_template, request
from flask_login import current_user

from ...services import services
from ...store import audit, inbox, messages, privacy
from ..blueprint import bp
from ..forms import ReplyForm, SearchForm
from ..i18n import ui_lang
from ..people.auth import privileged
from ..queues import canned, outgoing
from ..queues.queue_views import hashes
from . import convlist

HASH = re.compile(r"^[0-9a-f]{32}$")


def gather(redis, caller: str) -> dict:
    pipe = redis.pipeline(transaction=False)
    for kind in ("convs", "msgs", "callbacks", "inbox"):
        pipe.smembers(f"caller:{caller}:{kind}")
    pipe.exists(messages.optout_key(caller))
    convs, msgs, cbs, texts, optout = pipe.execute()
    convs = set(convs) | {f"SMS-{caller}"}
    records = [r for r, _ in convlist.fetch(redis, sorted(convs)) if r.get("channel")]

    def newest(rows, field):
        return sorted(rows, key=lambda r: float(r.get(field) or 0), reverse=True)

    for r in records:
        r["ending"] = convlist.ending(r)
    return {"calls": newest([r for r in records if r["channel"] == "voice"], "started"),
            "threads": newest([r for r in records if r["channel"] == "sms"], "started"),
            "messages": newest(hashes(redis, "msg:", sorted(msgs)), "created"),
            "callbacks": newest(hashes(redis, "callback:", sorted(cbs)), "created"),
            "texts": newest(inbox.by_ids(redis, sorted(texts)), "received"),
            "opted_out": bool(optout)}


@bp.route("/caller", methods=["GET", "POST"])
def caller_history():
    svc = services()
    form = SearchForm()
    caller, masked = None, ""
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        number = privacy.from_typed(form.number.data)
        if not number or privacy.is_withheld(number) or len(number) < 8:
            return render_template("ops/caller.html", form=form, caller=None, bad=True)
        caller, masked = svc.caller_hash(number), privacy.mask(number)
        audit.log(svc.redis, current_user.name, "search", caller[:8], masked)
        privileged()
    elif HASH.match(request.args.get("h", "")):
        caller = request.args["h"]
        audit.log(svc.redis, current_user.name, "history", caller[:8])
    found = gather(svc.redis, caller) if caller else None
    form.number.data = ""  # the number is not echoed back into the page
    can_reply = bool(found) and not found["opted_out"] and outgoing.latest_replyable(svc.redis, caller) is not None
    lang = next((r.get("lang") for r in (found or {}).get("texts", []) if r.get("lang")), None)
    return render_template("ops/caller.html", form=form, caller=caller, masked=masked, found=found, bad=False,
                           can_reply=can_reply, reply_form=ReplyForm(),
                           canned=canned.for_language(svc.catalog, lang, ui_lang()) if can_reply else [])
