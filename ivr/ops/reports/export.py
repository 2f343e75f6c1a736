"""Exports of the call log for a date range: CSV rows, and a FLOIP Flow Results package.

The Flow Results package (flow-results-specification 1.0.0-rc1) is a Frictionless data
package: one resource whose schema lists the menu questions (every menu node is a
`select_one` question whose choices are the nodes its keys lead to, plus the language menu)
and whose inline `data` rows are the answers: [timestamp, row_id, contact_id, session_id,
question_id, response, response_metadata]. Contacts are the keyed caller hashes, never numbers.
"""
from __future__ import annotations

import datetime as dt
import uuid

from ...content.model import LANGUAGE_MENU, Catalog
from ..messages.convlist import ending
from ..messages.timeline import node_text, summary

CSV_HEADER = ["id", "channel", "started", "ended", "lang", "status", "ending", "duration", "last_node",
              "keys", "path", "no_inputs", "wrong_keys", "caller"]
FLOIP_FIELDS = [
    {"name": "timestamp", "title": "Timestamp", "type": "datetime"},
    {"name": "row_id", "title": "Row ID", "type": "string"},
    {"name": "contact_id", "title": "Contact ID", "type": "string"},
    {"name": "session_id", "title": "Session ID", "type": "string"},
    {"name": "question_id", "title": "Question ID", "type": "string"},
    {"name": "response", "title": "Response", "type": "any"},
    {"name": "response_metadata", "title": "Response Metadata", "type": "object"},
]
LANGUAGE_QUESTION = "language"


def cell(value) -> str:
    """No spreadsheet formulas: a cell starting with = + - @ is prefixed with a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _iso(epoch, tz) -> str:
    try:
        return dt.datetime.fromtimestamp(float(epoch), tz).isoformat(timespec="seconds")
    except (TypeError, ValueError):
        return ""


def csv_row(record: dict, events: list[dict], tz) -> list[str]:
    s = summary(events)
    path = []
    for node in s["nodes"]:
        node = LANGUAGE_QUESTION if node == LANGUAGE_MENU else node  # "@…" would read as a formula
        if not path or path[-1] != node:
            path.append(node)
    values = [record.get("id"), record.get("channel"), _iso(record.get("started"), tz),
              _iso(record.get("ended"), tz), record.get("lang", ""), record.get("status", ""), ending(record),
              record.get("duration", ""), record.get("last_node", ""), s["keys"], " > ".join(path),
              s["no_inputs"], s["wrong_keys"], (record.get("caller") or "")[:12]]
    return [cell(v) for v in values]


SMS_HEADER = ["id", "started", "updated", "lang", "texts_in", "replies", "last_node", "topics", "callback",
              "caller"]
CALLBACK_HEADER = ["id", "created", "lang", "channel", "status", "attempts", "failed", "last_outcome", "done_by",
                   "done_at", "conversation", "caller"]
DELIVERY_HEADER = ["id", "created", "updated", "kind", "lang", "status", "error_code", "segments", "encoding",
                   "retries", "conversation", "caller"]


def sms_row(record: dict, events: list[dict], tz) -> list[str]:
    """One SMS thread: how many texts came in and went out, the topics it reached, no message text."""
    kinds = [e.get("type") for e in events]
    topics = []
    for e in events:
        if e.get("node") and (e.get("type") == "keyword" or e.get("result") == "goto") and e["node"] not in topics:
            topics.append(e["node"])
    values = [record.get("id"), _iso(record.get("started"), tz), _iso(record.get("updated"), tz),
              record.get("lang", ""), kinds.count("sms_in"), kinds.count("sms_out"), record.get("last_node", ""),
              " ".join(topics), "yes" if any(e.get("callback") for e in events) else "",
              (record.get("caller") or "")[:12]]
    return [cell(v) for v in values]


def callback_row(record: dict, tz) -> list[str]:
    conv = record.get("conv", "")
    values = [record.get("id"), _iso(record.get("created"), tz), record.get("lang", ""),
              "sms" if conv.startswith("SMS-") else "voice", record.get("status", ""), record.get("attempts", 0),
              record.get("failed", 0), record.get("last_outcome", ""), record.get("done_by", ""),
              _iso(record.get("done_at"), tz), conv, (record.get("caller") or "")[:12]]
    return [cell(v) for v in values]


def delivery_row(record: dict, tz) -> list[str]:
    values = [record.get("id"), _iso(record.get("created"), tz), _iso(record.get("updated"), tz),
              record.get("kind", ""), record.get("lang", ""), record.get("status", ""), record.get("error_code", ""),
              record.get("segments", ""), record.get("encoding", ""), record.get("retries", ""),
              record.get("conv", ""), (record.get("to_hash") or "")[:12]]
    return [cell(v) for v in values]


def questions(catalog: Catalog) -> dict:
    out = {LANGUAGE_QUESTION: {"type": "select_one", "label": node_text(catalog, LANGUAGE_MENU),
                               "type_options": {"choices": list(catalog.languages)}}}
    for node in catalog.nodes.values():
        if node.options:
            choices = [LANGUAGE_QUESTION if o.goto == LANGUAGE_MENU else o.goto for o in node.options]
            out[node.id] = {"type": "select_one", "label": node_text(catalog, node.id),
                            "type_options": {"choices": choices}}
    return out


def answers(record: dict, events: list[dict], tz):
    """The FLOIP rows of one conversation: each key that chose a menu option or a language."""
    for n, e in enumerate(events):
        if e.get("type") != "key" or e.get("result") not in ("goto", "language"):
            continue
        if e["result"] == "language":
            question, response = LANGUAGE_QUESTION, e.get("lang") or e.get("node")
        else:
            question = LANGUAGE_QUESTION if e.get("from") == LANGUAGE_MENU else e.get("from")
            response = LANGUAGE_QUESTION if e.get("node") == LANGUAGE_MENU else e.get("node")
        stamp = dt.datetime.fromtimestamp(float(e.get("t", 0)), tz).isoformat(sep=" ", timespec="microseconds")
        yield [stamp, f"{record['id']}-{n}", record.get("caller", ""), record["id"], question, response,
               {"key": e.get("key", ""), "lang": record.get("lang", ""), "channel": record.get("channel", "")}]


def flow_results_package(catalog: Catalog, conversations, tz, date_from: dt.date, date_to: dt.date,
                         now: dt.datetime) -> dict:
    data = [row for record, events in conversations for row in answers(record, events, tz)]
    name = f"hotline-menu-{date_from.isoformat()}-{date_to.isoformat()}"
    stamp = now.isoformat(sep=" ", timespec="seconds")
    return {
        "profile": "flow-results-package",
        "flow-results-specification": "1.0.0-rc1",
        "name": name,
        "title": f"Migrant health hotline: menu choices {date_from.isoformat()} – {date_to.isoformat()}",
        "id": str(uuid.uuid4()),
        "created": stamp,
        "modified": stamp,
        "resources": [{
            "name": f"{name}-responses", "path": None, "mediatype": "application/json", "encoding": "utf-8",
            "schema": {"language": "rus", "fields": FLOIP_FIELDS, "questions": questions(catalog)},
            "data": data,
        }],
    }
