"""The published schema (v1): the columns of DESIGN.md, as ``datasets`` features."""
from __future__ import annotations

from datasets import ClassLabel, Features, List, Value

from ..article import STANCES

SCHEMA_VERSION = 1

FEATURES = Features(
    {
        "id": Value("string"),
        "story_id": Value("string"),
        "source": Value("string"),
        "url": Value("string"),
        "title": Value("string"),
        "text": Value("string"),
        "editor_note": Value("string"),
        "authors": List(Value("string")),
        "published": Value("timestamp[us, tz=UTC]"),
        "language": Value("string"),
        "language_score": Value("float32"),
        "topics": List(Value("string")),
        "stance_target": Value("string"),
        "stance": ClassLabel(names=list(STANCES)),
        "stance_score": Value("float32"),
        "stance_source": Value("string"),
        "num_words": Value("int32"),
        "raw_sha256": Value("string"),
    }
)

COLUMNS = list(FEATURES)

COLUMN_DOCS = {
    "id": "stable id: hash of the canonical URL, else of the normalised text; never changes between versions",
    "story_id": "groups one story's translations and syndicated copies (equal to `id` unless linked)",
    "source": "builder/source name",
    "url": "canonical URL where known",
    "title": "headline",
    "text": "cleaned body; paragraphs separated by one blank line",
    "editor_note": "editorial preface or postscript, kept apart from the body",
    "authors": "author names as published",
    "published": "publication time (UTC) where known",
    "language": "ISO 639-1 code; `und` when undetermined",
    "language_score": "language detector probability",
    "topics": "topics of the taxonomy discussed, strongest first",
    "stance_target": "the topic the stance is about",
    "stance": "the article's own position toward the target: against, neutral, favor",
    "stance_score": "confidence in [0, 1]",
    "stance_source": "`gold` or the tagger's name and version",
    "num_words": "words in `text`",
    "raw_sha256": "sha256 of the raw input bytes (provenance)",
}
