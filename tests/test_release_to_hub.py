"""Real releases from the pipeline, published through the Hub stand-in (in-process,
no network): one commit and one tag per version, reused files not re-uploaded, and
``load_dataset(repo, revision=tag)`` equal to the local release."""
from __future__ import annotations

import shutil

from conftest import FIXTURES, REPO as REPO_DIR, release_rows
from test_publish import REPO, TOKEN, hub, our_commits, rec  # noqa: F401  (fixtures)


def _rows_at(revision, tmp_path, config=None):
    import datasets

    ds = datasets.load_dataset(REPO, config, revision=revision, cache_dir=str(tmp_path / f"cache-{revision}-{config}"))
    return sorted((dict(r, split=s) for s in ds for r in ds[s]), key=lambda r: r["id"])


def test_rebuild_publishes_each_version_as_one_commit_and_tag(hub, rec, tmp_path, monkeypatch):  # noqa: F811
    from policy_debates.rebuild import rebuild

    builders = tmp_path / "builders"
    builders.mkdir()
    shutil.copy(REPO_DIR / "builders" / "policy_privacy_debates.py", builders)
    shutil.copytree(REPO_DIR / "cards", tmp_path / "cards")
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    drop, out = tmp_path / "drop", tmp_path / "out"
    drop.mkdir()
    for name in ("a1_council_vote.txt", "a2_retention_oped.txt"):
        shutil.copy(FIXTURES / "batches" / name, drop)
    logs = []
    assert rebuild("policy_privacy_debates", drop, out, repo_id=REPO, builders_dir=builders, workers=1, log=logs.append) == 0
    for name in ("a3_contact_app.txt", "b1_encryption_letter.txt"):
        shutil.copy(FIXTURES / "batches" / name, drop)
    assert rebuild("policy_privacy_debates", drop, out, repo_id=REPO, builders_dir=builders, workers=1, log=logs.append) == 0
    assert [c["message"] for c in our_commits(hub)] == ["Release v1.0.0", "Release v1.1.0"]
    assert [t["tag"] for t in hub.tag_log] == ["v1.0.0", "v1.1.0"]
    # v1.1.0 uploads only what changed: the v1.0.0 data files are kept as they are
    second = our_commits(hub)[1]
    v1_data = {p.relative_to(out / "policy_privacy_debates" / "policy_privacy_debates-1.0.0").as_posix()
               for p in (out / "policy_privacy_debates" / "policy_privacy_debates-1.0.0").glob("data/*/*.parquet")}
    assert v1_data and not (v1_data & set(second["added"]))
    for version in ("1.0.0", "1.1.0"):
        local = release_rows(out / "policy_privacy_debates" / f"policy_privacy_debates-{version}")
        assert _rows_at(f"v{version}", tmp_path) == local
    # a third run with nothing new publishes nothing new
    assert rebuild("policy_privacy_debates", drop, out, repo_id=REPO, builders_dir=builders, workers=1, log=logs.append) == 0
    assert len(our_commits(hub)) == 2 and "hub: noop" in " ".join(logs)
    assert all(TOKEN not in line for line in logs)
