"""Pages for conversations: the call list and SMS thread list (filters, newest first, paged)
and one call's timeline (an SMS thread has its own page: text_views)."""
from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from flask import abort, render_template, request, url_for

from ...services import services
from ...store.calllog import read as read_conversation
from ..blueprint import bp
from . import convlist, smslist, timeline

CONV_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


def tz() -> ZoneInfo:
    return ZoneInfo(services().config["HOTLINE_TIMEZONE"])


@bp.app_template_filter("localtime")
def localtime_filter(epoch):
    return timeline.local_time(epoch, tz())


@bp.app_template_filter("who")
def who_filter(caller_hash):
    """A caller shown by a short piece of the keyed hash: tells callers apart, reveals nothing."""
    return f"#{caller_hash[:8]}" if caller_hash and caller_hash != "anonymous" else "—"


def _list(channel: str, endpoint: str):
    svc = services()
    flt = convlist.Filters.from_args(request.args, channel, svc.catalog.languages, svc.catalog.nodes)
    number = max(1, request.args.get("page", 1, type=int) or 1)
    size = int(svc.config["HOTLINE_OPS_PAGE_SIZE"])
    result = convlist.page(svc.redis, flt, number, size, tz())
    for row in result.rows:
        row["ending"] = convlist.ending(row)
    if channel == "sms":
        smslist.enrich(svc.redis, result.rows)
    links = {"newer": url_for(endpoint, page=number - 1, **flt.args()) if number > 1 else None,
             "older": url_for(endpoint, page=number + 1, **flt.args()) if result.has_next else None}
    return render_template("ops/calls.html", channel=channel, flt=flt, result=result, number=number,
                           links=links, endings=convlist.ENDINGS, languages=svc.catalog.languages,
                           nodes=sorted(svc.catalog.nodes), window=convlist.SCAN_WINDOW, endpoint=endpoint)


@bp.get("/calls")
def calls():
    return _list("voice", "ops.calls")


@bp.get("/sms")
def sms_threads():
    return _list("sms", "ops.sms_threads")


def _detail(cid: str, channel: str = "voice"):
    if not CONV_ID.match(cid):
        abort(404)
    svc = services()
    record, events = read_conversation(svc.redis, cid)
    if not record or record.get("channel") != channel:
        abort(404)
    record["id"] = cid
    record["ending"] = convlist.ending(record)
    return render_template("ops/conversation.html", record=record, channel=channel,
                           rows=timeline.rows(svc.catalog, record, events), summary=timeline.summary(events),
                           messages=timeline.messages(svc.redis, cid, record))


@bp.get("/calls/<cid>")
def call_detail(cid):
    return _detail(cid, "voice")
