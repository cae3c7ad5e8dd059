"""Main-text extraction from HTML pages with trafilatura (precision-favouring)."""
from __future__ import annotations

from dataclasses import dataclass


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
    return Extracted(text=doc.text, title=doc.title, url=doc.url, published=doc.date, authors=authors)
