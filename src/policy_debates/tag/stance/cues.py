"""The multilingual cue tagger: stance cues toward the target, not sentiment.

Cue lists per language live in ``data/<lang>.txt``: ``[against]`` (calls to ban
or stop, harms named), ``[favor]`` (benefits claimed, deployments defended),
``[negation]`` (a negator just before a cue turns it round: "nicht
verhältnismäßig"), ``[reported]`` (a sentence with "said", "laut", "selon"… is
someone else's voice). Cues inside quotation marks or in reported sentences
count a quarter: a quoted critic is not the article's own stance. The headline
and the editor's note speak for the publisher and weigh more.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ...datafiles import language_files, read_sections
from . import StanceGuess

DATA = Path(__file__).parent / "data"
VERSION = "1"

TITLE_WEIGHT = 1.5
NOTE_WEIGHT = 2.0
LAST_PARAGRAPH_WEIGHT = 1.3
REPORTED_WEIGHT = 0.25
NEGATION_WINDOW = 4  # words before a cue
MIN_EVIDENCE = 1.5  # less total cue weight than this: abstain (neutral)
MARGIN = 0.3  # |against - favor| / total below this: neutral

_SENTENCES = re.compile(r"(?<=[.!?…])\s+(?=[\"'«„“”‚‘(\[]?[A-ZÀ-ÝĄĆĘŁŃÓŚŹŻ0-9])")
_QUOTED = re.compile(r"„[^“”\"]{3,}[“”\"]|“[^”]{3,}”|«[^»]{3,}»|\"[^\"]{3,}\"|”[^”]{3,}”")


@dataclass(frozen=True)
class _Cue:
    pattern: re.Pattern
    weight: float


@dataclass(frozen=True)
class CueSet:
    against: tuple[_Cue, ...]
    favor: tuple[_Cue, ...]
    negation: re.Pattern | None
    reported: re.Pattern | None


def _compile(entries) -> tuple[_Cue, ...]:
    return tuple(_Cue(re.compile(rf"(?<!\w)(?:{p})", re.IGNORECASE), w) for p, w in entries)


@lru_cache(maxsize=None)
def cue_set(language: str, extra_against: tuple = (), extra_favor: tuple = ()) -> CueSet:
    """Cues for ``language`` plus English and ``common`` (loanwords travel);
    every language's cues when the language is unknown."""
    files = language_files(DATA)
    wanted = [l for l in files if l in (language, "en", "common")] if language in files else list(files)
    sections: dict[str, list] = {"against": [], "favor": [], "negation": [], "reported": []}
    for lang in wanted:
        for name, entries in read_sections(files[lang]).items():
            if name in sections:
                sections[name].extend(entries)
    sections["against"].extend((p, 1.0) for p in extra_against)
    sections["favor"].extend((p, 1.0) for p in extra_favor)

    def alt(name):
        pats = sorted({p for p, _ in sections[name]})
        return re.compile(r"(?<!\w)(?:" + "|".join(f"(?:{p})" for p in pats) + r")(?!\w)", re.IGNORECASE) if pats else None

    return CueSet(_compile(sorted(set(sections["against"]))), _compile(sorted(set(sections["favor"]))), alt("negation"), alt("reported"))


_SCANNERS: dict[int, tuple] = {}


def _scanner(cues: CueSet):
    """All of a cue set's against and favor cues matched in one pass (``tag.prescan``:
    the same matches as each cue's own ``finditer``, far faster than ~400 of them).
    Kept by identity: ``cue_set`` returns the same object for the same arguments."""
    from ..prescan import MultiScan

    got = _SCANNERS.get(id(cues))
    if got is None or got[0] is not cues:
        cue_list = cues.against + cues.favor
        got = _SCANNERS[id(cues)] = (cues, MultiScan([c.pattern for c in cue_list]), cue_list)
    return got[1], got[2]


def sentences(text: str) -> list[str]:
    return [s for s, _ in _sentence_spans(text)]


def _sentence_spans(text: str) -> list[tuple[str, int]]:
    """``(sentence, where it starts)`` for ``sentences(text)``."""
    out, at = [], 0
    for m in _SENTENCES.finditer(text):
        out.append((text[at : m.start()], at))
        at = m.end()
    out.append((text[at:], at))
    return [(s, a) for s, a in out if s.strip()]


def _matched(units, whole: str, scan) -> list[tuple[str, float, dict]]:
    """Each unit ``(sentence, where it starts in whole, weight)`` with the cue matches
    in it, ``{cue index: [start within the sentence]}``: one scan of ``whole``
    instead of one per sentence. Cues have no anchors and look around only for
    word characters, and sentences are separated by spaces, so a match inside a
    sentence is the same in the whole as in the sentence alone; a sentence that a
    match runs out of is scanned on its own (as each cue's ``finditer`` on it)."""
    starts = [a for _, a, _ in units]
    found: list[dict] = [{} for _ in units]
    alone: set[int] = set()
    for idx, hits in scan.matches(whole).items():
        for m in hits:
            u = bisect_right(starts, m.start()) - 1
            if u < 0:
                continue  # before the first sentence: in no unit
            sentence, a, _ = units[u]
            if m.end() <= a + len(sentence):
                if m.start() < a + len(sentence):
                    found[u].setdefault(idx, []).append(m.start() - a)
                continue
            alone.update(v for v in range(u, len(units)) if units[v][1] < m.end())
    for u in alone:
        found[u] = {idx: [m.start() for m in hits] for idx, hits in scan.matches(units[u][0]).items()}
    return [(sentence, weight, f) for (sentence, _, weight), f in zip(units, found)]


class CueTagger:
    name = "cues"

    def __init__(self, extra_against: tuple[str, ...] = (), extra_favor: tuple[str, ...] = ()):
        self.extra_against = tuple(extra_against)
        self.extra_favor = tuple(extra_favor)

    @property
    def source(self) -> str:
        return f"{self.name}-v{VERSION}"

    def evidence(self, title, editor_note, text, language) -> tuple[float, float]:
        cues = cue_set(language, self.extra_against, self.extra_favor)
        scan, cue_list = _scanner(cues)
        n_against = len(cues.against)
        units: list[tuple[str, float, dict]] = []  # (sentence, weight, {cue index: match starts in it})
        if title:
            units += _matched([(title, 0, TITLE_WEIGHT)], title, scan)
        if editor_note:
            units += _matched([(s, a, NOTE_WEIGHT) for s, a in _sentence_spans(editor_note)], editor_note, scan)
        spans, at = [], 0
        for p in text.split("\n\n"):
            spans.append((p, at))
            at += len(p) + 2
        paras = [(p, a) for p, a in spans if p.strip()]
        text_units = []
        for i, (p, a) in enumerate(paras):
            w = LAST_PARAGRAPH_WEIGHT if i == len(paras) - 1 and len(paras) > 2 else 1.0
            text_units += [(s, a + b, w) for s, b in _sentence_spans(p)]
        units += _matched(text_units, text, scan)
        against = favor = 0.0
        for sentence, weight, found in units:
            if not found:
                continue
            reported = bool(cues.reported and cues.reported.search(sentence))
            quoted = [m.span() for m in _QUOTED.finditer(sentence)]
            for idx in sorted(found):  # against cues, then favor cues, in list order: the sums add up as before
                polarity, cue = ("against" if idx < n_against else "favor"), cue_list[idx]
                for start in found[idx]:
                    w = weight * cue.weight
                    if reported or any(a <= start < b for a, b in quoted):
                        w *= REPORTED_WEIGHT
                    before = " ".join(sentence[:start].split()[-NEGATION_WINDOW:])
                    flipped = bool(cues.negation and before and cues.negation.search(before))
                    if (polarity == "against") != flipped:
                        against += w
                    else:
                        favor += w * (0.5 if flipped else 1.0)
        return against, favor

    def tag(self, title, editor_note, text, language, target) -> StanceGuess:
        against, favor = self.evidence(title, editor_note, text, language)
        total = against + favor
        if total < MIN_EVIDENCE:
            return StanceGuess("neutral", round(0.4 + 0.1 * (1 - total / MIN_EVIDENCE), 4), self.source)
        lean = (against - favor) / total
        strength = min(1.0, total / 8.0)
        if abs(lean) < MARGIN:
            return StanceGuess("neutral", round(0.5 + 0.3 * (1 - abs(lean) / MARGIN) * strength, 4), self.source)
        return StanceGuess("against" if lean > 0 else "favor", round(0.5 + 0.45 * abs(lean) * strength, 4), self.source)
