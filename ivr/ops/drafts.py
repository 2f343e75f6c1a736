"""What an operator typed survives a timed-out session, a refused reply and a lost race.

A form that carries words (a reply's `body`, a callback's `note`) also carries `back`, the page it
was on. When its POST arrives without a live session (idle timeout, logged out elsewhere), nothing
is changed and the login page comes back in the operator's language with the words in hidden fields
(`draft_action`, `draft_field`, `draft_text`, `draft_back`): they never touch Redis before a login,
so a flood of anonymous posts costs nothing. After the login the words move into the (server-side)
session and the operator lands on the page of the form, where `draft_for(action, field)` fills the
same textarea again. A reply refused while logged in (another operator has the text, too long
without confirmation, a CSRF error) keeps its words the same way.
"""
from __future__ import annotations

from flask import render_template, request, session

from .auth_paths import local_path
from .forms import LoginForm
from .i18n import t

FIELDS = ("body", "note")
MAX_TEXT = 2000
KEY = "draft"


def from_request() -> dict | None:
    """The words of the form being posted, with where it was posted and the page it came from."""
    for field in FIELDS:
        text = (request.form.get(field) or "").strip()
        if text:
            back = local_path(request.form.get("back")) or local_path(_referrer()) or ""
            return {"action": request.path, "field": field, "text": text[:MAX_TEXT], "back": back}
    return None


def from_login_form() -> dict | None:
    """The draft the login page carried in hidden fields (see module doc), checked again."""
    form = request.form
    action, field, text = form.get("draft_action", ""), form.get("draft_field", ""), form.get("draft_text", "")
    if not text.strip() or field not in FIELDS or not local_path(action):
        return None
    return {"action": action, "field": field, "text": text.strip()[:MAX_TEXT],
            "back": local_path(form.get("draft_back")) or ""}


def keep(draft: dict | None) -> None:
    if draft:
        session[KEY] = draft


def draft_for(action: str, field: str = "body") -> str:
    """The kept words for the form posting to `action` (used once: the page that shows them takes them)."""
    draft = session.get(KEY)
    if not draft or draft.get("action") != action or draft.get("field") != field:
        return ""
    session.pop(KEY, None)
    return draft.get("text", "")


def leftover() -> dict | None:
    """Kept words no form on this page took (the text was answered by someone else meanwhile, the form is
    gone): the page shows them once at its foot, so that they can be copied, never silently dropped."""
    return session.pop(KEY, None)


def _referrer() -> str:
    ref = request.referrer or ""
    host = request.host_url.rstrip("/")
    return ref[len(host):] if ref.startswith(host + "/") else ""


def login_again(draft: dict | None):
    """The login page for a form posted without a live session: nothing changed, the words kept in the
    page, in the operator's language, not a bare 'Bad Request'."""
    return render_template("ops/login.html", form=LoginForm(), error=t("session_ended"), draft=draft,
                           next_url=(draft or {}).get("back") or ""), 401
