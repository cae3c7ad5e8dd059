"""Topics: multilingual keyword evidence over the taxonomy in DESIGN.md.

Terms live in ``data/topics/<lang>.txt`` (a section per topic). A term matches at
the start of a word (``gesichtserkenn`` → "Gesichtserkennungssoftware"); a term
written ``*term`` may also sit inside a compound ("Videoüberwachungskamera").
A line ``A & B`` counts once for every sentence where both terms occur
("software … voorspellen" & "politie"): it catches what a topic is called in
ordinary words, not only its technical name.

A topic is assigned when its terms occur at least ``MIN_HITS`` times in the
text, or once in the headline or editor's note; when no topic is that strong,
the topics with the most evidence are assigned. ``other_privacy`` is assigned
only when no specific topic is, ``data_protection`` (named in nearly every
privacy story) aside. No evidence at all: no topic (off-topic).
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
def _patterns() -> dict[str, tuple[re.Pattern | None, tuple[tuple[re.Pattern, re.Pattern], ...]]]:
    """topic → (one regex of its single terms, its ``A & B`` sentence rules)."""
    terms: dict[str, set[str]] = {t: set() for t in TOPICS}
    pairs: dict[str, set[tuple[str, str]]] = {t: set() for t in TOPICS}
    for lang, path in language_files(DATA).items():
        for topic, entries in read_sections(path).items():
            if topic not in terms:
                raise ValueError(f"{path}: unknown topic section [{topic}]; use one of {', '.join(TOPICS)}")
            for p, _ in entries:
                if " & " in p:
                    a, b = (x.strip() for x in p.split(" & ", 1))
                    pairs[topic].add((a, b))
                else:
                    terms[topic].add(p)
    out = {}
    for t in TOPICS:
        single = re.compile("|".join(_term_regex(x) for x in sorted(terms[t])), re.IGNORECASE) if terms[t] else None
        rules = tuple((re.compile(_term_regex(a), re.IGNORECASE), re.compile(_term_regex(b), re.IGNORECASE)) for a, b in sorted(pairs[t]))
        if single or rules:
            out[t] = (single, rules)
    return out


_SENTENCE = re.compile(r"(?<=[.!?…])\s+|\n+")


def _count(text: str, sentences: list[str], single, rules) -> int:
    found = _found(text)  # {id(p): len(p.findall(text))} of the topics' patterns found, in one scan
    n = found.get(id(single), 0) if single else 0
    for a, b in _live_rules(rules, found):
        n += sum(1 for s in sentences if a.search(s) and b.search(s))
    return n


def _live_rules(rules, found: dict) -> list:
    """The rules of a topic whose two terms both occur in the text (a term absent
    from the text is absent from its sentences), found from the terms that occur
    rather than by trying every rule."""
    scanned = _scanner()[2]
    by_term = _rules_by_term(rules)
    live = [r for r in by_term[None]]  # rules with a term the scan does not cover: always tried
    for t in found.keys() & by_term.keys():
        live += [(a, b) for a, b in by_term[t] if id(b) in found or id(b) not in scanned]
    return sorted(live, key=lambda r: rules.index(r)) if len(live) > 1 else live


_BY_TERM: dict[int, tuple] = {}


def _rules_by_term(rules) -> dict:
    """``{id(a): [(a, b)…]}`` for a topic's rules, ``None`` → the rules whose first
    term the scan does not cover."""
    got = _BY_TERM.get(id(rules))
    if got is None or got[0] is not rules:
        scanned = _scanner()[2]
        index: dict = {None: []}
        for a, b in rules:
            index.setdefault(id(a) if id(a) in scanned else None, []).append((a, b))
        got = _BY_TERM[id(rules)] = (rules, index)
    return got[1]


@lru_cache(maxsize=1)
def _scanner():
    from .prescan import MultiScan

    singles = [single for single, _ in _patterns().values() if single]
    # a rule's term can be skipped when absent from the whole text, unless anchors make text and sentence differ
    terms = {id(t): t for _, rules in _patterns().values() for ab in rules for t in ab if not re.search(r"[$^]|\\[AZ]", t.pattern)}
    terms = [t for k, t in terms.items() if k not in {id(s) for s in singles}]
    pats = singles + terms
    return pats, MultiScan(pats, first_only=range(len(singles), len(pats))), frozenset(id(p) for p in pats)


@lru_cache(maxsize=4)
def _found(text: str) -> dict[int, int]:
    """Match counts of the topics' term patterns in ``text`` (``tag.prescan``: the
    same counts as ``findall``, ~100× faster than one ``findall`` per topic), and
    0 or 1 for the terms of ``A & B`` rules."""
    pats, scan, _ = _scanner()
    return {id(pats[i]): len(m) for i, m in scan.matches(text).items()}


@dataclass(frozen=True)
class TopicEvidence:
    topics: tuple[str, ...]  # assigned, strongest first
    hits: dict  # topic → weighted count


def tag_topics(title: str | None, text: str, editor_note: str | None = None) -> TopicEvidence:
    head = " ".join(x for x in (title, editor_note) if x)
    hits: dict[str, float] = {}
    strong: set[str] = set()
    body_sentences = _SENTENCE.split(text)
    head_sentences = _SENTENCE.split(head) if head else []
    for topic, (single, rules) in _patterns().items():
        n_body = _count(text, body_sentences, single, rules)
        n_head = _count(head, head_sentences, single, rules) if head else 0
        if n_body or n_head:
            hits[topic] = n_body + 2 * n_head
            if n_body >= MIN_HITS or n_head:
                strong.add(topic)
    rank = lambda t: (-hits[t], TOPICS.index(t))  # noqa: E731
    specific = sorted((t for t in strong if t != "other_privacy"), key=rank)
    if "other_privacy" in strong and set(specific) <= {"data_protection"}:
        # data protection law is named in nearly every privacy story; with nothing more
        # specific, the other privacy matter (car data, smart meters…) is the subject
        specific = ["other_privacy", *specific]
    if not specific:
        weak = [t for t in hits if t != "other_privacy"]
        if "other_privacy" in strong or not weak:
            specific = ["other_privacy"] if "other_privacy" in hits else []
        else:
            top = max(hits[t] for t in weak)
            specific = sorted((t for t in weak if hits[t] == top), key=rank)
    return TopicEvidence(tuple(specific), hits)
