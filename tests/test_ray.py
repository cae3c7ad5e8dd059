"""The Ray executor: the same shards as Ray tasks on a local Ray instance
(``num_cpus=2``) give byte-identical release files to the local process pool.

Needs the optional extra (``pip install -e '.[ray]'``); skipped without it.
Marked ``slow``: Ray takes a few seconds to start and ~1.5 GB while it runs.
"""
from __future__ import annotations

import operator
import shutil
from pathlib import Path

import pytest

from conftest import EXAMPLES, FIXTURES, run_build

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def raw_dir(tmp_path_factory) -> Path:
    raw = tmp_path_factory.mktemp("raw")
    shutil.copytree(EXAMPLES / "policy_privacy_debates", raw / "examples")
    shutil.copytree(FIXTURES / "batches", raw / "batches")
    return raw


def _data_files(release: Path) -> dict[str, bytes]:
    # release.json holds the build time; everything else must match byte for byte
    return {p.relative_to(release).as_posix(): p.read_bytes() for p in sorted(release.rglob("*")) if p.is_file() and p.name != "release.json"}


def test_ray_and_local_executors_give_identical_releases(raw_dir, tmp_path):
    local = run_build("policy_privacy_debates", raw_dir, tmp_path / "local", workers=2, shard_files=4)
    on_ray = run_build("policy_privacy_debates", raw_dir, tmp_path / "ray", workers=2, shard_files=4, executor="ray")
    assert not ray.is_initialized()  # the executor shut down the instance it started
    a, b = _data_files(local.release_dir), _data_files(on_ray.release_dir)
    assert sorted(a) == sorted(b) and any(k.endswith(".parquet") for k in a)
    assert [k for k in a if a[k] != b[k]] == []
    assert local.counts == on_ray.counts
    assert local.rejects_file.read_bytes() == on_ray.rejects_file.read_bytes()


def test_map_yields_every_result_with_its_index():
    from policy_debates.run.ray_executor import RayExecutor

    with RayExecutor(2) as ex:
        shared = list(range(1000))  # the same object in every call: put in the object store once
        got = dict(ex.map(operator.getitem, [(shared, i) for i in (5, 7, 999)]))
        assert got == {0: 5, 1: 7, 2: 999}
        assert list(ex.map(operator.add, [])) == []
    assert not ray.is_initialized()


def test_a_task_error_reaches_the_driver():
    from policy_debates.run.ray_executor import RayExecutor

    with RayExecutor(1) as ex, pytest.raises(ZeroDivisionError):
        list(ex.map(operator.truediv, [(1, 0)]))
    assert not ray.is_initialized()
