"""Writing a release folder: Parquet per language and split, card, release.json.

    <out>/<dataset>/<dataset>-<version>/
      README.md  CHANGELOG.md  release.json  data/<lang>/<split>-NNNNN-of-NNNNN.parquet

The folder is assembled under a temporary name and renamed into place, so a
crash never leaves a half-written release.
"""
from __future__ import annotations

import hashlib
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .parquet import to_release_table, write_parquet
from .schema import FEATURES
from .splits import SPLITS

ROWS_PER_FILE = 20_000
_RELEASE_DIR = re.compile(r"^(?P<name>[a-z0-9_]+)-(?P<version>\d+\.\d+\.\d+)$")


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def version_key(v: str) -> tuple[int, ...]:
    return tuple(int(x) for x in v.split("."))


@dataclass
class Release:
    """A release folder on disk."""

    path: Path

    @property
    def info(self) -> dict:
        return json.loads((self.path / "release.json").read_text(encoding="utf-8"))

    @property
    def version(self) -> str:
        return self.info["version"]

    @property
    def dataset(self) -> str:
        return self.info["dataset"]

    def data_files(self) -> list[Path]:
        return sorted(self.path.glob("data/*/*.parquet"))

    @staticmethod
    def all_in(dataset_dir: Path) -> list["Release"]:
        found = []
        if dataset_dir.is_dir():
            for p in dataset_dir.iterdir():
                if p.is_dir() and _RELEASE_DIR.match(p.name) and (p / "release.json").is_file():
                    found.append(Release(p))
        return sorted(found, key=lambda r: version_key(_RELEASE_DIR.match(r.path.name)["version"]))


@dataclass
class GroupWriter:
    """Collects kept rows per (language, split) in spill files, then writes each
    group sorted by id: memory holds one group at a time, not the dataset."""

    spill_dir: Path
    written: dict = field(default_factory=dict)  # (lang, split) → rows
    _n: int = 0

    def add(self, table: pa.Table) -> None:
        """``table``: working rows with a ``split`` column."""
        if table.num_rows == 0:
            return
        self._n += 1
        for lang in sorted(set(table.column("language").to_pylist())):
            for split in SPLITS:
                mask = pc.and_(pc.equal(table.column("language"), lang), pc.equal(table.column("split"), split))
                sub = table.filter(mask)
                if sub.num_rows:
                    d = self.spill_dir / lang / split
                    d.mkdir(parents=True, exist_ok=True)
                    pq.write_table(sub, d / f"{self._n:06d}.parquet")

    def write(self, release_dir: Path) -> dict[tuple[str, str], tuple[int, int]]:
        """→ ``{(lang, split): (rows, arrow_bytes)}``."""
        sizes = {}
        if not self.spill_dir.is_dir():
            return sizes
        for lang_dir in sorted(p for p in self.spill_dir.iterdir() if p.is_dir()):
            for split in SPLITS:
                d = lang_dir / split
                if not d.is_dir():
                    continue
                parts = [pq.read_table(p) for p in sorted(d.glob("*.parquet"))]
                table = pa.concat_tables(parts).sort_by([("id", "ascending")])
                out = to_release_table(table)
                n_files = max(1, -(-out.num_rows // ROWS_PER_FILE))
                step = -(-out.num_rows // n_files)
                for k in range(n_files):
                    chunk = out.slice(k * step, step)
                    write_parquet(chunk, release_dir / "data" / lang_dir.name / f"{split}-{k:05d}-of-{n_files:05d}.parquet")
                sizes[(lang_dir.name, split)] = (out.num_rows, out.nbytes)
        return sizes


def finalize(tmp_dir: Path, final_dir: Path) -> None:
    if final_dir.exists():
        raise FileExistsError(f"{final_dir} already exists: releases are immutable; choose another --version")
    tmp_dir.rename(final_dir)


def remove_tree(path: Path) -> None:
    if path.exists():
        shutil.rmtree(path)


__all__ = ["Release", "GroupWriter", "finalize", "file_sha256", "version_key", "FEATURES", "SPLITS"]
