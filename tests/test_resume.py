"""Crash and resume: a build interrupted after some shards leaves their completion
records; the next build of the same inputs reuses those shards and produces the
same release as a build that was never interrupted."""
from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from conftest import EXAMPLES, FIXTURES, run_build
from policy_debates.run import pipeline

SHARD_FILES = 3


@pytest.fixture(scope="module")
def raw_dir(tmp_path_factory) -> Path:
    raw = tmp_path_factory.mktemp("raw")
    shutil.copytree(EXAMPLES / "policy_privacy_debates", raw / "examples")  # 21 files
    shutil.copytree(FIXTURES / "batches", raw / "batches")  # 5 files
    return raw


@pytest.fixture(scope="module")
def uninterrupted(raw_dir, tmp_path_factory):
    return run_build("policy_privacy_debates", raw_dir, tmp_path_factory.mktemp("whole"), shard_files=SHARD_FILES)


def _release_files(release: Path) -> dict[str, bytes]:
    return {p.relative_to(release).as_posix(): p.read_bytes() for p in sorted(release.rglob("*")) if p.is_file() and p.name != "release.json"}


class Recorder:
    """Wraps a stage function (the build runs it in-process with one worker): counts
    which shards ran and which were resumed from their completion record, and
    simulates Ctrl-C before the ``crash_at``-th shard."""

    def __init__(self, fn, crash_at: int | None = None):
        self.fn, self.crash_at, self.calls = fn, crash_at, Counter()

    def __call__(self, job, shard, *rest):
        if self.crash_at is not None and sum(self.calls.values()) == self.crash_at:
            raise KeyboardInterrupt
        res = self.fn(job, shard, *rest)
        self.calls["resumed" if res.counts.get("resumed") else "ran"] += 1
        return res


@pytest.mark.parametrize("stage", ["extract_shard", "tag_shard"])
def test_interrupted_build_resumes_finished_shards(stage, raw_dir, uninterrupted, tmp_path, monkeypatch):
    out = tmp_path / "out"
    n_shards = -(-sum(1 for p in raw_dir.rglob("*") if p.is_file()) // SHARD_FILES)
    assert n_shards >= 6

    crashing = Recorder(getattr(pipeline, stage), crash_at=4)
    monkeypatch.setattr(pipeline, stage, crashing)
    with pytest.raises(KeyboardInterrupt):
        run_build("policy_privacy_debates", raw_dir, out, shard_files=SHARD_FILES)
    assert crashing.calls == Counter(ran=4)
    dataset = out / "policy_privacy_debates"
    assert not list(dataset.glob("policy_privacy_debates-*/"))  # no release, and the ledger committed nothing
    [work] = list((dataset / ".work").iterdir())
    done = ".groups.json" if stage == "extract_shard" else ".removed.json"
    assert len(list(work.glob(f"*{done}"))) == 4

    again = Recorder(getattr(pipeline, stage).fn)
    monkeypatch.setattr(pipeline, stage, again)
    res = run_build("policy_privacy_debates", raw_dir, out, shard_files=SHARD_FILES)
    assert again.calls == Counter(resumed=4, ran=n_shards - 4)
    assert res.version == uninterrupted.version == "1.0.0"
    assert res.counts == uninterrupted.counts
    assert _release_files(res.release_dir) == _release_files(uninterrupted.release_dir)
    assert not (dataset / ".work").exists() or not any((dataset / ".work").iterdir())  # cleaned up after the release
