"""The reviewers' number: native speakers record the hotline's lines by phone (POST /voice/review).

Point a Twilio number's voice webhook at `<HOTLINE_PUBLIC_URL>/voice/review` (README). Every request
is Twilio-signed. A number not on the allow list (ivr/store/reviewers.py, managed by admins in the
dashboard) or a withheld one hears a short refusal and the call ends; a locked number (too many
wrong PINs) too. Then:

  PIN + #  →  (several languages: choose one)  →  for each line still missing a recording, in
  review_order's order: the robot's current audio of the line, "after the beep, read it, then #",
  <Record> → its action gets RecordingUrl / RecordingSid / RecordingDuration → the recording played
  back: 1 keep, 2 redo, 3 skip, 0 end.

"Keep" counts against HOTLINE_REVIEW_PER_DAY and queues workers/recording_jobs.py, which downloads
the recording into the pending folder (ivr/voice/recordings.py): never served to callers before an
admin accepts it in the dashboard. What the reviewer hears is data: prompts/reviewer.yaml (Russian,
said by Twilio's <Say>). The call's state (who, PIN passed, language, skipped lines, the recording
waiting for a choice) is `review:call:<CallSid>` in Redis; every step checks it against the caller.
"""
from __future__ import annotations

import json
import time
from functools import wraps
from pathlib import Path

import yaml
from flask import Blueprint, Response, current_app, request, url_for
from rq import Queue, Retry
from rq.serializers import JSONSerializer
from twilio.twiml.voice_response import Gather, VoiceResponse

from ..services import services
from ..settings import ROOT
from ..store import privacy, reviewers
from ..twilio_auth import require_twilio_signature
from . import caller as person
from . import recordings
from .review_order import order_for

bp = Blueprint("review", __name__, url_prefix="/voice/review")
bp.before_request(require_twilio_signature)

JOB = "workers.recording_jobs.download_recording"
QUEUE = "default"
WORDS_FILE = "reviewer.yaml"
PROMPTS = ("not_allowed", "locked", "enter_pin", "wrong_pin", "choose_language", "language_option", "line_intro",
           "say_after_beep", "you_said", "choices", "nothing_heard", "kept", "skipped", "daily_limit", "all_done",
           "goodbye", "wrong_key")
MAX_SECONDS = 60  # one line is a sentence or two
QUIET_TRIES = 2  # lines or choices met with silence before the call ends


def load_words(prompts_dir: Path | str) -> dict:
    """prompts/reviewer.yaml of the catalog in use, else the project's own (a test catalog has none)."""
    path = Path(prompts_dir) / WORDS_FILE
    if not path.is_file():
        path = ROOT / "prompts" / WORDS_FILE
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    missing = [key for key in PROMPTS if key not in (data.get("prompts") or {})]
    if missing or not (data.get("say") or {}).get("language"):
        raise ValueError(f"{path}: missing {', '.join(missing) or 'say: language'}")
    return data


class Reviewing:
    """What the webhook needs beyond services(): the reviewers' words and the line order, built once."""

    def __init__(self, svc):
        self.words = load_words(svc.catalog.directory)
        self.order = order_for(svc)

    def say(self, parent, prompt: str, **fmt) -> None:
        voice = self.words["say"]
        parent.say(self.words["prompts"][prompt].format(**fmt), language=voice["language"], voice=voice.get("voice"))


def reviewing() -> Reviewing:
    found = current_app.extensions.get("hotline_review")
    if found is None:
        found = current_app.extensions["hotline_review"] = Reviewing(services())
    return found


def _twiml(response: VoiceResponse) -> Response:
    return Response(str(response), mimetype="text/xml")


def _end(key: str) -> Response:
    response = VoiceResponse()
    reviewing().say(response, key)
    response.hangup()
    return _twiml(response)


def _caller() -> str:
    return services().caller_hash(person.number(request.form))


def _sid() -> str:
    return request.form.get("CallSid", "")


def signed_in(view):
    """The steps after the PIN: only for the call that passed it, from the same number."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        svc = services()
        state = reviewers.call_state(svc.redis, _sid())
        if not state or state.get("caller") != _caller() or state.get("pin") != "1":
            return _end("not_allowed")
        return view(svc, state, *args, **kwargs)

    return wrapper


@bp.post("")
def start():
    svc, number = services(), person.number(request.form)
    caller = svc.caller_hash(number)
    if privacy.is_withheld(number) or reviewers.get(svc.redis, caller) is None:
        return _end("not_allowed")
    if reviewers.locked(svc.redis, caller):
        return _end("locked")
    reviewers.start_call(svc.redis, _sid(), caller)
    return _ask_pin("enter_pin")


def _ask_pin(key: str) -> Response:
    response = VoiceResponse()
    gather = Gather(action=url_for("review.pin"), method="POST", finish_on_key="#", timeout=10)
    reviewing().say(gather, key)
    response.append(gather)
    response.hangup()
    return _twiml(response)


@bp.post("/pin")
def pin():
    svc = services()
    state = reviewers.call_state(svc.redis, _sid())
    caller = _caller()
    if not state or state.get("caller") != caller:
        return _end("not_allowed")
    result = reviewers.check_pin(svc.redis, caller, request.form.get("Digits", ""))
    if result == "locked":
        reviewers.end_call(svc.redis, _sid())
        return _end("locked")
    if result == "wrong":
        return _ask_pin("wrong_pin")
    reviewer = reviewers.get(svc.redis, caller)
    langs = [code for code in reviewer.langs if code in svc.catalog.langs]
    if len(langs) == 1:
        reviewers.update_call(svc.redis, _sid(), pin="1", lang=langs[0])
        return _next_line(svc, dict(state, pin="1", lang=langs[0]))
    reviewers.update_call(svc.redis, _sid(), pin="1")
    return _language_menu(langs)


def _language_menu(langs: list[str], notice: str | None = None) -> Response:
    rv, response = reviewing(), VoiceResponse()
    gather = Gather(action=url_for("review.language"), method="POST", num_digits=1, timeout=8)
    if notice:
        rv.say(gather, notice)
    rv.say(gather, "choose_language")
    for key, code in enumerate(langs, 1):
        rv.say(gather, "language_option", name=rv.words.get("languages", {}).get(code, code), key=key)
    response.append(gather)
    response.hangup()
    return _twiml(response)


@bp.post("/language")
@signed_in
def language(svc, state):
    reviewer = reviewers.get(svc.redis, state["caller"])
    langs = [code for code in (reviewer.langs if reviewer else []) if code in svc.catalog.langs]
    digits = request.form.get("Digits", "")
    if not digits.isdigit() or not 1 <= int(digits) <= len(langs):
        return _language_menu(langs, "wrong_key")
    reviewers.update_call(svc.redis, _sid(), lang=langs[int(digits) - 1])
    return _next_line(svc, dict(state, lang=langs[int(digits) - 1]))


@bp.post("/line")
@signed_in
def line(svc, state):
    """The same line again (redo, or nothing was recorded), or after silence the next try."""
    return _next_line(svc, state, request.args.get("line"), int(request.args.get("q", 0) or 0))


def _next_line(svc, state: dict, again: str | None = None, quiet: int = 0, notice: str | None = None) -> Response:
    rv, lang, today = reviewing(), state.get("lang"), svc.today()
    if not lang:
        return _end("not_allowed")
    if quiet >= QUIET_TRIES:
        return _end("goodbye")
    limit = int(svc.config["HOTLINE_REVIEW_PER_DAY"])
    if reviewers.takes_today(svc.redis, state["caller"], today.isoformat()) >= limit:
        return _end("daily_limit")
    skipped = [x for x in state.get("skipped", "").split(",") if x]
    missing = rv.order.missing(lang, today, exclude=skipped)
    target = rv.order.line(lang, today, again) if again else None
    target = target or (missing[0] if missing else None)
    if target is None:
        return _end("all_done")
    line_id = target.ids[0]
    response = VoiceResponse()
    if notice:
        rv.say(response, notice)
    rv.say(response, "line_intro", left=len(missing))
    svc.voice.speak(response, lang, target.text)  # what callers hear now: the robot, or Russian <Say>
    rv.say(response, "say_after_beep")
    response.record(action=url_for("review.recorded", line=line_id), method="POST", max_length=MAX_SECONDS,
                    finish_on_key="#", play_beep=True, trim="trim-silence", timeout=5)
    # Twilio skips the action when nothing was recorded and goes on here: the same line, once more.
    response.redirect(url_for("review.line", line=line_id, q=quiet + 1), method="POST")
    return _twiml(response)


@bp.post("/recorded")
@signed_in
def recorded(svc, state):
    """<Record>'s action: play the recording back and ask what to do with it."""
    line_id, form = request.args.get("line", ""), request.form
    url, duration = form.get("RecordingUrl", ""), form.get("RecordingDuration", "0")
    target = reviewing().order.line(state.get("lang", ""), svc.today(), line_id)
    if target is None:  # the text changed during the call: this line is no more
        return _next_line(svc, state)
    if not url or not duration.isdigit() or int(duration) < 1:
        return _next_line(svc, state, line_id, notice="nothing_heard")
    take = {"line": line_id, "url": url, "sid": form.get("RecordingSid", ""), "seconds": int(duration),
            "text": target.text, "text_sha": target.sha}
    reviewers.update_call(svc.redis, _sid(), take=json.dumps(take, ensure_ascii=False))
    return _choices(url)


def _choices(url: str | None, quiet: int = 0, notice: str | None = None) -> Response:
    rv, response = reviewing(), VoiceResponse()
    if notice:
        rv.say(response, notice)
    if url:
        rv.say(response, "you_said")
        response.play(url)
    gather = Gather(action=url_for("review.choice"), method="POST", num_digits=1, timeout=8)
    rv.say(gather, "choices")
    response.append(gather)
    response.redirect(url_for("review.choice", q=quiet + 1), method="POST")
    return _twiml(response)


@bp.post("/choice")
@signed_in
def choice(svc, state):
    take = json.loads(state.get("take") or "null")
    digits, quiet = request.form.get("Digits", ""), int(request.args.get("q", 0) or 0)
    if take is None:
        return _next_line(svc, state)
    if digits == "0":
        reviewers.end_call(svc.redis, _sid())
        return _end("goodbye")
    if digits == "2":
        return _next_line(svc, state, take["line"])
    if digits == "3":
        skipped = ",".join([x for x in state.get("skipped", "").split(",") if x] + [take["line"]])
        reviewers.update_call(svc.redis, _sid(), skipped=skipped, take="")
        return _next_line(svc, dict(state, skipped=skipped), notice="skipped")
    if digits == "1":
        if not reviewers.count_take(svc.redis, state["caller"], svc.today().isoformat(),
                                    int(svc.config["HOTLINE_REVIEW_PER_DAY"])):
            return _end("daily_limit")
        keep(svc, state, take)
        reviewers.update_call(svc.redis, _sid(), take="")
        return _next_line(svc, state, notice="kept")
    if quiet >= QUIET_TRIES:
        return _end("goodbye")
    return _choices(None, quiet, None if not digits else "wrong_key")


def keep(svc, state: dict, take: dict) -> str:
    """Queue the download of a kept recording (workers/recording_jobs.py); returns its pending id.
    The recording is only pending once the worker has it: never served before an admin accepts it."""
    pid = recordings.new_id()
    meta = {"lang": state["lang"], "line_id": take["line"], "text": take["text"], "text_sha": take["text_sha"],
            "reviewer": state["caller"], "source": "phone", "time": round(time.time(), 3),
            "seconds": float(take["seconds"]), "recording_sid": take["sid"]}
    queue = Queue(QUEUE, connection=svc.rq_redis, serializer=JSONSerializer)
    queue.enqueue(JOB, args=(pid, take["url"], meta), job_id=f"recording-{pid}", result_ttl=600,
                  failure_ttl=7 * 86400, retry=Retry(max=4, interval=[10, 60, 300, 1800]),
                  description=f"download recording {state['lang']}/{take['line']}")
    # Until the worker has it the line is not "pending" on disk: remember it on the call so it is not asked again.
    skipped = ",".join([x for x in state.get("skipped", "").split(",") if x] + [take["line"]])
    reviewers.update_call(svc.redis, _sid(), skipped=skipped)
    state["skipped"] = skipped
    return pid
