"""Duplicates: the same id (URL or raw text), the same cleaned text, or nearly
the same text — checked against this build AND every earlier release.

Staged so it scales and survives executors: shards compute MinHash signatures
(word 5-shingles, 128 permutations) next to their records; the driver checks
each new article's 16 LSH bands (8 rows each) against the band index kept in
the ledger (SQLite, on disk, so memory does not grow with the dataset), and
confirms a candidate when the signatures agree on ≥ ``NEAR_THRESHOLD`` of
their positions (estimated Jaccard similarity). 0.8 catches re-scrapes with
another comment count and syndicated copies with another teaser; two articles
on one story in different words stay apart. First come, first kept.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np

from .identity import normalised_text

NEAR_THRESHOLD = 0.8
NUM_PERM = 128
BANDS, ROWS = 16, 8
SHINGLE = 5
_WORD = re.compile(r"\w+")


def shingles(text: str) -> list[bytes]:
    words = _WORD.findall(normalised_text(text))
    if len(words) < SHINGLE:
        return [" ".join(words).encode()]
    return [" ".join(words[i : i + SHINGLE]).encode() for i in range(len(words) - SHINGLE + 1)]


def signature(text: str) -> bytes:
    from datasketch import MinHash

    m = MinHash(num_perm=NUM_PERM, seed=1)
    m.update_batch(shingles(text))
    return m.hashvalues.astype("<u8").tobytes()


def bands(sig: bytes) -> list[int]:
    out = []
    for b in range(BANDS):
        chunk = sig[b * ROWS * 8 : (b + 1) * ROWS * 8]
        h = hashlib.blake2b(bytes([b]) + chunk, digest_size=8).digest()
        out.append(int.from_bytes(h, "little", signed=True))
    return out


def similarity(a: bytes, b: bytes) -> float:
    return float(np.mean(np.frombuffer(a, dtype="<u8") == np.frombuffer(b, dtype="<u8")))


@dataclass(frozen=True)
class Duplicate:
    of: str  # the id it repeats
    reason: str  # same_id | same_text | near_duplicate


def check(ledger, aid: str, text_hash: str, sig: bytes, *, allow_same_id: bool = False) -> Duplicate | None:
    """Is this article a duplicate of one the ledger knows (released, removed, or
    earlier in this build)? ``allow_same_id``: a full reprocess meets its own id again."""
    known = ledger.article(aid)
    if known is not None and not allow_same_id:
        return Duplicate(aid, "same_id")
    owner = ledger.text_owner(text_hash)
    if owner is not None and owner != aid:
        return Duplicate(owner, "same_text")
    for cid, csig in ledger.band_candidates(bands(sig)):
        if cid != aid and csig is not None and similarity(sig, csig) >= NEAR_THRESHOLD:
            return Duplicate(cid, "near_duplicate")
    return None
