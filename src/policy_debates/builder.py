"""The Builder base class and discovery of ``builders/<name>.py``.

A builder describes one dataset: what it is, which raw files it takes, how one
file becomes raw articles, its source-specific cleaning rules, its stance target
and which articles it keeps. Everything generic lives in the engine.
"""
from __future__ import annotations

import fnmatch
import importlib.util
import os
import sys
from pathlib import Path
from typing import Callable, ClassVar, Iterator

from .article import TOPICS, RawArticle, Rejection

Reader = Callable[[str, bytes], Iterator[RawArticle | Rejection]]


class BuilderError(LookupError):
    pass


class Builder:
    """Subclass in ``builders/<name>.py``; the class attribute ``name`` must match the file."""

    name: ClassVar[str]
    pretty_name: ClassVar[str]
    description: ClassVar[str]
    homepage: ClassVar[str] = ""
    license: ClassVar[str] = "other"  # licence of the source text (Hub licence id)
    citation: ClassVar[str] = ""
    version: ClassVar[str] = "1"  # bump when the builder's rules change: a full reprocess follows
    readers: ClassVar[dict[str, Reader]] = {}  # glob → reader, first match wins
    stance_target: ClassVar[str | None] = None  # None: each article's main topic
    stance_tagger: ClassVar[str] = "cues"
    keep_off_topic: ClassVar[bool] = False
    # Source-specific cleaning: extra widget patterns (same syntax as data/widgets).
    widget_lines: ClassVar[tuple[str, ...]] = ()
    widget_tails: ClassVar[tuple[str, ...]] = ()
    editor_notes: ClassVar[tuple[str, ...]] = ()
    # Source-specific stance cues (regex), e.g. a site's own vocabulary.
    against_cues: ClassVar[tuple[str, ...]] = ()
    favor_cues: ClassVar[tuple[str, ...]] = ()

    def __init__(self, directory: Path | None = None):
        self.directory = directory  # where the builder file (and its gold/takedowns) lives

    def reader_for(self, relpath: str) -> Reader | None:
        name = relpath.rsplit("/", 1)[-1]
        for pattern, reader in self.readers.items():
            if fnmatch.fnmatch(name, pattern) or fnmatch.fnmatch(relpath, pattern):
                return reader
        return None

    @classmethod
    def check(cls) -> None:
        for attr in ("name", "pretty_name", "description"):
            if not getattr(cls, attr, None):
                raise BuilderError(f"builder {cls.__module__}: set the class attribute {attr!r}")
        if not cls.readers:
            raise BuilderError(f"builder {cls.name}: set 'readers' (file glob → reader)")
        if cls.stance_target is not None and cls.stance_target not in TOPICS:
            raise BuilderError(f"builder {cls.name}: stance_target {cls.stance_target!r} is not a topic of the taxonomy")

    @property
    def fingerprint(self) -> str:
        """Changes whenever the builder's rules change (its version)."""
        return f"{self.name}-v{self.version}"


def builders_dir(explicit: Path | None = None) -> Path:
    """Where builders live: ``--builders``, ``$POLICY_DEBATES_BUILDERS``, ``./builders``,
    or the ``builders/`` folder of the checkout the package runs from."""
    candidates = [explicit, os.environ.get("POLICY_DEBATES_BUILDERS"), Path.cwd() / "builders", Path(__file__).resolve().parents[2] / "builders"]
    for c in candidates:
        if c and Path(c).is_dir():
            return Path(c).resolve()
    raise BuilderError("no builders/ folder found; run from the repository or pass --builders DIR")


def available(directory: Path | None = None) -> list[str]:
    d = builders_dir(directory)
    return sorted(p.stem for p in d.glob("*.py") if not p.stem.startswith("_"))


def load_builder(name: str, directory: Path | None = None) -> Builder:
    d = builders_dir(directory)
    path = d / f"{name}.py"
    if not path.is_file():
        raise BuilderError(f"no builder {name!r} in {d}; available: {', '.join(available(d)) or 'none'}")
    mod_name = f"policy_debates_builders.{name}"
    module = sys.modules.get(mod_name)
    if module is None:
        spec = importlib.util.spec_from_file_location(mod_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[mod_name] = module
        spec.loader.exec_module(module)
    found = [v for v in vars(module).values() if isinstance(v, type) and issubclass(v, Builder) and v is not Builder and getattr(v, "name", None) == name]
    if not found:
        raise BuilderError(f"{path}: define a Builder subclass with name = {name!r}")
    cls = found[0]
    cls.check()
    return cls(directory=d)
