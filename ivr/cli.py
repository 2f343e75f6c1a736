"""The `hotline` command: one entry point for running, trying and checking the hotline.

  hotline up        everything for a try-out: embedded Redis + web app + worker (no Twilio needed)
  hotline serve     the web app under gunicorn (the production WSGI server)
  hotline worker    an RQ worker with its scheduler
  hotline call      a terminal phone: call a running app, hear the menu, press keys
  hotline sms       a terminal texter (`hotline sms TEXT`); `hotline sms eval` measures understanding
  hotline content   check the catalog and print its coverage
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import click

from .settings import load_settings


@click.group()
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
    return {"bind": bind, "workers": workers, "threads": threads, "worker_class": "gthread",
            "reuse_port": reuse_port, "on_starting": refuse_taken_address,
            "timeout": 30, "graceful_timeout": 10, "keepalive": 5, "accesslog": None, "preload_app": False}


def refuse_taken_address(server) -> None:
    """gunicorn's on_starting hook: stop if something already listens on our TCP address.
    With reuse_port a second server (an old release left running, a second `hotline up`) would
    otherwise not fail to bind: it would silently share the port and half the calls. Unix socket
    paths are left to gunicorn."""
    import socket

    for address in server.cfg.address:
        if not isinstance(address, tuple):
            continue
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT leftovers are fine
            try:
                probe.bind(address[:2])
            except OSError as exc:
                raise SystemExit(f"{address[0]}:{address[1]} is already in use ({exc.strerror}); "
                                 "stop the other server first") from None
        if server.cfg.reuse_port:  # gunicorn's own "Listening at:" line is empty then: the master holds no socket
            server.log.info("Listening at: %s:%s, a socket per worker (reuse_port)", *address[:2])


@main.command()
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="127.0.0.1")
@click.option("--port", default=lambda: int(os.environ.get("PORT", 8000)), type=int, show_default="8000")
@click.option("--workers", default=lambda: int(os.environ.get("WEB_CONCURRENCY", 2)), type=int, show_default="2")
@click.option("--threads", default=4, type=int, show_default=True)
def serve(host, port, workers, threads):
    """Serve the web app with gunicorn."""
    conf = load_settings()
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
    """Run an RQ worker (with the scheduler) for follow-up SMS."""
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
@click.option("--port", default=8000, type=int, show_default=True)
def up(port):
    """Run the whole hotline locally: embedded Redis, the web app and a worker."""
    conf = load_settings()
    # Stop everything on SIGTERM too (kill, a supervisor), and on SIGINT even when started in the
    # background, where a shell leaves SIGINT ignored and Python would never see Ctrl-C.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    url = _ensure_redis(conf)
    env = dict(os.environ, REDIS_URL=url)
    exe = [sys.executable, "-m", "ivr.cli"]
    procs = [subprocess.Popen(exe + ["serve", "--port", str(port)], env=env),
             subprocess.Popen(exe + ["worker", "--verbose"], env=env)]
    click.echo(f"Hotline running at http://127.0.0.1:{port}  (Redis: {url})")
    click.echo("Try it from another terminal:  hotline call      (Ctrl-C here stops everything)")
    try:
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        if not conf["REDIS_URL"]:  # ours: save and stop it, rather than leave a server behind
            from .store.connection import stop_embedded

            stop_embedded(conf["HOTLINE_VAR_DIR"])


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


def _emulator(url: str, token: str | None):
    from .phone import Emulator

    token = token or load_settings()["TWILIO_AUTH_TOKEN"]
    return Emulator(url, token, _http_transport)


@main.command()
@click.option("--url", default="http://127.0.0.1:8000", show_default=True, help="The running app.")
@click.option("--from", "caller", default="+77010000001", show_default=True, help="The caller's number.")
@click.option("--token", default=None, help="Auth token to sign with (default: TWILIO_AUTH_TOKEN or the dev token).")
@click.option("--keys", default=None, help="Keys to press, space-separated, '-' for silence (else: interactive).")
def call(url, caller, token, keys):
    """A terminal phone: call the hotline, hear what it says, press keys (Enter alone = no key)."""
    phone = _emulator(url, token).call(caller=caller)
    script = keys.split() if keys is not None else None
    try:
        turn = phone.start()
        while True:
            for heard in turn.heard:
                tag = f"[{heard.language}] " if heard.language else ""
                click.echo(f"  {'♪ ' if heard.verb == 'Play' else ''}{tag}{heard.text}")
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
              help="lang<TAB>topic<TAB>text lines (default: tests/data/sms_corpus.tsv).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--min-accuracy", type=float, default=None, help="Exit 1 when a language's top-1 is below (0-1).")
def sms_eval(corpus, as_json, min_accuracy):
    """Top-1 topic accuracy per language on the corpus, the confusions, and what replies cost."""
    import datetime as dt
    import json

    from .content.catalog import load_catalog
    from .content.lexicon import load_lexicon
    from .flow import Flow
    from .sms import evaluate
    from .sms.keywords import Matcher
    from .sms.render import SmsRenderer
    from .sms.texting import Texting

    conf = load_settings()
    catalog = load_catalog(conf["HOTLINE_PROMPTS_DIR"], conf["HOTLINE_SOURCES_DIR"])
    texting = Texting(catalog, Flow(catalog), SmsRenderer(catalog, int(conf["HOTLINE_SMS_SEGMENTS"])),
                      Matcher(catalog), lexicon=load_lexicon(catalog))
    today = dt.date.fromisoformat(conf["HOTLINE_TODAY"]) if conf.get("HOTLINE_TODAY") else dt.date.today()
    report = evaluate.evaluate(texting, evaluate.load_corpus(corpus or evaluate.DEFAULT_CORPUS), today)
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=1))
    else:
        click.echo(evaluate.format_report(report))
    if min_accuracy is not None and any(report.accuracy(c) < min_accuracy for c, r in report.langs.items() if r.total):
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
    """Delete everything stored about NUMBER (call logs, SMS, messages, callbacks, language)."""
    from .store.privacy import mask
    from .store.retention import forget as forget_number

    svc = _services()
    if not yes:
        click.confirm(f"Delete everything about {mask(number)}?", abort=True)
    count = forget_number(svc.redis, svc.caller_hash(number), svc.catalog.languages, svc.rq_redis)
    click.echo(f"Deleted {count} records about {mask(number)}.")


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
    import datetime as dt
    from pathlib import Path

    from .cli_common import catalog_or_exit
    from .content.doc import render

    catalog = catalog_or_exit(load_settings())
    Path(out).write_text(render(catalog, dt.date.today()), encoding="utf-8")
    click.echo(f"wrote {out}")


@content.command("check")
@click.option("--today", default=None, help="Check as of this date (YYYY-MM-DD).")
@click.option("--prompts", "per_prompt", is_flag=True, help="Also list SMS segments per prompt and language.")
def content_check(today, per_prompt):
    """Validate the catalog and print coverage per language; exit 1 on a gap."""
    from .cli_common import catalog_or_exit
    from .content.coverage import coverage_report, segments_table

    catalog = catalog_or_exit(load_settings())
    text, ok = coverage_report(catalog, today)
    click.echo(text)
    click.echo(_lexicon_summary(catalog))
    if per_prompt:
        click.echo(segments_table(catalog))
    sys.exit(0 if ok else 1)


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
    return f"SMS lexicon: {len(lexicon.topics)} topics; words per language: {', '.join(counts) or 'none'}"


from .ops.cli import users  # noqa: E402  (the dashboard's accounts)

main.add_command(users)
from .voice.audio_build import audio_cli as audio  # noqa: E402  (hotline audio build / report / accept)

main.add_command(audio)

if __name__ == "__main__":
    main()
