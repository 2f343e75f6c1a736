"""Facts that may be stale: listed for review by `hotline content check` and the dashboard's coverage page.

A fact is listed when its source is older than a newer source on the same subject (citations.yaml
`subject:`, sources.yaml `dated:`), or when its source is older than STALE_MONTHS. Nothing is taken out
of service by this list: a person reads the source again and either confirms the fact or dates it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .model import OWN_WORDING_PREFIXES, Catalog

STALE_MONTHS = 36


@dataclass(frozen=True)
class Stale:
    pid: str
    source: str
    dated: dt.date | None
    reason: str


def _months(a: dt.date, b: dt.date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def stale_facts(catalog: Catalog, today: dt.date, months: int = STALE_MONTHS) -> list[Stale]:
    dated = {code: src.get("dated") for code, src in catalog.sources.items()}
    newest: dict[str, tuple[dt.date, str]] = {}  # subject -> (date, source) of its newest source
    claims = [(cite.subject, cite.source) for cite in catalog.citations.values() if cite.subject]
    claims += [(subject, code) for code, src in catalog.sources.items() for subject in src.get("subjects", ())]
    for subject, source in claims:
        when = dated.get(source)
        if when and (subject not in newest or when > newest[subject][0]):
            newest[subject] = (when, source)
    out = []
    for pid in sorted(catalog.all_prompt_ids()):
        cite = catalog.citations.get(pid)
        if pid.startswith(OWN_WORDING_PREFIXES) or cite is None or cite.outside_sources and not cite.subject:
            continue
        if not catalog.in_force(pid, today):
            continue
        when = dated.get(cite.source)
        reasons = []
        if cite.subject and when and newest[cite.subject][0] > when and cite.dated_by != newest[cite.subject][1]:
            # (a fact that ends with the newer source's dated list is reconciled with it: sources.yaml `lists:`)
            other_when, other = newest[cite.subject]
            reasons.append(f"source {other} ({other_when}) is newer on {cite.subject!r}")
        if when is None:
            reasons.append(f"source {cite.source} has no date")
        elif _months(when, today) > months:
            reasons.append(f"source dated {when}, over {months} months ago")
        if reasons:
            out.append(Stale(pid, cite.source, when, "; ".join(reasons)))
    return out


def grouped(items: list[Stale]) -> list[dict]:
    """One row per source and reason, with the prompts (the dashboard's coverage page shows these)."""
    groups: dict[tuple[str, str], list[str]] = {}
    for s in items:
        groups.setdefault((s.source, s.reason), []).append(s.pid)
    return [{"source": source, "reason": reason, "pids": pids} for (source, reason), pids in sorted(groups.items())]


def summary(items: list[Stale]) -> list[str]:
    """One line per source and reason, naming the prompts (the CLI prints these)."""
    return [f"  {g['source']}: {g['reason']} — {len(g['pids'])} facts: {', '.join(g['pids'])}" for g in grouped(items)]
