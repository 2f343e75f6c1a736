"""Pages for reports: statistics charts, content coverage, and exports (CSV, Flow Results); each export audited."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter

from flask import Response, render_template, request, stream_with_context
from flask_login import current_user

from ...content import coverage, stale
from ...services import services
from ...store import audit
from ..blueprint import bp
from ..i18n import t
from ..messages import convlist
from ..messages.calls_views import tz
from ..messages.timeline import node_text
from . import charts, export, missed_stats, stats

EXPORT_LIMIT = 100_000  # conversations per export at most


def _label(node: str) -> str:
    text = node_text(services().catalog, node, limit=60)
    return f"{node} — {text}" if text else node


def _period(days: int) -> tuple[dt.date, dt.date]:
    today = services().today()
    return today - dt.timedelta(days=days - 1), today


def _breakdown(svc, date_from: dt.date, date_to: dt.date) -> dict:
    zone = tz()
    convs = {ch: convlist.iterate(svc.redis, convlist.Filters(channel=ch, date_from=date_from, date_to=date_to),
                                  zone, stats.LANG_SCAN_LIMIT) for ch in ("voice", "sms")}
    high, low = convlist.Filters(date_from=date_from, date_to=date_to).score_range(zone)
    msgs = stats.in_period(svc.redis, "msgs", "msg:", low, high)
    cbs = [cb for index in ("callbacks:open", "callbacks:done")
           for cb in stats.in_period(svc.redis, index, "callback:", low, high)]
    return stats.by_language(convs, msgs, cbs)


def _top(counter, n: int = 3) -> list[str]:
    return [_label(node) for node, _ in counter.most_common(n)]


@bp.get("/stats")
def statistics():
    svc = services()
    days = min(max(request.args.get("days", 14, type=int) or 14, 1), 92)
    data = stats.collect(svc.redis, svc.today(), days, svc.catalog.languages)
    date_from, date_to = _period(days)
    langs = _breakdown(svc, date_from, date_to)
    merged = {"voice_topics": Counter(), "sms_topics": Counter(), "drop_nodes": Counter()}
    for row in langs.values():
        for name, counter in merged.items():
            counter.update(row[name])
        row["top_voice"], row["top_sms"] = _top(row["voice_topics"]), _top(row["sms_topics"])
    figures = [
        ("calls_per_day", charts.stacked_bars(data["days"], data["voice"], t("calls_per_day"))),
        ("sms_per_day", charts.stacked_bars(data["days"], data["sms"], t("sms_per_day"))),
        ("top_topics", charts.hbars([(_label(n), v) for n, v in merged["voice_topics"].most_common(12)],
                                    t("top_topics"))),
        ("top_sms_topics", charts.hbars([(_label(n), v) for n, v in merged["sms_topics"].most_common(12)],
                                        t("top_sms_topics"))),
        ("drop_off", charts.hbars([(_label(n), v) for n, v in merged["drop_nodes"].most_common(12)], t("drop_off"))),
        ("sms_delivery", charts.stacked_bars(data["days"], {t("delivered"): data["delivery"]["delivered"],
                                                            t("failed"): data["delivery"]["failed"]},
                                             t("sms_delivery"))),
    ]
    names = {code: svc.catalog.langs[code].name for code in svc.catalog.languages}
    missed = dict(missed_stats.collect(svc.redis, svc.today(), days), labels=missed_stats.labels(),
                  columns=missed_stats.COLUMNS)
    return render_template("ops/stats.html", figures=figures, days=days, data=data, langs=langs, names=names,
                           total=stats.totals(langs), date_from=date_from, date_to=date_to,
                           limit=stats.LANG_SCAN_LIMIT, missed=missed)


def _audio_rows(svc) -> list[dict] | None:
    """Audio coverage per language (missing, stale), when the audio module is there to ask."""
    try:
        from ...voice import audio
    except ImportError:
        return None
    if not (callable(getattr(audio, "coverage", None)) and callable(getattr(audio, "audio_dir", None))):
        return None
    try:
        rows = audio.coverage(svc.catalog, audio.audio_dir(svc.config), svc.today())
    except Exception:  # noqa: BLE001 — a half-built audio folder must not take this page down
        return None
    # Counts only, under words (ivr/ops/words.py `audio_column`): the lists of prompt ids are for `hotline audio`.
    return [{k: len(v) if isinstance(v, list) else v for k, v in row.items()} for row in rows]


@bp.get("/coverage")
def content_coverage():
    svc = services()
    rows = coverage.language_rows(svc.catalog, svc.today())
    audio_rows = _audio_rows(svc)
    return render_template("ops/coverage.html", rows=rows, audio_rows=audio_rows,
                           stale_rows=stale.grouped(stale.stale_facts(svc.catalog, svc.today())))


def _range() -> tuple[dt.date, dt.date]:
    today = services().today()
    try:
        date_to = dt.date.fromisoformat(request.args.get("to", ""))
    except ValueError:
        date_to = today
    try:
        date_from = dt.date.fromisoformat(request.args.get("from", ""))
    except ValueError:
        date_from = date_to - dt.timedelta(days=6)
    return min(date_from, date_to), max(date_from, date_to)


@bp.after_request
def audit_exports(response):
    """Every export that leaves the dashboard is in the audit log: who, which, for which dates."""
    if request.path.startswith("/ops/export/") and response.status_code == 200 and current_user.is_authenticated:
        what = request.path.rsplit("/", 1)[-1]
        dates = "–".join(v for v in (request.args.get("from", ""), request.args.get("to", "")) if v)
        channel = request.args.get("channel", "")
        detail = " ".join(x for x in (dates, channel) if x)[:64]
        audit.log(services().redis, current_user.name, "export", what[:64], detail)
    return response


@bp.get("/export")
def export_page():
    date_from, date_to = _range()
    return render_template("ops/export.html", date_from=date_from, date_to=date_to)


def _conversations(date_from, date_to, channel: str = "voice"):
    flt = convlist.Filters(channel=channel, date_from=date_from, date_to=date_to)
    return convlist.iterate(services().redis, flt, tz(), EXPORT_LIMIT)


def _csv_response(kind: str, header: list[str], rows):
    """Stream rows (already passed through export.cell) as an attachment named by kind and range."""
    date_from, date_to = _range()

    def generate():
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            if buf.tell() > 32_000:
                yield buf.getvalue()
                buf.seek(0)
                buf.truncate()
        yield buf.getvalue()

    name = f"{kind}-{date_from.isoformat()}-{date_to.isoformat()}.csv"
    return Response(stream_with_context(generate()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/export/calls.csv")
def export_csv():
    date_from, date_to = _range()
    zone = tz()
    return _csv_response("calls", export.CSV_HEADER, (export.csv_row(record, events, zone)
                                                      for record, events in _conversations(date_from, date_to)))


@bp.get("/export/sms.csv")
def export_sms_csv():
    date_from, date_to = _range()
    zone = tz()
    return _csv_response("sms", export.SMS_HEADER, (export.sms_row(record, events, zone)
                                                    for record, events in _conversations(date_from, date_to, "sms")))


def _indexed(index: str, prefix: str):
    date_from, date_to = _range()
    high, low = convlist.Filters(date_from=date_from, date_to=date_to).score_range(tz())
    return stats.in_period(services().redis, index, prefix, low, high, EXPORT_LIMIT)


@bp.get("/export/callbacks.csv")
def export_callbacks_csv():
    zone = tz()
    rows = sorted(_indexed("callbacks:open", "callback:") + _indexed("callbacks:done", "callback:"),
                  key=lambda r: float(r.get("created") or 0))
    return _csv_response("callbacks", export.CALLBACK_HEADER, (export.callback_row(r, zone) for r in rows))


@bp.get("/export/deliveries.csv")
def export_deliveries_csv():
    zone = tz()
    return _csv_response("deliveries", export.DELIVERY_HEADER,
                         (export.delivery_row(r, zone) for r in _indexed("msgs", "msg:")))


@bp.get("/export/flow-results.json")
def export_floip():
    date_from, date_to = _range()
    channel = "sms" if request.args.get("channel") == "sms" else "voice"
    svc = services()
    package = export.flow_results_package(svc.catalog, _conversations(date_from, date_to, channel), tz(),
                                          date_from, date_to, svc.clock())
    suffix = "-sms" if channel == "sms" else ""
    name = f"flow-results{suffix}-{date_from.isoformat()}-{date_to.isoformat()}.json"
    return Response(json.dumps(package, ensure_ascii=False, indent=1), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
