"""What callers hear differently on another day: `hotline content check --today DATE` prints it.

For every node, the prompts it says (after successors and fallbacks), its list items and its menu
keys on two days; a node that differs is listed with the prompts that go and come, with what each says
(a fact past its dated list goes as itself and comes as "<id>.dated", said with the list's date).
"""
from __future__ import annotations

import datetime as dt

from .model import Catalog


def _heard(catalog: Catalog, nid: str, day: dt.date) -> tuple[bool, list[str], list[str]]:
    node = catalog.nodes[nid]
    if not catalog.node_in_force(nid, day):
        return False, [], []
    said = catalog.said(list(node.say) + list(node.items), day)
    keys = [o.key for o in catalog.live_options(node, day)]
    return True, said, keys


def differences(catalog: Catalog, before: dt.date, after: dt.date, lang: str = "ru") -> list[str]:
    lines = []
    for nid in sorted(catalog.nodes):
        (was, said_a, keys_a), (now, said_b, keys_b) = _heard(catalog, nid, before), _heard(catalog, nid, after)
        if (was, said_a, keys_a) == (now, said_b, keys_b):
            continue
        if was != now:
            lines.append(f"{nid}: {'now said' if now else 'no longer said'}")
            continue
        lines.append(f"{nid}:")
        lines += [f"  - {pid}: {catalog.voice(lang, pid)}" for pid in said_a if pid not in said_b]
        lines += [f"  + {pid}: {catalog.voice(lang, pid)}" for pid in said_b if pid not in said_a]
        if keys_a != keys_b:
            lines.append(f"  keys {' '.join(keys_a)} -> {' '.join(keys_b)}")
    return lines
