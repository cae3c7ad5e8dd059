"""Gold annotations kept with a builder: ``builders/gold/<dataset>/``.

    labels/<anything>.jsonl   one label per line:
        {"url": "https://…" | "id": "…" | "raw_sha256": "…",
         "annotator": "dev-a", "stance": "against|neutral|favor",
         "stance_target": "facial_recognition", "topics": ["facial_recognition"],
         "language": "de", "note": "optional reason"}
    articles/<anything>.jsonl  optional: the annotated articles themselves, as
        crawler-export lines (url, title, text, date, authors), for training
        and evaluation when they are not part of the raw data.

An item labelled by several annotators gets the majority stance (ties: the
annotator first in alphabetical order); agreement is reported by ``evaluate``.
Gold labels override automatic ones in a release (``stance_source`` = ``gold``).
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .article import STANCES, TOPICS
from .identity import article_id


class GoldError(ValueError):
    pass


@dataclass(frozen=True)
class GoldLabel:
    key: str  # the article id (from url or id) or "sha:<raw_sha256>"
    annotator: str
    stance: str
    stance_target: str | None
    topics: tuple[str, ...]
    language: str | None
    note: str = ""


@dataclass
class GoldItem:
    """One annotated article: its labels by annotator and, if shipped, its text."""

    key: str
    labels: dict = field(default_factory=dict)  # annotator → GoldLabel
    url: str | None = None
    title: str | None = None
    text: str | None = None
    published: str | None = None
    authors: list = field(default_factory=list)

    @property
    def label(self) -> GoldLabel:
        votes = Counter(l.stance for l in self.labels.values())
        top = max(votes.values())
        for annotator in sorted(self.labels):
            if votes[self.labels[annotator].stance] == top:
                return self.labels[annotator]
        raise AssertionError("unreachable")


def gold_dir(builders_dir: Path, dataset: str) -> Path:
    return Path(builders_dir) / "gold" / dataset


def _key(obj: dict, where: str) -> str:
    if obj.get("id"):
        return str(obj["id"])
    if obj.get("url"):
        return article_id(obj["url"], "")
    if obj.get("raw_sha256"):
        return "sha:" + str(obj["raw_sha256"])
    raise GoldError(f"{where}: a gold label needs 'id', 'url' or 'raw_sha256'")


def _lines(path: Path):
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                yield f"{path}:{n}", json.loads(line)
            except json.JSONDecodeError as exc:
                raise GoldError(f"{path}:{n}: not JSON ({exc.msg}); fix or remove the line") from None


def load_gold(builders_dir: Path, dataset: str) -> dict[str, GoldItem]:
    """Key → item, for every labelled article of the dataset (empty when there is no gold)."""
    root = gold_dir(builders_dir, dataset)
    items: dict[str, GoldItem] = {}
    for path in sorted((root / "labels").glob("*.jsonl")):
        for where, obj in _lines(path):
            key = _key(obj, where)
            stance = obj.get("stance")
            if stance not in STANCES:
                raise GoldError(f"{where}: stance {stance!r} must be one of {', '.join(STANCES)}")
            topics = tuple(obj.get("topics") or ())
            bad = [t for t in topics if t not in TOPICS]
            target = obj.get("stance_target")
            if bad or (target and target not in TOPICS):
                raise GoldError(f"{where}: unknown topic {(bad or [target])[0]!r}; use the taxonomy in DESIGN.md")
            label = GoldLabel(key, str(obj.get("annotator") or "unknown"), stance, target, topics, obj.get("language"), obj.get("note", ""))
            items.setdefault(key, GoldItem(key, url=obj.get("url"))).labels[label.annotator] = label
    for path in sorted((root / "articles").glob("*.jsonl")):
        for where, obj in _lines(path):
            key = _key(obj, where)
            if key in items:
                it = items[key]
                it.url, it.title, it.text = obj.get("url"), obj.get("title"), obj.get("text")
                it.published, it.authors = obj.get("date"), obj.get("authors") or []
    return items


def agreement_pairs(items: dict[str, GoldItem]) -> dict[tuple[str, str], list[tuple[str, str, str]]]:
    """(annotator a, annotator b) → [(language, stance by a, stance by b)] over items both labelled."""
    pairs: dict = defaultdict(list)
    for it in items.values():
        names = sorted(it.labels)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                lang = it.labels[a].language or it.labels[b].language or "und"
                pairs[(a, b)].append((lang, it.labels[a].stance, it.labels[b].stance))
    return dict(pairs)
