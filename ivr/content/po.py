"""Translators' files: a language's prompts as a gettext PO file, and back (`hotline content export/import`).

One entry per text: msgctxt is the prompt id (`<id>|sms` for an SMS wording that differs from the voice
one), msgid the Russian text, msgstr this language's. The comments carry what a reviewer needs: the
Russian text, the source and its verbatim quote, and whether the text is taken from the source.
`fuzzy` means not yet reviewed by a native speaker; clearing it in Poedit or any PO editor marks the
text reviewed. A prompt with a separate SMS wording has two entries (`<id>` and `<id>|sms`) and one status:
it becomes reviewed only when both are cleared (clearing one leaves it unreviewed; the import says so).
The import refuses, before writing anything, a file that does not parse, an entry translated from a Russian
text that has changed since the export (its msgid), and an SMS text over the budget; a text marked as the
source's own that a translator edits becomes unreviewed. polib reads and writes the files.
"""
from __future__ import annotations

import re
from pathlib import Path

import polib
import yaml

from ..sms import segments
from . import fast_yaml
from .checks import UI_PROMPTS
from .model import Catalog, CatalogError, Prompt

MAX_SMS_SEGMENTS = 3  # the SMS budget `hotline content check` holds every text to (content/coverage.py)

SMS_SUFFIX = "|sms"
FROM_SOURCE = "status: source (the wording is the source document's own)"


def _comment(catalog: Catalog, pid: str, field: str) -> str:
    ru = catalog.prompt("ru", pid)
    lines = [f"Russian ({field}): {ru.voice if field == 'voice' else ru.sms}"]
    cite = catalog.citations.get(pid)
    if cite:
        lines.append(f"Source {cite.source}, {cite.section}: «{cite.quote}»")
        if cite.outside_sources:
            lines.append("Outside the sources.")
    return "\n".join(lines)


def export(catalog: Catalog, lang: str) -> polib.POFile:
    po = polib.POFile(wrapwidth=0)
    po.metadata = {"Project-Id-Version": "hotline prompts", "Language": lang,
                   "Content-Type": "text/plain; charset=UTF-8", "Content-Transfer-Encoding": "8bit",
                   "MIME-Version": "1.0"}
    # A fact said with its list's date is made from the fact and the list's wording: translators see those two.
    ids = sorted((catalog.all_prompt_ids() | set(UI_PROMPTS) | catalog.list_wordings) - set(catalog.dated))
    for pid in ids:
        prompt = catalog.prompt(lang, pid)
        texts = [("voice", pid, prompt.voice, catalog.prompt("ru", pid).voice)]
        if prompt.sms != prompt.voice:
            texts.append(("sms", pid + SMS_SUFFIX, prompt.sms, catalog.prompt("ru", pid).sms))
        for field, ctxt, text, ru in texts:
            comment = _comment(catalog, pid, field)
            if prompt.status == "source":
                comment += "\n" + FROM_SOURCE
            po.append(polib.POEntry(msgctxt=ctxt, msgid=ru, msgstr=text, comment=comment,
                                    flags=["fuzzy"] if prompt.status == "unreviewed" else []))
    return po


class StaleEntries(CatalogError):
    """PO entries translated from a Russian text that has changed since (their msgid is not today's Russian)."""

    def __init__(self, file: str, lang: str, pids: list[str]):
        self.pids = pids
        shown = ", ".join(pids[:12]) + (f" and {len(pids) - 12} more" if len(pids) > 12 else "")
        super().__init__(file, f"{len(pids)} entries translate an older Russian text (their msgid is not the "
                               f"current Russian): {shown}. Export again (or msgmerge with a new export) and translate "
                               "the new Russian; --stale unreviewed imports them as unreviewed", None, lang)


def _parse_po(path: Path | str) -> polib.POFile:
    """The PO file, or a one-line CatalogError naming the file and what is wrong (never a traceback)."""
    name = Path(path).name
    try:
        return polib.pofile(str(path), encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogError(name, f"is not UTF-8 text (byte {exc.start}): save it as UTF-8") from exc
    except (OSError, ValueError) as exc:
        raise CatalogError(name, f"is not a valid PO file: {' '.join(str(exc).split())}") from exc


def read(path: Path | str, catalog: Catalog, stale: str = "refuse",
         notes: list[str] | None = None) -> tuple[str, dict[str, Prompt]]:
    """The language a PO file is for and the prompts it holds, with their review status.

    Everything is checked here, before anything is written: the file parses; every entry names a prompt and
    translates today's Russian (an entry whose msgid is an older Russian text is refused, or with
    `stale="unreviewed"` imported as unreviewed); no SMS text is over the SMS budget. A text marked as the
    source's own that a translator edited becomes unreviewed. A prompt's voice and SMS entries share one
    status: it is reviewed only when neither entry is fuzzy (`notes` gets a line for each prompt where only
    one was cleared)."""
    name = Path(path).name
    po = _parse_po(path)
    lang = po.metadata.get("Language", "")
    if lang not in catalog.langs:
        raise CatalogError(name, f"Language {lang!r} is not one of the catalog's languages")
    texts, old_russian = _entries(po, catalog, lang, name)
    if old_russian and stale != "unreviewed":
        raise StaleEntries(name, lang, old_russian)
    out = {}
    for pid, t in texts.items():
        current = catalog.prompt(lang, pid)
        voice = " ".join((t.get("voice") or current.voice).split())
        sms = t.get("sms") or (voice if current.sms == current.voice else current.sms)
        if segments.segments(sms) > MAX_SMS_SEGMENTS:
            raise CatalogError(name, f"the SMS text is {segments.segments(sms)} segments; at most "
                                     f"{MAX_SMS_SEGMENTS} are sent", pid, lang)
        # a `spoken:` override says the old voice text: it goes when the voice text changes
        out[pid] = Prompt(voice=voice, sms=sms, status=_status(pid, t, current, notes),
                          spoken=current.spoken if voice == current.voice else "")
    return lang, out


def _entries(po: polib.POFile, catalog: Catalog, lang: str, name: str) -> tuple[dict[str, dict], list[str]]:
    """Per prompt: its texts by field, the fields still fuzzy (or translated from an older Russian) and the
    fields that are the source's own words unchanged; and the entries whose msgid is not today's Russian."""
    texts: dict[str, dict] = {}
    old_russian: list[str] = []
    for entry in po:
        if entry.obsolete:
            continue
        pid, sms, _ = (entry.msgctxt or "").partition(SMS_SUFFIX)
        if pid in catalog.dated:
            raise CatalogError(name, f"is made from {catalog.dated[pid]!r} and the list's wording; translate those",
                               pid, lang)
        if pid not in catalog.langs[lang].prompts:
            raise CatalogError(name, "is not a prompt of the catalog", pid or "(no msgctxt)", lang)
        if not entry.msgstr.strip():
            raise CatalogError(name, "has an empty translation", pid, lang)
        field = "sms" if sms else "voice"
        slot = texts.setdefault(pid, {"fuzzy": set(), "source": set()})
        slot[field] = entry.msgstr
        if " ".join(entry.msgid.split()) != " ".join(getattr(catalog.prompt("ru", pid), field).split()):
            old_russian.append(entry.msgctxt)
            slot["fuzzy"].add(field)
        elif "fuzzy" in entry.flags:
            slot["fuzzy"].add(field)
        elif FROM_SOURCE in (entry.comment or ""):
            unchanged = " ".join(entry.msgstr.split()) == " ".join(getattr(catalog.prompt(lang, pid), field).split())
            # the source's own words, edited: a translation now, not yet reviewed
            slot["source" if unchanged else "fuzzy"].add(field)
    return texts, old_russian


def _status(pid: str, t: dict, current: Prompt, notes: list[str] | None) -> str:
    fields = {"voice", "sms"} if current.sms != current.voice or "sms" in t else {"voice"}
    given = fields & {f for f in ("voice", "sms") if f in t}
    if t["fuzzy"]:
        if notes is not None and given - t["fuzzy"]:
            notes.append(f"{pid}: its {' and '.join(sorted(t['fuzzy']))} entry is still fuzzy, so the prompt "
                         "stays unreviewed")
        return "unreviewed"
    if given and given <= t["source"] and current.status == "source":
        return "source"
    if given == fields or current.status == "reviewed":
        return "reviewed"
    return current.status  # only one of its texts came, reviewed; the other keeps the prompt's status


def _block(pid: str, prompt: Prompt) -> str:
    raw = {"voice": prompt.voice}
    if prompt.sms != prompt.voice:
        raw["sms"] = prompt.sms
    if prompt.spoken:
        raw["spoken"] = prompt.spoken
    raw["status"] = prompt.status
    text = yaml.safe_dump({pid: raw}, allow_unicode=True, width=120, sort_keys=False)
    return "".join("  " + line + "\n" for line in text.splitlines())


def _parse(block: list[str], pid: str) -> Prompt | None:
    """A prompt's lines as the loader reads them (so a rewrite happens only where the meaning changed)."""
    raw = (fast_yaml.safe_load("".join(block)) or {}).get(pid)
    if isinstance(raw, str):
        raw = {"voice": raw}
    if not isinstance(raw, dict):
        return None
    voice = " ".join(str(raw.get("voice") or "").split())
    return Prompt(voice=voice, sms=str(raw.get("sms") or voice).strip(), status=raw.get("status", "unreviewed"),
                  spoken=" ".join(str(raw.get("spoken") or "").split()))


def write_prompts(path: Path, prompts: dict[str, Prompt]) -> int:
    """Replace (or add, in id order) these prompts in a <lang>.yaml, leaving every other line as it is."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("prompts:")) + 1
    blocks: list[tuple[str, list[str]]] = []  # (prompt id, its lines) after `prompts:`
    for line in lines[start:]:
        m = re.match(r"  ([^\s#][^:]*):\s*$", line)
        if m or not blocks:
            blocks.append((m.group(1).strip("'\"") if m else "", [line]))
        else:
            blocks[-1][1].append(line)
    changed = 0
    for pid, prompt in prompts.items():
        new = _block(pid, prompt)
        at = next((i for i, (p, _) in enumerate(blocks) if p == pid), None)
        if at is None:
            at = next((i for i, (p, _) in enumerate(blocks) if p > pid), len(blocks))
            blocks.insert(at, (pid, [new]))
            changed += 1
        elif _parse(blocks[at][1], pid) != prompt:
            blocks[at] = (pid, [new])
            changed += 1
    path.write_text("".join(lines[:start]) + "".join("".join(b) for _, b in blocks), encoding="utf-8")
    return changed
