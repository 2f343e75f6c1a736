"""docs/content.md, generated from the catalog: every fact, its source, its languages and review
status — so a reviewer can check the hotline against the documents line by line."""
from __future__ import annotations

import datetime as dt

from . import stale
from .coverage import language_rows
from .model import OWN_WORDING_PREFIXES, Catalog

REVIEWER_GUIDE = """## How a native reviewer works

Translations from the Kazakh-only sources (001, 003, 004) and wording a non-native speaker changed are marked
**u** (unreviewed) below and on the dashboard's coverage page. A native speaker reviews them in a PO editor
(Poedit, Lokalize, Weblate — any gettext tool):

1. `hotline content export --lang uz --out uz.po` writes every text of the language. Each entry's context
   (msgctxt) is the prompt id (`<id>|sms` for the SMS wording), the source text (msgid) is the Russian, and the
   comments give the Russian again, the source document, section and verbatim quote. Unreviewed texts are
   *fuzzy*.
2. The reviewer reads each fuzzy entry against the Russian and the quote, corrects the translation, and clears
   the *fuzzy* flag only for a text they would say to a caller themselves. Keep the glossary's terms
   (`prompts/glossary/<lang>.yaml`: one term per concept; Uzbek uses only the ASCII apostrophe o', g').
   Keep voice texts short (callers pay per second) and numbers to dial as digits ("1 4 0 6").
3. `hotline content import uz.po` writes the texts back into `prompts/uz.yaml`: a cleared fuzzy flag becomes
   `reviewed`, a fuzzy one stays `unreviewed`, text from the source document stays `source` (edited, it becomes
   `unreviewed`). A prompt with its own SMS wording has two entries and one status: it is `reviewed` only when
   both are cleared (the import names each prompt where only one was). The import is refused with a one-line
   error, and nothing written, for a file that does not parse, an SMS over three segments, an entry whose
   msgid is no longer today's Russian (the Russian changed after the export — e.g. a scope word was added:
   export again, or `msgmerge` the old file with a new export; `--stale unreviewed` takes such entries in as
   unreviewed), and when the catalog would be invalid (a lost placeholder, a glossary term, a scope word).
4. `hotline content check` and `hotline content doc` show the new review state; commit the language file.

Where the sources do not settle a question, the prompt says so and gives 1406; a reviewer who knows the
answer from another document does not add it here — the fact needs a source first (`prompts/citations.yaml`).

## What the sources do not settle

- Whether the free consultations and tests of 000 section C are due to a temporarily staying foreigner
  without one of the 23 diseases dangerous to others (000 heads the table as their free package; 001 gives
  them that package only for those diseases). The prompts say it is unclear and give 1406.
- Which part of a permanent resident's care is free and which needs ОСМС insurance: 001 says care is given
  "in full volume" and that permanent residents are ОСМС participants. The prompts say: the free package,
  and the ОСМС package when insured.
- What a ДМС/ВМС contract covers in pregnancy beyond primary and emergency inpatient care: the prompt sends
  the caller to the insurer.
- Whether the state insures non-working pregnant foreigners (001 lists the category without citizenship).
- The contribution amounts after 2025 (004 gives 2025 only) and the text of item 2 of the ОСМС list in force
  from 01.01.2027 (003 omits it): the catalog says the last known amounts with their year, and that the list
  changes, with 1406.
"""

MARK = {"source": "S", "reviewed": "R", "unreviewed": "u"}
SOURCE_NAMES = {
    "000": "IOM leaflet: algorithm for foreigners, 23 diseases, free services (8 languages)",
    "001": "ФСМС presentation: ГОБМП and ОСМС (Kazakh)",
    "003": "Government decree No. 421 of 20.06.2019 as amended by No. 1086 of 15.12.2025 (Kazakh)",
    "004": "ФСМС leaflet: insured status and 2025 contributions (Kazakh)",
}


def _where(catalog: Catalog) -> dict[str, list[str]]:
    where: dict[str, list[str]] = {}
    for node in catalog.nodes.values():
        for pid in node.prompt_ids():
            where.setdefault(pid, []).append(node.id)
    return where


CALLER_COST = """## What a caller pays

Keys pressed after the language choice, and seconds of the built audio heard until each key fact has been
said, listening to every screen to its end (`hotline content cost`; recordings count where accepted).
Counted besides the audio (one place: `TIMING` in ivr/voice/cost.py): 0.25 s of Twilio's gap before each
`<Play>`/`<Say>`, and 0.6 s of round trip (webhook, TwiML, first audio fetched) after each key.
The limits: every key fact within 3 keys and 45 s, their median within 35 s, the main menu within 20 s, in
every language. Before the menu was redesigned for it (2026-12), the main menu alone took 36–52 s and the key
facts 2–4 keys and 48–162 s.

A first call (no language known) hears the greeting with 103 first; the second table is the seconds from the
answer to the main menu, gaps and the key's round trip counted. Where the country calling code names a
language (tree.yaml `language_by_country`) the greeting and the offer are in it and key 1 takes it: within
20 s. A +7 number hears the Russian greeting and the list, and presses its language's key as soon as it is
said (keys work while a prompt plays): a column per language."""


def render(catalog: Catalog, today: dt.date, caller_cost: str | None = None) -> str:
    """`caller_cost`: the table of ivr/voice/cost.markdown, when the audio is built."""
    where = _where(catalog)
    out = ["# Content: every fact the hotline says", "",
           "Generated by `hotline content doc` from `prompts/` — do not edit by hand.",
           "Status per language: **S** from the source in that language, **R** translation reviewed by a native "
           "speaker, **u** translation not yet reviewed. Facts marked *outside the sources* are not in the "
           "documents. Struck-through dates are out of force and never said.", "",
           "## Coverage", "", "| lang | prompts | from source | reviewed | unreviewed | SMS segments (max) |",
           "|---|---|---|---|---|---|"]
    for r in language_rows(catalog, today):
        out.append(f"| {r['lang']} | {r['present']}/{r['needed']} | {r['source']} | {r['reviewed']} | "
                   f"{r['unreviewed']} | {r['sms_segments']} ({r['sms_max_segments']}) |")
    out += ["", CALLER_COST, ""]
    out.append(caller_cost or "(The audio was not built when this page was generated: run `hotline audio build`, "
                              "then `hotline content doc`.)")
    out += ["", REVIEWER_GUIDE.rstrip(), "", "## Dated facts", "",
            "A fact past its `until` is replaced by its successor or its fallback; `hotline content check --today "
            "DATE` prints what callers hear differently on DATE.", ""]
    for pid, c in sorted(catalog.citations.items()):
        if c.until or (c.effective and c.effective > today) or c.successor or c.fallback:
            nxt = f"successor `{c.successor}`" if c.successor else f"fallback `{c.fallback}`" if c.fallback else "—"
            out.append(f"- `{pid}`: {c.effective or '?'} → {c.until or 'no end date'}; then {nxt}")
    old = stale.stale_facts(catalog, today)
    out += ["", f"## Facts that may be stale ({len(old)})", "",
            f"Listed when the source is older than {stale.STALE_MONTHS} months or older than another source on the "
            "same subject; to re-read against the source, not taken out of service.", ""]
    out += [line.strip() and "- " + line.strip() for line in stale.summary(old)]
    facts = sorted(p for p in catalog.all_prompt_ids() if not p.startswith(OWN_WORDING_PREFIXES))
    by_source: dict[str, list[str]] = {}
    for pid in facts:
        by_source.setdefault(catalog.citations[pid].source, []).append(pid)
    for source in sorted(by_source):
        title = catalog.sources.get(source, {}).get("title") or SOURCE_NAMES.get(source, "")
        out += ["", f"## Source {source}: {title}", ""]
        for pid in by_source[source]:
            c = catalog.citations[pid]
            dates = f"{c.effective or '?'} → {c.until or 'no end date'}"
            if not c.in_force(today):
                dates = f"~~{dates}~~ (out of force)"
            status = " ".join(f"{code}:{MARK[catalog.prompt(code, pid).status]}"
                              for code in catalog.languages)
            out += [f"### `{pid}`", "",
                    f"- where: {', '.join(sorted(where.get(pid, []))) or '(action)'}",
                    f"- source: {c.source}, {c.section}{' — *outside the sources*' if c.outside_sources else ''}",
                    f"- quote: «{c.quote}»", f"- in force: {dates}", f"- languages: {status}",
                    f"- ru: {catalog.prompt('ru', pid).voice}", f"- kk: {catalog.prompt('kk', pid).voice}"]
            if c.note:
                out.append(f"- note: {c.note}")
            out.append("")
    return "\n".join(out).rstrip() + "\n"
