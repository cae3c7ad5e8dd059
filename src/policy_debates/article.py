"""The two shapes an article takes on its way through the build.

``RawArticle`` is what a source reader gets out of one raw input (a text dump, an
HTML page, one JSONL line, one WARC record). ``Article`` is one published record
(the schema in DESIGN.md). ``Rejection`` is the recorded reason an input did not
become an article. Every input ends as exactly one ``Article`` or ``Rejection``
(duplicates are articles that the dedup stage later points at another id).
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields

STANCES = ("against", "neutral", "favor")

TOPICS = (
    "facial_recognition",
    "biometrics",
    "cctv_surveillance",
    "mass_surveillance",
    "data_retention",
    "encryption",
    "data_protection",
    "contact_tracing",
    "predictive_policing",
    "ad_tracking",
    "other_privacy",
)


@dataclass
class RawArticle:
    """One document as a reader found it, before cleaning.

    ``origin`` names the input for the ledger: a path relative to the raw root,
    with ``#L<n>`` for a JSONL line or ``#R<n>`` for a WARC record.
    Exactly one of ``text`` (plain text, headline on the first line when
    ``title`` is None) and ``html`` is set.
    """

    origin: str
    raw_sha256: str
    text: str | None = None
    html: str | None = None
    url: str | None = None
    title: str | None = None
    published: str | None = None
    authors: list[str] = field(default_factory=list)
    group: str = ""  # the site or folder it came from; repeated-line removal works per group


@dataclass
class Rejection:
    """Why an input did not become an article. ``reason`` is a short stable code."""

    origin: str
    raw_sha256: str
    reason: str
    detail: str = ""

    def to_dict(self) -> dict:
        return _fields(self)


@dataclass
class Article:
    """One published record; field order is the published column order."""

    id: str
    story_id: str
    source: str
    url: str | None
    title: str | None
    text: str
    editor_note: str | None
    authors: list[str]
    published: str | None  # ISO 8601 UTC; becomes a timestamp column
    language: str
    language_score: float
    topics: list[str]
    stance_target: str
    stance: str
    stance_score: float
    stance_source: str
    num_words: int
    raw_sha256: str
    origin: str = ""  # not published: where it came from, for the ledger

    def to_dict(self) -> dict:
        return _fields(self)


def _fields(obj) -> dict:
    """``asdict`` for flat records (strings, numbers, lists of strings), without its
    deep copy: one dict per article adds up over millions."""
    return {f.name: (list(v) if isinstance(v := getattr(obj, f.name), list) else v) for f in fields(obj)}
