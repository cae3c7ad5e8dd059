"""The one format of every word list and pattern file in ``data/`` folders.

    # comment
    [section]
    a pattern            one regex per line
    another pattern @2   optional weight after " @"

Files are per language (``de.txt``) plus ``common.txt`` for language-independent
entries. A broken pattern fails loudly with the file and line to fix.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

_WEIGHT = re.compile(r"\s+@(\d+(?:\.\d+)?)$")


class DataFileError(ValueError):
    pass


@lru_cache(maxsize=None)
def read_sections(path: Path) -> dict[str, tuple[tuple[str, float], ...]]:
    """``{section: ((pattern, weight), …)}``. Checking every pattern compiles it, which
    adds up over thousands of lines in every worker: a file whose exact content was
    read (and checked) before is taken from the user cache."""
    from .cache import memo

    data = Path(path).read_bytes()
    return memo("datafile", Path(__file__).read_bytes() + b"\0" + data, lambda: _parse(path, data))


def _parse(path: Path, data: bytes) -> dict[str, tuple[tuple[str, float], ...]]:
    sections: dict[str, list[tuple[str, float]]] = {}
    current = None
    for n, line in enumerate(data.decode("utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1].strip()
            sections.setdefault(current, [])
            continue
        if current is None:
            raise DataFileError(f"{path}:{n}: entry before any [section] header; add a header such as [line]")
        weight = 1.0
        m = _WEIGHT.search(line)
        if m:
            weight = float(m.group(1))
            line = line[: m.start()]
        try:
            re.compile(line.lstrip("*"), re.IGNORECASE)
        except re.error as exc:
            raise DataFileError(f"{path}:{n}: bad pattern {line!r}: {exc}") from None
        sections[current].append((line, weight))
    return {k: tuple(v) for k, v in sections.items()}


def language_files(folder: Path) -> dict[str, Path]:
    """``{"de": .../de.txt, "common": .../common.txt, ...}`` sorted by name."""
    return {p.stem: p for p in sorted(Path(folder).glob("*.txt"))}


def alternation(patterns) -> re.Pattern | None:
    """One compiled regex for many patterns (one pass per line instead of hundreds)."""
    pats = sorted({p for p in patterns if p})
    if not pats:
        return None
    return re.compile("|".join(f"(?:{p})" for p in pats), re.IGNORECASE)
