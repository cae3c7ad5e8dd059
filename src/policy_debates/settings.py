"""One validated settings object per build."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path


class SettingsError(ValueError):
    """A bad setting; the message names the field and the fix."""


_VERSION = re.compile(r"^\d+\.\d+\.\d+$")


@dataclass(frozen=True)
class BuildSettings:
    """Everything one build needs to know, checked once up front.

    >>> BuildSettings(builder="technocracy_news", raw=(Path("dumps"),), out=Path("out")).validate()
    """

    builder: str
    raw: tuple[Path, ...]
    out: Path
    version: str | None = None  # None: chosen from what changed
    workers: int = 0  # 0: all cores
    executor: str = "local"  # local | ray
    ray_address: str | None = None
    keep_off_topic: bool | None = None  # None: the builder decides
    min_words: int = 40
    shard_files: int = 64  # raw files per shard
    max_file_bytes: int = 64 * 1024 * 1024  # larger raw files are rejected, not read
    stance_tagger: str | None = None  # None: the builder's choice
    builders_dir: Path | None = None
    takedowns: tuple[Path, ...] = ()  # extra takedown lists (JSONL) besides the builder's own
    validate_release: bool = True  # load every config with datasets before the release counts
    progress: bool = True
    quiet: bool = False
    extra: dict = field(default_factory=dict)

    def validate(self) -> "BuildSettings":
        if not self.builder or not re.match(r"^[a-z][a-z0-9_]*$", self.builder):
            raise SettingsError(f"builder: {self.builder!r} is not a builder name (lowercase, digits, '_'); see `policy-debates list`")
        if not self.raw:
            raise SettingsError("raw: give at least one raw file or folder (--raw PATH)")
        for p in self.raw:
            if not Path(p).exists():
                raise SettingsError(f"raw: {p} does not exist; pass an existing file or folder with --raw")
        if self.version is not None and not _VERSION.match(self.version):
            raise SettingsError(f"version: {self.version!r} is not a semantic version like 1.2.0")
        if self.workers < 0:
            raise SettingsError(f"workers: {self.workers} must be 0 (all cores) or a positive number")
        if self.executor not in ("local", "ray"):
            raise SettingsError(f"executor: {self.executor!r} must be 'local' or 'ray'")
        if self.min_words < 1:
            raise SettingsError("min_words: must be at least 1")
        for p in self.takedowns:
            if not Path(p).is_file():
                raise SettingsError(f"takedowns: {p} is not a file; give a JSONL list of {{\"url\" or \"id\", \"reason\", \"date\"}}")
        if self.shard_files < 1:
            raise SettingsError("shard_files: must be at least 1")
        return self

    @property
    def n_workers(self) -> int:
        return self.workers or (os.cpu_count() or 1)

    def replace(self, **changes) -> "BuildSettings":
        return replace(self, **changes)
