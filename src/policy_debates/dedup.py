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

The signature is numpy all the way, for a whole shard at once: words are the
runs of ``\\w`` characters of the case-folded text, each hashed to 64 bits by a
polynomial over its code points; a shingle mixes its five word hashes; each of
the 128 permutations is ``a·x + b mod 2³²`` of the shingle's top 32 bits, and
the signature keeps each one's minimum (128 × uint32, little-endian). Every
constant comes from SHAKE-128 of a fixed label: the same bytes on every
machine and in every process. Changing any of it changes every signature:
bump ``policy_debates.__version__`` so ledgers reprocess fully.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from .codepoints import WORD, classes

NEAR_THRESHOLD = 0.8
NUM_PERM = 128
BANDS, ROWS = 16, 8
SHINGLE = 5
_GROUP_CHARS = 50_000  # see signatures()


def _constants(label: str, n: int, dtype: str) -> np.ndarray:
    size = np.dtype(dtype).itemsize
    return np.frombuffer(hashlib.shake_128(f"policy-debates dedup {label}".encode()).digest(n * size), dtype).astype(dtype[1:])


_P = _constants("char", 1, "<u8")[0] | np.uint64(1)  # odd: the polynomial base of word hashes
_SHINGLE_MUL = _constants("shingle", SHINGLE, "<u8") | np.uint64(1)
_A = _constants("perm a", NUM_PERM, "<u4") | np.uint32(1)
_B = _constants("perm b", NUM_PERM, "<u4")
_BAND_MUL = _constants("band", ROWS + 1, "<u8") | np.uint64(1)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every input bit reaches every output bit."""
    x = x ^ (x >> np.uint64(30))
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _is_word(cp: np.ndarray) -> np.ndarray:
    w = classes()[np.minimum(cp, 0xFFFF)] == WORD  # re's \w
    astral = np.flatnonzero(cp > 0xFFFF)
    if len(astral):
        w[astral] = [chr(c).isalnum() for c in cp[astral].tolist()]
    return w


def _word_hashes(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of the words of all texts in order, and each text's word count."""
    folded = [t.casefold() for t in texts]
    cp = np.frombuffer("\0".join(folded).encode("utf-32-le", "surrogatepass"), "<u4")  # NUL: words never straddle texts
    is_word = _is_word(cp)
    edges = np.flatnonzero(np.diff(is_word, prepend=False, append=False))
    starts, lens = edges[0::2], edges[1::2] - edges[0::2]
    text_starts = np.cumsum([0] + [len(t) + 1 for t in folded[:-1]])
    counts = np.bincount(np.searchsorted(text_starts, starts, "right") - 1, minlength=len(texts))
    if not len(starts):
        return np.zeros(0, np.uint64), counts
    first = np.cumsum(lens) - lens  # each word's start in the word characters laid end to end
    powers = np.full(lens.max(), _P)
    powers[0] = 1
    powers = np.cumprod(powers)  # P**0, P**1, … (mod 2**64)
    terms = cp[is_word].astype(np.uint64) * powers[np.arange(lens.sum()) - np.repeat(first, lens)]
    return _mix(np.add.reduceat(terms, first)), counts  # Σ code point · P**position, per word


def _shingle_hashes(words: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A hash per window of SHINGLE words (a shorter text is one window of all its words),
    and each text's number of windows."""
    per_text = np.maximum(counts - SHINGLE + 1, 1)
    text = np.repeat(np.arange(len(counts)), per_text)
    first = (np.cumsum(counts) - counts)[text] + np.arange(per_text.sum()) - (np.cumsum(per_text) - per_text)[text]
    width = np.minimum(counts, SHINGLE)[text]
    padded = np.concatenate([words, np.zeros(SHINGLE, np.uint64)])
    acc = np.zeros(len(first), np.uint64)
    for k in range(SHINGLE):
        acc += np.where(k < width, padded[first + k], np.uint64(0)) * _SHINGLE_MUL[k]
    return _mix(acc), per_text


def _minhash(keys: np.ndarray, per_text: np.ndarray) -> np.ndarray:
    """(texts, NUM_PERM) minima of the permutations over each text's shingle keys."""
    out = np.empty((len(per_text), NUM_PERM), np.uint32)
    ends = np.cumsum(per_text)
    for i, (lo, hi) in enumerate(zip((ends - per_text).tolist(), ends.tolist())):
        out[i] = (keys[lo:hi, None] * _A + _B).min(axis=0)  # uint32: wraps mod 2**32
    return out


def signatures(texts: list[str]) -> list[bytes]:
    """The MinHash signature of each text (NUM_PERM little-endian uint32). Texts go
    through numpy in groups of ≈ _GROUP_CHARS characters: big enough to share the
    per-call cost, small enough that the temporaries stay in cache (and below the
    size where malloc maps fresh pages for every array)."""
    out: list[bytes] = []
    lo = 0
    while lo < len(texts):
        hi, size = lo + 1, len(texts[lo])
        while hi < len(texts) and size + len(texts[hi]) <= _GROUP_CHARS:
            size += len(texts[hi])
            hi += 1
        shingles, per_text = _shingle_hashes(*_word_hashes(texts[lo:hi]))
        sigs = _minhash((shingles >> np.uint64(32)).astype(np.uint32), per_text).astype("<u4")
        out += [s.tobytes() for s in sigs]
        lo = hi
    return out


def signature(text: str) -> bytes:
    return signatures([text])[0]


def bands_of(sigs: list[bytes]) -> list[list[int]]:
    """The BANDS signed 64-bit LSH keys of each signature: its ROWS values and the band number, mixed."""
    if not sigs:
        return []
    rows = np.frombuffer(b"".join(sigs), "<u4").reshape(len(sigs), BANDS, ROWS).astype(np.uint64)
    acc = (rows * _BAND_MUL[:ROWS]).sum(axis=2, dtype=np.uint64) + np.arange(BANDS, dtype=np.uint64) * _BAND_MUL[ROWS]
    return _mix(acc).view(np.int64).tolist()


def bands(sig: bytes) -> list[int]:
    return bands_of([sig])[0]


def similarity(a: bytes, b: bytes) -> float:
    """Share of positions where the signatures agree; 0 for signatures of another scheme."""
    if len(a) != len(b):
        return 0.0
    return float(np.count_nonzero(np.frombuffer(a, "<u4") == np.frombuffer(b, "<u4"))) / (len(a) // 4)


@dataclass(frozen=True)
class Duplicate:
    of: str  # the id it repeats
    reason: str  # same_id | same_text | near_duplicate


class Index:
    """Duplicate checks for one shard's rows, in input order. The ledger is asked once,
    up front, about everything the rows can meet (their ids, texts and bands); the
    articles the caller keeps meanwhile are ``add``-ed here until it writes them to
    the ledger. The answers are those of asking the ledger row by row."""

    def __init__(self, ledger, ids, text_hashes, row_bands):
        self.known = ledger.articles(ids)  # id → the ledger's row, before this shard
        self.owners = ledger.text_owners(text_hashes)
        self.members: dict[int, list[tuple[int, str]]] = defaultdict(list)  # band → (order, id)
        self.sigs: dict[str, bytes | None] = {}
        for band, rowid, cid, sig in ledger.band_members({b for bands in row_bands for b in bands}):
            self.members[band].append((rowid, cid))
            self.sigs[cid] = sig
        self.added: dict[str, int] = {}  # id → order of the articles added since

    def check(self, aid: str, text_hash: str, sig: bytes, bands: list[int], *, allow_same_id: bool = False) -> Duplicate | None:
        """Is this article a duplicate of one the ledger knows (released, removed, or
        earlier in this build)? ``allow_same_id``: a full reprocess meets its own id again."""
        if aid in self.known and not allow_same_id:
            return Duplicate(aid, "same_id")
        owner = self.owners.get(text_hash)
        if owner is not None and owner != aid:
            return Duplicate(owner, "same_text")
        order = {cid: self.added.get(cid, key) for band in bands for key, cid in self.members.get(band, ())}
        for cid in sorted(order, key=order.get):  # the ledger's order: by rowid
            csig = self.sigs[cid]
            if cid != aid and csig is not None and similarity(sig, csig) >= NEAR_THRESHOLD:
                return Duplicate(cid, "near_duplicate")
        return None

    def add(self, aid: str, text_hash: str, sig: bytes, bands: list[int]) -> None:
        """An article written after this shard's lookups: INSERT OR REPLACE gives it the
        next rowid, so it comes after every article of the ledger, in the order added
        (bands the ledger still lists for it keep pointing at it)."""
        key = (1 << 63) + len(self.added)
        self.added[aid] = key
        self.owners.setdefault(text_hash, aid)
        self.sigs[aid] = sig
        for band in bands:
            self.members[band].append((key, aid))
