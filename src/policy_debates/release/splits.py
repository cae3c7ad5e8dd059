"""Splits from the story id: stable forever, and a story's translations never
straddle train and test."""
from __future__ import annotations

import hashlib

SPLITS = ("train", "validation", "test")
TRAIN, VALIDATION = 80, 90  # percent cut points


def split_of(story_id: str) -> str:
    """>>> split_of("a3f1c2d4e5b6a7c8") in SPLITS
    True
    """
    bucket = int(hashlib.sha256(f"split:{story_id}".encode()).hexdigest()[:8], 16) % 100
    return "train" if bucket < TRAIN else "validation" if bucket < VALIDATION else "test"
