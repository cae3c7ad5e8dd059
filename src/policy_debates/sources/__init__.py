"""Readers: one raw input file → raw articles or rejections.

Each reader is ``read(origin, data) -> Iterator[RawArticle | Rejection]``: pure,
given the file's path (relative, as ``origin``) and its bytes. Builders pick the
reader for each kind of file.
"""
from __future__ import annotations

import hashlib
import json
from typing import Iterator
from urllib.parse import urlsplit

from ..article import RawArticle, Rejection

__all__ = ["text_dump", "html_page", "jsonl_export", "decode", "sha256"]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode(data: bytes) -> str | None:
    """Bytes → text, or None when the bytes are not text in any sensible encoding.

    UTF-8 first (with or without BOM); a legacy single-byte page (cp1252) is
    accepted when it has no control bytes, so ftfy can repair it later.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    controls = sum(1 for b in data if b < 32 and b not in (9, 10, 13))
    if b"\x00" in data or controls > len(data) // 100:
        return None
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return None


def _site(url: str | None) -> str:
    if not url:
        return ""
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def _folder(origin: str) -> str:
    return origin.rsplit("/", 1)[0] if "/" in origin else "."


def _decoded(origin: str, data: bytes) -> str | Rejection:
    digest = sha256(data)
    if not data.strip():
        return Rejection(origin, digest, "empty", "the file has no content")
    text = decode(data)
    if text is None:
        return Rejection(origin, digest, "undecodable", "not UTF-8 and not a legacy text encoding (binary content?)")
    if not text.strip():
        return Rejection(origin, digest, "empty", "the file has only whitespace")
    return text


def text_dump(origin: str, data: bytes) -> Iterator[RawArticle | Rejection]:
    """A scraper's plain-text dump: headline on the first non-empty line, then the body.

    The cleaning stage takes the headline from the first line.
    """
    text = _decoded(origin, data)
    if isinstance(text, Rejection):
        yield text
        return
    yield RawArticle(origin=origin, raw_sha256=sha256(data), text=text, group=_folder(origin))


def html_page(origin: str, data: bytes) -> Iterator[RawArticle | Rejection]:
    """A saved HTML page; main-text extraction happens in the cleaning stage."""
    text = _decoded(origin, data)
    if isinstance(text, Rejection):
        yield text
        return
    yield RawArticle(origin=origin, raw_sha256=sha256(data), html=text, group=_folder(origin))


def _authors(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [a for a in value.replace(";", ",").split(",")]
    if not isinstance(value, list):
        return []
    return [str(a).strip() for a in value if str(a).strip()]


def jsonl_export(origin: str, data: bytes) -> Iterator[RawArticle | Rejection]:
    """A crawler export: one JSON object per line with ``url``, ``title``,
    ``text`` or ``html``, ``date`` and ``authors``. Each line is one input.

    ``{"url": "https://a.example/x", "title": "T", "text": "Body…", "date": "2025-03-01"}``
    """
    if not data.strip():
        yield Rejection(origin, sha256(data), "empty", "the file has no lines")
        return
    for n, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{origin}#L{n}"
        digest = sha256(line)
        text = decode(line)
        if text is None:
            yield Rejection(where, digest, "undecodable", "the line is not UTF-8 text")
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            yield Rejection(where, digest, "malformed_json", f"line {n}: {exc.msg} at column {exc.colno}")
            continue
        if not isinstance(obj, dict):
            yield Rejection(where, digest, "malformed_json", f"line {n}: a JSON {type(obj).__name__}, not an object")
            continue
        body, html = obj.get("text"), obj.get("html")
        body = body if isinstance(body, str) and body.strip() else None
        html = html if isinstance(html, str) and html.strip() else None
        if body is None and html is None:
            yield Rejection(where, digest, "missing_text", f"line {n}: neither 'text' nor 'html' has content")
            continue
        url = obj.get("url") if isinstance(obj.get("url"), str) else None
        title = obj.get("title") if isinstance(obj.get("title"), str) else None
        date = obj.get("date") or obj.get("published")
        yield RawArticle(
            origin=where,
            raw_sha256=digest,
            text=None if html and not body else body,
            html=html if not body else None,
            url=url,
            title=title.strip() if title else None,
            published=str(date) if date else None,
            authors=_authors(obj.get("authors") or obj.get("author")),
            group=_site(url) or _folder(origin),
        )
