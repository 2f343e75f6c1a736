"""Which URLs the dashboard may send an operator to after a form or a login: its own pages only."""
from __future__ import annotations

from urllib.parse import urlsplit


def local_path(target: str | None) -> str | None:
    """`target` if it is a path inside the dashboard (never an open redirect), else None."""
    target = target or ""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/ops/") or target.startswith("//") or "\\" in target:
        return None
    return target
