"""Hashed word and character n-grams with TF-IDF, for a whole batch of documents at once.

What ``TfidfVectorizer(analyzer="char_wb")`` plus ``TfidfVectorizer(analyzer="word")``
compute, but in a few numpy passes over one array of code points for a whole batch,
instead of a Python loop over every n-gram (2.5–3 ms per 3.5 KB article; this takes
0.15–0.2 ms), and with hash buckets instead of a learned vocabulary:

- the n-grams are the same strings scikit-learn's analyzers yield (tests/
  test_stance_features.py checks it): text lower-cased, character n-grams inside
  whitespace-separated words padded with one space (``char_wb``; a padded word shorter
  than the smallest n is skipped, where scikit-learn keeps it, so from n = 2 on they
  agree), word unigrams and bigrams of runs of two or more ``\\w`` characters (code
  points above U+FFFF count as punctuation here, so emoji join no word);
- each n-gram ``s`` is hashed as ``poly(s) = Σ (ord(s[k]) + 1)·P**k mod 2**64`` (+ 1: so
  that a trailing NUL still changes the hash) and mapped to
  a bucket by multiply-shift: ``((poly(s) ^ salt) · M mod 2**64) >> (64 − bits)``,
  word n-grams into the first ``2**bits`` columns, character n-grams into the next
  ``2**bits`` (``bucket`` below). Fixed constants, never Python's salted ``hash()``:
  the same text gets the same columns in every process and on every machine;
- the values are sublinear tf (1 + log count) times smoothed idf, learned at ``fit``
  like scikit-learn's, each block (words, characters) L2-normalised on its own;
  buckets seen in fewer than ``min_df`` training documents (or never) are dropped,
  as terms outside a learned vocabulary are.
"""
from __future__ import annotations


import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

from ...codepoints import SPACE, WORD, classes

P = 0x100000001B3  # the FNV-1 64-bit prime: odd, so the polynomial hash loses no bits
M = 0x9E3779B97F4A7C15  # 2**64 / golden ratio, odd: multiply-shift spreads poly() over the buckets
SALT = {"word": 0x5851F42D4C957F2D, "char": 0xC2B2AE3D27D4EB4F}  # a word "ab" and a char 2-gram "ab" differ

_DOCS_PER_CHUNK = 32  # ~100 000 code points per pass, so the arrays stay in cache; < 2**(31 − bits) for the keys

_M = np.uint64(M)
_P_INV = pow(P, -1, 2**64)  # P is odd, so it has an inverse mod 2**64


_POW: dict[int, np.ndarray] = {}


def _powers(base: int, n: int) -> np.ndarray:
    """base**0 … base**(n−1) mod 2**64 (numpy's uint64 arithmetic wraps, which is the mod)."""
    if len(_POW.get(base, ())) < n:
        n = max(n, 2 * len(_POW.get(base, ())))
        _POW[base] = np.concatenate(([np.uint64(1)], np.cumprod(np.full(n - 1, np.uint64(base), np.uint64))))
    return _POW[base][:n]


def bucket(h: np.ndarray, kind: str, bits: int) -> np.ndarray:
    return ((h ^ np.uint64(SALT[kind])) * _M) >> np.uint64(64 - bits)


def _keys(docs: list[str], char_range, word_range, bits: int) -> np.ndarray:
    """One ``(document index << bits + 1) | bucket`` key per n-gram occurrence in
    ``docs`` (fewer than ``2**(31 − bits)`` of them), unsorted."""
    docs = [" " + d.lower() + " " for d in docs]  # char_wb pads every word, so the doc's edges too
    lengths = np.fromiter(map(len, docs), np.int64, len(docs))
    cp = np.frombuffer("\0".join(docs).encode("utf-32-le") + b"\0\0\0\0", np.uint32)
    sep = np.zeros(len(cp), bool)
    sep[np.cumsum(lengths + 1) - 1] = True  # by position, so a NUL inside a text changes nothing
    cls = classes()[np.minimum(cp, 0xFFFF)]
    space = cls == SPACE
    cp = np.where(space, np.uint32(32), cp).astype(np.uint64) + np.uint64(1)  # ord() + 1, see poly()
    blank = space | sep
    word = (cls == WORD) & ~sep
    doc = np.repeat(np.arange(len(docs), dtype=np.uint32) << np.uint32(bits + 1), lengths + 1)
    n_cp = len(cp)
    pw = _powers(P, n_cp + 1)
    out = []

    # Character n-grams: no blank inside (but at either end), so none spans two words or
    # two documents; a run of whitespace counts as one space, as for str.split(). Every
    # document starts and ends with a space, so only a 2-gram could hold a separator
    # without holding a blank inside.
    lo, hi = char_range
    h = cp.copy()
    inside = np.zeros(n_cp, bool)  # a blank strictly inside the n-gram at each position
    for n in range(2, hi + 1):
        m = n_cp - n + 1
        h = h[:m] + cp[n - 1 :] * pw[n - 1]  # poly() of the n-gram starting at each position
        if n == 2:
            ok = ~((blank[:-1] & blank[1:]) | sep[:-1] | sep[1:])
        else:
            inside = inside[:m] | blank[n - 2 : n - 2 + m]
            ok = ~inside
        if n >= lo:
            key = doc[:m] | (bucket(h, "char", bits) + np.uint64(1 << bits)).astype(np.uint32)
            out.append(key[ok])

    # Word n-grams: runs of two or more word characters, bigrams of consecutive runs.
    # poly(text[s:e]) = (S[e] − S[s]) · P**−s with S the prefix sums of cp[j]·P**j.
    if word_range is not None:
        edge = np.diff(word.view(np.int8), prepend=np.int8(0))  # the text ends with a separator
        start, end = np.flatnonzero(edge == 1), np.flatnonzero(edge == -1)
        long = end - start >= 2
        start, end = start[long], end[long]
        prefix = np.concatenate(([np.uint64(0)], np.cumsum(cp * pw[:n_cp])))
        h = (prefix[end] - prefix[start]) * _powers(_P_INV, n_cp)[start]
        length, wdoc = end - start, doc[start]
        if word_range[0] <= 1:
            out.append(wdoc | bucket(h, "word", bits).astype(np.uint32))
        if word_range[1] >= 2 and len(h) > 1:
            same = wdoc[1:] == wdoc[:-1]
            a, la = h[:-1][same], length[:-1][same]
            pair = a + np.uint64(33) * pw[la] + h[1:][same] * pw[la + 1]  # poly("a b"); 33: a space, + 1
            out.append(wdoc[1:][same] | bucket(pair, "word", bits).astype(np.uint32))
    return np.concatenate(out) if out else np.zeros(0, np.uint32)


class HashedNgrams(TransformerMixin, BaseEstimator):
    """Documents (strings) → sparse TF-IDF rows: hashed word n-grams (``word_ngrams``,
    within (1, 2); None for none) and hashed ``char_wb`` n-grams (``char_ngrams``),
    each block L2-normalised. The columns are the buckets seen in at least ``min_df``
    training documents, in bucket order (word buckets first), so the model has as many
    weights as with a learned vocabulary, however many buckets there are."""

    def __init__(self, char_ngrams=(2, 4), word_ngrams=(1, 2), bits: int = 20, min_df: int = 1):
        self.char_ngrams = char_ngrams
        self.word_ngrams = word_ngrams
        self.bits = bits
        self.min_df = min_df

    def counts(self, docs) -> sp.csr_matrix:
        """n-gram counts per document (row) and bucket (column), before any fitting."""
        docs = list(docs)
        rows, cols, counts = self._count(docs)
        return _csr(rows, cols, counts.astype(np.float64), (len(docs), 2 << self.bits))

    def fit(self, docs, y=None):
        self.fit_transform(docs)
        return self

    def fit_transform(self, docs, y=None):
        docs = list(docs)
        rows, buckets, counts = self._count(docs)
        df = np.bincount(buckets, minlength=2 << self.bits)
        self.columns_ = np.flatnonzero(df >= max(self.min_df, 1))  # unseen buckets never count, as outside a vocabulary
        self.idf_ = np.log((1 + len(docs)) / (1 + df[self.columns_])) + 1  # smooth idf, as scikit-learn's
        self.word_columns_ = int(np.searchsorted(self.columns_, 1 << self.bits))
        self._lookup_ = None  # of an earlier fit
        cols = self._lookup()[buckets]
        ok = cols >= 0
        return self._tfidf(rows[ok], cols[ok], counts[ok], len(docs))

    def transform(self, docs):
        docs = list(docs)
        return self._tfidf(*self._count(docs, self._lookup()), len(docs))

    def _count(self, docs: list[str], lookup: np.ndarray | None = None):
        """(row, column, count) of each distinct n-gram bucket in each document, sorted;
        the columns are buckets, or ``lookup[bucket]`` without the −1s when given."""
        if not (2 <= self.char_ngrams[0] <= self.char_ngrams[1]) or not (8 <= self.bits <= 22):
            raise ValueError(f"char_ngrams {self.char_ngrams} must start at 2 or more; bits {self.bits} must be 8..22")
        if self.word_ngrams is not None and not (1 <= self.word_ngrams[0] <= self.word_ngrams[1] <= 2):
            raise ValueError(f"word_ngrams {self.word_ngrams}: only unigrams and bigrams")
        width = np.uint32(self.bits + 1)
        rows, cols, counts = [np.zeros(0, np.int64)], [np.zeros(0, np.int32)], [np.zeros(0, np.int64)]
        for at in range(0, len(docs), _DOCS_PER_CHUNK):
            # One sort of (document, bucket) keys counts the whole chunk.
            key = np.sort(_keys(docs[at : at + _DOCS_PER_CHUNK], self.char_ngrams, self.word_ngrams, self.bits))
            first = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))[: len(key)]
            count = np.diff(first, append=len(key))
            key = key[first]
            col = (key & np.uint32((1 << width) - 1)).astype(np.int32)
            if lookup is not None:  # after counting: one look-up per distinct n-gram, not per occurrence
                col = lookup[col]
                key, count, col = key[col >= 0], count[col >= 0], col[col >= 0]
            rows.append((key >> width).astype(np.int64) + at)
            cols.append(col)
            counts.append(count)
        return np.concatenate(rows), np.concatenate(cols), np.concatenate(counts)

    def _tfidf(self, rows, cols, counts, n_docs: int) -> sp.csr_matrix:
        value = (1 + np.log(counts)) * self.idf_[cols]  # sublinear tf
        block = 2 * rows + (cols >= self.word_columns_)  # words and characters normalised apart
        value /= np.sqrt(np.bincount(block, value * value, minlength=2 * n_docs))[block]
        return _csr(rows, cols, value, (n_docs, len(self.columns_)))

    def _lookup(self) -> np.ndarray:
        """bucket → column, −1 for the dropped ones; built on first use, never pickled."""
        if getattr(self, "_lookup_", None) is None:
            self._lookup_ = np.full(2 << self.bits, -1, np.int32)
            self._lookup_[self.columns_] = np.arange(len(self.columns_), dtype=np.int32)
        return self._lookup_

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: it may be the live __dict__
        state.pop("_lookup_", None)
        return state


def _csr(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, shape) -> sp.csr_matrix:
    """CSR from entries sorted by row, then column (as they come from a sort of keys)."""
    indptr = np.concatenate(([0], np.cumsum(np.bincount(rows, minlength=shape[0]))))
    return sp.csr_matrix((values, cols, indptr), shape=shape)
