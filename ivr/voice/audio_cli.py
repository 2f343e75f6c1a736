"""The `hotline audio` command: build, report, accept, check.

The work is done elsewhere: building in ivr/voice/audio_build.py, coverage in ivr/voice/audio.py,
the pronunciation check in ivr/voice/audio_check.py. See audio/README.md.
"""
from __future__ import annotations

import datetime as dt
import sys

import click

from . import audio, audio_build, audio_check


def _context():
    from zoneinfo import ZoneInfo

    from ..cli_common import catalog_or_exit
    from ..settings import load_settings

    conf = load_settings()
    catalog = catalog_or_exit(conf)
    return catalog, audio.audio_dir(conf), dt.datetime.now(ZoneInfo(conf["HOTLINE_TIMEZONE"])).date()


@click.group("audio")
def audio_cli():
    """Telephone audio: build it from the catalog, report what is missing or stale, check how it sounds."""


@audio_cli.command("build")
@click.option("--lang", "langs", multiple=True, help="Only this language (repeatable).")
@click.option("--jobs", default=2, type=int, show_default=True, help="Files made in parallel.")
@click.option("--recorded-only", is_flag=True, help="Do not generate robot audio (no espeak-ng needed).")
def build_command(langs, jobs, recorded_only):
    """Render every line to 8 kHz mono μ-law WAV; only changed texts are rebuilt."""
    catalog, directory, today = _context()

    tty = sys.stdout.isatty()

    def progress(lang, done, total):
        if not total:
            click.echo(f"  {lang}: up to date")
        elif tty:
            click.echo(f"\r  {lang}: {done}/{total} files made", nl=done == total)
        elif done and (done == total or done % 50 == 0):
            click.echo(f"  {lang}: {done}/{total} files made")

    click.echo(f"Building audio into {directory}")
    try:
        result = audio_build.build(catalog, directory, today, list(langs) or None, jobs, not recorded_only, progress)
    except audio_build.BuildError as exc:
        click.echo(f"audio build failed: {exc}", err=True)
        sys.exit(1)
    click.echo(f"{result.made} made, {result.kept} unchanged.")
    if result.stale:
        click.echo("Stale recordings (text changed; robot voice used until re-recorded or "
                   "`hotline audio accept`): " + ", ".join(result.stale))
    for error in result.errors:
        click.echo(f"error: {error}", err=True)
    sys.exit(1 if result.errors else 0)


@audio_cli.command("report")
@click.option("--fail-on-missing", is_flag=True, help="Exit 1 if a line has no current audio.")
@click.option("--fail-on-stale", is_flag=True, help="Exit 1 if a recording's text has changed.")
@click.option("--details", is_flag=True, help="List the line ids, not only the counts.")
def report_command(fail_on_missing, fail_on_stale, details):
    """Per language: lines, audio present (recorded / generated), missing, stale recordings."""
    catalog, directory, today = _context()
    rows = audio.coverage(catalog, directory, today)
    click.echo(f"Audio in {directory} as of {today}")
    click.echo(f"{'lang':<5}{'lines':>7}{'present':>9}{'recorded':>10}{'generated':>11}{'missing':>9}{'stale':>7}"
               f"{'silent':>8}")
    for r in rows:
        click.echo(f"{r['lang']:<5}{r['lines']:>7}{r['present']:>9}{r['recorded']:>10}{r['generated']:>11}"
                   f"{r['missing']:>9}{r['stale']:>7}{r['silent']:>8}")
        for name in ("missing", "stale", "new", "unused", "silent"):
            if r[f"{name}_ids"] and (details or name != "missing"):
                click.echo(f"     {name}: {', '.join(r[f'{name}_ids'])}")
    missing, stale = sum(r["missing"] for r in rows), sum(r["stale"] for r in rows)
    if missing:
        click.echo(f"{missing} lines have no audio: run `hotline audio build`.")
    if sum(r["silent"] for r in rows):
        click.echo("Silent files are counted as missing: `hotline audio check --built` says why.")
    sys.exit(1 if (fail_on_missing and missing) or (fail_on_stale and stale) else 0)


@audio_cli.command("accept")
@click.argument("lang")
@click.argument("line_id")
def accept_command(lang, line_id):
    """Mark a recording as current for its changed text (the change did not alter what is said)."""
    catalog, directory, today = _context()
    if not audio_build.accept(catalog, directory, today, lang, line_id):
        click.echo(f"no recording {lang}/{line_id} for a current line", err=True)
        sys.exit(1)
    click.echo(f"{lang}/{line_id} accepted; run `hotline audio build`.")


@audio_cli.command("check")
@click.option("--lang", "langs", multiple=True, help="Only this language (repeatable).")
@click.option("--jobs", default=2, type=int, show_default=True, help="espeak-ng runs in parallel.")
@click.option("--built", is_flag=True, help="Also check the built files (silent, or a length unfit for the text).")
@click.option("--details", is_flag=True, help="List every flagged line with what the synthesizer is fed.")
def check_command(langs, jobs, built, details):
    """What espeak-ng really says: digits left, no phonemes, a switch to another voice, spelled-out words."""
    catalog, directory, today = _context()
    try:
        results = audio_check.check(catalog, today, list(langs) or None, directory if built else None, jobs)
    except RuntimeError as exc:
        click.echo(f"audio check failed: {exc}", err=True)
        sys.exit(1)
    rows = audio_check.summary(results, catalog.languages)
    click.echo(f"Pronunciation (espeak-ng -x) as of {today}")
    click.echo(f"{'lang':<5}{'lines':>7}" + "".join(f"{p:>10}" for p in audio_check.PROBLEMS))
    for r in rows:
        click.echo(f"{r['lang']:<5}{r['lines']:>7}" + "".join(f"{r[p]:>10}" for p in audio_check.PROBLEMS))
    flagged = [s for s in results if s.problems]
    for said in flagged if details else flagged[:20]:
        why = "; ".join(f"{p}: {w}" for p, w in said.problems.items())
        click.echo(f"  {said.lang} {said.line_id}: {why}\n      fed: {said.spoken}")
    if len(flagged) > 20 and not details:
        click.echo(f"  … {len(flagged) - 20} more (--details)")
    if flagged:
        click.echo("Fix a pronunciation in prompts/spoken/<lang>.yaml (prompts/README.md, Pronunciation).")
    sys.exit(1 if flagged else 0)
