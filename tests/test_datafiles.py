"""The word-list format: sections, weights, and a broken pattern named by file and line,
also when the same file was read (and cached) before it broke."""
from __future__ import annotations

import pytest

from policy_debates.datafiles import DataFileError, read_sections


def test_sections_weights_and_cached_reread(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICY_DEBATES_CACHE", str(tmp_path / "cache"))
    f = tmp_path / "de.txt"
    f.write_text("# comment\n[against]\nverbot @2\n*überwach\n[favor]\nsicherheit\n", encoding="utf-8")
    want = {"against": (("verbot", 2.0), ("*überwach", 1.0)), "favor": (("sicherheit", 1.0),)}
    assert read_sections(f) == want
    read_sections.cache_clear()
    assert read_sections(f) == want  # from the user cache this time
    assert list((tmp_path / "cache").glob("datafile-*.pkl"))


def test_broken_pattern_names_file_and_line(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICY_DEBATES_CACHE", str(tmp_path / "cache"))
    f = tmp_path / "fr.txt"
    f.write_text("[against]\ninterdiction\n", encoding="utf-8")
    read_sections(f)
    read_sections.cache_clear()
    f.write_text("[against]\ninterdiction\nsurveillance (de masse\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"fr\.txt:3: bad pattern 'surveillance \(de masse'"):
        read_sections(f)
    f.write_text("verbot\n", encoding="utf-8")
    read_sections.cache_clear()
    with pytest.raises(DataFileError, match=r"fr\.txt:1: entry before any \[section\]"):
        read_sections(f)
