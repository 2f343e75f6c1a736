"""Native recordings end to end: a reviewer records a line on the reviewers' number (signed webhooks,
<Record>'s action with a RecordingUrl on the fake Twilio), a real RQ worker downloads it, an admin
accepts it in the dashboard, callers then hear it — and after a text change the robot again."""
from __future__ import annotations

import io
import math
import shutil
import struct
import uuid
import wave
from pathlib import Path

import pytest
import redis as redis_lib
from rq import Queue
from rq.serializers import JSONSerializer

from ivr.content.catalog import load_catalog
from ivr.phone import parse_twiml, read_turn
from ivr.store import reviewers
from ivr.voice import audio, audio_build, recordings
from workers.recording_jobs import source_url
from workers.runner import HotlineWorker

from . import catalog_fixture as fx
from .conftest import FIXED_NOW, csrf_token_from, ops_login
from .followup_helpers import make as make_app

REVIEWER = "+77015550199"
PIN = "2468"
SID = "AC" + "1" * 32  # the env fixture's account
TODAY = FIXED_NOW.date()


def sine_wav(seconds: float = 1.0) -> bytes:
    """What Twilio's Recordings API serves for RecordingUrl + .wav: 8 kHz 16-bit mono PCM."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(i / 8000 * 2 * math.pi * 440)))
                               for i in range(int(8000 * seconds))))
    return out.getvalue()


@pytest.fixture(scope="module")
def kk_robot(tmp_path_factory):
    """Kazakh robot audio of the fixture catalog, built once (espeak-ng); each test works on a copy."""
    root = tmp_path_factory.mktemp("kk-robot")
    catalog = load_catalog(fx.write(root / "prompts"))
    assert not audio_build.build(catalog, root / "audio", TODAY, ["kk"]).errors
    return root / "audio"


@pytest.fixture
def studio(env, monkeypatch, tmp_path, rdb, kk_robot):
    """The app (auto voice prompts) with Kazakh robot audio, and a reviewer who records Kazakh."""
    directory = Path(shutil.copytree(kk_robot, tmp_path / "audio"))
    monkeypatch.setenv("HOTLINE_AUDIO_DIR", str(directory))
    env["HOTLINE_AUDIO_DIR"] = str(directory)
    env["HOTLINE_VOICE_PROMPTS"] = "auto"
    app, twilio = make_app(env)
    svc = app.extensions["hotline"]
    reviewers.add(rdb, svc.caller_hash(REVIEWER), "+7 701 *** ** 99", ["kk"], PIN, "adam")
    return app, twilio, directory


class ReviewCall:
    """One call to the reviewers' number, posted and signed as Twilio does."""

    def __init__(self, twilio, number=REVIEWER, sid="CA" + "7" * 32):
        self.twilio, self.number, self.sid = twilio, number, sid
        self.turn = None

    def post(self, url: str, **extra):
        form = {"CallSid": self.sid, "AccountSid": SID, "From": self.number, "To": "+77270000099",
                "CallStatus": "in-progress", "Direction": "inbound", **extra}
        status, body = self.twilio.post(url, form)
        assert status == 200, body
        self.turn = read_turn(url, status, body)
        return self.turn

    def start(self):
        return self.post("/voice/review")

    def press(self, digits: str):
        return self.post(self.turn.gather["action"], Digits=digits)

    @property
    def record(self) -> dict | None:
        found = parse_twiml(self.turn.raw).find("Record")
        return dict(found.attrib) if found is not None else None

    def recorded(self, rid: str = "RE" + "5" * 32, seconds: int = 2):
        url = f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Recordings/{rid}"
        return self.post(self.record["action"], RecordingUrl=url, RecordingSid=rid, RecordingDuration=str(seconds))


def skip_first_call_lines(call) -> None:
    """The first two lines asked for are what every first call hears: the greeting, then this language's
    line of the language menu. Record and skip them, to get to the main menu's."""
    for line in ("ui.greeting", "lang.choose"):
        assert call.record["action"].endswith(f"line={line}")
        call.recorded()
        call.press("3")


def run_worker(redis_url):
    conn = redis_lib.Redis.from_url(redis_url)
    q = Queue("default", connection=conn, serializer=JSONSerializer)
    HotlineWorker([q], connection=conn, serializer=JSONSerializer, log_job_description=False).work(burst=True)


def kk_main_menu(twilio) -> list:
    """The audio URLs a first-time Kazakh caller hears on the main menu."""
    call = twilio.call(caller=f"+7701{uuid.uuid4().int % 10**7:07d}")
    call.start()
    return [h.text for h in call.press("1").heard]


def admin_client(app):
    client = app.test_client()
    ops_login(client, "adam")
    return client


def accept(client, pid):
    token = csrf_token_from(client.get("/ops/recordings").get_data(as_text=True))
    return client.post(f"/ops/recordings/{pid}/accept", data={"csrf_token": token})


def test_a_reviewer_records_a_line_by_phone_an_admin_accepts_it_and_callers_hear_it_until_the_text_changes(
        studio, env, fake, rdb, redis_url, ops_users, tmp_path):
    app, twilio, directory = studio
    fake.files[f"/2010-04-01/Accounts/{SID}/Recordings/RE{'5' * 32}.wav"] = sine_wav()
    call = ReviewCall(twilio)
    assert call.start().gather["finishOnKey"] == "#"
    call.press(PIN)
    skip_first_call_lines(call)
    # Then the main menu's first line: the robot plays it, then <Record>.
    assert call.record["action"].endswith("line=menu.main")
    assert (call.record["finishOnKey"], call.record["playBeep"], call.record["maxLength"]) == ("#", "true", "60")
    robot = audio.AudioIndex(directory).url("kk", "[kk] main menu")
    assert robot.endswith([h.text for h in call.turn.heard if h.verb == "Play"][0].rsplit("/", 1)[1])
    played_back = call.recorded()
    assert any(h.verb == "Play" and h.text.endswith("RE" + "5" * 32) for h in played_back.heard)
    nxt = call.press("1")  # keep
    assert "Сохранено" in nxt.text and not call.record["action"].endswith("line=menu.main")

    assert recordings.all_pending(directory) == []  # not downloaded yet
    run_worker(redis_url)
    [rec] = recordings.all_pending(directory)
    assert (rec.lang, rec.line_id, rec.source, rec.text) == ("kk", "menu.main", "phone", "[kk] main menu")
    assert rec.text_sha == audio.text_sha("kk", "[kk] main menu") and rec.reviewer == app.extensions[
        "hotline"].caller_hash(REVIEWER)
    assert fake.gets[-1]["auth"].startswith("Basic ")
    # Pending is never served to callers: the menu still plays the robot's file.
    assert kk_main_menu(twilio)[0].endswith(robot.rsplit("/", 1)[1])

    client = admin_client(app)
    page = client.get("/ops/recordings?lang=kk").get_data(as_text=True)
    assert f'id="pending-{rec.id}"' in page and "[kk] main menu" in page
    heard = client.get(f"/ops/recordings/{rec.id}/audio")
    body = heard.get_data()
    heard.close()
    assert heard.status_code == 200 and heard.mimetype == "audio/wav" and body[:4] == b"RIFF"
    assert accept(client, rec.id).status_code == 302
    assert recordings.all_pending(directory) == []
    assert (directory / "kk" / "recorded" / "menu.main.wav").is_file()

    app2, twilio2 = make_app(env)  # a running app sees the rebuilt index within 10 s; a new one at once
    entry = audio.AudioIndex(directory).entry("kk", "[kk] main menu")
    assert entry["kind"] == "recorded" and entry["current"]
    assert kk_main_menu(twilio2)[0].endswith(entry["file"])

    # The text changes: the recording is stale, and the robot says the new text.
    changed = fx.language("kk")
    changed["prompts"]["menu.main"]["voice"] = "[kk] the main menu, reworded"
    prompts = fx.write(tmp_path / "changed", langs={"kk": changed})
    env["HOTLINE_PROMPTS_DIR"] = str(prompts)
    result = audio_build.build(load_catalog(prompts), directory, TODAY, ["kk"])
    assert result.stale == ["kk/menu.main"]
    app3, twilio3 = make_app(env)
    new = audio.AudioIndex(directory).entry("kk", "[kk] the main menu, reworded")
    assert new["kind"] == "generated"
    assert kk_main_menu(twilio3)[0].endswith(new["file"])
    kk = next(r for r in audio.coverage(load_catalog(prompts), directory, TODAY) if r["lang"] == "kk")
    assert kk["stale_ids"] == ["menu.main"]


def test_an_accepted_recording_of_a_text_changed_since_is_stale_at_once(studio, env, rdb, ops_users, tmp_path):
    app, _, directory = studio
    old = recordings.save(directory, recordings.new_id(), _wav(tmp_path), ".wav", lang="kk", line_id="menu.main",
                          text="[kk] an older main menu", text_sha=audio.text_sha("kk", "[kk] an older main menu"),
                          reviewer="adam", source="upload", time=0.0, seconds=1.0)
    client = admin_client(app)
    page = client.get("/ops/recordings?lang=kk").get_data(as_text=True)
    assert "Текст изменился после записи" in page
    accept(client, old.id)
    entry = audio.AudioIndex(directory).entry("kk", "[kk] main menu")
    assert entry["kind"] == "generated"  # the robot still speaks the current text
    assert audio.read_ledger(directory)["kk"]["menu.main"]["text_sha"] == old.text_sha


def _wav(tmp_path) -> Path:
    path = tmp_path / "take.wav"
    path.write_bytes(sine_wav(0.5))
    return path


def test_a_number_not_on_the_list_is_refused(studio):
    _, twilio, _ = studio
    for number in ("+77019999999", "anonymous"):
        turn = ReviewCall(twilio, number=number).start()
        assert turn.hangup and turn.gather is None and "не записан" in turn.text


def test_unsigned_requests_are_refused(studio):
    _, twilio, _ = studio
    status, _ = twilio.post("/voice/review", {"CallSid": "CA1", "From": REVIEWER}, sign=False)
    assert status == 403


def test_steps_after_the_pin_need_the_pin(studio):
    _, twilio, _ = studio
    call = ReviewCall(twilio)
    call.start()
    turn = call.post("/voice/review/recorded?line=menu.main", RecordingUrl="https://api.twilio.com/x",
                     RecordingDuration="3")
    assert turn.hangup and "не записан" in turn.text


def test_five_wrong_pins_lock_the_number_for_an_hour(studio, rdb):
    app, twilio, _ = studio
    call = ReviewCall(twilio)
    call.start()
    for _ in range(reviewers.PIN_TRIES - 1):
        assert "Неверный" in call.press("0000").text
    assert call.press("0000").hangup
    caller = app.extensions["hotline"].caller_hash(REVIEWER)
    assert 3500 < rdb.ttl(reviewers.lock_key(caller)) <= 3600
    again = ReviewCall(twilio, sid="CA" + "8" * 32)
    turn = again.start()
    assert turn.hangup and "заблокирован" in turn.text  # even the right PIN gets no chance


def test_redo_skip_and_end(studio):
    _, twilio, _ = studio
    call = ReviewCall(twilio)
    call.start()
    call.press(PIN)
    skip_first_call_lines(call)
    call.recorded()
    call.press("2")  # redo: the same line again
    assert call.record["action"].endswith("line=menu.main")
    call.recorded()
    call.press("3")  # skip: the next line
    assert not call.record["action"].endswith("line=menu.main")
    call.recorded()
    assert call.press("0").hangup


def test_recordings_kept_per_reviewer_per_day_are_capped(studio, env, fake):
    env["HOTLINE_REVIEW_PER_DAY"] = "1"
    _, twilio = make_app(env)
    call = ReviewCall(twilio)
    call.start()
    call.press(PIN)
    call.recorded()
    call.press("1")
    assert call.turn.hangup and "достаточно" in call.turn.text


def test_an_operator_cannot_accept_and_an_upload_must_be_audio(studio, ops_users, tmp_path):
    app, _, directory = studio
    client = app.test_client()
    ops_login(client, "olga")
    page = client.get("/ops/recordings?lang=kk").get_data(as_text=True)
    token = csrf_token_from(page)
    not_audio = client.post("/ops/recordings/upload", data={
        "csrf_token": token, "lang": "kk", "line": "menu.main", "file": (io.BytesIO(b"MZ not a sound" * 100), "x.wav")},
        content_type="multipart/form-data")
    assert not_audio.status_code == 400 and recordings.all_pending(directory) == []
    ok = client.post("/ops/recordings/upload", data={
        "csrf_token": token, "lang": "kk", "line": "menu.main", "file": (io.BytesIO(sine_wav(0.5)), "take.wav")},
        content_type="multipart/form-data")
    assert ok.status_code == 302
    [rec] = recordings.all_pending(directory)
    assert (rec.source, rec.reviewer, rec.ext) == ("upload", "olga", ".wav")
    assert client.post(f"/ops/recordings/{rec.id}/accept", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/ops/recordings/{rec.id}/reject", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/ops/recordings/{rec.id}/accept").status_code == 400  # and no CSRF token: refused first
    assert recordings.get(directory, rec.id) is not None


def test_the_pending_audio_needs_a_login(studio, tmp_path):
    app, _, directory = studio
    rec = recordings.save(directory, recordings.new_id(), _wav(tmp_path), ".wav", lang="kk", line_id="menu.main",
                          text="[kk] main menu", text_sha=audio.text_sha("kk", "[kk] main menu"), reviewer="adam",
                          source="upload", time=0.0, seconds=1.0)
    anonymous = app.test_client().get(f"/ops/recordings/{rec.id}/audio")
    assert anonymous.status_code == 302 and "/ops/login" in anonymous.headers["Location"]
    assert app.test_client().get(f"/audio/kk/{rec.id}.wav").status_code == 404


def test_admins_manage_reviewers_in_the_dashboard_with_a_hashed_pin(studio, rdb, ops_users):
    app, twilio, _ = studio
    client = admin_client(app)
    token = csrf_token_from(client.get("/ops/admin/reviewers").get_data(as_text=True))
    added = client.post("/ops/admin/reviewers", data={"csrf_token": token, "number": "+992 92 912 3456",
                                                       "langs": ["tg", "kk"], "pin": "975310"})
    assert added.status_code == 302
    page = client.get("/ops/admin/reviewers").get_data(as_text=True)
    assert "+992 92 *** ** 56" in page and "975310" not in page and "9123456" not in page
    reviewer_keys = list(rdb.scan_iter("reviewer:*"))
    assert reviewer_keys and not any("9123456" in k or "9123456" in str(rdb.hgetall(k)) for k in reviewer_keys)
    entries = [e["action"] for e in __import__("ivr.store.audit", fromlist=["page"]).page(rdb)]
    assert "reviewer_add" in entries
    call = ReviewCall(twilio, number="+992929123456")
    call.start()
    menu = call.press("975310")
    assert "Выберите язык" in menu.text  # two languages: choose one
    call.press("2")
    assert call.record["action"].endswith("line=ui.greeting")
    operator = app.test_client()
    ops_login(operator, "olga")
    assert operator.get("/ops/admin/reviewers").status_code == 403


def test_the_recording_url_must_be_twilios():
    conf = {"TWILIO_ACCOUNT_SID": SID, "TWILIO_API_BASE_URL": "http://127.0.0.1:9"}
    good = f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Recordings/RE1"
    assert source_url(good, conf) == f"http://127.0.0.1:9/2010-04-01/Accounts/{SID}/Recordings/RE1.wav"
    assert source_url("https://evil.example/2010-04-01/Accounts/x/Recordings/RE1", conf) is None
    assert source_url(good.replace(SID, "AC" + "2" * 32), conf) is None


def test_the_reviewers_wording_is_complete():
    from ivr.settings import ROOT
    from ivr.voice.review import load_words

    words = load_words(ROOT / "prompts")
    assert words["say"] == {"language": "ru-RU", "voice": "Polly.Tatyana"}
    assert set(words["languages"]) == set(fx.LANGS)


def test_lines_are_asked_for_first_call_then_main_menu_then_the_key_facts_paths_then_the_rest(tmp_path,
                                                                                                app_factory):
    tree = fx.tree()
    tree["key_facts"] = {"fact a": "fact.a"}
    tree["language_by_country"] = {"996": "ky"}
    langs = {code: fx.language(code) for code in fx.LANGS}
    for code, lang in langs.items():
        lang["prompts"]["lang.offer"] = {"voice": f"[{code}] offer", "status": "unreviewed"}
    prompts = fx.write(tmp_path / "prompts", tree_data=tree, langs=langs)
    app = app_factory(HOTLINE_PROMPTS_DIR=str(prompts), HOTLINE_AUDIO_DIR=str(tmp_path / "audio"))
    from ivr.voice.review_order import ReviewOrder

    svc = app.extensions["hotline"]
    order = ReviewOrder(svc.catalog, tmp_path / "audio")
    # What callers of each language hear first: +996 is offered Kyrgyz (greeting, offer), the list has its line;
    # the fixture's greeting is Kazakh; an Uzbek first caller (+7) hears no greeting in Uzbek.
    assert [ln.ids[0] for ln in order.missing("kk", TODAY)][:2] == ["ui.greeting", "lang.choose"]
    assert [ln.ids[0] for ln in order.missing("uz", TODAY)][:2] == ["lang.choose", "menu.main"]
    ids = [ln.ids[0] for ln in order.missing("ky", TODAY)]
    assert ids[:3] == ["ui.greeting", "lang.offer", "lang.choose"]
    ids = ids[3:]
    main = ["menu.main", "ui.option--opt.facts--1", "ui.option--opt.list--2", "ui.option--opt.language--8"]
    assert ids[:4] == main
    assert ids[4:7] == ["menu.facts", "ui.option--opt.fact_a--1", "ui.option--opt.fact_old--2"]
    assert ids.index("fact.a") < ids.index("menu.list") and ids.index("fact.a") < ids.index("ui.goodbye")
    assert ids.index("ui.nav") < ids.index("menu.list")  # said on the way to the fact: the hint comes with it
    assert len(ids) + 3 == len(set(ids)) + 3 == len(audio.spoken_lines(svc.catalog, TODAY, ["ky"]))
    # A line with a recording waiting, or skipped on this call, is not asked for again.
    take = tmp_path / "t.wav"
    take.write_bytes(sine_wav(0.2))
    recordings.save(tmp_path / "audio", recordings.new_id(), take, ".wav", lang="ky", line_id="menu.main",
                    text="[ky] main menu", text_sha=audio.text_sha("ky", "[ky] main menu"), reviewer="x",
                    source="upload", time=0.0, seconds=0.2)
    assert [ln.ids[0] for ln in order.missing("ky", TODAY, exclude=["menu.facts"])][3:7] == main[1:] + [
        "ui.option--opt.fact_a--1"]


def test_a_recorded_only_build_keeps_the_robot_files_of_unchanged_lines(kk_robot, tmp_path):
    directory = Path(shutil.copytree(kk_robot, tmp_path / "audio"))
    before = audio.read_json(audio.index_path(directory, "kk"), {})["lines"]
    catalog = load_catalog(fx.write(tmp_path / "prompts"))
    audio_build.build(catalog, directory, TODAY, ["kk"], use_robot=False)
    after = audio.read_json(audio.index_path(directory, "kk"), {})["lines"]
    assert after == before and all((audio.index_path(directory, "kk").parent / e["file"]).is_file()
                                   for e in after.values())


def test_an_admin_rejects_a_recording_and_uploads_are_capped(studio, env, rdb, ops_users, tmp_path):
    app, _, directory = studio
    rec = recordings.save(directory, recordings.new_id(), _wav(tmp_path), ".wav", lang="kk", line_id="menu.main",
                          text="[kk] main menu", text_sha=audio.text_sha("kk", "[kk] main menu"), reviewer="olga",
                          source="upload", time=0.0, seconds=0.5)
    client = admin_client(app)
    token = csrf_token_from(client.get("/ops/recordings").get_data(as_text=True))
    assert client.post(f"/ops/recordings/{rec.id}/reject", data={"csrf_token": token}).status_code == 302
    assert recordings.all_pending(directory) == [] and not (directory / "kk" / "recorded").exists()
    assert [e["action"] for e in __import__("ivr.store.audit", fromlist=["page"]).page(rdb)] == ["recording_reject"]

    env["HOTLINE_RECORDING_MAX_BYTES"] = "2000"
    small, _ = make_app(env)
    client = admin_client(small)
    token = csrf_token_from(client.get("/ops/recordings").get_data(as_text=True))
    big = client.post("/ops/recordings/upload", data={
        "csrf_token": token, "lang": "kk", "line": "menu.main", "file": (io.BytesIO(sine_wav(2.0)), "take.wav")},
        content_type="multipart/form-data")
    assert big.status_code == 413 and recordings.all_pending(directory) == []


def test_an_accepted_recording_is_reverted_to_the_audio_it_replaced_and_audited(studio, rdb, ops_users, tmp_path):
    from ivr.store import audit

    app, _, directory = studio
    sha = audio.text_sha("kk", "[kk] main menu")
    client = admin_client(app)
    takes = []
    for n, seconds in enumerate((0.5, 0.7)):
        path = tmp_path / f"take{n}.wav"
        path.write_bytes(sine_wav(seconds))
        rec = recordings.save(directory, recordings.new_id(), path, ".wav", lang="kk", line_id="menu.main",
                              text="[kk] main menu", text_sha=sha, reviewer="adam", source="upload", time=0.0,
                              seconds=seconds)
        accept(client, rec.id)
        takes.append(path.read_bytes())

    def heard() -> bytes:
        return audio.recorded_files(directory, "kk")["menu.main"].read_bytes()

    assert heard() == takes[1]
    page = client.get("/ops/recordings?lang=kk").get_data(as_text=True)
    assert "/ops/recordings/kk/menu.main/revert" in page
    client.post("/ops/recordings/kk/menu.main/revert", data={"csrf_token": csrf_token_from(page)})
    assert heard() == takes[0]  # the recording the last accept replaced
    assert audio.AudioIndex(directory).entry("kk", "[kk] main menu")["kind"] == "recorded"
    actions = [e["action"] for e in audit.page(rdb)]
    assert actions[:3] == ["recording_revert", "recording_accept", "recording_accept"]
    assert "запись отменена" in client.get("/ops/audit").get_data(as_text=True)
