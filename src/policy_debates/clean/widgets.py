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

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..datafiles import alternation, language_files, read_sections

DATA = Path(__file__).parent / "data" / "widgets"

# Bullets, pipes and arrows that menus and share bars put around their words.
_DECOR = re.compile(r"^[\s•·|>»«›‹*■►▶︎→←\-–—#]+|[\s•·|>»«›‹*■►▶︎→←:]+$")


def normalise_line(line: str) -> str:
    """``"  » Read more  "`` → ``"Read more"``: the form patterns are matched against."""
    return _DECOR.sub("", " ".join(line.split()))


@dataclass(frozen=True)
class WidgetRules:
    line: re.Pattern | None
    tail: re.Pattern | None
    editor_note: re.Pattern | None

    def is_widget(self, line: str) -> bool:
        norm = normalise_line(line)
        if not norm:
            return bool(line.strip())  # a line of only bullets/pipes
        return bool(self.line and self.line.fullmatch(norm))

    def opens_tail(self, line: str) -> bool:
        norm = normalise_line(line)
        return bool(norm and self.tail and self.tail.fullmatch(norm))

    def is_editor_note(self, paragraph: str) -> bool:
        return bool(self.editor_note and self.editor_note.search(paragraph.strip()))


@lru_cache(maxsize=None)
def load_rules(extra_line: tuple[str, ...] = (), extra_tail: tuple[str, ...] = (), extra_note: tuple[str, ...] = ()) -> WidgetRules:
    """All languages' rules plus a builder's own source-specific patterns."""
    sections = {"line": list(extra_line), "tail": list(extra_tail), "editor_note": list(extra_note)}
    for path in language_files(DATA).values():
        for name, entries in read_sections(path).items():
            if name in sections:
                sections[name].extend(p for p, _ in entries)
    return WidgetRules(*(alternation(sections[k]) for k in ("line", "tail", "editor_note")))


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
        if words >= min_body_words and rules.opens_tail(line):
            removed += sum(1 for rest in lines[i:] if rest.strip())
            break
        if rules.is_widget(line):
            removed += 1
            continue
        kept.append(line)
        words += len(line.split())
    return kept, removed
