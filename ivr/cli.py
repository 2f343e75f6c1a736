"""The `hotline` command: one entry point for running, trying and checking the hotline.

  hotline up        everything for a try-out: embedded Redis + web app + worker (no Twilio needed)
  hotline serve     the web app under gunicorn (the production WSGI server)
  hotline worker    an RQ worker with its scheduler
  hotline call      a terminal phone: call a running app, hear the menu, press keys (--missed: a missed call)
  hotline sms       a terminal texter (`hotline sms TEXT`); `hotline sms eval` measures understanding
  hotline dnc       the do-not-call list of missed-call callbacks
  hotline content   check the catalog and print its coverage
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import subprocess
import sys
import time

import click

from .settings import SettingsError, load_settings


class _Hotline(click.Group):
    """Settings that refuse to load (weak production secrets, a bad value) end the command with their
    message and exit status 1, not a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except SettingsError as exc:
            raise click.ClickException(f"settings: {exc}") from None


@click.group(cls=_Hotline)
def main():
    """Migrant health hotline."""


# -- running ---------------------------------------------------------------------------

def _ensure_redis(conf: dict) -> str:
    """REDIS_URL, or an embedded Redis started here and shared with child processes."""
    if conf["REDIS_URL"]:
        return conf["REDIS_URL"]
    from .store.connection import start_embedded

    url = start_embedded(conf["HOTLINE_VAR_DIR"])
    os.environ["REDIS_URL"] = url
    return url


def gunicorn_options(host: str = "127.0.0.1", port: int = 8000, workers: int = 2, threads: int = 4,
                     bind: str | None = None) -> dict:
    """The production server settings; `hotline serve`, deploy/gunicorn.conf.py and bench/ all use these.
    `bind` (an address or "unix:/path") replaces host and port."""
    bind = bind or f"{host}:{port}"
    # reuse_port: each worker process listens on its own socket and the kernel spreads connections
    # over them. With one shared socket, whichever process wakes first accepts, and keep-alive
    # connections (nginx's upstream pool, Twilio's) stay where they landed: 32 of them were seen
    # split 32/0 and 31/1 over two processes, so one process (one GIL, one core) served everything
    # and latency doubled (docs/performance.md). A unix socket path cannot be shared that way.
    reuse_port = not bind.startswith("unix:")
    options = {"bind": bind, "workers": workers, "threads": threads, "worker_class": "gthread",
               "reuse_port": reuse_port, "on_starting": refuse_taken_address,
               "timeout": 30, "graceful_timeout": 10, "keepalive": 5, "accesslog": None, "preload_app": False}
    from gunicorn.config import KNOWN_SETTINGS

    if any(s.name == "control_socket_disable" for s in KNOWN_SETTINGS):
        # gunicorn 25+ opens a control socket at one path per user (~/.gunicorn/gunicorn.ctl): a second
        # server would take it over and remove it on exit. Nothing here uses gunicornc.
        options["control_socket_disable"] = True
    return options


def refuse_taken_address(server) -> None:
    """gunicorn's on_starting hook: stop if something already listens on our TCP address.
    With reuse_port a second server (an old release left running, a second `hotline up`) would
    otherwise not fail to bind: it would silently share the port and half the calls. Unix socket
    paths are left to gunicorn."""
    from .local_run import address_in_use

    tcp = [a for a in server.cfg.address if isinstance(a, tuple)]
    for address in tcp:
        reason = address_in_use(address[0], address[1])
        if reason:
            raise SystemExit(f"{address[0]}:{address[1]} is already in use ({reason}); stop the other server first")
    if server.cfg.reuse_port and tcp:
        server.log.error_log.addFilter(_ListeningAt(", ".join(f"{a[0]}:{a[1]}" for a in tcp)))


class _ListeningAt(logging.Filter):
    """With reuse_port the master holds no socket (each worker binds its own), so gunicorn's
    "Listening at: " line comes out empty: fill in the addresses the workers listen on."""

    def __init__(self, addresses: str):
        super().__init__()
        self.addresses = addresses

    def filter(self, record: logging.LogRecord) -> bool:
        msg, args = record.msg, record.args
        if isinstance(msg, str) and msg.startswith("Listening at: %s") and args and not args[0]:
            record.msg = msg.replace("%s", "%s, a socket per worker (reuse_port)", 1)
            record.args = (self.addresses, *args[1:])
        return True


@main.command()
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="127.0.0.1")
@click.option("--port", default=lambda: int(os.environ.get("PORT", 8000)), type=int, show_default="8000")
@click.option("--workers", default=lambda: int(os.environ.get("WEB_CONCURRENCY", 2)), type=int, show_default="2")
@click.option("--threads", default=4, type=int, show_default=True)
def serve(host, port, workers, threads):
    """Serve the web app with gunicorn."""
    conf = load_settings()
    from . import local_run

    local_run.refuse_taken_port(host, port)  # before an embedded Redis is started for nothing
    _ensure_redis(conf)
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self):
            for key, value in gunicorn_options(host, port, workers, threads).items():
                self.cfg.set(key, value)

        def load(self):
            from . import create_app

            return create_app()

    Server().run()


@main.command()
@click.option("--burst", is_flag=True, help="Run the queued jobs, then exit.")
@click.option("--fork", is_flag=True, help="Fork a child per job (RQ's Worker) instead of running jobs in-process.")
@click.option("--max-jobs", type=int, default=None, help="Exit after this many jobs (systemd restarts the worker).")
@click.option("--verbose", is_flag=True, help="Log every job (RQ's INFO lines), not only warnings and errors.")
def worker(burst, fork, max_jobs, verbose):
    """Run an RQ worker (with the scheduler) for follow-up SMS and missed-call callbacks."""
    conf = load_settings()
    _ensure_redis(conf)
    from workers.runner import QUEUES, run_worker

    if not verbose:
        click.echo(f"worker: queues {', '.join(QUEUES)}; logging warnings and errors only (--verbose: every job)",
                   err=True)
    run_worker(burst=burst, fork=fork, max_jobs=max_jobs, verbose=verbose)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


@main.command()
@click.option("--port", default=lambda: int(os.environ.get("PORT", 8000)), type=int, show_default="8000 or $PORT")
def up(port):
    """Run the whole hotline locally: embedded Redis, the web app and a worker."""
    from . import local_run

    conf = load_settings()
    host = "127.0.0.1"
    # Both checks come before anything is started or stopped: a second `up` must not disturb the first.
    local_run.refuse_taken_port(host, port)
    lock = None if conf["REDIS_URL"] else local_run.claim_var_dir(conf["HOTLINE_VAR_DIR"], port)
    # Stop everything on SIGTERM too (kill, a supervisor), and on SIGINT even when started in the
    # background, where a shell leaves SIGINT ignored and Python would never see Ctrl-C.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    url = conf["REDIS_URL"]
    if not url:
        from .store.connection import start_embedded

        url = start_embedded(conf["HOTLINE_VAR_DIR"], adopt=True)  # this run owns it: it stops it
    env = dict(os.environ, REDIS_URL=url)
    exe = [sys.executable, "-m", "ivr.cli"]
    procs = [subprocess.Popen(exe + ["serve", "--host", host, "--port", str(port)], env=env),
             subprocess.Popen(exe + ["worker", "--verbose"], env=env)]
    problem = None
    try:
        if local_run.wait_listening(host, port, procs[0]):
            click.echo(local_run.banner(host, port, url, not conf["REDIS_URL"], local_run.has_users(url)))
            while all(p.poll() is None for p in procs):
                time.sleep(0.5)
        problem = local_run.what_stopped({"web app": procs[0], "worker": procs[1]}) or (
            f"the web app did not answer on {host}:{port}")
    except KeyboardInterrupt:
        pass
    finally:
        local_run.stop(procs)
        if not conf["REDIS_URL"]:  # ours: save and stop it, rather than leave a server behind
            from .store.connection import stop_embedded

            stop_embedded(conf["HOTLINE_VAR_DIR"])
        if lock:
            lock.close()
    if problem:
        raise click.ClickException(f"{problem}; everything is stopped")


# -- trying ----------------------------------------------------------------------------

def _http_transport(url, form, headers):
    import urllib.error
    import urllib.parse
    import urllib.request

    data = urllib.parse.urlencode(form).encode()
    req = urllib.request.Request(url, data=data, headers=dict(headers, **{
        "Content-Type": "application/x-www-form-urlencoded"}))
    try:
        with urllib.request.urlopen(req, timeout=15) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(errors="replace")


def _emulator(url: str, token: str | None, words=None):
    from .phone import Emulator

    token = token or load_settings()["TWILIO_AUTH_TOKEN"]
    return Emulator(url, token, _http_transport, words)


def _transcript():
    """The words behind the app's audio URLs, from this machine's catalog and audio index (the
    terminal phone shows them as a caller would hear them); None if the catalog does not load."""
    from zoneinfo import ZoneInfo

    from .content.catalog import load_catalog
    from .content.model import CatalogError
    from .voice.audio import AudioIndex, Transcript, audio_dir

    conf = load_settings()
    try:
        catalog = load_catalog(conf["HOTLINE_PROMPTS_DIR"], conf["HOTLINE_SOURCES_DIR"])
    except CatalogError:
        return None
    today = dt.datetime.now(ZoneInfo(conf["HOTLINE_TIMEZONE"])).date()
    return Transcript(catalog, AudioIndex(audio_dir(conf)), today).words


@main.command()
@click.option("--url", default="http://127.0.0.1:8000", show_default=True, help="The running app.")
@click.option("--from", "caller", default="+77010000001", show_default=True, help="The caller's number.")
@click.option("--token", default=None, help="Auth token to sign with (default: TWILIO_AUTH_TOKEN or the dev token).")
@click.option("--keys", default=None, help="Keys to press, space-separated, '-' for silence (else: interactive).")
@click.option("--missed", is_flag=True, help="Ring the missed-call number (/voice/missed), then answer the callback.")
@click.option("--machine", is_flag=True, help="With --missed: answer the callback as a voicemail would.")
@click.option("--wait", default=30, type=int, show_default=True, help="With --missed: seconds to wait for it.")
def call(url, caller, token, keys, missed, machine, wait):
    """A terminal phone: call the hotline, hear what it says, press keys (Enter alone = no key)."""
    emulator = _emulator(url, token, words=_transcript())
    if not missed:
        phone = emulator.call(caller=caller)
        _converse(phone, keys)
        return _texts_sent(phone.sid, caller)
    from .store.privacy import is_withheld

    if is_withheld(caller):  # what the hotline will do with it: reject, and never call back (docs/security.md)
        click.echo(f"  note: {caller} is not a possible phone number (phonenumbers), so the hotline treats it as a "
                   "withheld caller ID: it rejects the ring and calls nobody back. Try e.g. --from +992931234567.",
                   err=True)
    turn = emulator.ring_missed(caller)
    if not turn.rejected:
        click.echo(f"  the hotline answered instead of rejecting the call: {turn.raw[:200]}", err=True)
        sys.exit(1)
    click.echo(f"  (rejected: {turn.rejected} — the call was never answered, so nobody pays for it)")
    click.echo("  waiting for the hotline to call back …")
    placed = _wait_for_callback(caller, wait)
    if placed is None:
        click.echo(f"  no callback within {wait} s. Is a worker running (`hotline up` starts one)? A number is not "
                   "called back again soon after its last callback (HOTLINE_CALLBACK_GAP_MINUTES): try --from "
                   "another number. With Twilio credentials set, the callback goes through Twilio, not here.",
                   err=True)
        sys.exit(1)
    click.echo(f"  ☎ the hotline is calling you back ({placed['sid']}); answered by "
               f"{'a voicemail' if machine else 'you'}")
    phone = emulator.answer(caller, placed, "machine_start" if machine else "human")
    _converse(phone, keys)
    _texts_sent(phone.sid, caller)


def _texts_sent(sid: str, caller: str) -> None:
    """The SMS this call asked for, and whose phone each one goes to: the terminal phone's (`--from`),
    on a callback too, where Twilio posts the hotline as From on every webhook."""
    import redis

    from .store import calllog, messages
    from .store.privacy import number_hash

    conf = load_settings()
    mine = number_hash(conf["HOTLINE_HASH_SECRET"], caller)
    with redis.Redis.from_url(_ensure_redis(conf), decode_responses=True) as r:
        _, events = calllog.read(r, sid)
        for msg_id in [e["msg"] for e in events if e.get("msg")]:
            msg = r.hgetall(messages.key(msg_id))
            if not msg:
                continue
            whose = "to you" if msg.get("to_hash") == mine else "to ANOTHER number"
            click.echo(f"  ✉ SMS {whose} ({msg.get('to_mask', '?')}, {msg.get('status', '?')}): "
                       f"{msg.get('body', '')}")


def _wait_for_callback(caller: str, wait: int) -> dict | None:
    """The callback the worker placed into the local outbox (no Twilio credentials) for `caller`."""
    import json

    import redis

    from .store.privacy import number_hash
    from .voice.calls import outbox_key

    conf = load_settings()
    with redis.Redis.from_url(_ensure_redis(conf), decode_responses=True) as r:
        found = r.blpop(outbox_key(number_hash(conf["HOTLINE_HASH_SECRET"], caller)), timeout=wait)
    return json.loads(found[1]) if found else None


def _converse(phone, keys: str | None) -> None:
    script = keys.split() if keys is not None else None
    try:
        turn = phone.start()
        while True:
            for heard in turn.heard:
                tag = f"[{heard.language}] " if heard.language else ""
                missing = " (no audio built: a 404 on Twilio)" if "/missing-" in (heard.url or "") else ""
                click.echo(f"  {'♪ ' if heard.verb == 'Play' else ''}{tag}{heard.text}{missing}")
            if phone.ended:
                break
            if script is not None:
                if not script:
                    break
                pressed = script.pop(0)
                pressed = "" if pressed == "-" else pressed
                click.echo(f"> {pressed or '(no key)'}")
            else:
                try:
                    pressed = click.prompt("> key", default="", show_default=False).strip()
                except (click.Abort, EOFError):
                    break
            turn = phone.press(pressed[:1]) if pressed else phone.silence()
    finally:
        phone.hang_up()
        click.echo("(call ended)")


class _TextOrCommand(click.Group):
    """`hotline sms TEXT` texts the hotline (the `send` subcommand); `hotline sms eval` measures it."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["send", *args]
        return super().parse_args(ctx, args)


@main.group(cls=_TextOrCommand)
def sms():
    """Text the hotline (`hotline sms TEXT`), or measure how it understands texts (`hotline sms eval`)."""


@sms.command("send")
@click.argument("text")
@click.option("--url", default="http://127.0.0.1:8000", show_default=True, help="The running app.")
@click.option("--from", "sender", default="+77010000001", show_default=True, help="The texter's number.")
@click.option("--token", default=None, help="Auth token to sign with (default: TWILIO_AUTH_TOKEN or the dev token).")
def sms_send(text, url, sender, token):
    """Text the hotline as Twilio would deliver it, and print the reply."""
    status, replies = _emulator(url, token).sms(text, sender=sender)
    if status != 200:
        click.echo(f"HTTP {status}", err=True)
        sys.exit(1)
    for reply in replies:
        click.echo(reply)
    if not replies:
        click.echo("(no reply)")


@sms.command("eval")
@click.option("--corpus", type=click.Path(exists=True, dir_okay=False), default=None,
              help="lang<TAB>topic<TAB>text lines, the inbox's labelled .jsonl export, or a judged set "
              "(lang, text, status, expect, must_not, note: tests/data/sms_heldout_v2.tsv) "
              "(default: tests/data/sms_corpus.tsv).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--min-accuracy", type=float, default=None,
              help="Exit 1 when a language's share of direct and correct replies (and top-1) is below (0-1).")
def sms_eval(corpus, as_json, min_accuracy):
    """Judge the replies (direct and correct, a menu holding the right choice, wrong, no answer, out of scope
    answered honestly, language kept, segments) per language; for a topic corpus also top-1 topic accuracy."""
    import json

    from .content.catalog import load_catalog
    from .content.lexicon import load_lexicon
    from .flow import Flow
    from .sms import evaluate, judging
    from .sms.keywords import Matcher
    from .sms.render import SmsRenderer
    from .sms.texting import Texting

    conf = load_settings()
    catalog = load_catalog(conf["HOTLINE_PROMPTS_DIR"], conf["HOTLINE_SOURCES_DIR"])
    texting = Texting(catalog, Flow(catalog), SmsRenderer(catalog, int(conf["HOTLINE_SMS_SEGMENTS"])),
                      Matcher(catalog), lexicon=load_lexicon(catalog))
    path = corpus or evaluate.DEFAULT_CORPUS
    judged_only = judging.is_judged(path)
    report = None if judged_only else evaluate.evaluate(texting, evaluate.load_corpus(path), _today(conf))
    judged = judging.run(texting, judging.load(path), _today(conf)) if not str(path).endswith(".jsonl") else None
    if as_json:
        out = {**(report.as_dict() if report else {}), **({"judged": judged.as_dict()} if judged else {})}
        click.echo(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        if report:
            click.echo(evaluate.format_report(report))
        if judged:
            click.echo(("\nThe replies judged:\n" if report else "") + judging.format_report(judged))
    if min_accuracy is not None:
        low = report and any(report.accuracy(c) < min_accuracy for c, r in report.langs.items() if r.total)
        if low or (judged and any(judged.share(c) < min_accuracy for c, s in judged.langs.items() if s.total)):
            sys.exit(1)


@sms.command("stop-eval")
@click.option("--corpus", type=click.Path(exists=True, dir_okay=False), default=None,
              help="lang<TAB>optout|ask_how|other<TAB>text lines (default: tests/data/sms_stop_heldout.tsv).")
def sms_stop_eval(corpus):
    """Judge texts about stopping: opted out and told so (optout), told how (ask_how), never opted out (other)."""
    from .content.catalog import load_catalog
    from .content.lexicon import load_lexicon
    from .flow import Flow
    from .sms import stop_judging
    from .sms.keywords import Matcher
    from .sms.render import SmsRenderer
    from .sms.texting import Texting

    conf = load_settings()
    catalog = load_catalog(conf["HOTLINE_PROMPTS_DIR"], conf["HOTLINE_SOURCES_DIR"])
    texting = Texting(catalog, Flow(catalog), SmsRenderer(catalog, int(conf["HOTLINE_SMS_SEGMENTS"])),
                      Matcher(catalog), lexicon=load_lexicon(catalog))
    results = stop_judging.run(texting, stop_judging.load(corpus or stop_judging.HELDOUT), _today(conf))
    click.echo(stop_judging.format_report(results))
    if stop_judging.false_optouts(results):
        sys.exit(1)


# -- privacy -----------------------------------------------------------------------------

def _services():
    from . import services as services_mod

    conf = load_settings()
    return services_mod.build(dict(conf, REDIS_URL=_ensure_redis(conf)))


@main.command()
@click.argument("number")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def forget(number, yes):
    """Delete everything stored about NUMBER (call logs, SMS, messages, callbacks, language); missed-call
    callbacks never ring it again (it stays on the do-not-call list, as a hash)."""
    from .store.privacy import mask
    from .store.retention import forget as forget_number

    svc = _services()
    if not yes:
        click.confirm(f"Delete everything about {mask(number)}?", abort=True)
    count = forget_number(svc.redis, svc.caller_hash(number), svc.catalog.languages, svc.rq_redis)
    click.echo(f"Deleted {count} records about {mask(number)}.")


@main.group()
def dnc():
    """The do-not-call list: numbers a missed-call callback never rings (kept as hashes)."""


@dnc.command("add")
@click.argument("number")
def dnc_add(number):
    """Never call NUMBER back (`hotline forget` does this too)."""
    _dnc(number, True)


@dnc.command("remove")
@click.argument("number")
def dnc_remove(number):
    """Let missed-call callbacks ring NUMBER again."""
    _dnc(number, False)


@dnc.command("check")
@click.argument("number")
def dnc_check(number):
    """Say whether NUMBER is on the do-not-call list (exit 1 if it is not)."""
    from .store import missed_calls
    from .store.privacy import mask

    svc = _services()
    listed = bool(svc.redis.exists(missed_calls.dnc_key(svc.caller_hash(number))))
    click.echo(f"{mask(number)} is {'' if listed else 'not '}on the do-not-call list.")
    sys.exit(0 if listed else 1)


def _dnc(number: str, on: bool) -> None:
    from .store import missed_calls
    from .store.privacy import is_withheld, mask

    if is_withheld(number):
        raise click.BadParameter("a withheld number is never called back anyway", param_hint="NUMBER")
    svc = _services()
    missed_calls.do_not_call(svc.redis, svc.caller_hash(number), on)
    click.echo(f"{mask(number)} {'added to' if on else 'removed from'} the do-not-call list.")


@main.command()
def purge():
    """Drop records older than HOTLINE_LOG_RETENTION_DAYS (the worker also does this daily)."""
    from .store.retention import purge as purge_old

    svc = _services()
    count = purge_old(svc.redis, int(svc.config["HOTLINE_LOG_RETENTION_DAYS"]), svc.catalog.languages)
    click.echo(f"Purged {count} old index entries.")


# -- checking --------------------------------------------------------------------------

@main.group()
def content():
    """The content catalog."""


@content.command("doc")
@click.option("--out", default="docs/content.md", show_default=True)
def content_doc(out):
    """Write the reviewer's list of every fact with its source and review status."""
    from pathlib import Path

    from .cli_common import catalog_or_exit
    from .content.doc import render
    from .voice import audio, cost

    conf = load_settings()
    catalog = catalog_or_exit(conf)
    day = _today(conf)
    index = audio.AudioIndex(audio.audio_dir(conf))
    table = None
    if index.lines:  # the caller-cost table needs the built audio's lengths
        caller_cost = cost.CallerCost(catalog, index, day)
        rows = caller_cost.report(cost.key_facts(catalog.directory))
        worst, median = cost.fact_summary(rows)
        table = "\n\n".join([cost.markdown(rows), f"Key facts: at most {worst:.1f} s, median {median:.1f} s.",
                              cost.markdown_first_calls(caller_cost.first_calls())])
    Path(out).write_text(render(catalog, day, table), encoding="utf-8")
    click.echo(f"wrote {out}")


def _today(conf: dict):
    """The catalog's today: HOTLINE_TODAY (development and review only), else the date in HOTLINE_TIMEZONE."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    if conf.get("HOTLINE_TODAY"):
        return dt.date.fromisoformat(conf["HOTLINE_TODAY"])
    return dt.datetime.now(ZoneInfo(conf["HOTLINE_TIMEZONE"])).date()


@content.command("check")
@click.option("--today", default=None, help="Check as of this date (YYYY-MM-DD) and print what callers would "
              "hear differently then.")
@click.option("--prompts", "per_prompt", is_flag=True, help="Also list SMS segments per prompt and language.")
def content_check(today, per_prompt):
    """Validate the catalog and print coverage per language and facts to review; exit 1 on a gap."""
    import datetime as dt

    from .cli_common import catalog_or_exit
    from .content import asof, stale
    from .content.coverage import coverage_report, segments_table

    conf = load_settings()
    catalog = catalog_or_exit(conf)
    real = _today(conf)
    day = dt.date.fromisoformat(today) if today else real
    text, ok = coverage_report(catalog, day)
    click.echo(text)
    click.echo(_lexicon_summary(catalog))
    click.echo(_optout_summary(catalog))
    old = stale.stale_facts(catalog, day)
    if old:
        click.echo(f"May be stale, to review ({len(old)}):")
        click.echo("\n".join(stale.summary(old)))
    if day != real:
        changes = asof.differences(catalog, real, day)
        click.echo(f"Heard differently on {day} than on {real}:" if changes else f"Nothing differs from {real}.")
        click.echo("\n".join(changes))
    if per_prompt:
        click.echo(segments_table(catalog))
    sys.exit(0 if ok else 1)


@content.command("cost")
@click.option("--today", default=None, help="As of this date (YYYY-MM-DD).")
@click.option("--max-keys", default=3, show_default=True, help="Keys allowed after the language choice.")
@click.option("--max-seconds", default=45.0, show_default=True, help="Seconds allowed before a fact ends.")
@click.option("--max-median", default=35.0, show_default=True, help="Seconds allowed for the median key fact.")
@click.option("--max-first-call", default=20.0, show_default=True,
              help="Seconds from a first call's answer to the main menu, where the country code names a language.")
def content_cost(today, max_keys, max_seconds, max_median, max_first_call):
    """Per language and key fact (tree.yaml `key_facts:`): keys and seconds until it is said (built audio, the
    gap before each <Play>/<Say> and the round trip after each key); then a first call's seconds to the main
    menu per country code, and the key facts' max and median.

    Exit 1 when a fact is out of reach or over a limit. Build the audio first (`hotline audio build`)."""
    import datetime as dt

    from .cli_common import catalog_or_exit
    from .voice import audio, cost

    conf = load_settings()
    catalog = catalog_or_exit(conf)
    day = dt.date.fromisoformat(today) if today else _today(conf)
    facts = cost.key_facts(catalog.directory)
    if not facts:
        click.echo("tree.yaml lists no key_facts")
        sys.exit(1)
    caller_cost = cost.CallerCost(catalog, audio.AudioIndex(audio.audio_dir(conf)), day)
    rows = caller_cost.report(facts)
    text, ok = cost.format_rows(rows, max_keys, max_seconds)
    click.echo(text)
    first, first_ok = cost.format_first_calls(caller_cost.first_calls(), max_first_call)
    click.echo("\n" + first)
    worst, median = cost.fact_summary(rows)
    t = caller_cost.timing
    click.echo(f"\nkey facts: max {worst:.1f} s, median {median:.1f} s (limit {max_median:.0f} s); counted: "
               f"{t.verb_gap} s before each <Play>/<Say>, {t.key_round_trip} s after each key")
    sys.exit(0 if ok and first_ok and median <= max_median else 1)


@content.command("export")
@click.option("--lang", required=True, help="Language code (kk ru ky uz tg tk az hy).")
@click.option("--out", default=None, help="The PO file to write (default: <lang>.po).")
def content_export(lang, out):
    """Write a language's prompts as a gettext PO file for translators (fuzzy = not yet reviewed)."""
    from .cli_common import catalog_or_exit
    from .content import po

    catalog = catalog_or_exit(load_settings())
    if lang not in catalog.langs:
        raise click.BadParameter(f"not one of {' '.join(catalog.languages)}", param_hint="--lang")
    out = out or f"{lang}.po"
    po.export(catalog, lang).save(out)
    click.echo(f"wrote {out}")


@content.command("import")
@click.argument("po_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--stale", type=click.Choice(["refuse", "unreviewed"]), default="refuse", show_default=True,
              help="Entries translated from a Russian text that has changed since the export: refuse the file, "
                   "or import them as unreviewed.")
def content_import(po_file, stale):
    """Read a translated PO file back into prompts/<lang>.yaml with its review status; refuse a bad result."""
    from pathlib import Path

    from .cli_common import catalog_or_exit
    from .content import po
    from .content.catalog import load_catalog
    from .content.model import CatalogError

    conf = load_settings()
    catalog = catalog_or_exit(conf)
    notes: list[str] = []
    try:
        lang, prompts = po.read(po_file, catalog, stale=stale, notes=notes)
    except CatalogError as exc:
        raise click.ClickException(f"not imported, nothing written: {exc}") from exc
    for note in notes:
        click.echo(note)
    path = Path(conf["HOTLINE_PROMPTS_DIR"]) / f"{lang}.yaml"
    before = path.read_text(encoding="utf-8")
    changed = po.write_prompts(path, prompts)
    try:
        load_catalog(conf["HOTLINE_PROMPTS_DIR"], conf["HOTLINE_SOURCES_DIR"])
    except CatalogError as exc:
        path.write_text(before, encoding="utf-8")
        raise click.ClickException(f"not imported, the catalog would be invalid: {exc}") from exc
    click.echo(f"{path}: {changed} prompts changed")


def _lexicon_summary(catalog) -> str:
    """The SMS lexicons (prompts/lexicon/): words per language, or why they do not load (exit 1)."""
    from .content.lexicon import load_lexicon
    from .content.model import CatalogError

    try:
        lexicon = load_lexicon(catalog)
    except CatalogError as exc:
        click.echo(f"SMS lexicon: {exc}", err=True)
        sys.exit(1)
    counts = [f"{code} {sum(len(words) for words in lex.topics.values())}" for code, lex in lexicon.langs.items()]
    kinds = {kind: sum(s.kind == kind for s in lexicon.signals.values()) for kind in ("status", "intent", "disease")}
    return (f"SMS lexicon: {len(lexicon.topics)} topics; words per language: {', '.join(counts) or 'none'}; "
            f"statuses {kinds['status']}, intents {kinds['intent']}, diseases named {kinds['disease']}")


def _optout_summary(catalog) -> str:
    """The stop/start/help phrases and free-form stop words (prompts/lexicon/optout.yaml): per language, or why they
    do not load (exit 1)."""
    from .content.model import CatalogError
    from .sms import optout, optout_freeform

    try:
        return optout.summary(catalog) + optout_freeform.summary(catalog)
    except CatalogError as exc:
        click.echo(f"SMS stop/start/help phrases: {exc}", err=True)
        sys.exit(1)


from .ops.people.cli import users  # noqa: E402  (the dashboard's accounts)

main.add_command(users)
from .voice.audio_cli import audio_cli as audio  # noqa: E402  (hotline audio build / report / accept / check)

main.add_command(audio)

if __name__ == "__main__":
    main()
