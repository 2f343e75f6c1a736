"""A call's place in the menu, carried in the action URLs that Twilio posts back.

Twilio signs every webhook over the exact URL it was given (`twilio_auth` checks it), so what
the hotline writes into a <Gather action> comes back unchanged or is refused. The voice channel
therefore keeps no session in Redis: a key press reads nothing and costs one write round trip
(`write_once`). Only menu positions go in the URL — node ids, language, counters, never a
number — because Twilio keeps the URLs in its call logs.

  s  step number (which webhook of the call this is: a retried one carries the same s)
  l  language      n  node      p  page of a list      q  silent turns so far
  b  the back trail, oldest first: node or node~page, joined by "-"
  v  1 once the 9 / * / 0 hint was said      t  when the call started (epoch seconds)
  r  replays of this screen in a row (key 9): the call's limits (`limits`) count them
  o  on a first call's language menu: the language offered first (the number's country code names it)

Every value is made of unreserved characters only (letters, digits, '.', '_', '-', '~'), so the URL
Twilio signs is the URL the app rebuilds, however either side escapes: the language menu `@language`
is written `_language` (a node id never starts with '_').

A URL whose state cannot be read (issued by an older release, or naming a node the catalog no
longer has) is not an error: `decode` returns None and the caller goes to the main menu.
"""
from __future__ import annotations

from urllib.parse import quote

from ..content.model import LANGUAGE_MENU, PLAIN, Catalog
from ..store.sessions import Session

PATH = "/voice/key"
MENU_TOKEN = "_language"  # LANGUAGE_MENU in a URL: '@' is reserved


def key_url(session: Session, **extra) -> str:
    # Built by hand, not with urlencode: this runs on every webhook. Numbers need no escaping; names
    # (node ids, language codes) are escaped once each and remembered (`_name`).
    parts = [f"{PATH}?s={int(session.seq)}"]
    if session.lang:
        parts.append("l=" + _name(session.lang))
    parts.append("n=" + _name(_node(session.node)))
    if session.page:
        parts.append(f"p={int(session.page)}")
    if session.stack:
        parts.append("b=" + "-".join(_name(_node(node)) if not page else f"{_name(_node(node))}~{int(page)}"
                                     for node, page in session.stack))
    if session.noinput:
        parts.append(f"q={int(session.noinput)}")
    if session.nav_said:
        parts.append("v=1")
    if session.repeats:
        parts.append(f"r={int(session.repeats)}")
    if session.offer:
        parts.append("o=" + _name(session.offer))
    parts.append(f"t={int(session.started)}")
    parts.extend(f"{k}={_escape(str(v))}" for k, v in extra.items())
    return "&".join(parts)


def _escape(value: str) -> str:
    return value if PLAIN.match(value) else quote(value, safe="-~")


_names: dict[str, str] = {}


def _name(value: str) -> str:
    """`_escape` of a node id or language code, remembered (the catalog's names are few; bounded anyway)."""
    escaped = _names.get(value)
    if escaped is None:
        escaped = _escape(value)
        if len(_names) < 4096:
            _names[value] = escaped
    return escaped


def _node(node: str) -> str:
    return MENU_TOKEN if node == LANGUAGE_MENU else node


def _menu(name: str) -> str:
    """A node id from a URL; `@language` too, as URLs issued before the token was introduced carry it."""
    return LANGUAGE_MENU if name in (MENU_TOKEN, LANGUAGE_MENU) else name


def decode(args, sid: str, caller: str, catalog: Catalog) -> Session | None:
    """The session a signed action URL describes, or None when it cannot be trusted to be whole."""
    try:
        node = _menu(args["n"])
        lang = args.get("l") or None
        if (node != LANGUAGE_MENU and node not in catalog.nodes) or (lang and lang not in catalog.langs):
            return None
        if node != LANGUAGE_MENU and not lang:
            return None
        offer = args.get("o") or None
        if offer and (offer not in catalog.langs or node != LANGUAGE_MENU):
            return None
        stack = []
        for entry in filter(None, args.get("b", "").split("-")):
            name, _, page = entry.partition("~")
            name = _menu(name)
            if name != LANGUAGE_MENU and name not in catalog.nodes:
                return None
            stack.append([name, _small_int(page or "0")])
        return Session(id=sid, caller=caller, lang=lang, node=node, page=_small_int(args.get("p", "0")),
                       stack=stack[-20:], noinput=_small_int(args.get("q", "0")), seq=_small_int(args["s"]),
                       started=float(_small_int(args.get("t", "0"), 2**40)), nav_said=args.get("v") == "1",
                       repeats=_small_int(args.get("r", "0")), offer=offer)
    except (KeyError, ValueError):
        return None


def _small_int(text: str, limit: int = 100_000) -> int:
    value = int(text)
    if not 0 <= value <= limit or not text.isdigit():
        raise ValueError(text)
    return value
