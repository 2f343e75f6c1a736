"""Pages for reports: statistics charts, content coverage, and exports (CSV, Flow Results)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json

from flask import Response, render_template, request, stream_with_context

from ..content import coverage, stale
from ..services import services
from . import charts, convlist, export, stats
from .blueprint import bp
from .calls_views import tz
from .i18n import t
from .timeline import node_text

EXPORT_LIMIT = 100_000  # conversations per export at most


def _label(node: str) -> str:
    text = node_text(services().catalog, node, limit=60)
    return f"{node} — {text}" if text else node


@bp.get("/stats")
def statistics():
    svc = services()
    days = min(max(request.args.get("days", 14, type=int) or 14, 1), 92)
    data = stats.collect(svc.redis, svc.today(), days, svc.catalog.languages)
    figures = [
        charts.stacked_bars(data["days"], data["voice"], t("calls_per_day")),
        charts.stacked_bars(data["days"], data["sms"], t("sms_per_day")),
        charts.hbars([(_label(n), v) for n, v in data["topics"].most_common(15)], t("top_topics")),
        charts.hbars([(_label(n), v) for n, v in data["drops"].most_common(15)], t("drop_off")),
        charts.stacked_bars(data["days"], {t("delivered"): data["delivery"]["delivered"],
                                           t("failed"): data["delivery"]["failed"]}, t("sms_delivery")),
    ]
    titles = ["calls_per_day", "sms_per_day", "top_topics", "drop_off", "sms_delivery"]
    return render_template("ops/stats.html", figures=list(zip(titles, figures, strict=True)), days=days, data=data)


def _audio_rows(svc) -> list[dict] | None:
    """Audio coverage per language (missing, stale), when the audio module is there to ask."""
    try:
        from ..voice import audio
    except ImportError:
        return None
    if not (callable(getattr(audio, "coverage", None)) and callable(getattr(audio, "audio_dir", None))):
        return None
    try:
        rows = audio.coverage(svc.catalog, audio.audio_dir(svc.config), svc.today())
    except Exception:  # noqa: BLE001 — a half-built audio folder must not take this page down
        return None
    shown = []
    for row in rows:
        shown.append({k: (", ".join(map(str, v[:12])) + (" …" if len(v) > 12 else "") if isinstance(v, list) else v)
                      for k, v in row.items()})
    return shown


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


@bp.get("/export")
def export_page():
    date_from, date_to = _range()
    return render_template("ops/export.html", date_from=date_from, date_to=date_to)


def _conversations(date_from, date_to):
    flt = convlist.Filters(channel="voice", date_from=date_from, date_to=date_to)
    return convlist.iterate(services().redis, flt, tz(), EXPORT_LIMIT)


@bp.get("/export/calls.csv")
def export_csv():
    date_from, date_to = _range()
    zone = tz()

    def generate():
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(export.CSV_HEADER)
        for record, events in _conversations(date_from, date_to):
            writer.writerow(export.csv_row(record, events, zone))
            if buf.tell() > 32_000:
                yield buf.getvalue()
                buf.seek(0)
                buf.truncate()
        yield buf.getvalue()

    name = f"calls-{date_from.isoformat()}-{date_to.isoformat()}.csv"
    return Response(stream_with_context(generate()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/export/flow-results.json")
def export_floip():
    date_from, date_to = _range()
    svc = services()
    package = export.flow_results_package(svc.catalog, _conversations(date_from, date_to), tz(),
                                          date_from, date_to, svc.clock())
    name = f"flow-results-{date_from.isoformat()}-{date_to.isoformat()}.json"
    return Response(json.dumps(package, ensure_ascii=False, indent=1), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
