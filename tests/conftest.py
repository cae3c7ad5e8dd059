"""Shared fixtures: a build helper and a private cache for ``datasets``."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SEED = SHARED / "seeds" / "000_61e8f64b15b20c23.txt"
FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLES = REPO / "builders" / "examples"

# A private cache, so tests never read a developer's cached datasets or reach the Hub.
_cache = tempfile.mkdtemp(prefix="pd-hf-")
os.environ.setdefault("HF_HOME", _cache)
os.environ.setdefault("HF_DATASETS_CACHE", os.path.join(_cache, "datasets"))
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["HF_DATASETS_DISABLE_PROGRESS_BARS"] = "1"


_PLAIN_BUILDERS = Path(tempfile.mkdtemp(prefix="pd-builders-"))


def plain_builders() -> Path:
    """The repository's builders and cards without their gold sets and takedown lists, so
    builds in tests neither run the (slow) gold cross-validation nor depend on its files."""
    b = _PLAIN_BUILDERS / "builders"
    if not b.is_dir():
        b.mkdir(parents=True)
        for p in (REPO / "builders").glob("*.py"):
            shutil.copy(p, b / p.name)
        shutil.copytree(REPO / "cards", _PLAIN_BUILDERS / "cards")
    return b


def run_build(builder: str, raw, out: Path, **kw):
    from policy_debates import BuildSettings, build

    raws = tuple(Path(p) for p in (raw if isinstance(raw, (list, tuple)) else [raw]))
    kw.setdefault("workers", 1)
    kw.setdefault("builders_dir", plain_builders())
    settings = BuildSettings(builder=builder, raw=raws, out=out, progress=False, quiet=True, **kw)
    return build(settings)


def release_rows(release_dir: Path, config: str | None = None) -> list[dict]:
    """All rows of a release, through ``datasets.load_dataset`` as a researcher loads it."""
    from datasets import load_dataset

    ds = load_dataset(str(release_dir), config) if config else load_dataset(str(release_dir))
    rows = []
    for split in sorted(ds):
        rows += [dict(r, split=split) for r in ds[split]]
    return sorted(rows, key=lambda r: r["id"])


@pytest.fixture
def seed_path() -> Path:
    if not SEED.is_file():
        pytest.skip(f"the shared seed {SEED} is not beside the repository")
    return SEED
