"""Content coverage: per language, what the catalog has and what still needs a human.

Shared by `hotline content check` and (later) the operators' dashboard.
"""
from __future__ import annotations

import datetime as dt

from ..sms import segments
from .checks import UI_PROMPTS
from .model import Catalog


def language_rows(catalog: Catalog, today: dt.date) -> list[dict]:
    needed = sorted(catalog.all_prompt_ids() | set(UI_PROMPTS))
    expired = {p for p in needed if not catalog.in_force(p, today)}
    rows = []
    for code in catalog.languages:
        prompts = catalog.langs[code].prompts
        present = [p for p in needed if p in prompts]
        segs = [segments.segments(prompts[p].sms) for p in present]
        rows.append({
            "lang": code, "name": catalog.langs[code].name, "needed": len(needed), "present": len(present),
            "source": sum(prompts[p].status == "source" for p in present),
            "reviewed": sum(prompts[p].status == "reviewed" for p in present),
            "unreviewed": sum(prompts[p].status == "unreviewed" for p in present),
            "sms_max_segments": max(segs or [0]), "sms_over_budget": sum(s > 3 for s in segs),
            "sms_segments": sum(segs), "expired": len(expired),
        })
    return rows


def coverage_report(catalog: Catalog, today: str | dt.date | None = None) -> tuple[str, bool]:
    today = dt.date.fromisoformat(today) if isinstance(today, str) else (today or dt.date.today())
    rows = language_rows(catalog, today)
    head = (f"{'lang':<5}{'present':>9}{'source':>8}{'reviewed':>9}{'unreviewed':>11}{'sms segs':>9}{'max':>5}"
            f"{'>3':>4}{'expired':>8}")
    lines = [f"Catalog {catalog.directory} as of {today}: {len(catalog.nodes)} nodes, "
             f"{rows[0]['needed']} prompts per language", head]
    ok = True
    for r in rows:
        gap = r["present"] < r["needed"] or r["sms_over_budget"]
        ok = ok and not gap
        lines.append(f"{r['lang']:<5}{r['present']:>4}/{r['needed']:<4}{r['source']:>8}{r['reviewed']:>9}"
                     f"{r['unreviewed']:>11}{r['sms_segments']:>9}{r['sms_max_segments']:>5}"
                     f"{r['sms_over_budget']:>4}{r['expired']:>8}{'  GAP' if gap else ''}")
    expired = sorted(p for p in catalog.all_prompt_ids() if not catalog.in_force(p, today))
    if expired:
        lines.append("Not said today (out of force): " + ", ".join(expired))
    return "\n".join(lines), ok


def segments_table(catalog: Catalog) -> str:
    """SMS segments of every prompt in every language (UCS-2 unless all GSM-7), for `--prompts`."""
    lines = ["prompt".ljust(34) + "".join(code.rjust(4) for code in catalog.languages)]
    for pid in sorted(catalog.all_prompt_ids() | set(UI_PROMPTS)):
        counts = [segments.segments(catalog.sms(code, pid)) for code in catalog.languages]
        lines.append(pid.ljust(34) + "".join(str(n).rjust(4) for n in counts))
    return "\n".join(lines)
