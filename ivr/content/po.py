"""Translators' files: a language's prompts as a gettext PO file, and back (`hotline content export/import`).

One entry per text: msgctxt is the prompt id (`<id>|sms` for an SMS wording that differs from the voice
one), msgid the Russian text, msgstr this language's. The comments carry what a reviewer needs: the
Russian text, the source and its verbatim quote, and whether the text is taken from the source.
`fuzzy` means not yet reviewed by a native speaker; clearing it in Poedit or any PO editor marks the
text reviewed. polib reads and writes the files.
"""
from __future__ import annotations

import re
from pathlib import Path

import polib
import yaml

from .checks import UI_PROMPTS
from .model import Catalog, CatalogError, Prompt

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


def read(path: Path | str, catalog: Catalog) -> tuple[str, dict[str, Prompt]]:
    """The language a PO file is for and the prompts it holds, with their review status."""
    po = polib.pofile(str(path))
    lang = po.metadata.get("Language", "")
    if lang not in catalog.langs:
        raise CatalogError(Path(path).name, f"Language {lang!r} is not one of the catalog's languages")
    texts: dict[str, dict] = {}
    for entry in po:
        if entry.obsolete:
            continue
        pid, sms, _ = (entry.msgctxt or "").partition(SMS_SUFFIX)
        if pid not in catalog.langs[lang].prompts:
            raise CatalogError(Path(path).name, "is not a prompt of the catalog", pid or "(no msgctxt)", lang)
        if not entry.msgstr.strip():
            raise CatalogError(Path(path).name, "has an empty translation", pid, lang)
        slot = texts.setdefault(pid, {"status": "reviewed"})
        slot["sms" if sms else "voice"] = entry.msgstr
        if "fuzzy" in entry.flags:
            slot["status"] = "unreviewed"
        elif FROM_SOURCE in (entry.comment or "") and slot["status"] != "unreviewed":
            slot["status"] = "source"
    out = {}
    for pid, t in texts.items():
        voice = t.get("voice") or catalog.prompt(lang, pid).voice
        out[pid] = Prompt(voice=voice, sms=t.get("sms", voice), status=t["status"])
    return lang, out


def _block(pid: str, prompt: Prompt) -> str:
    raw = {"voice": prompt.voice}
    if prompt.sms != prompt.voice:
        raw["sms"] = prompt.sms
    raw["status"] = prompt.status
    text = yaml.safe_dump({pid: raw}, allow_unicode=True, width=120, sort_keys=False)
    return "".join("  " + line + "\n" for line in text.splitlines())


def _parse(block: list[str], pid: str) -> Prompt | None:
    """A prompt's lines as the loader reads them (so a rewrite happens only where the meaning changed)."""
    raw = (yaml.safe_load("".join(block)) or {}).get(pid)
    if isinstance(raw, str):
        raw = {"voice": raw}
    if not isinstance(raw, dict):
        return None
    voice = " ".join(str(raw.get("voice") or "").split())
    return Prompt(voice=voice, sms=str(raw.get("sms") or voice).strip(), status=raw.get("status", "unreviewed"))


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
