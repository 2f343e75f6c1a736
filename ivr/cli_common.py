"""Helpers shared by the `hotline` subcommands."""
from __future__ import annotations

import sys

import click

from .content.catalog import load_catalog
from .content.model import Catalog, CatalogError


def catalog_or_exit(conf: dict) -> Catalog:
    """The configured catalog, or a clear message and exit status 1."""
    try:
        return load_catalog(conf["HOTLINE_PROMPTS_DIR"], conf["HOTLINE_SOURCES_DIR"])
    except CatalogError as exc:
        click.echo(f"catalog invalid: {exc}", err=True)
        sys.exit(1)
