"""Duplicates: the same URL, the same cleaned text, or nearly the same text.

Runs as a stage over the shards' part files, in shard order, so the first copy
(by input order) is kept and later ones are recorded as duplicates of its id.
Near-duplicates: MinHash over word 5-shingles of the normalised text, LSH with
Jaccard threshold ``NEAR_THRESHOLD`` (0.8: a re-scrape with a changed comment
count or a syndicated copy with another teaser is caught; two articles on the
same story in different words are not). The index can be seeded with earlier
releases, so a near-copy of an article already published is caught too.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np

from .identity import normalised_text

NEAR_THRESHOLD = 0.8
NUM_PERM = 128
SHINGLE = 5
_WORD = re.compile(r"\w+")


def shingles(text: str) -> list[bytes]:
    words = _WORD.findall(normalised_text(text))
    if len(words) < SHINGLE:
        return [" ".join(words).encode()]
    return [" ".join(words[i : i + SHINGLE]).encode() for i in range(len(words) - SHINGLE + 1)]


def signature(text: str):
    from datasketch import MinHash

    m = MinHash(num_perm=NUM_PERM, seed=1)
    m.update_batch(shingles(text))
    return m


@dataclass(frozen=True)
class Duplicate:
    of: str  # the id it repeats
    reason: str  # same_id (same URL or raw text) | same_text | near_duplicate


class DedupIndex:
    """First come, first kept. ``check`` records a new article or names what it repeats."""

    def __init__(self, threshold: float = NEAR_THRESHOLD):
        from datasketch import MinHashLSH

        self.ids: set[str] = set()
        self.texts: dict[str, str] = {}
        self.lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)

    def check(self, aid: str, text_hash: str, text: str) -> Duplicate | None:
        if aid in self.ids:
            return Duplicate(aid, "same_id")
        if text_hash in self.texts:
            return Duplicate(self.texts[text_hash], "same_text")
        sig = signature(text)
        near = sorted(self.lsh.query(sig))
        if near:
            return Duplicate(near[0], "near_duplicate")
        self.add(aid, text_hash, sig)
        return None

    def add(self, aid: str, text_hash: str, sig=None, text: str | None = None) -> None:
        if aid in self.ids:
            return
        self.ids.add(aid)
        self.texts.setdefault(text_hash, aid)
        if sig is None and text is not None:
            sig = signature(text)
        if sig is not None:
            self.lsh.insert(aid, sig)
