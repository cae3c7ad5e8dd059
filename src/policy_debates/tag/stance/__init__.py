"""Stance toward the dataset's stance target: taggers behind one interface.

A tagger is ``tag(title, editor_note, text, language, target) -> StanceGuess``
with a ``name`` that goes into ``stance_source`` (with its version). Any tagger
may abstain: ``neutral`` with a low score when the evidence is weak.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class StanceGuess:
    stance: str  # against | neutral | favor
    score: float  # confidence in [0, 1]
    source: str  # tagger name and version, or "gold"


class StanceTagger(Protocol):
    name: str

    def tag(self, title: str | None, editor_note: str | None, text: str, language: str, target: str) -> StanceGuess: ...


def get_tagger(name: str, **options) -> StanceTagger:
    if name == "cues":
        from .cues import CueTagger

        return CueTagger(**options)
    if name == "linear":
        from .linear import LinearTagger

        return LinearTagger(**options)
    raise ValueError(f"stance tagger {name!r} is unknown; use 'cues' or 'linear'")
