"""Scraping leftovers: share prompts, comment widgets, credits, cookie notes, menus.

The patterns live in ``data/widgets/<lang>.txt`` (and ``common.txt``); all
languages are applied at once, since a page's widgets need not be in the
article's language. Sections:

- ``[line]``: a line that fully matches is removed wherever it is
  ("Bitte teilen Sie diese Geschichte!", "0 Kommentare", "Wikipedia Commons").
- ``[tail]``: a line that fully matches opens the trailing widget block (comment
  section, subscribe footer): it and all after it go, commenters' names included
  ("Abonnieren" → "Benachrichtigung von" → "Gast" → …). Only applied once the
  body has begun, so a menu item at the top cannot swallow the article.
- ``[editor_note]``: a paragraph that matches is an editorial note ("… ⁃ TN Editor").
"""
from __future__ import annotations

import math
import re
import string
from collections import defaultdict
from dataclasses import dataclass
import pickle
from functools import cached_property, lru_cache
from pathlib import Path

from ..cache import memo
from ..datafiles import alternation, language_files, read_sections
from . import prefilter

DATA = Path(__file__).parent / "data" / "widgets"

# Bullets, pipes and arrows that menus and share bars put around their words.
_DECOR = re.compile(r"^[\s•·|>»«›‹*■►▶︎→←\-–—#]+|[\s•·|>»«›‹*■►▶︎→←:]+$")
# The same two classes for str.strip: after " ".join(line.split()) the only whitespace
# left is single spaces, and stripping leading then trailing runs is what _DECOR.sub does.
_LEAD = " •·|>»«›‹*■►▶︎→←-–—#"
_TRAIL = " •·|>»«›‹*■►▶︎→←:"


def normalise_line(line: str) -> str:
    """``"  » Read more  "`` → ``"Read more"``: the form patterns are matched against."""
    return " ".join(line.split()).lstrip(_LEAD).rstrip(_TRAIL)


# Cheap checks compare lower-cased strings. For the characters of _SAFE_CASE (ASCII and
# Latin up to U+017F, less İ ı ſ) and for those without case, that is how IGNORECASE
# compares them, except that it also takes each of _CASE_TWINS for one of them.
# tests/test_clean.py checks this against the regex engine over all of Unicode.
_SAFE_CASE = re.compile("[\x00-\u012f\u0132-\u017e]")
_CASE_TWINS = {"İ": "i", "ı": "i", "ſ": "s", "\u212a": "k", "\u212b": "å", "ẞ": "ß", "Μ": "µ", "μ": "µ"}
_HAS_CASE_TWIN = re.compile("[%s]" % "".join(_CASE_TWINS))


def _fold(text: str) -> str:
    """Lower-cased so that a needle of safe characters that IGNORECASE finds in text is in it."""
    if not text.isascii() and _HAS_CASE_TWIN.search(text):
        for twin, plain in _CASE_TWINS.items():
            text = text.replace(twin, plain)
    return text.lower()


def _case_safe(c: str) -> bool:
    return bool(_SAFE_CASE.match(c)) or c.lower() == c == c.upper()


def _safe_needles(found: set[str] | None) -> tuple[str, ...] | None:
    """Needles lower-cased, if all their characters compare safely."""
    if not found or not all(_case_safe(c) for n in found for c in n):
        return None
    return tuple(sorted(prefilter.minimal(n.lower() for n in found)))


def _facts(patterns: list[str]):
    """Per pattern: first characters, width, may hold a space, needles; the beginnings
    index; anchored at the start; the floating patterns' needles. None when the
    patterns cannot be tried one by one (a backreference, or a pattern that only
    works inside the alternation)."""
    try:
        parsed = [prefilter.parse(p, re.IGNORECASE) for p in patterns]
    except re.error:
        return None
    # the whole alternation numbers groups in a row, which one pattern alone does not
    if any(prefilter.has_backreference(p) for p in parsed):
        return None
    needles = [_safe_needles(prefilter.needles(p)) for p in parsed]
    by_start: dict[str, set[int]] = defaultdict(set)
    for i, p in enumerate(parsed):
        for b in prefilter.beginnings(p, Alternatives._HEAD, _case_safe, single_spaces=True):
            by_start[b].add(i)
    starts = [prefilter.anchored_at_start(p) for p in parsed]
    floating = [ns for ns, a in zip(needles, starts) if not a]
    floating_needles = tuple(sorted(prefilter.minimal(n for ns in floating for n in ns))) if all(floating) else None
    return ([prefilter.first_chars(p) for p in parsed], [prefilter.width(p, single_spaces=True) for p in parsed],
            [prefilter.may_contain(p, " ", re.IGNORECASE) for p in parsed], needles, dict(by_start), starts, floating_needles)


@lru_cache(maxsize=None)
def _class_match(cls: str):
    """The compiled test for one first-character class (a few hundred distinct ones)."""
    return re.compile(cls, re.IGNORECASE).fullmatch


class Alternatives:
    """``datafiles.alternation(patterns)`` (IGNORECASE), asked only about the patterns
    that can match a given text — with exactly the answers of the whole alternation.

    ``fullmatch`` (of a normalised line) tries, one by one, only the patterns that can
    begin with the line's first few characters, span its length and hold a space if it
    has one; a pattern that may begin with anything (``.{0,150}all rights reserved``)
    also needs one of its needles in the line. ``search`` tries the patterns anchored
    with ``^`` at the start only, and the others only if the text holds a needle.
    """

    _HEAD = 3  # characters of a line used to pick patterns

    def __init__(self, patterns):
        self.patterns = sorted({p for p in patterns if p})
        # what the patterns' parse says, worked out once per pattern list (user cache):
        # parsing hundreds of patterns costs every worker of every build ~0.3 s
        material = pickle.dumps((Path(prefilter.__file__).read_bytes(), Path(__file__).read_bytes(), self.patterns))
        facts = memo("widgets", material, lambda: _facts(self.patterns))
        self._alone = facts is not None
        if not self._alone:
            self.regex = alternation(self.patterns)  # also fails as before on patterns that cannot be combined
            return
        self._first, self._width, self._spaced, self._needles, by_start, starts, floating_needles = facts
        self._each = [re.compile(p, re.IGNORECASE).fullmatch for p in self.patterns]
        self._by_start = by_start  # lower-cased beginning → patterns
        # A pattern that may begin with (nearly) any letter fails late, so its needles are
        # checked first; a few only, as each costs about as much as a pattern that fails fast.
        broad = [sum(self._can_begin(i, a) for a in string.ascii_lowercase) > 20 for i in range(len(self.patterns))]
        self._guarded = {i for i, (b, ns) in enumerate(zip(broad, self._needles)) if b and ns and len(ns) <= 8}
        self._by_first: dict = {}  # first character → patterns that can begin with it
        self._picks: dict = {}  # (head, length band, has a space) → patterns to try
        self._anchored = [i for i, a in enumerate(starts) if a]
        self._anchored_by_first: dict = {}  # first character → anchored patterns that can begin with it
        self._floating_needles = floating_needles

    @cached_property
    def _floating(self):
        """The patterns not anchored at the start, as one alternation (for ``search``)."""
        anchored = set(self._anchored)
        return alternation(p for i, p in enumerate(self.patterns) if i not in anchored)

    @cached_property
    def regex(self):
        """The whole alternation, as ``datafiles.alternation`` compiles it."""
        return alternation(self.patterns)

    def fullmatch(self, line: str) -> bool:
        """``bool(regex.fullmatch(line))`` for a non-empty ``normalise_line`` result."""
        if not self._alone:
            return bool(self.regex and self.regex.fullmatch(line))
        n = len(line)
        key = (line[: self._HEAD], (n > 63) + (n > 255), " " in line)
        plain, guarded = self._picks.get(key) or self._pick(*key)
        for fullmatch in plain:
            if fullmatch(line):
                return True
        if guarded:
            folded = _fold(line)
            for fullmatch, needles in guarded:
                if any(n in folded for n in needles) and fullmatch(line):
                    return True
        return False

    def _pick(self, head: str, band: int, spaced: bool):
        first = head[0]
        if first not in self._by_first:
            self._by_first[first] = {i for i in range(len(self.patterns)) if self._can_begin(i, first)}
        chosen = self._by_first[first]
        folded = _fold(head)
        chosen = chosen & set().union(*(self._by_start.get(folded[:n], ()) for n in range(len(folded) + 1)))
        shortest, longest = ((1, 63), (64, 255), (256, math.inf))[band]
        plain, guarded = [], []
        for i in sorted(chosen):
            lo, hi = self._width[i]
            if lo > longest or hi < shortest or (spaced and not self._spaced[i]):
                continue
            if i in self._guarded:
                guarded.append((self._each[i], self._needles[i]))
            else:
                plain.append(self._each[i])
        if len(self._picks) > 100_000:  # bounded memory, whatever the scripts and languages
            self._picks.clear()
        pick = self._picks[head, band, spaced] = (tuple(plain), tuple(guarded))
        return pick

    def _can_begin(self, i: int, char: str) -> bool:
        """Whether a non-empty match of pattern i can begin with char."""
        classes = self._first[i]
        return classes is None or any(_class_match(c)(char) for c in classes)

    def search(self, text: str) -> bool:
        """``bool(regex.search(text))``."""
        if not self._alone or not text:
            return bool(self.regex and self.regex.search(text))
        first = text[0]
        if first not in self._anchored_by_first:
            self._anchored_by_first[first] = tuple(
                re.compile(self.patterns[i], re.IGNORECASE).match
                for i in self._anchored
                if self._can_begin(i, first) or self._width[i][0] == 0  # an empty match needs no first character
            )
        for match in self._anchored_by_first[first]:  # "^" matches at the start only
            if match(text):
                return True
        if self._floating_needles:
            folded = _fold(text)
            if not any(n in folded for n in self._floating_needles):
                return False
        return bool(self._floating and self._floating.search(text))


@dataclass(frozen=True)
class WidgetRules:
    line: Alternatives
    tail: Alternatives
    editor_note: Alternatives

    def is_widget(self, line: str) -> bool:
        return self._is_widget(line, normalise_line(line))

    def _is_widget(self, line: str, norm: str) -> bool:
        if not norm:
            return bool(line.strip())  # a line of only bullets/pipes
        return self.line.fullmatch(norm)

    def opens_tail(self, line: str) -> bool:
        norm = normalise_line(line)
        return bool(norm) and self.tail.fullmatch(norm)

    def is_editor_note(self, paragraph: str) -> bool:
        return self.editor_note.search(paragraph.strip())


@lru_cache(maxsize=None)
def load_rules(extra_line: tuple[str, ...] = (), extra_tail: tuple[str, ...] = (), extra_note: tuple[str, ...] = ()) -> WidgetRules:
    """All languages' rules plus a builder's own source-specific patterns."""
    sections = {"line": list(extra_line), "tail": list(extra_tail), "editor_note": list(extra_note)}
    for path in language_files(DATA).values():
        for name, entries in read_sections(path).items():
            if name in sections:
                sections[name].extend(p for p, _ in entries)
    return WidgetRules(*(Alternatives(sections[k]) for k in ("line", "tail", "editor_note")))


def strip_widgets(lines: list[str], rules: WidgetRules, *, min_body_words: int = 60) -> tuple[list[str], int]:
    """Remove widget lines and cut the trailing widget block.

    Returns the kept lines (blank lines kept as paragraph breaks) and how many
    non-blank lines were removed.
    """
    kept: list[str] = []
    removed = 0
    words = 0
    for i, line in enumerate(lines):
        if not line.strip():
            kept.append("")
            continue
        norm = normalise_line(line)
        if words >= min_body_words and norm and rules.tail.fullmatch(norm):  # rules.opens_tail(line)
            removed += sum(1 for rest in lines[i:] if rest.strip())
            break
        if rules._is_widget(line, norm):
            removed += 1
            continue
        kept.append(line)
        if words < min_body_words:  # past it, the count no longer matters
            words += len(line.split())
    return kept, removed
