"""The hashed n-gram featurizer of the linear stance tagger: the n-grams scikit-learn's
analyzers yield, hashed as documented, the same in every process, per document."""
from __future__ import annotations

import hashlib
import pickle
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from policy_debates.tag.stance.features import M, P, SALT, HashedNgrams

TEXTS = [
    "Videoüberwachung am Bahnhof: Der Stadtrat will   mehr Kameras.\nWir sagen NEIN!",
    "The city's new CCTV scheme — a welcome tool? We don't think so.\t\tBan it.",
    "La videosorveglianza è utile; i cittadini la vogliono. A e i o u.",
    "Monitoring wizyjny w Łodzi: radni są za, mieszkańcy przeciw 😀 x_y 42",
    "",
    " \n ",
    "a\0b cd a\0",  # a NUL inside a text is a character, not a document boundary
]


def poly_bucket(gram: str, kind: str, bits: int) -> int:
    """The documented hash, in plain Python integers."""
    h = sum((ord(c) + 1) * P**k for k, c in enumerate(gram)) % 2**64
    return ((h ^ SALT[kind]) * M % 2**64) >> (64 - bits)


def expected_counts(text: str, bits: int, chars=(2, 4), words=(1, 2)) -> dict[int, int]:
    out = Counter()
    for g in CountVectorizer(analyzer="word", ngram_range=words).build_analyzer()(text):
        out[poly_bucket(g, "word", bits)] += 1
    for g in CountVectorizer(analyzer="char_wb", ngram_range=chars).build_analyzer()(text):
        out[(1 << bits) + poly_bucket(g, "char", bits)] += 1
    return dict(out)


def row(x, i: int) -> dict[int, float]:
    r = x[i]
    return dict(zip(r.indices.tolist(), r.data.tolist()))


@pytest.mark.parametrize("chars", [(2, 4), (2, 5)])
def test_buckets_are_sklearns_ngrams_hashed(chars):
    x = HashedNgrams(char_ngrams=chars, bits=18).counts(TEXTS)
    assert x.shape == (len(TEXTS), 2 << 18)
    for i, text in enumerate(TEXTS):
        assert row(x, i) == expected_counts(text, 18, chars), text
    assert x[4].nnz == 0 and x[5].nnz == 0


def test_a_known_text_gives_exactly_these_buckets():
    x = HashedNgrams(char_ngrams=(2, 3), word_ngrams=(1, 2), bits=16).counts(["Ban  it, ban it"])
    words = ["ban", "it", "ban", "it", "ban it", "it ban", "ban it"]
    ban = [" b", "ba", "an", "n ", " ba", "ban", "an "]
    chars = ban + [" i", "it", "t,", ", ", " it", "it,", "t, "] + ban + [" i", "it", "t ", " it", "it "]
    want = Counter([poly_bucket(g, "word", 16) for g in words] + [(1 << 16) + poly_bucket(g, "char", 16) for g in chars])
    assert row(x, 0) == dict(want)


def test_no_ngram_crosses_documents():
    batch = HashedNgrams(bits=18).counts(TEXTS + TEXTS[::-1])
    for i, text in enumerate(TEXTS + TEXTS[::-1]):
        alone = HashedNgrams(bits=18).counts([text])
        assert row(batch, i) == row(alone, 0)
    # More documents than one chunk: the same rows.
    many = [TEXTS[i % len(TEXTS)] + f" n{i}" for i in range(75)]
    big = HashedNgrams(bits=18).counts(many)
    assert all(row(big, i) == row(HashedNgrams(bits=18).counts([t]), 0) for i, t in enumerate(many))


def test_tfidf_is_sklearns_on_the_same_ngrams():
    """Where no two n-grams share a bucket, the values are TfidfVectorizer's (sublinear,
    smooth idf, min_df), each block L2-normalised, with the columns renamed."""
    docs = [t for t in TEXTS if t.strip()] * 2 + ["Kameras am Bahnhof", "ban the cameras"]
    f = HashedNgrams(char_ngrams=(2, 4), bits=20, min_df=2)
    x = f.fit_transform(docs)
    for kind, analyzer, ngrams in (("word", "word", (1, 2)), ("char", "char_wb", (2, 4))):
        ref = TfidfVectorizer(analyzer=analyzer, ngram_range=ngrams, sublinear_tf=True, min_df=2)
        y = ref.fit_transform(docs).toarray()
        terms = ref.get_feature_names_out()
        buckets = [poly_bucket(t, kind, 20) + (1 << 20 if kind == "char" else 0) for t in terms]
        assert len(set(buckets)) == len(buckets)  # no collision in this small vocabulary
        cols = np.searchsorted(f.columns_, buckets)
        assert (f.columns_[cols] == buckets).all()
        block = np.arange(f.word_columns_) if kind == "word" else np.arange(f.word_columns_, len(f.columns_))
        assert set(cols) == set(block)  # the same vocabulary after min_df
        assert np.allclose(x.toarray()[:, cols], y)


def test_transform_after_fit_drops_unseen_ngrams_and_matches_fit_transform():
    f = HashedNgrams(bits=18)
    x = f.fit_transform(TEXTS)
    assert np.allclose(f.transform(TEXTS).toarray(), x.toarray())
    unseen = f.transform(["ЖЖЖ ЩЩЩ"])
    assert unseen.shape == (1, len(f.columns_)) and unseen.nnz == 0
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    assert np.allclose(norms[[0, 1]], np.sqrt(2))  # two blocks, each of norm 1


def test_pickles_clones_and_refits():
    f = HashedNgrams(bits=16).fit(TEXTS)
    f.transform(TEXTS[:1])  # builds the look-up table, which is not pickled
    blob = pickle.dumps(f)
    assert len(blob) < 100_000 and hasattr(f, "_lookup_")
    g = pickle.loads(blob)
    assert np.array_equal(g.transform(TEXTS).toarray(), f.transform(TEXTS).toarray())
    assert clone(f).get_params() == f.get_params()
    f.fit(TEXTS[:2])  # a refit must not keep the old look-up table
    assert np.allclose(f.transform(TEXTS[:2]).toarray(), f.fit_transform(TEXTS[:2]).toarray())


SCRIPT = """
import hashlib, sys
from policy_debates.tag.stance.features import HashedNgrams
texts = [l for l in sys.stdin.read().split("\\x1e")]
x = HashedNgrams().fit(texts[:5]).transform(texts)
print(hashlib.sha256(x.indices.tobytes() + x.indptr.tobytes() + x.data.tobytes()).hexdigest())
"""


def test_identical_in_fresh_processes():
    """Never Python's salted hash(): two interpreters with other hash seeds agree."""
    stdin = "\x1e".join(TEXTS)
    digests = set()
    for seed in ("1", "2"):
        out = subprocess.run([sys.executable, "-c", SCRIPT], input=stdin, capture_output=True, text=True, check=True,
                             env={"PYTHONHASHSEED": seed, "PATH": "", "PYTHONPATH": ":".join(sys.path)})
        digests.add(out.stdout.strip())
    x = HashedNgrams().fit(TEXTS[:5]).transform(TEXTS)
    here = hashlib.sha256(x.indices.tobytes() + x.indptr.tobytes() + x.data.tobytes()).hexdigest()
    assert digests == {here}
