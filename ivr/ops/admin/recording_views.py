"""Native recordings in the dashboard (/ops/recordings): listen, accept or reject, upload.

Every logged-in operator sees per language how many lines have a human recording (recorded / not
yet / stale, from ivr/voice/audio.py `coverage`), listens to the pending ones (an <audio> player fed
by a login-required route here, never by /audio/: a pending recording is not for callers) and may
upload a file for a line still missing one (checked by content with soxi, at most
HOTLINE_RECORDING_MAX_BYTES). Accepting and rejecting is for admins: accepting changes what every
caller in that language hears, as publishing content does (README). Accept / reject / upload are
CSRF-checked POSTs; accept asks first and can be undone (revert: the audio it replaced comes back);
accept, reject and revert go to the audit log. The work is ivr/voice/recordings.py.
"""
from __future__ import annotations

import re
import tempfile
from pathlib import Path

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import FileField, StringField
from wtforms.validators import DataRequired, Length

from ...services import services
from ...store import audit, reviewers
from ...voice import audio, recordings
from ...voice.review_order import order_for
from ..blueprint import bp
from ..forms import ActionForm
from ..i18n import t
from ..people.auth import admin_required, privileged

LINE_ID = re.compile(r"^[A-Za-z0-9_.@-]{1,120}$")


class UploadForm(FlaskForm):
    lang = StringField("lang", validators=[DataRequired(), Length(max=8)])
    line = StringField("line", validators=[DataRequired(), Length(max=200)])
    file = FileField("file")


@bp.before_app_request
def _upload_size():
    """Webhooks and forms are capped small (HOTLINE_MAX_REQUEST_BYTES); an upload may be larger.
    An app-level hook, so it runs before the dashboard's guard reads the form for CSRF."""
    if request.endpoint == "ops.recording_upload":
        request.max_content_length = int(services().config["HOTLINE_RECORDING_MAX_BYTES"]) + 65536


def _directory() -> Path:
    return audio.audio_dir(services().config)


def _rows(svc, pending: list[recordings.Pending]) -> list[dict]:
    order, today, rows = order_for(svc), svc.today(), []
    for rec in pending:
        line = order.line(rec.lang, today, rec.line_id)
        who = rec.reviewer
        if rec.source == "phone":
            found = reviewers.get(svc.redis, rec.reviewer)
            who = found.mask if found else rec.reviewer[:8]
        rows.append({"rec": rec, "line": line, "changed": line is None or line.sha != rec.text_sha, "who": who})
    return rows


def _recorded(svc, lang: str | None) -> list[dict]:
    """Accepted recordings from the ledger, with whether their text is still the line's."""
    ledger, order, today, out = audio.read_ledger(_directory()), order_for(svc), svc.today(), []
    for code in [lang] if lang else svc.catalog.languages:
        undo = recordings.revertible(_directory(), code)
        for line_id, rec in sorted(ledger.get(code, {}).items()):
            line = order.line(code, today, line_id)
            out.append({"lang": code, "line_id": line_id, "text": rec.get("text", ""),
                        "current": bool(line) and line.sha == rec.get("text_sha"), "revertible": line_id in undo})
    return out


def _page(upload_form: UploadForm | None = None, status: int = 200):
    svc = services()
    lang = request.args.get("lang") or request.form.get("lang") or ""
    lang = lang if lang in svc.catalog.langs else ""
    directory = _directory()
    counts = [{"lang": r["lang"], "lines": r["lines"], "recorded": r["recorded"], "stale": r["stale"],
               "missing": r["lines"] - r["recorded"]} for r in audio.coverage(svc.catalog, directory, svc.today())]
    missing = order_for(svc).missing(lang, svc.today()) if lang else []
    names = {c: svc.catalog.langs[c].name for c in svc.catalog.languages}
    return render_template(
        "ops/recordings.html", counts=counts, lang=lang, names=names,
        pending=_rows(svc, recordings.all_pending(directory, lang or None)), recorded=_recorded(svc, lang or None),
        missing=missing, upload_form=upload_form or UploadForm(formdata=None), action_form=ActionForm(),
        mb=int(svc.config["HOTLINE_RECORDING_MAX_BYTES"]) // (1024 * 1024)), status


@bp.get("/recordings")
def recordings_page():
    return _page()


@bp.get("/recordings/<pid>/audio")
def recording_audio(pid):
    rec = recordings.get(_directory(), pid)
    if rec is None:
        abort(404)
    response = send_file(rec.file(_directory()), mimetype=rec.mimetype, conditional=True, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/recordings/<pid>/accept")
@admin_required
def recording_accept(pid):
    svc = services()
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        done = recordings.accept(svc.catalog, _directory(), svc.today(), pid)
    except recordings.RecordingError:
        abort(404)
    audit.log(svc.redis, current_user.name, "recording_accept", f"{done.rec.lang}/{done.rec.line_id}")
    privileged()
    flash(t("rec_accepted", seconds=done.seconds) if done.current else t("rec_accepted_stale"))
    return redirect(url_for("ops.recordings_page", lang=done.rec.lang))


@bp.post("/recordings/<lang>/<line_id>/revert")
@admin_required
def recording_revert(lang, line_id):
    """Undo the last accept of a line: the audio it replaced (a recording, or the robot voice) comes back."""
    svc = services()
    if not ActionForm().validate_on_submit():
        abort(400)
    if lang not in svc.catalog.langs or not LINE_ID.match(line_id):
        abort(404)
    try:
        if not recordings.revert(svc.catalog, _directory(), svc.today(), lang, line_id):
            abort(404)
    except recordings.RecordingError:
        abort(404)
    audit.log(svc.redis, current_user.name, "recording_revert", f"{lang}/{line_id}")
    privileged()
    flash(t("rec_reverted"))
    return redirect(url_for("ops.recordings_page", lang=lang))


@bp.post("/recordings/<pid>/reject")
@admin_required
def recording_reject(pid):
    svc = services()
    if not ActionForm().validate_on_submit():
        abort(400)
    rec = recordings.get(_directory(), pid)
    if rec is None or not recordings.reject(_directory(), pid):
        abort(404)
    audit.log(svc.redis, current_user.name, "recording_reject", f"{rec.lang}/{rec.line_id}")
    flash(t("rec_rejected"))
    return redirect(url_for("ops.recordings_page", lang=rec.lang))


@bp.post("/recordings/upload")
def recording_upload():
    svc, form = services(), UploadForm()
    if not form.validate_on_submit():
        abort(400)
    lang, line_id = form.lang.data, form.line.data
    line = order_for(svc).line(lang, svc.today(), line_id) if lang in svc.catalog.langs else None
    upload = request.files.get("file")
    if line is None or upload is None:
        flash(t("rec_bad_line"))
        return _page(form, 400)
    directory = _directory()
    recordings.pending_dir(directory).mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=recordings.pending_dir(directory), prefix=".up-") as tmp:
        upload.save(tmp)
        tmp.flush()
        if Path(tmp.name).stat().st_size > int(svc.config["HOTLINE_RECORDING_MAX_BYTES"]):
            flash(t("rec_too_large", mb=int(svc.config["HOTLINE_RECORDING_MAX_BYTES"]) // (1024 * 1024)))
            return _page(form, 413)
        ext = recordings.audio_type(Path(tmp.name))
        if ext is None:
            flash(t("rec_not_audio"))
            return _page(form, 400)
        recordings.save(directory, recordings.new_id(), Path(tmp.name), ext, lang=lang, line_id=line_id,
                        text=line.text, text_sha=line.sha, reviewer=current_user.name, source="upload",
                        time=svc.clock().timestamp(), seconds=recordings.seconds_of(Path(tmp.name)))
    flash(t("rec_uploaded"))
    return redirect(url_for("ops.recordings_page", lang=lang))
