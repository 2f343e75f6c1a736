"""The `GET /audio/<lang>/<file>` route: telephone audio for Twilio's <Play>.

No Twilio signature here: Twilio fetches audio with a plain GET. Only files the audio index
(voice/audio.py) lists are served, never a path built from the request.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, request

from ..services import services
from .audio import CACHE_SECONDS

bp = Blueprint("audio", __name__, url_prefix="/audio")


@bp.get("/<lang>/<name>")
def serve(lang: str, name: str):
    path = services().voice.audio.path(lang, name)
    if path is None or not path.is_file():
        abort(404)
    etag = name.removesuffix(".wav")
    headers = {"Cache-Control": f"public, max-age={CACHE_SECONDS}, immutable", "ETag": f'"{etag}"'}
    if request.if_none_match.contains(etag):
        return Response(status=304, headers=headers)
    return Response(path.read_bytes(), mimetype="audio/wav", headers=headers)
