"""Lines that repeat across many articles of one source (boilerplate of unknown language).

Counting is staged so it works over shards and executors: each shard reports
the hashed short lines of each of its documents (``line_keys``); the driver
adds them into a count-min sketch of fixed size (bounded memory however many
articles) and then lists the keys seen in at least ``threshold(n_docs)``
documents of their group (``RepeatedLines``). A line counts once per document.
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field

import numpy as np

from .widgets import normalise_line

MAX_WORDS = 12  # body paragraphs are longer; boilerplate is short
MIN_DOCS = 3
SHARE = 0.05  # a line in ≥ 5 % of a source's articles (and ≥ 3) is boilerplate


def line_key(group: str, line: str) -> int:
    norm = normalise_line(line).casefold()
    digest = hashlib.blake2b(f"{group}\x00{norm}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def candidate(line: str) -> bool:
    # at most MAX_WORDS splits: a longer line gives MAX_WORDS + 1 parts without splitting the rest
    n = len(line.split(None, MAX_WORDS))
    return 0 < n <= MAX_WORDS


def line_keys(group: str, lines) -> set[int]:
    return {line_key(group, l) for l in lines if candidate(l)}


def threshold(n_docs: int) -> int:
    return max(MIN_DOCS, math.ceil(SHARE * n_docs))


class CountMinSketch:
    """Approximate counts in fixed memory (depth × width int32); never under-counts."""

    def __init__(self, width_bits: int = 20, depth: int = 4):
        self.width_bits = width_bits
        self.table = np.zeros((depth, 1 << width_bits), dtype=np.int32)
        rng = np.random.default_rng(20240601)
        self.mult = rng.integers(1, 2**63 - 1, size=depth, dtype=np.uint64) | np.uint64(1)

    def _rows(self, keys: np.ndarray):
        keys = keys.astype(np.uint64)
        shift = np.uint64(64 - self.width_bits)
        for r, m in enumerate(self.mult):
            yield r, (keys * m) >> shift

    def add(self, keys: np.ndarray) -> None:
        for r, idx in self._rows(keys):
            np.add.at(self.table[r], idx.astype(np.int64), 1)

    def estimate(self, keys: np.ndarray) -> np.ndarray:
        est = None
        for r, idx in self._rows(keys):
            row = self.table[r][idx.astype(np.int64)]
            est = row if est is None else np.minimum(est, row)
        return est if est is not None else np.zeros(0, dtype=np.int32)


@dataclass
class RepeatedLines:
    """The set of (group, line) keys judged boilerplate; tiny, shipped to every shard."""

    keys: frozenset = field(default_factory=frozenset)

    def __contains__(self, key: int) -> bool:
        return key in self.keys

    def is_repeated(self, group: str, line: str) -> bool:
        return bool(self.keys) and candidate(line) and line_key(group, line) in self.keys

    @classmethod
    def from_counts(cls, per_doc_keys, group_docs: dict[str, int]) -> "RepeatedLines":
        """``per_doc_keys``: a re-iterable of ``(group, np.ndarray of keys)`` per shard and group."""
        counts = BoilerplateCounts()
        counts.add(per_doc_keys, group_docs)
        return counts.repeated(per_doc_keys)


class BoilerplateCounts:
    """Line counts and documents per group, kept between builds of a dataset so a
    new batch is judged against everything the source published before."""

    def __init__(self, sketch: CountMinSketch | None = None, group_docs: dict | None = None):
        self.sketch = sketch or CountMinSketch()
        self.group_docs: dict[str, int] = dict(group_docs or {})

    def add(self, per_doc_keys, group_docs: dict[str, int]) -> None:
        for _group, keys in per_doc_keys():
            self.sketch.add(keys)
        for g, n in group_docs.items():
            self.group_docs[g] = self.group_docs.get(g, 0) + n

    def repeated(self, per_doc_keys) -> RepeatedLines:
        found: set[int] = set()
        for group, keys in per_doc_keys():
            if len(keys) == 0:
                continue
            est = self.sketch.estimate(keys)
            found.update(int(k) for k in keys[est >= threshold(self.group_docs.get(group, 0))])
        return RepeatedLines(frozenset(found))

    def save(self, path) -> None:
        groups = sorted(self.group_docs)
        tmp = str(path) + ".tmp.npz"
        np.savez_compressed(tmp, table=self.sketch.table, groups=np.array(groups, dtype=object), docs=np.array([self.group_docs[g] for g in groups], dtype=np.int64))
        import os

        os.replace(tmp, path)

    @classmethod
    def load(cls, path) -> "BoilerplateCounts":
        with np.load(path, allow_pickle=True) as z:
            sketch = CountMinSketch()
            sketch.table = z["table"].copy()
            return cls(sketch, dict(zip(z["groups"].tolist(), z["docs"].tolist())))
