"""The shared seed (a German Technocracy News dump) built with ``technocracy_news``:
the acceptance check of the spine issue, line by line."""
from __future__ import annotations

import shutil

import pytest

from conftest import release_rows, run_build

WIDGET_LINES = [
    "Bitte teilen Sie diese Geschichte!",
    "Abonnieren",
    "Benachrichtigung von",
    "Gast",
    "0 Kommentare",
    "Inline-Feedbacks",
    "Alle Kommentare anzeigen",
    "Lesen Sie die ganze Geschichte hier…",
    "Wikipedia Commons",
]


@pytest.fixture(scope="module")
def seed_row(tmp_path_factory):
    from conftest import SEED

    if not SEED.is_file():
        pytest.skip("shared seed missing")
    raw = tmp_path_factory.mktemp("raw")
    shutil.copy(SEED, raw / SEED.name)
    result = run_build("technocracy_news", raw, tmp_path_factory.mktemp("out"))
    rows = release_rows(result.release_dir)
    assert len(rows) == 1
    return rows[0], SEED.read_text(encoding="utf-8")


def test_title_is_the_first_line(seed_row):
    row, raw = seed_row
    assert row["title"] == raw.splitlines()[0]


def test_language_is_german(seed_row):
    row, _ = seed_row
    assert row["language"] == "de"
    assert row["language_score"] > 0.9


def test_editor_note_is_kept_apart(seed_row):
    row, raw = seed_row
    note = next(line for line in raw.splitlines() if line.strip().endswith("TN Editor"))
    assert row["editor_note"] == note.strip()
    assert "TN Editor" not in row["text"]
    assert "großes Geld" not in row["text"]


@pytest.mark.parametrize("widget", WIDGET_LINES)
def test_no_widget_line_in_text(seed_row, widget):
    row, _ = seed_row
    assert widget not in row["text"]
    assert widget not in row["text"].splitlines()


def test_every_body_paragraph_kept_in_order(seed_row):
    row, raw = seed_row
    paras = [p.strip() for p in raw.split("\n\n")]
    start = next(i for i, p in enumerate(paras) if p.startswith("Chinas Startups"))
    end = next(i for i, p in enumerate(paras) if p.startswith("Solche Software"))
    body = paras[start : end + 1]
    assert row["text"].split("\n\n") == body


def test_topics_and_stance(seed_row):
    row, _ = seed_row
    assert "facial_recognition" in row["topics"]
    assert row["stance_target"] == "facial_recognition"
    assert row["stance"] == 0  # ClassLabel index of "against"
    assert row["stance_source"].startswith("cues")
    assert 0.5 < row["stance_score"] <= 1.0


def test_provenance(seed_row):
    import hashlib

    from conftest import SEED

    row, _ = seed_row
    assert row["raw_sha256"] == hashlib.sha256(SEED.read_bytes()).hexdigest()
    assert row["url"] is None and row["id"] == row["story_id"] and len(row["id"]) == 16
