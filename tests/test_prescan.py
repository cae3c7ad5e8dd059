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
    spaces = "in\u00a0Echtzeit, te\u2009koop, e\u2003ID, app\tCovid, data\nretention, Işık Yılmaz: Gesichtserkennung 12\u00a0Festnahmen"
    return out + [tricky, tricky.lower(), tricky.upper(), spaces, spaces.upper(), ""]


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


def _evidence_sentence_by_sentence(title, note, text, language):
    """The cue tagger's sums with each cue's own ``finditer`` on each sentence alone."""
    cs = cues.cue_set(language)
    units = [(title, cues.TITLE_WEIGHT)] if title else []
    units += [(s, cues.NOTE_WEIGHT) for s in cues.sentences(note)] if note else []
    paras = [p for p in text.split("\n\n") if p.strip()]
    for i, p in enumerate(paras):
        w = cues.LAST_PARAGRAPH_WEIGHT if i == len(paras) - 1 and len(paras) > 2 else 1.0
        units += [(s, w) for s in cues.sentences(p)]
    against = favor = 0.0
    for sentence, weight in units:
        reported = bool(cs.reported and cs.reported.search(sentence))
        quoted = [m.span() for m in cues._QUOTED.finditer(sentence)]
        for k, cue in enumerate(cs.against + cs.favor):
            for m in cue.pattern.finditer(sentence):
                w = weight * cue.weight * (cues.REPORTED_WEIGHT if reported or any(a <= m.start() < b for a, b in quoted) else 1.0)
                before = " ".join(sentence[: m.start()].split()[-cues.NEGATION_WINDOW :])
                flipped = bool(cs.negation and before and cs.negation.search(before))
                if (k < len(cs.against)) != flipped:
                    against += w
                else:
                    favor += w * (0.5 if flipped else 1.0)
    return against, favor


def test_cue_evidence_from_one_scan_equals_sentence_by_sentence():
    """``CueTagger.evidence`` scans a text once and sorts the matches into sentences;
    a cue running across a paragraph break ("stop\\n\\nsurveillance") must not count."""
    texts = [t for t in _texts() if t.strip()]
    texts.append("We must stop\n\nsurveillance now. It is dangerous and should be banned. \"Ban it\", critics say.")
    tagger = cues.CueTagger()
    for text in texts:
        for lang in ("en", "de"):
            got = tagger.evidence("A ban on facial recognition", "Editor: this is dangerous. Stop it.", text, lang)
            want = _evidence_sentence_by_sentence("A ban on facial recognition", "Editor: this is dangerous. Stop it.", text, lang)
            assert got == pytest.approx(want, abs=1e-9), text[:80]


def test_tables_cover_every_character_that_matters():
    """The case, digit and space tables are built below ``prescan.CHARS.stop``: no
    character above it has a case mapping, is a digit or a space."""
    import _sre

    from policy_debates.tag import prescan

    above = range(prescan.CHARS.stop, 0x110000)
    assert not [x for x in above if _sre.unicode_tolower(x) != x or chr(x).lower() != chr(x) or chr(x).isdecimal() or chr(x).isspace() or re.match(r"\s|\d", chr(x))]
