"""Telephone audio: the build (espeak-ng + sox), recordings and staleness, <Play> rendering, the route."""
from __future__ import annotations

import datetime as dt
import secrets
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.content.catalog import load_catalog
from ivr.content.spoken import Speaker
from ivr.phone import Emulator, parse_twiml
from ivr.voice import audio, audio_build, cost

from . import catalog_fixture as fx
from .conftest import FIXED_NOW, ROOT, client_transport

TODAY = FIXED_NOW.date()
pytestmark = pytest.mark.skipif(not (shutil.which("espeak-ng") and shutil.which("sox")),
                                reason="needs espeak-ng and sox (Debian packages; .ci/run installs them)")


def wav_format(path: Path) -> tuple[int, int, int, int]:
    """(format tag, channels, sample rate, bits) from a RIFF/WAVE header; tag 7 is μ-law."""
    data = path.read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE", path
    i = 12
    while i + 8 <= len(data):
        chunk, size = data[i:i + 4], int.from_bytes(data[i + 4:i + 8], "little")
        if chunk == b"fmt ":
            tag, channels, rate = struct.unpack("<HHI", data[i + 8:i + 16])
            return tag, channels, rate, struct.unpack("<H", data[i + 22:i + 24])[0]
        i += 8 + size + (size & 1)
    raise AssertionError(f"{path}: no fmt chunk")


def catalog_with(tmp: Path, **ru_voice):
    """The fixture catalog, with some Russian voice texts changed."""
    ru = fx.language("ru")
    for pid, text in ru_voice.items():
        ru["prompts"][pid.replace("__", ".")]["voice"] = text
    return load_catalog(fx.write(tmp, langs={"ru": ru}))


def tone(path: Path, seconds: float = 0.5) -> Path:
    """A 'recording': 44.1 kHz stereo, as a studio would deliver it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["sox", "-n", "-r", "44100", "-c", "2", str(path), "synth", str(seconds), "sine", "440"],
                   check=True)
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The fixture catalog built once; tests that change it work on a copy."""
    root = tmp_path_factory.mktemp("audio-built")
    catalog = load_catalog(fx.write(root / "prompts"))
    result = audio_build.build(catalog, root / "audio", TODAY)
    return catalog, root / "audio", result


@pytest.fixture
def audio_copy(built, tmp_path):
    _, directory, _ = built
    return Path(shutil.copytree(directory, tmp_path / "audio"))


# -- the build --------------------------------------------------------------------------------

def test_build_gives_every_line_as_8khz_mono_ulaw_wav(built):
    catalog, directory, result = built
    assert not result.errors and result.made > 0
    lines = audio.spoken_lines(catalog, TODAY)
    assert {ln.lang for ln in lines} == set(fx.LANGS)
    for code in fx.LANGS:
        index = audio.read_json(audio.index_path(directory, code), {})["lines"]
        assert {ln.sha for ln in lines if ln.lang == code} == set(index)
        for entry in index.values():
            path = directory / code / "generated" / entry["file"]
            assert wav_format(path) == (7, 1, 8000, 8)
            assert entry["kind"] == "generated" and entry["current"]
    some = next((directory / "tg" / "generated").glob("*.wav"))
    out = subprocess.run(["soxi", str(some)], capture_output=True, text=True, check=True).stdout
    assert "Sample Rate    : 8000" in out and "Channels       : 1" in out and "u-law" in out


def test_every_line_the_renderer_says_is_enumerated(built):
    catalog, _, _ = built
    ru = {ln.text: ln.ids for ln in audio.spoken_lines(catalog, TODAY) if ln.lang == "ru"}
    assert ru["[ru] [ru] facts: press 1"] == ("ui.option--opt.facts--1",)
    assert ru["[ru] sms: press 1"] == ("ui.sms_offer--1",)
    for text in ("[ru] main menu", "[ru] item.7 text", "[ru] more: press 1", "[ru] end of list", "[ru] nav",
                 "[ru] goodbye 1 4 0 6 1 0 3", "[ru] unavailable 1 4 0 6", "[ru] wrong key", "[ru] no input",
                 "[ru] welcome back", "[ru] choose ru"):
        assert text in ru, text
    assert "[ru] fact.old text" not in ru  # out of force since 2025-12-31: never said again
    assert "[ru] fact.fallback text" in ru  # ... its fallback is said instead


def test_a_fact_coming_into_force_later_is_built_already(tmp_path):
    cites = fx.citations()
    cites["fact.a"]["effective"] = "2027-01-01"
    catalog = load_catalog(fx.write(tmp_path / "p", cites=cites))
    assert "[kk] fact.a text" in {ln.text for ln in audio.spoken_lines(catalog, TODAY)}


def test_second_build_remakes_nothing_and_a_changed_text_remakes_one_line(built, audio_copy, tmp_path):
    catalog, _, _ = built
    again = audio_build.build(catalog, audio_copy, TODAY)
    assert again.made == 0 and again.kept == built[2].made
    changed = catalog_with(tmp_path / "p", menu__main="[ru] the main menu, changed")
    seen = []
    result = audio_build.build(changed, audio_copy, TODAY, progress=lambda *a: seen.append(a))
    assert result.made == 1 and not result.errors
    assert ("ru", 1, 1) in seen and ("kk", 0, 0) in seen
    files = list((audio_copy / "ru" / "generated").glob("*.wav"))
    assert len(files) == len(audio.read_json(audio.index_path(audio_copy, "ru"), {})["lines"])  # old file pruned


def test_tajik_is_read_by_the_persian_voice_from_latin():
    assert audio_build.VOICES["tg"] == "fa-latn"
    speaker = Speaker(ROOT / "prompts" / "spoken")
    assert speaker.spoken("tg", "Ба рақами 1 4 0 6 занг занед. Ҷавоби ҳуқуқӣ ғам") == \
        "ba raqami yak chor sifr shash zang zaned. javobi huquqi gham"
    # сҳ, кҳ, тҳ stay two sounds (fa-latn reads "sh", "kh", "th" as one), kept apart by a hyphen (an
    # apostrophe makes fa-latn pause after the word); ж is not ҷ.
    assert speaker.spoken("tg", "Ер ва ёрӣ, исҳол, бонкҳо, мактҳо, ихтисос, жола, ҷанг") == \
        "yer va yori, is-hol, bonk-ho, makt-ho, ikhtisos, jhola, jang"


# -- recordings -------------------------------------------------------------------------------

def test_a_recording_overrides_the_robot_and_is_converted(built, audio_copy):
    catalog, _, _ = built
    tone(audio_copy / "ru" / "recorded" / "menu.main.flac")
    tone(audio_copy / "ru" / "recorded" / "ui.option--opt.facts--1.wav")
    result = audio_build.build(catalog, audio_copy, TODAY)
    assert result.made == 2 and not result.errors
    index = audio.AudioIndex(audio_copy)
    entry = index.entry("ru", "[ru] main menu")
    assert entry["kind"] == "recorded" and entry["source"] == "menu.main.flac"
    assert index.entry("ru", "[ru] [ru] facts: press 1")["kind"] == "recorded"
    assert wav_format(audio_copy / "ru" / "generated" / entry["file"]) == (7, 1, 8000, 8)
    ledger = audio.read_ledger(audio_copy)["ru"]["menu.main"]
    assert ledger["text"] == "[ru] main menu" and ledger["text_sha"] == audio.text_sha("ru", "[ru] main menu")
    ru = next(r for r in audio.coverage(catalog, audio_copy, TODAY) if r["lang"] == "ru")
    assert (ru["recorded"], ru["generated"], ru["missing"], ru["stale"]) == (2, ru["lines"] - 2, 0, 0)


def test_a_changed_text_makes_the_recording_stale(built, audio_copy, tmp_path):
    catalog, _, _ = built
    tone(audio_copy / "ru" / "recorded" / "menu.main.ogg")
    audio_build.build(catalog, audio_copy, TODAY)
    changed = catalog_with(tmp_path / "p", menu__main="[ru] main menu, new wording")
    ru = next(r for r in audio.coverage(changed, audio_copy, TODAY) if r["lang"] == "ru")
    assert ru["stale_ids"] == ["menu.main"] and ru["missing"] == 1  # not rebuilt yet
    result = audio_build.build(changed, audio_copy, TODAY)
    assert result.stale == ["ru/menu.main"]
    index = audio.AudioIndex(audio_copy)
    assert index.entry("ru", "[ru] main menu, new wording")["kind"] == "generated"  # robot until re-recorded
    ru = next(r for r in audio.coverage(changed, audio_copy, TODAY) if r["lang"] == "ru")
    assert (ru["stale"], ru["missing"], ru["recorded"]) == (1, 0, 0)
    # Someone listens and decides the recording still says it: accepted, it is current again.
    assert audio_build.accept(changed, audio_copy, TODAY, "ru", "menu.main")
    audio_build.build(changed, audio_copy, TODAY)
    assert audio.AudioIndex(audio_copy).entry("ru", "[ru] main menu, new wording")["kind"] == "recorded"


def test_without_the_robot_a_stale_recording_is_kept_but_marked(built, audio_copy, tmp_path):
    catalog, _, _ = built
    tone(audio_copy / "kk" / "recorded" / "menu.main.wav")
    audio_build.build(catalog, audio_copy, TODAY)
    changed_kk = fx.language("kk")
    changed_kk["prompts"]["menu.main"]["voice"] = "[kk] new main menu"
    changed = load_catalog(fx.write(tmp_path / "p", langs={"kk": changed_kk}))
    audio_build.build(changed, audio_copy, TODAY, use_robot=False)
    index = audio.AudioIndex(audio_copy)
    assert index.entry("kk", "[kk] new main menu")["current"] is False
    assert index.url("kk", "[kk] new main menu") is None
    assert index.url("kk", "[kk] new main menu", stale_ok=True).endswith(".wav")


# -- rendering and serving ----------------------------------------------------------------------

def phone(app_factory, tmp_path, directory, **conf):
    app = app_factory(HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "prompts")), HOTLINE_AUDIO_DIR=str(directory),
                      **conf)
    return app, Emulator("http://localhost", app.config["TWILIO_AUTH_TOKEN"], client_transport(app.test_client()))


def test_play_mode_plays_each_language_in_its_own_audio(app_factory, tmp_path, built):
    _, directory, _ = built
    app, twilio = phone(app_factory, tmp_path, directory, HOTLINE_VOICE_PROMPTS="play")
    call = twilio.call()
    menu = call.start()
    assert [h.verb for h in menu.heard] == ["Play"] * 9  # the greeting (in kk: the fixture's first language)
    assert [h.text.split("/")[4] for h in menu.heard] == ["kk"] + fx.LANGS  # http://localhost/audio/<lang>/…
    index = audio.AudioIndex(directory)
    assert menu.heard[2].text == "http://localhost" + index.url("ru", "[ru] choose ru")
    main = call.press("3")
    assert all(h.verb == "Play" and "/audio/ky/" in h.text for h in main.heard)


def test_public_url_makes_the_audio_urls_absolute(app_factory, tmp_path, built):
    _, directory, _ = built
    _, twilio = phone(app_factory, tmp_path, directory, HOTLINE_VOICE_PROMPTS="auto",
                      HOTLINE_PUBLIC_URL="https://hotline.example.org/")
    turn = twilio.call().start()
    assert all(h.text.startswith("https://hotline.example.org/audio/") for h in turn.heard)


def test_say_mode_says_russian_with_a_named_voice_and_plays_every_other_language(app_factory, tmp_path, built):
    _, directory, _ = built
    _, twilio = phone(app_factory, tmp_path, directory, HOTLINE_VOICE_PROMPTS="say")
    turn = twilio.call().start()
    assert [h.verb for h in turn.heard] == ["Play", "Play", "Say"] + ["Play"] * 6  # the greeting, then kk ru …
    says = parse_twiml(turn.raw).findall(".//Say")
    assert [(s.get("language"), s.get("voice")) for s in says] == [("ru-RU", "Polly.Tatyana")]


def test_auto_says_what_has_no_current_audio(app_factory, tmp_path, built, audio_copy):
    ru = audio.index_path(audio_copy, "ru")
    data = audio.read_json(ru, {})
    del data["lines"][audio.text_sha("ru", "[ru] choose ru")]
    audio.write_json(ru, data)
    _, twilio = phone(app_factory, tmp_path, audio_copy, HOTLINE_VOICE_PROMPTS="auto")
    turn = twilio.call().start()
    assert [h.verb for h in turn.heard] == ["Play", "Play", "Say"] + ["Play"] * 6  # the greeting, then kk ru …
    assert turn.heard[2].text == "[ru] choose ru" and turn.heard[2].language == "ru-RU"


def test_play_takes_a_stale_recording_but_auto_says_the_new_text(app_factory, tmp_path, built, audio_copy):
    catalog, _, _ = built
    for code in ("kk", "ru"):
        tone(audio_copy / code / "recorded" / "lang.choose.wav")
    audio_build.build(catalog, audio_copy, TODAY)
    changed = {code: fx.language(code) for code in ("kk", "ru")}
    for code, lang in changed.items():
        lang["prompts"]["lang.choose"]["voice"] = f"[{code}] choose {code}, reworded"
    audio_build.build(load_catalog(fx.write(tmp_path / "changed", langs=changed)), audio_copy, TODAY,
                      use_robot=False)

    def heard(mode, where):
        app = app_factory(HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / where, langs=changed)),
                          HOTLINE_AUDIO_DIR=str(audio_copy), HOTLINE_VOICE_PROMPTS=mode)
        em = Emulator("http://localhost", app.config["TWILIO_AUTH_TOKEN"], client_transport(app.test_client()))
        return em.call().start().heard

    assert [h.verb for h in heard("play", "p1")[1:3]] == ["Play", "Play"]  # after the greeting
    kk, ru = heard("auto", "p2")[1:3]
    assert ru.verb == "Say" and ru.text == "[ru] choose ru, reworded"  # Twilio speaks Russian: the new text
    assert kk.verb == "Play"  # Twilio cannot speak Kazakh: the old recording beats an English voice


def test_audio_route_serves_wav_with_long_caching_and_etag(app_factory, tmp_path, built):
    _, directory, _ = built
    app, _ = phone(app_factory, tmp_path, directory, HOTLINE_VOICE_PROMPTS="play")
    client = app.test_client()
    url = audio.AudioIndex(directory).url("hy", "[hy] main menu")
    resp = client.get(url)  # a plain GET, no Twilio signature: that is how Twilio fetches <Play>
    assert resp.status_code == 200 and resp.mimetype == "audio/wav"
    assert resp.data[:4] == b"RIFF"
    assert "max-age=31536000" in resp.headers["Cache-Control"] and "public" in resp.headers["Cache-Control"]
    etag = resp.headers["ETag"]
    assert etag.strip('"') in url
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.data
    assert client.head(url).status_code == 200


@pytest.mark.parametrize("path", ["/audio/hy/0123456789abcdef.wav", "/audio/xx/0123456789abcdef.wav",
                                  "/audio/hy/..%2F..%2Fmanifest.json", "/audio/hy/index.json",
                                  "/audio/../manifest.json"])
def test_audio_route_serves_only_what_the_index_lists(app_factory, tmp_path, built, path):
    _, directory, _ = built
    app, _ = phone(app_factory, tmp_path, directory)
    assert app.test_client().get(path).status_code == 404


def test_a_rebuild_reaches_a_running_app(built, audio_copy, tmp_path):
    catalog, _, _ = built
    index = audio.AudioIndex(audio_copy, recheck=0)
    before = index.url("ru", "[ru] main menu")
    tone(audio_copy / "ru" / "recorded" / "menu.main.wav")
    audio_build.build(catalog, audio_copy, TODAY)
    assert index.url("ru", "[ru] main menu") != before
    assert index.path("ru", before.rsplit("/", 1)[1]) is None  # the old file is gone from the index


# -- the command ----------------------------------------------------------------------------------

def test_hotline_audio_build_and_report(tmp_path, monkeypatch):
    from ivr.cli import main

    monkeypatch.setenv("HOTLINE_PROMPTS_DIR", str(fx.write(tmp_path / "prompts")))
    monkeypatch.setenv("HOTLINE_AUDIO_DIR", str(tmp_path / "audio"))
    monkeypatch.setenv("HOTLINE_VAR_DIR", str(tmp_path / "var"))
    runner = CliRunner()
    report = runner.invoke(main, ["audio", "report", "--fail-on-missing"])
    assert report.exit_code == 1 and "no audio" in report.output
    assert runner.invoke(main, ["audio", "report"]).exit_code == 0  # missing is only news without the flag
    n = len(audio.spoken_lines(load_catalog(tmp_path / "prompts"), TODAY, ["ru"]))
    build = runner.invoke(main, ["audio", "build", "--lang", "ru", "--lang", "tg"])
    assert build.exit_code == 0, build.output
    assert f"ru: {n}/{n} files made" in build.output
    report = runner.invoke(main, ["audio", "report"])
    rows = {words[0]: words[1:] for words in map(str.split, report.output.splitlines())
            if words and words[0] in fx.LANGS}
    assert rows["ru"][:5] == [str(n), str(n), "0", str(n), "0"]  # lines present recorded generated missing
    assert rows["kk"][1] == "0"  # kk: nothing built


# -- the real catalog -------------------------------------------------------------------------------

@pytest.mark.slow
def test_the_whole_real_catalog_builds_for_all_8_languages(tmp_path):
    prompts = ROOT / "prompts"
    if not (prompts / "kk.yaml").exists():
        pytest.skip("prompts/kk.yaml does not exist yet: the real catalog is still being written")
    catalog = load_catalog(prompts)
    result = audio_build.build(catalog, tmp_path / "audio", dt.date.today(), jobs=2)
    assert not result.errors, result.errors[:5]
    rows = audio.coverage(catalog, tmp_path / "audio", dt.date.today())
    assert [r["lang"] for r in rows] == ["kk", "ru", "ky", "uz", "tg", "tk", "az", "hy"]
    assert all(r["lines"] > 0 and r["missing"] == 0 for r in rows), rows
    # what a caller pays, from these files: every key fact within 3 keys and 45 s, the main menu within 20 s
    report = cost.CallerCost(catalog, audio.AudioIndex(tmp_path / "audio"), dt.date.today())
    costs = report.report(cost.key_facts(prompts))
    table, ok = cost.format_rows(costs, max_keys=3, max_seconds=45)
    assert ok, table
    assert all(r.ends <= 20 and not r.missing for r in costs if r.name == "main menu"), table


# -- what the synthesizer is fed, silence, production ---------------------------------------------

def test_the_index_records_what_the_synthesizer_was_fed_and_the_voice(built):
    _, directory, _ = built
    entry = audio.AudioIndex(directory).entry("tg", "[tg] main menu")
    assert entry["spoken"] == "[tg] main menu"  # the fixture catalog has no prompts/spoken/ rules
    assert entry["voice"].startswith("espeak-ng -v fa-latn ") and entry["audible"] is True and entry["seconds"] > 0.3


def test_a_changed_pronunciation_rule_rebuilds_only_the_lines_it_changes(built, audio_copy, tmp_path):
    prompts = fx.write(tmp_path / "p")
    (prompts / "spoken").mkdir()
    (prompts / "spoken" / "ru.yaml").write_text("words:\n  goodbye: good bye\n", encoding="utf-8")
    catalog = load_catalog(prompts)
    result = audio_build.build(catalog, audio_copy, TODAY)
    assert result.made == 1 and not result.errors
    entry = audio.AudioIndex(audio_copy).entry("ru", "[ru] goodbye 1 4 0 6 1 0 3")
    assert entry["spoken"] == "[ru] good bye 1 4 0 6 1 0 3"


def test_a_silent_file_is_not_called_present(built, audio_copy, tmp_path):
    catalog, _, _ = built
    path = audio.index_path(audio_copy, "kk")
    data = audio.read_json(path, {})
    data["lines"][audio.text_sha("kk", "[kk] main menu")]["audible"] = False  # as the tk voice made "1 4 0 6"
    audio.write_json(path, data)
    kk = next(r for r in audio.coverage(catalog, audio_copy, TODAY) if r["lang"] == "kk")
    assert (kk["silent"], kk["silent_ids"], kk["missing"], kk["present"]) == (1, ["menu.main"], 1, kk["lines"] - 1)


def test_production_refuses_to_start_while_a_language_twilio_cannot_speak_has_no_audio(app_factory, tmp_path,
                                                                                        built):
    from ivr.settings import SettingsError

    _, directory, _ = built
    prod = {name: secrets.token_hex(32) for name in ("HOTLINE_SECRET_KEY", "HOTLINE_HASH_SECRET", "TWILIO_AUTH_TOKEN")}
    prod.update(HOTLINE_ENV="production", HOTLINE_PROMPTS_DIR=str(fx.write(tmp_path / "prompts")))
    with pytest.raises(SettingsError, match="hotline audio build"):
        app_factory(HOTLINE_AUDIO_DIR=str(tmp_path / "no-audio"), **prod)
    app = app_factory(HOTLINE_AUDIO_DIR=str(directory), **prod)  # built: it starts
    em = Emulator("http://localhost", prod["TWILIO_AUTH_TOKEN"], client_transport(app.test_client()))
    heard = em.call().start().heard
    assert [h.verb for h in heard] == ["Play", "Play", "Say"] + ["Play"] * 6  # say mode: Russian by Twilio's voice


def test_hotline_audio_check_names_the_lines_and_why(tmp_path, monkeypatch):
    from ivr.cli import main

    monkeypatch.setenv("HOTLINE_PROMPTS_DIR", str(fx.write(tmp_path / "prompts")))
    monkeypatch.setenv("HOTLINE_VAR_DIR", str(tmp_path / "var"))
    out = CliRunner().invoke(main, ["audio", "check", "--lang", "ru", "--details"])
    # The fixture's "[ru] main menu" is English in a Russian voice: a switch, named with the fed text.
    assert out.exit_code == 1 and "switch: to en" in out.output and "fed: [ru] main menu" in out.output
    monkeypatch.setenv("HOTLINE_PROMPTS_DIR", str(ROOT / "prompts"))
    out = CliRunner().invoke(main, ["audio", "check", "--lang", "az"])
    assert out.exit_code == 0, out.output
    assert out.output.splitlines()[2].split()[:2] == ["az", str(len(audio.spoken_lines(
        load_catalog(ROOT / "prompts"), dt.date.today(), ["az"])))]
