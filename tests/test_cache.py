"""The user cache: computed once, read back, a damaged entry computed again, an
unwritable cache no error; a pattern scanner read back answers like a fresh one."""
from __future__ import annotations

import re

from policy_debates.cache import memo


def test_memo_computes_once_and_survives_damage(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICY_DEBATES_CACHE", str(tmp_path / "c"))
    calls = []

    def compute():
        calls.append(1)
        return {"answer": 42}

    assert memo("t", b"key", compute) == {"answer": 42}
    assert memo("t", b"key", compute) == {"answer": 42}
    assert len(calls) == 1
    (entry,) = (tmp_path / "c").glob("t-*.pkl")
    entry.write_bytes(b"not a pickle")
    assert memo("t", b"key", compute) == {"answer": 42} and len(calls) == 2
    assert memo("t", b"other key", compute) == {"answer": 42} and len(calls) == 3


def test_memo_without_a_writable_cache(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("POLICY_DEBATES_CACHE", str(blocker / "sub"))  # a path under a file: cannot be created
    assert memo("t", b"k", lambda: [1, 2]) == [1, 2]


def test_scanner_from_the_cache_matches_a_fresh_one(tmp_path, monkeypatch):
    from policy_debates.tag.prescan import MultiScan

    monkeypatch.setenv("POLICY_DEBATES_CACHE", str(tmp_path / "c"))
    pats = [re.compile(r"(?<!\w)(?:gesichtserkenn\w*|e[\s-]?id\b)", re.IGNORECASE), re.compile(r"überwachungskamera", re.IGNORECASE)]
    text = "Gesichtserkennung, E-ID und Videoüberwachungskameras; gesichtserkennungs-Software, e id"
    fresh = MultiScan(pats)
    assert list((tmp_path / "c").glob("prescan-*.pkl"))
    cached = MultiScan(pats)
    want = [[m.span() for m in p.finditer(text)] for p in pats]
    assert [[m.span() for m in ms] for ms in fresh.finditer_all(text)] == want
    assert [[m.span() for m in ms] for ms in cached.finditer_all(text)] == want
