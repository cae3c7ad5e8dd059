"""Tagging: language, topics and stance of a cleaned article."""
from __future__ import annotations

from .language import detect
from .topics import tag_topics

__all__ = ["detect", "tag_topics"]
