"""The user's cache (``$POLICY_DEBATES_CACHE`` or ``~/.cache/policy-debates``): what
every process would otherwise work out again from the same inputs (trained stance
models, pattern analyses). Keyed by a digest of everything the value depends on,
including the code that made it; never committed, always safe to delete."""
from __future__ import annotations

import hashlib
import os
import pickle
import sys
from pathlib import Path
from typing import Callable, TypeVar

T = TypeVar("T")


def root() -> Path:
    return Path(os.environ.get("POLICY_DEBATES_CACHE") or Path.home() / ".cache" / "policy-debates")


def memo(kind: str, material: bytes, compute: Callable[[], T]) -> T:
    """``compute()``, stored under ``kind`` and the digest of ``material`` (plus the
    Python version) the first time; read back after. A damaged or unreadable entry
    is computed again; a cache that cannot be written is no error."""
    digest = hashlib.sha256(material + sys.version.encode()).hexdigest()[:24]
    path = root() / f"{kind}-{digest}.pkl"
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except Exception:  # missing, damaged, or written by an incompatible library version
        pass
    value = compute()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, path)
    except OSError:
        pass
    return value
