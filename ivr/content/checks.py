"""Validating a loaded catalog: the checks that keep a caller from being stranded or misinformed.

Each check raises CatalogError naming the file, the prompt id and the language: a key leading
nowhere, an unreachable node, a menu that only loops, a missing translation, a template that lost
its placeholder, a fact without a citation, a quote that is not in its source, a repealed source, a
wording that drops its fact's scope (citations.yaml `scope:` — "only", "of Kazakhstan", "in the ОСМС package").
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from . import glossary
from .model import LANGUAGE_MENU, OWN_WORDING_PREFIXES, PLAIN, REPEALED_SOURCES, Catalog, CatalogError


def validate(catalog: Catalog, sources_dir: Path) -> None:
    _check_node_ids(catalog)
    _check_keys_lead_somewhere(catalog)
    _check_reachable(catalog)
    _check_no_trap(catalog)
    _check_translations(catalog)
    _check_citations(catalog, sources_dir)
    _check_dates(catalog)
    _check_never_silent(catalog)
    _check_scope(catalog)
    glossary.check(catalog, catalog.glossaries, catalog.all_prompt_ids() | set(UI_PROMPTS) | catalog.list_wordings)


def _check_node_ids(catalog: Catalog) -> None:
    """Node ids travel in the voice action URLs (voice/call_state.py), where '-' and '~' separate them."""
    for nid in catalog.nodes:
        if not (nid and PLAIN.match(nid)) or nid.startswith("_"):
            raise CatalogError("tree.yaml", f"node id {nid!r}: use only letters, digits, '.' and '_' "
                                            "(not '_' first: '_language' stands for the language menu in URLs)")


def _check_keys_lead_somewhere(catalog: Catalog) -> None:
    for topic, target in catalog.keywords.items():
        if target != LANGUAGE_MENU and target not in catalog.nodes:
            raise CatalogError("tree.yaml", f"keyword topic {topic!r} leads to missing node {target!r}")
    for node in catalog.nodes.values():
        for o in node.options:
            if o.goto != LANGUAGE_MENU and o.goto not in catalog.nodes:
                raise CatalogError("tree.yaml", f"node {node.id!r} key {o.key!r} leads to missing node {o.goto!r}")
        if not node.say and not node.items:
            raise CatalogError("tree.yaml", f"node {node.id!r} says nothing")
        if node.sms and node.option("1"):
            raise CatalogError("tree.yaml", f"node {node.id!r} offers SMS on key 1, which it already uses")


def _check_reachable(catalog: Catalog) -> None:
    reached = catalog.depth()
    for nid in catalog.nodes:
        if nid not in reached:
            raise CatalogError("tree.yaml", f"node {nid!r} is not reachable from {catalog.start!r}")


def _check_no_trap(catalog: Catalog) -> None:
    """Every node keeps the global way out (0 → start); a menu must also offer a way forward.

    The global keys make a pure cycle impossible to get stuck in, so the check that matters is
    that the start node itself is a real menu and that no node's options are all self-loops.
    """
    if not catalog.nodes[catalog.start].options:
        raise CatalogError("tree.yaml", f"start node {catalog.start!r} has no options")
    for node in catalog.nodes.values():
        if node.options and all(o.goto == node.id for o in node.options):
            raise CatalogError("tree.yaml", f"node {node.id!r} only leads back to itself")


def _check_translations(catalog: Catalog) -> None:
    needed = catalog.all_prompt_ids() | set(UI_PROMPTS) | catalog.list_wordings
    for code in catalog.languages:
        lang = catalog.langs[code]
        for pid in sorted(needed):
            if pid not in lang.prompts:
                raise CatalogError(f"{code}.yaml", "is missing", pid, code)
        for pid in sorted(catalog.list_wordings):
            for field in ("voice", "sms"):
                if "{fact}" not in getattr(lang.prompts[pid], field):
                    raise CatalogError(f"{code}.yaml", f"the {field} text lost the placeholder {{fact}}", pid, code)
        for pid in UI_TEMPLATES:
            for name in UI_TEMPLATES[pid]:
                if "{" + name + "}" not in lang.prompts[pid].voice:
                    raise CatalogError(f"{code}.yaml", f"lost the placeholder {{{name}}}", pid, code)


def _check_citations(catalog: Catalog, sources_dir: Path) -> None:
    for pid in sorted(catalog.all_prompt_ids()):
        if pid.startswith(OWN_WORDING_PREFIXES):
            continue
        if pid not in catalog.citations:
            raise CatalogError("citations.yaml", "has no citation for this fact", pid)
    for pid, cite in catalog.citations.items():  # needs no source files: a repealed rule is never said
        if cite.source in REPEALED_SOURCES:
            raise CatalogError("citations.yaml", f"cites {cite.source}: {REPEALED_SOURCES[cite.source]}", pid)
    if not sources_dir.is_dir():
        return  # a copy without ../shared/sources beside it: the quotes are checked where they are (CI)
    texts = {p.name[:3]: p.read_text(encoding="utf-8") for p in sources_dir.glob("*.txt")}
    for pid, cite in catalog.citations.items():
        if cite.source not in texts:
            raise CatalogError("citations.yaml", f"cites source {cite.source!r}, which is not in {sources_dir}", pid)
        if cite.quote not in texts[cite.source]:
            raise CatalogError("citations.yaml", f"quote {cite.quote!r} is not in source {cite.source}", pid)


def _check_dates(catalog: Catalog) -> None:
    """A fact past its date is replaced by a successor or a fallback, never just dropped."""
    for pid, cite in sorted(catalog.citations.items()):
        if cite.effective and cite.until and cite.until < cite.effective:
            raise CatalogError("citations.yaml", f"ends ({cite.until}) before it takes effect ({cite.effective})", pid)
        for name in ("successor", "fallback"):
            target = getattr(cite, name)
            if target and target not in catalog.citations and not target.startswith(OWN_WORDING_PREFIXES):
                raise CatalogError("citations.yaml", f"{name} {target!r} has no citation", pid)
        if cite.until and not (cite.successor or cite.fallback):
            raise CatalogError("citations.yaml", f"ends on {cite.until} with neither a successor nor a fallback",
                               pid)
        if cite.until and pid in catalog.all_prompt_ids():
            after = cite.until + dt.timedelta(days=1)
            if catalog.current(pid, after) is None:
                raise CatalogError("citations.yaml", f"says nothing on {after}: its successor is not yet in force "
                                   "and there is no fallback", pid)


def _check_never_silent(catalog: Catalog) -> None:
    """A node, once said, is said on every later day: no menu falls silent when a fact expires."""
    days = catalog.change_days(dt.date(1900, 1, 1))
    for nid in sorted(catalog.nodes):
        live = False
        for day in days:
            now = catalog.node_in_force(nid, day)
            if live and not now:
                raise CatalogError("tree.yaml", f"node {nid!r} falls silent on {day}: give the facts that end "
                                   "before it a successor or a fallback")
            live = live or now


def scope_problems(catalog: Catalog) -> list[tuple[str, str, str]]:
    """(language, prompt id, what is missing) for every wording that drops a scope term of its fact."""
    found = []
    for pid, cite in sorted(catalog.citations.items()):
        for scope in cite.scope:
            for code in catalog.languages:
                words = scope.words(code)
                prompt = catalog.langs[code].prompts.get(pid)
                if not words:
                    found.append((code, pid, f"has no words for the scope {scope.concept!r} (citations.yaml)"))
                    continue
                if prompt is None:
                    continue  # _check_translations names a missing prompt
                for field in scope.texts:
                    if not any(glossary.has(getattr(prompt, field), w) for w in words):
                        found.append((code, pid, f"the {field} text drops the scope {scope.concept!r} of this fact: "
                                                 f"it must say {' or '.join(repr(w) for w in words)}"))
    return found


def _check_scope(catalog: Catalog) -> None:
    """A fact true only for some people or some package says so in every wording: voice and SMS, every language."""
    bad = scope_problems(catalog)
    if bad:
        code, pid, what = bad[0]
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        raise CatalogError(f"{code}.yaml", what + more, pid, code)


# Prompts the engine itself says, with the placeholders each must keep.
UI_TEMPLATES = {"ui.option": ("label", "key"), "ui.sms_offer": ("key",), "ui.sms_language_set": ("name",),
                "ui.callback_sms_at": ("time",)}
UI_PROMPTS = (
    "lang.choose", "menu.main", "ui.welcome_back", "ui.nav", "ui.option", "ui.more", "ui.end_of_list",
    "ui.wrong_key", "ui.no_input", "ui.goodbye", "ui.unavailable", "opt.language", "ui.sms_offer",
    "ui.sms_welcome", "ui.sms_lang_hint", "ui.sms_menu_hint", "ui.sms_more", "ui.sms_unknown", "ui.sms_help",
    "ui.sms_stopped", "ui.sms_started", "ui.sms_language_set", "ui.sms_queued", "ui.sms_limit",
    "ui.sms_morning", "ui.number_hidden",
    "ui.callback_intro", "ui.callback_machine", "ui.callback_sms_at",  # the missed-call callback
    "ui.greeting", "ui.more_early", "ui.sms_invite",
    "ui.optout_start", "ui.optout_voice",  # carrier truth after STOP (ivr/sms/optout.py)
    "ui.outage_kept",  # a text kept in the outage spool: its answer comes by SMS (ivr/sms/outage.py)
)
