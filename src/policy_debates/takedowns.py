"""Takedown lists: ``builders/takedowns/<dataset>.jsonl``, one request per line.

    {"url": "https://site.example/article", "reason": "author request", "date": "2026-11-01"}
    {"id": "3f9a0c…", "reason": "copyright claim", "date": "2026-11-02"}

A matching article leaves the next version and stays out of every later one,
even when it is scraped again (the ledger remembers it).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .identity import article_id


class TakedownError(ValueError):
    pass


@dataclass(frozen=True)
class Takedown:
    id: str  # the article id (from the URL when the line gives a URL)
    reason: str
    date: str | None
    entry: dict  # the line as written

    @property
    def key(self) -> str:
        return self.entry.get("id") or self.entry.get("url")


def read_takedowns(path: Path) -> list[Takedown]:
    out = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TakedownError(f"{path}:{n}: not JSON ({exc.msg}); each line is {{\"url\" or \"id\", \"reason\", \"date\"}}") from None
        if not isinstance(obj, dict) or not (obj.get("id") or obj.get("url")) or not obj.get("reason"):
            raise TakedownError(f"{path}:{n}: a takedown needs 'id' or 'url', and a 'reason'")
        aid = obj.get("id") or article_id(obj["url"], "")
        out.append(Takedown(aid, obj["reason"], obj.get("date"), {k: obj[k] for k in ("id", "url", "reason", "date") if obj.get(k)}))
    return out


def merge_takedowns(extra: Path, own: Path) -> int:
    """Append the requests of ``extra`` that ``own`` (the builder's list) lacks; returns how many."""
    have = {t.key for t in read_takedowns(own)} if own.is_file() else set()
    new = [t for t in read_takedowns(extra) if t.key not in have and not have.add(t.key)]
    if new:
        own.parent.mkdir(parents=True, exist_ok=True)
        with open(own, "a", encoding="utf-8") as f:
            f.write("".join(json.dumps(t.entry, ensure_ascii=False, sort_keys=True) + "\n" for t in new))
    return len(new)
