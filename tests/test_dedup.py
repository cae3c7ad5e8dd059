"""Near-duplicate signatures: deterministic, the same one at a time as in a batch, a
faithful MinHash of word 5-shingles, and the in-memory shard index answering as the ledger."""
from __future__ import annotations

import hashlib
import os
import random
import re
import subprocess
import sys

import pytest

from conftest import REPO
from policy_debates import dedup
from policy_debates.dedup import BANDS, NEAR_THRESHOLD, NUM_PERM, Index, bands, bands_of, signature, signatures, similarity
from policy_debates.ledger import Ledger

VOCAB = [f"w{i}" for i in range(3000)] + ["Überwachung", "straße", "cámaras", "監視", "𝔡𝔞𝔱𝔞", "e2e_encryption", "12,5"]


def article(seed: int, n: int = 600) -> str:
    rng = random.Random(seed)
    sentences = [" ".join(rng.choice(VOCAB) for _ in range(15)).capitalize() + "." for _ in range(n // 15)]
    return "\n".join(" ".join(sentences[i : i + 5]) for i in range(0, len(sentences), 5))


def with_sentence_replaced(text: str, seed: int) -> str:
    rng = random.Random(seed)
    sentences = text.split(". ")
    sentences[len(sentences) // 2] = " ".join(f"new{rng.randrange(10**6)}" for _ in range(15))
    return ". ".join(sentences)


def shingle_jaccard(a: str, b: str) -> float:
    sa, sb = ({" ".join(w[i : i + 5]) for i in range(len(w) - 4)} for w in (re.findall(r"\w+", a.casefold()), re.findall(r"\w+", b.casefold())))
    return len(sa & sb) / len(sa | sb)


def reference_signature(text: str) -> bytes:
    """The scheme written out plainly, one word and one permutation at a time."""
    m64, m32 = (1 << 64) - 1, (1 << 32) - 1

    def mix(x):
        x ^= x >> 30
        x = x * 0xBF58476D1CE4E5B9 & m64
        x ^= x >> 27
        x = x * 0x94D049BB133111EB & m64
        return x ^ (x >> 31)

    p, c = int(dedup._P), [int(k) for k in dedup._SHINGLE_MUL]
    words = [mix(sum(ord(ch) * pow(p, i, 1 << 64) for i, ch in enumerate(w)) & m64) for w in re.findall(r"\w+", text.casefold())]
    windows = [words[i : i + 5] for i in range(len(words) - 4)] or [words]
    keys = [mix(sum(k * h for k, h in zip(c, win)) & m64) >> 32 for win in windows]
    return b"".join(min((int(a) * x + int(b)) & m32 for x in keys).to_bytes(4, "little") for a, b in zip(dedup._A, dedup._B))


ODD = ["", "one", "two words", "a b c d", "a b c d e", "Ünïcödé STRASSE straße ß x_y 12,5 — 𝔡𝔞𝔱𝔞 監視カメラ", "𝔡", "...!!!", "emoji 🙂 between words"]


def test_signature_is_the_plain_scheme():
    for text in ODD + [article(1, 120)]:
        assert signature(text) == reference_signature(text), text[:40]


def test_batch_equals_one_at_a_time():
    texts = [article(i, 300 + 40 * i) for i in range(12)] + ODD + [article(99, 6000)]
    batch = signatures(texts)
    assert batch == [signature(t) for t in texts]
    assert all(len(s) == NUM_PERM * 4 for s in batch)
    assert signatures([]) == []
    assert bands_of(batch) == [bands(s) for s in batch]


def test_signature_is_the_same_in_another_process():
    texts = [article(7), ODD[5]]
    code = ("import sys; from policy_debates.dedup import signatures; "
            f"sys.stdout.write(' '.join(s.hex() for s in signatures({texts!r})))")
    for seed in ("1", "2"):  # str hashing differs between these processes; the signature must not
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(REPO / "src"))
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
        assert out.stdout.split() == [s.hex() for s in signatures(texts)]


def test_scheme_is_pinned():
    """Fails when the signature scheme changes: then bump policy_debates.__version__ (ledgers
    must reprocess fully, their stored signatures and bands are of the old scheme) and update this."""
    digest = hashlib.sha256(b"".join(signatures([article(3), ODD[5]]))).hexdigest()[:16]
    assert digest == "f5901f084ca3a528"


def test_near_copy_is_caught_and_another_article_is_not():
    a = article(11)
    near = with_sentence_replaced(a, 1)
    other = article(12)
    sa, sn, so = signatures([a, near, other])
    assert shingle_jaccard(a, near) > 0.9
    assert similarity(sa, sn) >= NEAR_THRESHOLD and set(bands(sa)) & set(bands(sn))
    assert similarity(sa, so) < 0.1 and not set(bands(sa)) & set(bands(so))
    assert len(set(bands(sa))) == BANDS
    assert similarity(sa, b"\0" * 1024) == 0.0  # a signature of the old scheme never matches


def test_similarity_estimates_jaccard():
    errors = []
    for seed in range(40):
        a = article(100 + seed, 400)
        b = a
        for k in range(seed % 8):
            b = with_sentence_replaced(b, 1000 * seed + k)
        b = b.replace(" ", "  ", 1)  # same words: spacing is no part of a shingle
        errors.append(abs(similarity(*signatures([a, b])) - shingle_jaccard(a, b)))
    assert max(errors) < 0.15 and sum(errors) / len(errors) < 0.05


def _add(ledger: Ledger, aid: str, text: str, removed: bool = False) -> None:
    sig = signature(text)
    ledger.upsert_articles([{"id": aid, "story_id": aid, "url": None, "language": "en", "split": "train", "text_hash": "h-" + aid,
                             "record_hash": "r", "stance": "neutral", "stance_source": "cues", "topics": [], "signature": sig,
                             "removed_in": "1.0.0" if removed else None, "removed_reason": "x" if removed else None}], "1.0.0")
    ledger.add_bands([(aid, bands(sig))])


@pytest.fixture
def ledger(tmp_path):
    led = Ledger(tmp_path / "ledger.sqlite")
    yield led
    led.close()


def test_index_answers_as_the_ledger_in_input_order(ledger):
    old, gone = article(21), article(22)
    _add(ledger, "old", old)
    _add(ledger, "gone", gone, removed=True)
    fresh = article(23)
    rows = [  # (id, text_hash, text)
        ("a", "h-a", with_sentence_replaced(old, 1)),  # near-copy of a released article
        ("b", "h-b", with_sentence_replaced(gone, 2)),  # … of a taken-down one
        ("c", "h-c", fresh),  # new
        ("d", "h-d", with_sentence_replaced(fresh, 3)),  # near-copy of one earlier in this shard
        ("e", "h-c", fresh + " "),  # the same text as c
        ("old", "h-old", old),  # its own id again
    ]
    sigs = signatures([t for *_, t in rows])
    row_bands = bands_of(sigs)
    index = Index(ledger, [r[0] for r in rows], [r[1] for r in rows], row_bands)
    got = []
    for (aid, th, _), sig, bs in zip(rows, sigs, row_bands):
        d = index.check(aid, th, sig, bs)
        got.append((d.reason, d.of) if d else None)
        if d is None:
            index.add(aid, th, sig, bs)
    assert got == [("near_duplicate", "old"), ("near_duplicate", "gone"), None, ("near_duplicate", "c"), ("same_text", "c"), ("same_id", "old")]
    assert index.check("old", "h-old", sigs[-1], row_bands[-1], allow_same_id=True) is None  # a full reprocess meets itself


def test_index_prefers_the_earliest_written_candidate(ledger):
    base = article(31)
    _add(ledger, "x", with_sentence_replaced(base, 1))
    _add(ledger, "y", with_sentence_replaced(base, 2))
    sig = signature(base)
    index = Index(ledger, ["z"], ["h-z"], [bands(sig)])
    assert index.check("z", "h-z", sig, bands(sig)).of == "x"
    # "x" rewritten in this shard (a full reprocess) goes last, as INSERT OR REPLACE gives it a new rowid
    index.add("x", "h-x", signature(with_sentence_replaced(base, 1)), bands(signature(with_sentence_replaced(base, 1))))
    assert index.check("z", "h-z", sig, bands(sig)).of == "y"


class _FakeLedger:
    """Only what Index asks: two articles under two bands, in a chosen rowid order."""

    def __init__(self, sig):
        self.sig = sig

    def articles(self, ids):
        return {}

    def text_owners(self, hashes):
        return {}

    def band_members(self, bands):
        return [(1, 5, "late", self.sig), (2, 3, "early", self.sig)]  # (band, rowid, id, signature)


def test_index_orders_candidates_by_rowid_not_by_band():
    sig = signature(article(41))
    index = Index(_FakeLedger(sig), ["q"], ["h-q"], [[1, 2]])
    assert index.check("q", "h-q", sig, [1, 2]).of == "early"
    index.add("early", "h-early", sig, [])  # rewritten: a new rowid, after "late"; its old band entry still points at it
    assert index.check("q", "h-q", sig, [1, 2]).of == "late"
    assert index.check("q", "h-q", sig, [2]).of == "early"
