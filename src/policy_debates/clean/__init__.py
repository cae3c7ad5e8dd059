"""Cleaning: raw article → title, body paragraphs and editor's note.

Two stages so that boilerplate counting can run over all shards in between:

1. ``extract``: decode/extract, repair Unicode, take the headline, drop widget
   lines and the trailing widget block → ``Draft``.
2. ``finish``: drop lines repeated across the source, build paragraphs, split
   off the editor's note, scrub e-mails and phone numbers → ``Cleaned``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..article import RawArticle, Rejection
from .html import extract_html
from .pii import scrub
from .repeated_lines import RepeatedLines, line_keys
from .unicode import fix_text
from .widgets import WidgetRules, strip_widgets

__all__ = ["Draft", "Cleaned", "extract", "finish", "paragraphs"]


@dataclass
class Draft:
    origin: str
    raw_sha256: str
    group: str
    title: str | None
    lines: list[str]
    url: str | None
    published: str | None
    authors: list[str]
    from_html: bool
    identity_text: str  # the text as read, before cleaning: the id of a URL-less article
    widget_lines: int = 0

    def keys(self) -> set[int]:
        return line_keys(self.group, self.lines)


@dataclass
class Cleaned:
    origin: str
    raw_sha256: str
    title: str | None
    text: str
    editor_note: str | None
    url: str | None
    published: str | None
    authors: list[str]
    identity_text: str
    removed: dict = field(default_factory=dict)


def extract(raw: RawArticle, rules: WidgetRules) -> Draft | Rejection:
    url, title, published, authors = raw.url, raw.title, raw.published, list(raw.authors)
    if raw.html is not None:
        try:
            page = extract_html(raw.html, url)
        except Exception as exc:  # lxml and trafilatura raise many kinds on broken markup
            return Rejection(raw.origin, raw.raw_sha256, "malformed_html", f"{type(exc).__name__}: {exc}"[:200])
        if page is None:
            return Rejection(raw.origin, raw.raw_sha256, "not_an_article", "no main text found in the page")
        text = page.text
        url = url or page.url
        title = title or page.title
        published = published or page.published
        authors = authors or page.authors
    else:
        text = raw.text or ""
    text = fix_text(text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [l.strip() for l in text.split("\n")]
    identity = "\n".join(l for l in lines if l)
    if title is None:  # a dump: the headline is the first line that is not a widget
        for i, line in enumerate(lines):
            if line and not rules.is_widget(line):
                title = line
                lines = lines[i + 1 :]
                break
    else:
        title = fix_text(title).strip()
        if lines and lines[0] == title:
            lines = lines[1:]
    kept, removed = strip_widgets(lines, rules)
    return Draft(
        origin=raw.origin,
        raw_sha256=raw.raw_sha256,
        group=raw.group,
        title=title or None,
        lines=kept,
        url=url,
        published=published,
        authors=authors,
        from_html=raw.html is not None,
        identity_text=identity,
        widget_lines=removed,
    )


_SENTENCE_END = re.compile(r"[.!?…:;\"'»”“)\]]$")


def paragraphs(lines: list[str]) -> list[str]:
    """Lines → paragraphs: blank lines separate; a hard-wrapped line that ends
    mid-sentence and is followed by a lowercase continuation is joined.

    >>> paragraphs(["First line of a", "wrapped paragraph.", "", "Second."])
    ['First line of a wrapped paragraph.', 'Second.']
    """
    out: list[str] = []
    current: list[str] = []
    for line in lines + [""]:
        if not line:
            if current:
                out.append(" ".join(current))
                current = []
            continue
        # a match ends at "$" (the end, or before a final "\n"): only the last two characters count
        if current and not _SENTENCE_END.search(current[-1][-2:]) and line[:1].islower():
            current.append(line)
            continue
        if current:
            out.append(" ".join(current))
        current = [line]
    return out


def finish(draft: Draft, rules: WidgetRules, repeated: RepeatedLines) -> Cleaned:
    lines = [l for l in draft.lines if not (l and repeated.is_repeated(draft.group, l))]
    repeated_removed = sum(1 for l in draft.lines if l) - sum(1 for l in lines if l)
    paras = paragraphs(lines)
    notes: list[str] = []
    edges = set(range(min(3, len(paras)))) | set(range(max(0, len(paras) - 3), len(paras)))
    body = []
    for i, p in enumerate(paras):
        (notes if i in edges and rules.is_editor_note(p) else body).append(p)
    text, pii_body = scrub("\n\n".join(body))
    note, pii_note = scrub("\n\n".join(notes)) if notes else (None, 0)
    return Cleaned(
        origin=draft.origin,
        raw_sha256=draft.raw_sha256,
        title=draft.title,
        text=text,
        editor_note=note,
        url=draft.url,
        published=draft.published,
        authors=draft.authors,
        identity_text=draft.identity_text,
        removed={"widget_lines": draft.widget_lines, "repeated_lines": repeated_removed, "pii": pii_body + pii_note},
    )
