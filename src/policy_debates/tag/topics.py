"""Topics: multilingual keyword evidence over the taxonomy in DESIGN.md.

Terms live in ``data/topics/<lang>.txt`` (a section per topic). A term matches at
the start of a word (``gesichtserkenn`` → "Gesichtserkennungssoftware"); a term
written ``*term`` may also sit inside a compound ("Videoüberwachungskamera").
A topic is assigned when its terms occur at least ``MIN_HITS`` times in the
text, or once in the headline or editor's note. ``other_privacy`` is assigned only
when no specific topic is.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..article import TOPICS
from ..datafiles import language_files, read_sections

DATA = Path(__file__).parent / "data" / "topics"
MIN_HITS = 2


def _term_regex(term: str) -> str:
    if term.startswith("*"):
        body = term[1:]
        prefix = ""
    else:
        body = term
        prefix = r"(?<!\w)"
    body = re.sub(r"(?<!\\) +", r"\\s+", body)
    return prefix + f"(?:{body})"


@lru_cache(maxsize=None)
def _patterns(languages: tuple[str, ...] | None = None) -> dict[str, re.Pattern]:
    terms: dict[str, set[str]] = {t: set() for t in TOPICS}
    for lang, path in language_files(DATA).items():
        if languages is not None and lang not in languages and lang != "common":
            continue
        for topic, entries in read_sections(path).items():
            if topic not in terms:
                raise ValueError(f"{path}: unknown topic section [{topic}]; use one of {', '.join(TOPICS)}")
            terms[topic].update(p for p, _ in entries)
    return {
        t: re.compile("|".join(_term_regex(x) for x in sorted(v)), re.IGNORECASE)
        for t, v in terms.items()
        if v
    }


@dataclass(frozen=True)
class TopicEvidence:
    topics: tuple[str, ...]  # assigned, strongest first
    hits: dict  # topic → weighted count


def tag_topics(title: str | None, text: str, editor_note: str | None = None) -> TopicEvidence:
    head = " ".join(x for x in (title, editor_note) if x)
    hits: dict[str, float] = {}
    strong: set[str] = set()
    for topic, pattern in _patterns().items():
        n_body = len(pattern.findall(text))
        n_head = len(pattern.findall(head)) if head else 0
        if n_body or n_head:
            hits[topic] = n_body + 2 * n_head
            if n_body >= MIN_HITS or n_head:
                strong.add(topic)
    specific = sorted((t for t in strong if t != "other_privacy"), key=lambda t: (-hits[t], TOPICS.index(t)))
    if not specific and "other_privacy" in strong:
        specific = ["other_privacy"]
    return TopicEvidence(tuple(specific), hits)
