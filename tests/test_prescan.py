"""``MultiScan`` gives exactly what one ``finditer`` per pattern gives: on the real
topic and cue lists, over the fixtures, gold articles and examples, and on texts
built to catch case-folding corner cases (ı, ſ, K, İ, ß, Greek)."""
from __future__ import annotations

import json
import re

import pytest

from conftest import EXAMPLES, FIXTURES, REPO
from policy_debates.tag import topics
from policy_debates.tag.prescan import MultiScan, alternatives, prefixes
from policy_debates.tag.stance import cues


def _texts() -> list[str]:
    out = []
    for p in sorted(FIXTURES.rglob("*")) + sorted(EXAMPLES.rglob("*")) + sorted((REPO / "builders" / "gold").rglob("*.jsonl")):
        if not p.is_file():
            continue
        text = p.read_text(encoding="utf-8", errors="replace")
        if p.suffix == ".jsonl":
            for line in text.splitlines()[:4]:
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(obj, dict):
                    out += [v for v in (obj.get("title"), obj.get("text")) if isinstance(v, str)]
        else:
            out.append(text)
    tricky = "Die ſtadt İstanbul: Gesichtserkennung, GESICHTSERKENNUNG, Gesıchtserkennung, ÜBERWACHUNG, Kameras (Kelvin K) µ ΣΙΓΜΑ ﬆ ẞ"
    return out + [tricky, tricky.lower(), tricky.upper(), ""]


def _topic_patterns() -> list[re.Pattern]:
    pats = []
    for single, rules in topics._patterns().values():
        pats += ([single] if single else []) + [t for ab in rules for t in ab]
    return pats


def _cue_patterns() -> list[re.Pattern]:
    out = []
    for lang in ("de", "en", "fr", "pl", "und"):
        cs = cues.cue_set(lang)
        out += [c.pattern for c in cs.against + cs.favor]
    return list(dict.fromkeys(out))


@pytest.mark.parametrize("patterns", [_topic_patterns, _cue_patterns], ids=["topics", "cues"])
def test_same_matches_as_finditer(patterns):
    pats = patterns()
    scan = MultiScan(pats)
    assert len(scan.plain) < len(pats) / 10  # nearly all take the fast path
    for text in _texts():
        got = scan.finditer_all(text)
        for p, found in zip(pats, got):
            assert [m.span() for m in found] == [m.span() for m in p.finditer(text)], (p.pattern[:80], text[:80])


def test_first_only_stops_at_the_first_match():
    p = re.compile(r"(?<!\w)(?:kamera\w*)", re.IGNORECASE)
    text = "Kameras hier, Kameras dort"
    assert [m.span() for m in MultiScan([p], first_only=[0]).matches(text)[0]] == [(0, 7)]
    assert MultiScan([p]).count_all(text) == [2]


def test_prefixes_and_branches():
    p = re.compile(r"(?<!\w)(?:e[\s-]?dow[óo]d\w*)|(?:überwachungskamera)", re.IGNORECASE)
    assert alternatives(p) == [r"(?<!\w)(?:e[\s-]?dow[óo]d\w*)", "(?:überwachungskamera)"]
    # every match begins "e-dow…", "e dow…" or "edow…": the optional [\s-] gives two prefixes
    pre = prefixes(re.compile(alternatives(p)[0], re.IGNORECASE))
    assert {seq[:3] for seq in pre} == {("e", "[\\-\\s]", "d"), ("e", "d", "o")} and min(map(len, pre)) >= 6
    assert prefixes(re.compile(r"\w+tracking", re.IGNORECASE)) is None  # may start anywhere: plain path
    assert prefixes(re.compile("kamera")) is None  # case-sensitive: plain path
