"""Main-text extraction from HTML pages with trafilatura (precision-favouring)."""
from __future__ import annotations

import re
from dataclasses import dataclass

# Full timestamps from the page's own metadata; trafilatura keeps only the date.
_PUBLISHED = [
    re.compile(r"""<meta[^>]+(?:property|name|itemprop)\s*=\s*["'](?:article:published_time|og:published_time|datePublished|pubdate|publishdate|date)["'][^>]*content\s*=\s*["']([^"']+)["']""", re.IGNORECASE),
    re.compile(r"""<meta[^>]+content\s*=\s*["']([^"']+)["'][^>]*(?:property|name|itemprop)\s*=\s*["'](?:article:published_time|og:published_time|datePublished)["']""", re.IGNORECASE),
    re.compile(r'"datePublished"\s*:\s*"([^"]+)"'),
    re.compile(r"""<time[^>]+datetime\s*=\s*["']([^"']+)["']""", re.IGNORECASE),
]


def page_published(html: str) -> str | None:
    """``<meta property="article:published_time" content="2026-10-01T10:15:00+02:00">`` → that value."""
    head = html[:200_000]
    for pattern in _PUBLISHED:
        m = pattern.search(head)
        if m and re.match(r"\d{4}-\d{2}-\d{2}", m.group(1).strip()):
            return m.group(1).strip()
    return None


@dataclass
class Extracted:
    text: str
    title: str | None
    url: str | None
    published: str | None
    authors: list[str]


def extract_html(html: str, url: str | None = None) -> Extracted | None:
    """The article body and metadata of a page, or None when there is no article.

    Comments, tables and images are left out (comments carry commenters' names);
    our widget filter runs afterwards because trafilatura leaves some widgets.
    """
    import trafilatura  # heavy import, only where HTML is read

    doc = trafilatura.bare_extraction(
        html,
        url=url,
        favor_precision=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        with_metadata=True,
        deduplicate=False,
    )
    if doc is None or not (doc.text or "").strip():
        return None
    authors = [a.strip() for a in (doc.author or "").split(";") if a.strip()]
    return Extracted(text=doc.text, title=doc.title, url=doc.url, published=page_published(html) or doc.date, authors=authors)
