"""A small, valid catalog written to a folder, for tests that break it on purpose."""
from __future__ import annotations

from pathlib import Path

import yaml

LANGS = ["kk", "ru", "ky", "uz", "tg", "tk", "az", "hy"]
UI = {
    "lang.choose": "choose {n}", "menu.main": "main menu", "ui.welcome_back": "welcome back", "ui.nav": "nav",
    "ui.option": "{label}: press {key}", "ui.more": "more: press 1", "ui.end_of_list": "end of list",
    "ui.wrong_key": "wrong key", "ui.no_input": "no input", "ui.goodbye": "goodbye 1 4 0 6 1 0 3",
    "ui.unavailable": "unavailable 1 4 0 6", "opt.language": "language", "ui.sms_offer": "sms: press {key}",
    "opt.facts": "facts", "opt.list": "list", "menu.facts": "facts menu", "opt.fact_a": "fact a",
    "opt.fact_old": "old fact", "menu.list": "list intro",
    "ui.sms_welcome": "welcome", "ui.sms_lang_hint": "reply 1-8", "ui.sms_menu_hint": "0 menu",
    "ui.sms_more": "9 more", "ui.sms_unknown": "unknown", "ui.sms_help": "help text", "ui.sms_stopped": "stopped",
    "ui.sms_started": "started", "ui.sms_language_set": "language {name}", "ui.sms_queued": "sms queued",
    "ui.sms_limit": "sms limit", "ui.sms_morning": "sms in the morning", "ui.number_hidden": "number hidden",
    "ui.callback_intro": "we call you back", "ui.callback_machine": "machine 1 4 0 6 1 0 3",
    "ui.callback_sms_at": "we will call at {time}",
    "ui.greeting": "hotline 1 0 3", "ui.more_early": "next: 1", "ui.sms_invite": "text us",
    "ui.optout_start": "send START", "ui.optout_voice": "opted out: text START",
    "ui.outage_kept": "kept: the answer comes by SMS 103",
}
KEYWORDS = {
    "ru": {"facts": ["факты", "документы"], "list": ["список"], "menu": ["меню"], "language": ["язык"]},
    "uz": {"facts": ["hujjatlar", "ҳужжатлар"], "list": ["royxat"], "menu": ["menyu"]},
    "kk": {"facts": ["құжаттар"], "menu": ["мәзір"]},
}
WORDS = {"ru": {"optout": ["стоп", "отписаться"], "optin": ["старт"], "help": ["помощь"],
                "language_names": ["русский", "russkiy", "rus"]},
         "uz": {"optout": ["toxta"], "language_names": ["ozbek", "uzbek", "ўзбек"]},
         "kk": {"language_names": ["қазақша", "kazakh"], "help": ["көмек"]}}
# libyaml's safe dumper where PyYAML has it: the same text as yaml.safe_dump, ~5 times faster (hundreds of tests
# write this catalog)
SAFE_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
FACTS = ["fact.a", "fact.old", "fact.fallback"] + [f"item.{i}" for i in range(1, 8)]


def tree() -> dict:
    return {
        "languages": LANGS,
        "start": "main",
        "nodes": {
            "main": {"say": ["menu.main"], "options": {
                "1": {"label": "opt.facts", "goto": "facts"},
                "2": {"label": "opt.list", "goto": "listy"},
                "8": {"label": "opt.language", "goto": "@language"}}},
            "facts": {"say": ["menu.facts"], "options": {
                "1": {"label": "opt.fact_a", "goto": "fact_a"},
                "2": {"label": "opt.fact_old", "goto": "fact_old"}}},
            "fact_a": {"say": ["fact.a"], "sms": "fact.a"},
            "fact_old": {"say": ["fact.old"]},
            "listy": {"say": ["menu.list"], "items": [f"item.{i}" for i in range(1, 8)]},
        },
        "keywords": {"facts": "fact_a", "list": "listy", "menu": "main", "language": "@language"},
    }


def citations() -> dict:
    cites = {pid: {"source": "000", "section": "A", "quote": "Получить ИИН", "effective": "2020-10-09"}
             for pid in FACTS}
    cites["fact.old"]["until"] = "2025-12-31"
    cites["fact.old"]["fallback"] = "fact.fallback"  # what is said after it ends
    return cites


def language(code: str) -> dict:
    prompts = {pid: {"voice": f"[{code}] {text}".replace("{n}", code), "status": "unreviewed"}
               for pid, text in UI.items()}
    prompts["ui.unavailable"]["sms"] = f"[{code}] unavailable 1406 103"
    prompts.update({pid: {"voice": f"[{code}] {pid} text", "sms": f"[{code}] {pid}", "status": "source"}
                    for pid in FACTS})
    return {"language": code, "name": f"name-{code}", "say_language": "ru-RU" if code == "ru" else None,
            "prompts": prompts, "keywords": KEYWORDS.get(code, {}), **WORDS.get(code, {})}


def write(directory: Path, tree_data=None, cites=None, langs=None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    dump = lambda name, data: (directory / name).write_text(yaml.dump(data, Dumper=SAFE_DUMPER, allow_unicode=True))  # noqa: E731
    dump("tree.yaml", tree_data or tree())
    dump("citations.yaml", cites or citations())
    for code in LANGS:
        dump(f"{code}.yaml", (langs or {}).get(code) or language(code))
    return directory
