"""Versions over time: the ledger, incremental rebuilds, changelog, takedowns,
crash safety. Batches are built from fixture articles written for these tests."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO, release_rows, run_build

BATCHES = FIXTURES / "batches"


def drop(tmp: Path, *names: str, extra: dict | None = None) -> Path:
    """A scrape folder holding the named fixture articles."""
    d = tmp / "drop"
    d.mkdir(exist_ok=True)
    for n in names:
        src = BATCHES / n if (BATCHES / n).exists() else FIXTURES / "articles" / n
        shutil.copy(src, d / n)
    for name, text in (extra or {}).items():
        (d / name).write_text(text, encoding="utf-8")
    return d


@pytest.fixture
def builders(tmp_path) -> Path:
    """A private builders folder, so takedown lists written by a test stay in the test."""
    b = tmp_path / "builders"
    b.mkdir()
    shutil.copy(REPO / "builders" / "policy_privacy_debates.py", b)
    shutil.copytree(REPO / "cards", tmp_path / "cards")
    return b


def build(raw, out, builders, **kw):
    return run_build("policy_privacy_debates", raw, out, builders_dir=builders, **kw)


def by_title(rows):
    return {r["title"]: r for r in rows}


def test_second_batch_adds_rows_keeps_ids_and_splits_and_catches_near_copies(tmp_path, builders):
    out = tmp_path / "out"
    d = drop(tmp_path, "a1_council_vote.txt", "a2_retention_oped.txt", "es_export.jsonl")
    v1 = build(d, out, builders)
    assert v1.version == "1.0.0"
    old = by_title(release_rows(v1.release_dir))
    assert set(old) == {
        "Council votes to pause facial recognition cameras in the city centre",
        "Keeping phone records for a year is not too much to ask",
        "No toquen el cifrado de extremo a extremo",
    }
    # batch 2: one new article, a near-copy of an old one, and the old files again
    drop(tmp_path, "b1_encryption_letter.txt", "b2_council_vote_rescrape.txt")
    v2 = build(d, out, builders)
    assert v2.version == "1.1.0"
    assert v2.changes["added"] == 1 and v2.changes["removed"] == 0
    assert v2.changes["duplicates_by_reason"] == {"near_duplicate": 1}
    assert v2.counts["inputs"] == 2  # the unchanged files were not processed again
    new = by_title(release_rows(v2.release_dir))
    assert set(new) == set(old) | {"Scanning our private messages will not make children safer"}
    for title, row in old.items():
        assert (new[title]["id"], new[title]["split"]) == (row["id"], row["split"])
    dup = [json.loads(l) for l in v2.rejects_file.read_text().splitlines()]
    assert dup == [{"origin": "b2_council_vote_rescrape.txt", "raw_sha256": dup[0]["raw_sha256"], "outcome": "duplicate",
                    "reason": "near_duplicate", "id": dup[0]["id"], "duplicate_of": old["Council votes to pause facial recognition cameras in the city centre"]["id"]}]
    # the v1.0.0 data files are reused unchanged in v1.1.0
    v1_files = {p.relative_to(v1.release_dir): p.read_bytes() for p in v1.release_dir.glob("data/*/*.parquet")}
    reused = [rel for rel, data in v1_files.items() if (v2.release_dir / rel).is_file() and (v2.release_dir / rel).read_bytes() == data]
    assert sorted(reused) == sorted(v1_files)
    # and a third run with nothing new makes no version
    v3 = build(d, out, builders)
    assert v3.release_dir is None and v3.message == "nothing changed since 1.1.0: no new version"
    assert sorted(p.name for p in out.joinpath("policy_privacy_debates").glob("policy_privacy_debates-*") if p.is_dir()) == [
        "policy_privacy_debates-1.0.0", "policy_privacy_debates-1.1.0"]


def test_takedown_removes_row_records_reason_and_keeps_it_out(tmp_path, builders):
    out = tmp_path / "out"
    d = drop(tmp_path, "a1_council_vote.txt", "a2_retention_oped.txt", "es_export.jsonl")
    v1 = build(d, out, builders)
    rows = by_title(release_rows(v1.release_dir))
    oped = rows["Keeping phone records for a year is not too much to ask"]
    (builders / "takedowns").mkdir()
    (builders / "takedowns" / "policy_privacy_debates.jsonl").write_text(
        json.dumps({"id": oped["id"], "reason": "author request", "date": "2026-11-01"}) + "\n"
        + json.dumps({"url": "https://diario-ejemplo.example/opinion/cifrado-de-extremo-a-extremo", "reason": "copyright claim", "date": "2026-11-02"}) + "\n",
        encoding="utf-8",
    )
    v2 = build(d, out, builders)
    assert v2.version == "1.0.1"  # removals only: a patch
    assert v2.changes["removed"] == 2
    assert v2.changes["removed_by_reason"] == {"author request": 1, "copyright claim": 1}
    assert [r["title"] for r in release_rows(v2.release_dir)] == ["Council votes to pause facial recognition cameras in the city centre"]
    changelog = (v2.release_dir / "CHANGELOG.md").read_text()
    assert changelog.index("## 1.0.1") < changelog.index("## 1.0.0")
    assert "author request 1" in changelog and "copyright claim 1" in changelog
    assert "phone records" not in changelog and "Keeping" not in changelog  # never the removed text
    # scraped again under another name, with a widget line added: it stays out
    text = (BATCHES / "a2_retention_oped.txt").read_text() + "\nShare this article\n"
    drop(tmp_path, extra={"rescraped_oped.txt": text})
    v3 = build(d, out, builders)
    assert v3.release_dir is None
    assert [r["title"] for r in release_rows(out / "policy_privacy_debates" / "policy_privacy_debates-1.0.1")] == [
        "Council votes to pause facial recognition cameras in the city centre"]


def test_library_version_change_makes_a_full_reprocess(tmp_path, builders, monkeypatch):
    out = tmp_path / "out"
    d = drop(tmp_path, "a1_council_vote.txt", "a3_contact_app.txt")
    v1 = build(d, out, builders)
    import policy_debates.run.pipeline as pipeline

    monkeypatch.setattr(pipeline, "__version__", "99.0.0")
    v2 = build(d, out, builders)
    assert v2.full and v2.version == "1.0.1"
    assert "processing changed" in v2.changes["full_reprocess"]
    assert [r["id"] for r in release_rows(v2.release_dir)] == [r["id"] for r in release_rows(v1.release_dir)]
    # a raw file that disappeared keeps its article
    (d / "a3_contact_app.txt").unlink()
    monkeypatch.setattr(pipeline, "__version__", "99.0.1")
    v3 = build(d, out, builders)
    assert len(release_rows(v3.release_dir)) == 2


def test_full_reprocess_after_a_signature_scheme_change_still_catches_near_copies(tmp_path, builders, monkeypatch):
    """Ledgers written with another signature scheme: a version bump reprocesses them, and the
    articles it meets again are indexed under their new bands, so later near-copies stay out."""
    import sqlite3

    import policy_debates.run.pipeline as pipeline

    out = tmp_path / "out"
    d = drop(tmp_path, "a1_council_vote.txt", "a2_retention_oped.txt")
    build(d, out, builders)
    db = sqlite3.connect(out / "policy_privacy_debates" / "ledger.sqlite")
    with db:  # what an older scheme left: other signatures, other band keys
        db.execute("UPDATE articles SET signature = zeroblob(1024)")
        db.execute("UPDATE bands SET band = band + 1")
    db.close()
    monkeypatch.setattr(pipeline, "__version__", "99.0.0")
    assert build(d, out, builders).full
    drop(tmp_path, "b2_council_vote_rescrape.txt")
    v3 = build(d, out, builders)
    assert v3.changes["duplicates_by_reason"] == {"near_duplicate": 1} and v3.changes["added"] == 0


def test_explicit_version_and_immutability(tmp_path, builders):
    out = tmp_path / "out"
    d = drop(tmp_path, "a1_council_vote.txt")
    assert build(d, out, builders, version="2.0.0").version == "2.0.0"
    drop(tmp_path, "a3_contact_app.txt")
    from policy_debates.run.pipeline import BuildError

    with pytest.raises(BuildError, match="already exists"):
        build(d, out, builders, version="2.0.0")


REBUILD = [sys.executable, "-m", "policy_debates.rebuild", "policy_privacy_debates"]


def test_rebuild_script_killed_midway_leaves_v2_intact_and_finishes_next_time(tmp_path, builders):
    out = tmp_path / "out"
    d = drop(tmp_path, "a1_council_vote.txt", "a2_retention_oped.txt")
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    args = REBUILD + ["--drop", str(d), "--out", str(out), "--builders", str(builders), "--workers", "1"]
    subprocess.run(args, check=True, env=env, capture_output=True)
    drop(tmp_path, "a3_contact_app.txt", "b1_encryption_letter.txt")
    subprocess.run(args, check=True, env=env, capture_output=True)  # v1.1.0
    v2 = out / "policy_privacy_debates" / "policy_privacy_debates-1.1.0"
    before = {p.relative_to(v2): p.read_bytes() for p in v2.rglob("*") if p.is_file()}
    drop(tmp_path, "fr_dump_widgets.txt", "en_comments_pii.txt")
    for delay in (0.5, 1.5, 2.5, 3.5):  # kill -9 at several points of the third build
        p = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait()
        assert {p_.relative_to(v2): p_.read_bytes() for p_ in v2.rglob("*") if p_.is_file()} == before
        for rel in Release_dirs(out):
            assert (rel / "release.json").is_file()  # no half-written release is ever visible
    r = subprocess.run(args, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    final = out / "policy_privacy_debates" / "policy_privacy_debates-1.2.0"
    titles = sorted(x["title"] for x in release_rows(final))
    assert len(titles) == 6
    r = subprocess.run(args, env=env, capture_output=True, text=True)
    assert r.returncode == 0 and "nothing changed since 1.2.0" in r.stdout


def Release_dirs(out: Path):
    return [p for p in (out / "policy_privacy_debates").glob("policy_privacy_debates-*") if p.is_dir()]


def test_rebuild_fails_clearly_on_bad_takedown_file(tmp_path, builders):
    d = drop(tmp_path, "a1_council_vote.txt")
    bad = tmp_path / "td.jsonl"
    bad.write_text('{"url": "https://x.example/a"}\n')
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    r = subprocess.run(REBUILD + ["--drop", str(d), "--out", str(tmp_path / "o"), "--builders", str(builders), "--takedowns", str(bad)],
                       env=env, capture_output=True, text=True)
    assert r.returncode == 1 and "needs 'id' or 'url', and a 'reason'" in r.stderr and "Traceback" not in r.stderr


def test_a_new_gold_label_relabels_the_row_in_a_patch_release(tmp_path, builders):
    out = tmp_path / "out"
    d = drop(tmp_path, "a1_council_vote.txt", "a2_retention_oped.txt")
    v1 = build(d, out, builders)
    oped = by_title(release_rows(v1.release_dir))["Keeping phone records for a year is not too much to ask"]
    labels = builders / "gold" / "policy_privacy_debates" / "labels"
    labels.mkdir(parents=True)
    (labels / "reviewer.jsonl").write_text(json.dumps({
        "id": oped["id"], "annotator": "reviewer", "stance": "favor", "stance_target": "data_retention",
        "topics": ["data_retention"], "language": "en"}) + "\n", encoding="utf-8")
    v2 = build(d, out, builders)
    assert v2.version == "1.0.1" and v2.changes["relabelled"] == 1 and v2.changes["added"] == 0
    row = by_title(release_rows(v2.release_dir))["Keeping phone records for a year is not too much to ask"]
    assert (row["stance"], row["stance_score"], row["stance_source"], row["split"]) == (2, 1.0, "gold", oped["split"])
    assert "relabelled (stance) by language: en 1" in (v2.release_dir / "CHANGELOG.md").read_text()


def test_unchanged_files_are_not_read_again_and_an_edit_in_place_is_seen(tmp_path, builders, monkeypatch):
    """An incremental build hashes only files whose size or modification time changed;
    a file edited in place (same size, new content, new time) is read again."""
    from policy_debates.run import pipeline

    out = tmp_path / "out"
    d = drop(tmp_path, "a1_council_vote.txt", "a2_retention_oped.txt")
    assert build(d, out, builders).version == "1.0.0"
    hashed: list[str] = []
    real = pipeline._file_sha
    monkeypatch.setattr(pipeline, "_file_sha", lambda path, size, limit: hashed.append(Path(path).name) or real(path, size, limit))

    again = build(d, out, builders)
    assert hashed == [] and again.message.startswith("nothing changed since 1.0.0")

    f = d / "a2_retention_oped.txt"
    text = f.read_text(encoding="utf-8")
    edited = text.replace("year", "yeer", 1)  # same length in bytes
    assert edited != text and len(edited.encode()) == len(text.encode())
    st = f.stat()
    f.write_text(edited, encoding="utf-8")
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    v2 = build(d, out, builders)
    assert hashed == ["a2_retention_oped.txt"]
    # read again and accounted for (a one-word edit leaves a copy of the released article)
    assert v2.changes["inputs"] == 1 and v2.changes["duplicates"] == 1
