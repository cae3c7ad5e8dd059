"""Whole builds on fixture articles: accounting, loading, determinism."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, release_rows, run_build


@pytest.fixture(scope="module")
def raw_dir(tmp_path_factory) -> Path:
    raw = tmp_path_factory.mktemp("raw")
    shutil.copytree(FIXTURES / "articles", raw / "site")
    (raw / "site" / "empty.txt").write_bytes(b"")
    (raw / "site" / "binary.txt").write_bytes(b"\x00\x01\x02\xff\xfe\x00" * 50)
    (raw / "site" / "notes.md").write_text("# not an input kind this builder reads\n")
    (raw / "site" / "football.txt").write_text(
        "Derby ends in a draw\n\n" + "The home side dominated possession but could not find a winner in the second half. " * 6,
        encoding="utf-8",
    )
    return raw


@pytest.fixture(scope="module")
def built(raw_dir, tmp_path_factory):
    return run_build("policy_privacy_debates", raw_dir, tmp_path_factory.mktemp("out"))


def test_every_input_is_accounted_for(built):
    c = built.counts
    assert c["inputs"] == c["kept"] + c["duplicate"] + c["rejected"]
    # 4 fixture articles + es export (2 good lines, 1 malformed, 1 without text) + 4 extra files
    assert c["inputs"] == 3 + 4 + 4
    assert c["kept"] == 4 and c["duplicate"] == 1
    assert dict(built.rejected_by_reason) == {"empty": 1, "undecodable": 1, "unsupported_file": 1, "off_topic": 1, "malformed_json": 1, "missing_text": 1}
    assert dict(built.duplicates_by_reason) == {"same_id": 1}


def test_rejects_file_names_each_input_and_reason(built):
    lines = [json.loads(l) for l in built.rejects_file.read_text(encoding="utf-8").splitlines()]
    by_origin = {r["origin"]: r for r in lines}
    assert by_origin["site/football.txt"]["reason"] == "off_topic"
    assert by_origin["site/es_export.jsonl#L3"]["reason"] == "malformed_json"
    dup = by_origin["site/es_export.jsonl#L2"]
    assert dup["outcome"] == "duplicate" and dup["duplicate_of"] == dup["id"]
    assert built.rejects_file.parent == built.release_dir.parent  # beside the release, not in it


def test_release_loads_with_datasets_all_and_per_language(built):
    rows = release_rows(built.release_dir)
    assert sorted(r["language"] for r in rows) == ["en", "es", "fr", "pl"]
    pl = release_rows(built.release_dir, "pl")
    assert [r["title"] for r in pl] == ["Retencja danych wraca do Sejmu"]
    assert pl[0]["url"] == "https://gazeta-przykladowa.example/kraj/retencja-danych-wraca"
    assert pl[0]["published"].isoformat() == "2026-03-14T07:30:00+00:00"
    assert pl[0]["authors"] == ["Katarzyna Nowicka"]
    assert "data_retention" in pl[0]["topics"]


def test_stance_is_a_classlabel_and_card_matches(built):
    from datasets import load_dataset_builder

    b = load_dataset_builder(str(built.release_dir))
    assert b.info.features["stance"].names == ["against", "neutral", "favor"]
    assert b.info.features["topics"].feature.dtype == "string"
    card = (built.release_dir / "README.md").read_text(encoding="utf-8")
    assert "task_categories:\n- text-classification" in card and "stance-detection" in card
    info = json.loads((built.release_dir / "release.json").read_text())
    assert info["counts"]["kept"] == 4 and info["version"] == "1.0.0"
    for rel, digest in info["files"].items():
        import hashlib

        assert hashlib.sha256((built.release_dir / rel).read_bytes()).hexdigest() == digest


def test_same_inputs_give_byte_identical_data_files(raw_dir, built, tmp_path):
    again = run_build("policy_privacy_debates", raw_dir, tmp_path / "again", workers=2, shard_files=2)
    files = sorted(p.relative_to(built.release_dir) for p in built.release_dir.rglob("*") if p.is_file() and p.name != "release.json")
    assert files == sorted(p.relative_to(again.release_dir) for p in again.release_dir.rglob("*") if p.is_file() and p.name != "release.json")
    for rel in files:
        assert (built.release_dir / rel).read_bytes() == (again.release_dir / rel).read_bytes(), rel


def test_keep_off_topic_keeps_the_football_report(raw_dir, tmp_path):
    res = run_build("policy_privacy_debates", raw_dir, tmp_path, keep_off_topic=True)
    rows = release_rows(res.release_dir)
    football = [r for r in rows if r["title"] == "Derby ends in a draw"]
    assert len(football) == 1 and football[0]["topics"] == []


def test_data_files_do_not_depend_on_what_was_spilled(raw_dir, built, tmp_path, monkeypatch):
    """Rows wait in memory until _write_data holds too many, then go to spill files: the
    release is the same either way (rows read back from Parquet carry its schema)."""
    import policy_debates.run.pipeline as pipeline

    monkeypatch.setattr(pipeline, "_HELD_ROWS", 0)  # spill every table
    spilled = run_build("policy_privacy_debates", raw_dir, tmp_path / "spilled", shard_files=2)
    files = sorted(p.relative_to(built.release_dir) for p in built.release_dir.glob("data/*/*.parquet"))
    assert files and files == sorted(p.relative_to(spilled.release_dir) for p in spilled.release_dir.glob("data/*/*.parquet"))
    for rel in files:
        assert (built.release_dir / rel).read_bytes() == (spilled.release_dir / rel).read_bytes(), rel
