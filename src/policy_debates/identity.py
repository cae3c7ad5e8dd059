"""Stable ids: a hash of the canonical URL, else of the normalised text as read.

An id never changes between versions: it depends on neither cleaning rules nor
taggers.
"""
from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|ref|ref_src|cmpid|at_medium|at_campaign)$", re.IGNORECASE)


def canonical_url(url: str | None) -> str | None:
    """>>> canonical_url("HTTPS://www.Example.org/a/b/?utm_source=x&id=3#comments")
    'https://example.org/a/b?id=3'
    """
    if not url or not isinstance(url, str):
        return None
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower().removeprefix("www.")
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)))
    path = parts.path.rstrip("/") if parts.path not in ("", "/") else ""
    return urlunsplit(("https", host, path, query, ""))


def normalised_text(text: str) -> str:
    return " ".join(text.casefold().split())


def _h(s: str) -> str:
    return hashlib.sha256(s.encode("utf-8")).hexdigest()[:16]


def article_id(url: str | None, text: str) -> str:
    canon = canonical_url(url)
    return _h("url:" + canon) if canon else _h("text:" + normalised_text(text))


def text_hash(text: str) -> str:
    return _h("body:" + normalised_text(text))


def utc_timestamp(value: str | None) -> str | None:
    """An ISO 8601 date or datetime → ``YYYY-MM-DDTHH:MM:SSZ`` in UTC, else None.

    >>> utc_timestamp("2026-10-03T09:15:00+02:00")
    '2026-10-03T07:15:00Z'
    """
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(str(value).strip().replace(" ", "T", 1))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
