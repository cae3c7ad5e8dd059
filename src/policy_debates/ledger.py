"""The ledger: an embedded SQLite file per dataset recording every raw input ever
seen and what became of it, the articles released, takedowns and releases.

It lives at ``<out>/<dataset>/ledger.sqlite``. A build writes it in ONE
transaction that commits only after the release folder is in place; a crash
before that rolls everything back, and ``recover`` removes the release folder a
crashed build may have left without its ledger entry.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    sha256 TEXT NOT NULL, path TEXT NOT NULL, first_version TEXT NOT NULL, processed_with TEXT NOT NULL,
    PRIMARY KEY (sha256, path));
CREATE TABLE IF NOT EXISTS inputs (
    origin TEXT NOT NULL, raw_sha256 TEXT NOT NULL, first_version TEXT NOT NULL, version TEXT NOT NULL,
    outcome TEXT NOT NULL,            -- kept | duplicate | rejected
    article_id TEXT, duplicate_of TEXT, reason TEXT, detail TEXT, record_hash TEXT,
    PRIMARY KEY (origin, raw_sha256));
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY, story_id TEXT NOT NULL, url TEXT, language TEXT NOT NULL, split TEXT NOT NULL,
    text_hash TEXT NOT NULL, record_hash TEXT NOT NULL, stance TEXT NOT NULL, stance_source TEXT NOT NULL,
    topics TEXT NOT NULL, segment TEXT, first_version TEXT NOT NULL, removed_in TEXT, removed_reason TEXT, signature BLOB);
CREATE TABLE IF NOT EXISTS texts (text_hash TEXT PRIMARY KEY, id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS bands (band INTEGER NOT NULL, id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS bands_band ON bands (band);
CREATE TABLE IF NOT EXISTS takedowns (key TEXT PRIMARY KEY, reason TEXT NOT NULL, date TEXT, first_version TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS file_stats (    -- a file seen with this size and mtime is not read again
    path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, sha256 TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS releases (
    version TEXT PRIMARY KEY, built_at TEXT NOT NULL, processed_with TEXT NOT NULL, schema_version INTEGER NOT NULL,
    changes TEXT NOT NULL, counts TEXT NOT NULL, seq INTEGER NOT NULL);
"""


@dataclass(frozen=True)
class ReleaseRow:
    version: str
    built_at: str
    processed_with: str
    schema_version: int
    changes: dict
    counts: dict


class Ledger:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, isolation_level=None)  # explicit transactions only
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    # transactions -------------------------------------------------------
    def begin(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.db.execute("COMMIT")

    def rollback(self) -> None:
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")

    # releases -----------------------------------------------------------
    def releases(self) -> list[ReleaseRow]:
        rows = self.db.execute("SELECT version, built_at, processed_with, schema_version, changes, counts FROM releases ORDER BY seq").fetchall()
        return [ReleaseRow(v, b, p, s, json.loads(c), json.loads(n)) for v, b, p, s, c, n in rows]

    def latest(self) -> ReleaseRow | None:
        r = self.releases()
        return r[-1] if r else None

    def add_release(self, row: ReleaseRow) -> None:
        seq = self.db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM releases").fetchone()[0]
        self.db.execute(
            "INSERT INTO releases VALUES (?, ?, ?, ?, ?, ?, ?)",
            (row.version, row.built_at, row.processed_with, row.schema_version, json.dumps(row.changes, sort_keys=True), json.dumps(row.counts, sort_keys=True), seq),
        )

    # files and inputs ---------------------------------------------------
    def known_files(self, shas: list[str]) -> set[str]:
        """Of these file hashes, the ones seen before (under any name: a moved or
        renamed file is not processed again)."""
        out: set[str] = set()
        for k in range(0, len(shas), 5000):
            out.update(r[0] for r in self.db.execute("SELECT DISTINCT sha256 FROM files WHERE sha256 IN (SELECT value FROM json_each(?))",
                                                     (json.dumps(shas[k : k + 5000]),)))
        return out

    def file_stats(self, paths: list[str]) -> dict[str, tuple[int, int, str]]:
        """path → (size, mtime_ns, sha256) as last hashed."""
        out: dict[str, tuple[int, int, str]] = {}
        for k in range(0, len(paths), 5000):
            out.update((p, (size, mt, sha)) for p, size, mt, sha in self.db.execute(
                "SELECT path, size, mtime_ns, sha256 FROM file_stats WHERE path IN (SELECT value FROM json_each(?))",
                (json.dumps(paths[k : k + 5000]),)))
        return out

    def set_file_stats(self, rows) -> None:
        """Rows of (path, size, mtime_ns, sha256)."""
        self.db.executemany("INSERT OR REPLACE INTO file_stats VALUES (?, ?, ?, ?)", rows)

    def add_files(self, rows) -> None:
        self.db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)", rows)

    def known_units(self, path: str) -> set[str]:
        """raw sha256 of the units (JSONL lines, WARC records) of ``path`` already recorded."""
        return {r[0] for r in self.db.execute("SELECT raw_sha256 FROM inputs WHERE origin = ? OR origin LIKE ?", (path, path.replace("%", r"\%") + "#%"))}

    def stamp_version(self, version: str) -> None:
        """Give this build's rows (written with version PENDING) their version."""
        for table, col in (("files", "first_version"), ("inputs", "first_version"), ("inputs", "version"), ("articles", "first_version"),
                           ("articles", "removed_in"), ("takedowns", "first_version")):
            self.db.execute(f"UPDATE {table} SET {col} = ? WHERE {col} = 'PENDING'", (version,))
        self.db.execute("UPDATE articles SET segment = REPLACE(segment, 'PENDING', ?) WHERE segment LIKE '%PENDING%'", (version,))

    def record_inputs(self, rows) -> None:
        """Rows of (origin, raw_sha256, version, outcome, article_id, duplicate_of, reason, detail, record_hash),
        in order; an input seen before keeps its first_version."""
        self.db.executemany(
            "INSERT OR REPLACE INTO inputs VALUES (?1, ?2, COALESCE((SELECT first_version FROM inputs WHERE origin = ?1 AND raw_sha256 = ?2), ?3),"
            " ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            rows,
        )

    def outcome_counts(self) -> dict:
        """Cumulative over every input ever seen: the counts cards and changelogs state."""
        out = {"kept": 0, "duplicate": 0, "rejected": 0}
        for outcome, n in self.db.execute("SELECT outcome, COUNT(*) FROM inputs GROUP BY outcome"):
            out[outcome] = n
        out["inputs"] = sum(out.values())
        return out

    def reasons(self, outcome: str) -> dict:
        return dict(self.db.execute("SELECT reason, COUNT(*) FROM inputs WHERE outcome = ? GROUP BY reason ORDER BY reason", (outcome,)).fetchall())

    # articles -----------------------------------------------------------
    def article(self, aid: str):
        """(id, segment, removed_in, stance, stance_source, record_hash, language, split) or None."""
        return self.db.execute("SELECT id, segment, removed_in, stance, stance_source, record_hash, language, split FROM articles WHERE id = ?", (aid,)).fetchone()

    def live_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM articles WHERE removed_in IS NULL").fetchone()[0]

    def articles(self, ids) -> dict[str, tuple]:
        """id → (id, segment, removed_in, stance, stance_source, record_hash, language, split, signature), for the known ids."""
        return {r[0]: r for r in self.db.execute(
            "SELECT id, segment, removed_in, stance, stance_source, record_hash, language, split, signature FROM articles"
            " WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(list(ids)),))}

    def upsert_articles(self, rows, version: str) -> None:
        """Write articles in order (each goes last in rowid order, as INSERT OR REPLACE does); an
        article seen before keeps its first_version. ``rows``: dicts with the articles columns,
        ``signature`` and optionally ``removed_in`` and ``removed_reason``."""
        self.db.executemany(
            "INSERT OR REPLACE INTO articles VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
            " COALESCE((SELECT first_version FROM articles WHERE id = ?1), ?12), ?13, ?14, ?15)",
            [(r["id"], r["story_id"], r["url"], r["language"], r["split"], r["text_hash"], r["record_hash"], r["stance"], r["stance_source"],
              json.dumps(r["topics"]), r.get("segment"), version, r.get("removed_in"), r.get("removed_reason"), r["signature"]) for r in rows],
        )
        self.db.executemany("INSERT OR IGNORE INTO texts VALUES (?, ?)", [(r["text_hash"], r["id"]) for r in rows])

    def set_segments(self, rows) -> None:
        """Rows of (segment, stance, stance_source, topics, record_hash, id)."""
        self.db.executemany("UPDATE articles SET segment = ?, stance = ?, stance_source = ?, topics = ?, record_hash = ? WHERE id = ?",
                            [(seg, st, src, json.dumps(topics), rh, aid) for seg, st, src, topics, rh, aid in rows])

    def clear_segment(self, segment: str) -> int:
        return self.db.execute("UPDATE articles SET segment = NULL WHERE segment = ? AND removed_in IS NULL", (segment,)).rowcount

    def live_rows(self):
        """(id, segment, language, split, stance, stance_source, topics) of every live article."""
        for r in self.db.execute("SELECT id, segment, language, split, stance, stance_source, topics FROM articles WHERE removed_in IS NULL ORDER BY id"):
            yield r[:6] + (json.loads(r[6]),)

    def live_segments(self):
        """(id, segment, language, split) of every live article."""
        return self.db.execute("SELECT id, segment, language, split FROM articles WHERE removed_in IS NULL ORDER BY id")

    # writing a release: which live articles still need a data file, kept in SQLite
    # (not in Python sets) so that memory does not grow with the number of articles
    def kept_segments(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT segment FROM articles WHERE removed_in IS NULL AND segment IS NOT NULL ORDER BY segment")]

    def unsegmented_counts(self) -> dict[tuple[str, str], int]:
        """(language, split) → live articles without a data file."""
        self.db.execute("CREATE TEMP TABLE IF NOT EXISTS claimed (id TEXT PRIMARY KEY)")
        self.db.execute("DELETE FROM claimed")
        return {(lang, split): n for lang, split, n in self.db.execute(
            "SELECT language, split, COUNT(*) FROM articles WHERE removed_in IS NULL AND segment IS NULL GROUP BY language, split")}

    def claim_unsegmented(self, ids: list[str]) -> dict[str, str]:
        """Of ``ids``, the live articles without a data file that no earlier call claimed:
        id → split. The first occurrence of an id is the one claimed."""
        got = dict(self.db.execute(
            "SELECT id, split FROM articles WHERE removed_in IS NULL AND segment IS NULL "
            "AND id IN (SELECT value FROM json_each(?)) AND id NOT IN (SELECT id FROM claimed)", (json.dumps(ids),)))
        self.db.executemany("INSERT INTO claimed (id) VALUES (?)", [(aid,) for aid in got])
        return got

    def unclaimed(self) -> tuple[int, str | None]:
        """(how many, the first) live articles without a data file that nothing claimed."""
        return self.db.execute("SELECT COUNT(*), MIN(id) FROM articles WHERE removed_in IS NULL AND segment IS NULL "
                               "AND id NOT IN (SELECT id FROM claimed)").fetchone()

    def remove_article(self, aid: str, version: str, reason: str) -> None:
        self.db.execute("UPDATE articles SET removed_in = ?, removed_reason = ?, segment = NULL WHERE id = ?", (version, reason, aid))

    def text_owners(self, text_hashes) -> dict[str, str]:
        return dict(self.db.execute("SELECT text_hash, id FROM texts WHERE text_hash IN (SELECT value FROM json_each(?))",
                                    (json.dumps(list(text_hashes)),)))

    # near-duplicate bands ----------------------------------------------
    def add_bands(self, rows) -> None:
        """Rows of (id, bands). Sorted by band: the index grows in one pass instead of at random places."""
        self.db.executemany("INSERT INTO bands VALUES (?, ?)", sorted((b, aid) for aid, bands in rows for b in bands))

    def band_members(self, bands) -> list[tuple[int, int, str, bytes | None]]:
        """(band, rowid, id, signature) of the articles indexed under any of ``bands``."""
        return self.db.execute(
            "SELECT b.band, a.rowid, a.id, a.signature FROM bands b JOIN articles a ON a.id = b.id"
            " WHERE b.band IN (SELECT value FROM json_each(?))", (json.dumps(list(bands)),)).fetchall()

    # takedowns ----------------------------------------------------------
    def takedowns(self) -> dict[str, tuple[str, str]]:
        return {k: (r, d) for k, r, d in self.db.execute("SELECT key, reason, date FROM takedowns")}

    def add_takedown(self, key: str, reason: str, date: str | None, version: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO takedowns VALUES (?, ?, ?, ?)", (key, reason, date, version))
