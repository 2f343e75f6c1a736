"""`hotline users`: operator accounts for the dashboard (add, reset, disable, enable, role, remove, list).

The password is read from standard input (one line), so it never appears in the process list
or the shell history: `printf '%s\n' "$PW" | hotline users add anna --role operator`.
At a terminal it is asked for twice, without echo.
"""
from __future__ import annotations

import sys

import click

from ...settings import load_settings
from . import users as store


def _redis():
    from ...store.connection import connect, start_embedded

    conf = load_settings()
    return connect(conf["REDIS_URL"] or start_embedded(conf["HOTLINE_VAR_DIR"]), 5.0)


def _read_password() -> str:
    stdin = sys.stdin
    if stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return stdin.readline().rstrip("\r\n")


@click.group()
def users():
    """Operator accounts for the dashboard at /ops/."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(store.ROLES), default="operator", show_default=True)
@click.option("--replace", is_flag=True, help="Change the password or role of an existing user.")
def add(name, role, replace):
    """Add a user; the password is read from standard input."""
    try:
        store.add(_redis(), name.lower(), _read_password(), role, replace=replace)
    except store.UserError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"user {name.lower()} ({role}) saved")


def _change(change, name: str, value, done: str) -> None:
    try:
        change(_redis(), name.lower(), value)
    except store.UserError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"user {name.lower()} {done}")


@users.command("reset")
@click.argument("name")
def reset(name):
    """Set a new password (read from standard input); every session of the user ends."""
    _change(store.set_password, name, _read_password(), "has a new password; their sessions ended")


@users.command("disable")
@click.argument("name")
def disable(name):
    """Refuse the user's logins and end their sessions now."""
    _change(store.set_disabled, name, True, "disabled; their sessions ended")


@users.command("enable")
@click.argument("name")
def enable(name):
    """Let a disabled user log in again."""
    _change(store.set_disabled, name, False, "enabled")


@users.command("role")
@click.argument("name")
@click.argument("role", type=click.Choice(store.ROLES))
def role(name, role):
    """Change a user's role (from their next request on)."""
    _change(store.set_role, name, role, f"is now {role}")


@users.command("remove")
@click.argument("name")
def remove(name):
    """Remove a user; their sessions end at once."""
    if not store.remove(_redis(), name.lower()):
        click.echo(f"no user {name.lower()}", err=True)
        sys.exit(1)
    click.echo(f"user {name.lower()} removed")


@users.command("list")
def list_users():
    """List users and roles."""
    for user in store.all_users(_redis()):
        state = "disabled" if user.disabled else ("no password" if not user.has_password else "")
        click.echo("\t".join(filter(None, (user.name, user.role, state))))
