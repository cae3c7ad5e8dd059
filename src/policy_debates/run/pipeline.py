"""The build, incremental by default:

discover inputs → skip what the ledger already knows → stage A (extract) →
boilerplate lines → stage B (clean, tag) → dedup against the ledger → gold
labels and takedowns → choose the version from what changed → write the release
(unchanged Parquet segments copied, new rows in new segments) → validate →
rename into place → commit the ledger.

A full reprocess happens when the library's, the builder's or the schema's
version differs from the last release's.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import groupby
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .. import __version__
from ..article import STANCES, TOPICS
from ..builder import Builder, load_builder
from ..clean.repeated_lines import BoilerplateCounts
from ..dedup import Index as DedupIndex
from ..dedup import bands_of
from ..gold import load_gold
from ..ledger import Ledger, ReleaseRow
from ..release import ROWS_PER_FILE, Release, file_sha256, remove_tree, version_key
from ..release.card import card_header, card_metadata, cards_dir, render_card
from ..release.changelog import changelog, changes_markdown
from ..release.parquet import to_release_table, write_parquet
from ..release.schema import FEATURES, SCHEMA_VERSION
from ..release.splits import SPLITS, split_of
from ..settings import BuildSettings
from ..takedowns import TakedownError, read_takedowns
from ..sources import sha256
from .stages import Input, Job, Shard, extract_shard, shard_line_keys, tag_shard

PENDING = "PENDING"


class BuildError(RuntimeError):
    """The build could not produce a release; the message says why and what to do."""


@dataclass
class BuildResult:
    dataset: str
    version: str | None
    release_dir: Path | None
    counts: Counter = field(default_factory=Counter)  # this build's inputs
    rejected_by_reason: Counter = field(default_factory=Counter)
    duplicates_by_reason: Counter = field(default_factory=Counter)
    by_language: dict = field(default_factory=dict)
    changes: dict = field(default_factory=dict)
    rejects_file: Path | None = None
    seconds: dict = field(default_factory=dict)
    message: str = ""
    full: bool = False


# ---------------------------------------------------------------- inputs


def discover(settings: BuildSettings) -> list[Input]:
    """Every file under the raw paths, sorted; hidden files and folders are skipped."""
    inputs: list[Input] = []
    roots = [Path(p).resolve() for p in settings.raw]
    for root in roots:
        prefix = f"{root.name}/" if len(roots) > 1 else ""
        if root.is_file():
            st = root.stat()
            inputs.append(Input(root.name, str(root), st.st_size, mtime_ns=st.st_mtime_ns))
            continue
        for p in sorted(root.rglob("*")):
            rel = p.relative_to(root).as_posix()
            if any(part.startswith(".") for part in rel.split("/")) or not p.is_file():
                continue
            st = p.stat()
            inputs.append(Input(prefix + rel, str(p), st.st_size, mtime_ns=st.st_mtime_ns))
    inputs.sort(key=lambda i: i.relpath)
    return inputs


def _file_sha(path: str, size: int, limit: int) -> str:
    if size > limit:
        return f"size:{size}"
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def shards_of(inputs: list[Input], per_shard: int) -> list[Shard]:
    return [Shard(i // per_shard, tuple(inputs[i : i + per_shard])) for i in range(0, len(inputs), per_shard)]


def bump(previous: str, part: str) -> str:
    major, minor, patch = version_key(previous)
    return {"major": f"{major + 1}.0.0", "minor": f"{major}.{minor + 1}.0", "patch": f"{major}.{minor}.{patch + 1}"}[part]


# ---------------------------------------------------------------- executors, progress


class _Progress:
    """A rich progress bar on a terminal, nothing otherwise."""

    def __init__(self, enabled: bool):
        self.bar = None
        if enabled and os.isatty(2):
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True)

    def __enter__(self):
        if self.bar:
            self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        if self.bar:
            self.bar.__exit__(*exc)

    def track(self, iterable, total: int, description: str):
        if not self.bar:
            yield from iterable
            return
        task = self.bar.add_task(description, total=total)
        for item in iterable:
            yield item
            self.bar.advance(task)


def _executor(settings: BuildSettings):
    if settings.executor == "ray":
        from .ray_executor import RayExecutor

        return RayExecutor(settings.n_workers, settings.ray_address)
    from .local import LocalExecutor

    return LocalExecutor(settings.n_workers)


# ---------------------------------------------------------------- recovery


def recover(dataset_dir: Path, ledger: Ledger, log=print) -> None:
    """Undo what a killed build left: temporary folders, and a release folder
    renamed into place whose ledger transaction never committed."""
    committed = {r.version for r in ledger.releases()}
    for p in sorted(dataset_dir.glob(".tmp-*")):
        remove_tree(p)
    for rel in Release.all_in(dataset_dir):
        if rel.version not in committed:
            log(f"removing {rel.path.name}: its build was interrupted before the ledger recorded it")
            remove_tree(rel.path)


# ---------------------------------------------------------------- build


def build(settings: BuildSettings) -> BuildResult:
    settings.validate()
    builder = load_builder(settings.builder, settings.builders_dir)
    dataset_dir = Path(settings.out) / builder.name
    dataset_dir.mkdir(parents=True, exist_ok=True)
    ledger = Ledger(dataset_dir / "ledger.sqlite")
    try:
        recover(dataset_dir, ledger, log=(lambda *_: None) if settings.quiet else print)
        return _build(settings, builder, dataset_dir, ledger)
    finally:
        ledger.rollback()
        ledger.close()


def _processed_with(builder: Builder) -> str:
    return f"policy-debates {__version__}; {builder.fingerprint}; schema {SCHEMA_VERSION}"


def _build(settings: BuildSettings, builder: Builder, dataset_dir: Path, ledger: Ledger) -> BuildResult:
    t0 = time.perf_counter()
    processed_with = _processed_with(builder)
    prev = ledger.latest()
    full_reason = None
    if prev is None:
        full_reason = "first release"
    elif prev.processed_with != processed_with:
        full_reason = f"processing changed from '{prev.processed_with}' to '{processed_with}'"
    full = full_reason is not None
    if settings.version and settings.version in {r.version for r in ledger.releases()}:
        raise BuildError(f"version {settings.version} already exists: releases are immutable; pass another --version")

    inputs = discover(settings)
    if not inputs and prev is None:
        raise BuildError(f"no files under {', '.join(map(str, settings.raw))}; point --raw at the scraped files")
    # A file with the size and modification time it had when last hashed is not read again
    # (as make and rsync judge files): an incremental build reads only what is new.
    stats = ledger.file_stats([i.path for i in inputs])
    hashed = []
    for i in inputs:
        size, mtime_ns, sha = stats.get(i.path, (None, None, None))
        if sha is None or size != i.size or mtime_ns != i.mtime_ns:
            sha = _file_sha(i.path, i.size, settings.max_file_bytes)
        hashed.append(Input(i.relpath, i.path, i.size, sha, mtime_ns=i.mtime_ns))
    del stats
    if full:
        todo = hashed
    else:
        known = ledger.known_files([i.sha256 for i in hashed])
        todo = [Input(i.relpath, i.path, i.size, i.sha256, frozenset(ledger.known_units(i.relpath)), i.mtime_ns)
                for i in hashed if i.sha256 not in known]
    result = BuildResult(builder.name, None, None, full=full)
    result.seconds["discover"] = time.perf_counter() - t0

    plan = hashlib.sha256(json.dumps([processed_with, [(i.relpath, i.sha256, sorted(i.known)) for i in todo]]).encode()).hexdigest()[:16]
    work = dataset_dir / ".work" / plan
    work.mkdir(parents=True, exist_ok=True)
    for stale in (dataset_dir / ".work").iterdir():
        if stale != work:
            remove_tree(stale)
    job = Job(
        builder=builder.name,
        builders_dir=str(builder.directory),
        work_dir=str(work),
        max_file_bytes=settings.max_file_bytes,
        min_words=settings.min_words,
        keep_off_topic=builder.keep_off_topic if settings.keep_off_topic is None else settings.keep_off_topic,
        stance_tagger=settings.stance_tagger or builder.stance_tagger,
    )
    shards = shards_of(todo, settings.shard_files)
    boiler_path = dataset_dir / "boilerplate.npz"
    boiler = BoilerplateCounts.load(boiler_path) if (boiler_path.is_file() and not full) else BoilerplateCounts()
    if shards:
        with _executor(settings) as ex, _Progress(settings.progress and not settings.quiet) as progress:
            t1 = time.perf_counter()
            for _i, _res in progress.track(ex.map(extract_shard, [(job, s) for s in shards]), len(shards), "extract"):
                pass
            t2 = time.perf_counter()
            per_group = lambda: (kv for s in shards for kv in shard_line_keys(work, s))  # noqa: E731
            boiler.add(per_group, dict(_group_docs(work, shards)))
            repeated = boiler.repeated(per_group)
            t3 = time.perf_counter()
            for _i, _res in progress.track(ex.map(tag_shard, [(job, s, repeated) for s in shards]), len(shards), "clean+tag"):
                pass
            result.seconds.update(extract=t2 - t1, boilerplate=t3 - t2, tag=time.perf_counter() - t3)

    t4 = time.perf_counter()
    ledger.begin()
    changes, overlay = _record(builder, settings, shards, work, ledger, result, full)
    changes["full_reprocess"] = full_reason if (full and prev is not None) else None
    version = _choose_version(settings, prev, changes)
    result.changes = changes
    if ledger.live_count() == 0:
        result.rejects_file = _write_rejects(dataset_dir, builder.name, version or "none", work, shards, ledger)
        result.message = f"nothing to release: all {changes['inputs']} inputs were duplicates or rejected (see {result.rejects_file})"
        return result
    if version is None:
        # Nothing to release; the inputs seen are still accounted for in the ledger.
        _record_files(ledger, todo, processed_with, hashed)
        ledger.stamp_version(prev.version)
        ledger.commit()
        remove_tree(work)
        result.version = prev.version
        result.message = f"nothing changed since {prev.version}: no new version"
        return result
    result.version = version
    _record_files(ledger, todo, processed_with, hashed)
    tmp = dataset_dir / f".tmp-{builder.name}-{version}"
    remove_tree(tmp)
    tmp.mkdir()
    prev_dir = dataset_dir / f"{builder.name}-{prev.version}" if prev else None
    try:
        _write_data(ledger, tmp, prev_dir, work, shards, version, overlay)
        ledger.stamp_version(version)
        section = changes_markdown(version, prev.version if prev else None, changes)
        sections = [changes_markdown(r.version, rs.version if rs else None, r.changes) for rs, r in zip([None] + ledger.releases()[:-1], ledger.releases())]
        result.by_language = _write_card(builder, settings, ledger, tmp, version, changes, section, sections + [section])
        if settings.validate_release:
            _validate(tmp, ledger)
    except BaseException:
        remove_tree(tmp)  # the previous release and the ledger stay as they were
        raise
    info = _release_info(builder, ledger, tmp, version, processed_with, result)
    (tmp / "release.json").write_text(json.dumps(info, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    result.rejects_file = _write_rejects(dataset_dir, builder.name, version, work, shards, ledger, recorded_as=version)
    boiler.save(dataset_dir / f".boilerplate-{version}.npz")
    ledger.add_release(ReleaseRow(version, info["built_at"], processed_with, SCHEMA_VERSION, changes, info["counts"]))
    final = dataset_dir / f"{builder.name}-{version}"
    tmp.rename(final)  # the release appears whole or not at all
    ledger.commit()  # … and counts only once the ledger says so (see recover)
    os.replace(dataset_dir / f".boilerplate-{version}.npz", boiler_path)
    remove_tree(work)
    result.release_dir = final
    result.seconds["record+write"] = time.perf_counter() - t4
    return result


def _group_docs(work: Path, shards: list[Shard]) -> Counter:
    docs: Counter = Counter()
    for s in shards:
        with open(work / f"{s.name}.drafts.jsonl", encoding="utf-8") as f:
            for line in f:
                docs[json.loads(line)["group"]] += 1
    return docs


def _record_files(ledger: Ledger, todo: list[Input], processed_with: str, hashed: list[Input]) -> None:
    ledger.add_files([(i.sha256, i.relpath, PENDING, processed_with) for i in todo])
    ledger.set_file_stats([(i.path, i.size, i.mtime_ns, i.sha256) for i in hashed if i.mtime_ns])


def _takedown_keys(builder: Builder, settings: BuildSettings, ledger: Ledger) -> dict[str, tuple[str, str]]:
    """id → (reason, date): the builder's list, any extra list, and every earlier takedown."""
    paths = [Path(builder.directory) / "takedowns" / f"{builder.name}.jsonl"] + [Path(p) for p in settings.takedowns]
    for path in paths:
        if path.is_file():
            try:
                for t in read_takedowns(path):
                    ledger.add_takedown(t.id, t.reason, t.date, PENDING)
            except TakedownError as exc:
                raise BuildError(str(exc)) from None
    return ledger.takedowns()


def _gold_overlay(builder: Builder):
    gold = load_gold(Path(builder.directory), builder.name)

    def overlay(row: dict) -> dict:
        item = gold.get(row["id"]) or gold.get("sha:" + row["raw_sha256"])
        if item is None:
            return row
        label = item.label
        row = dict(row, stance=label.stance, stance_score=1.0, stance_source="gold")
        if label.stance_target:
            row["stance_target"] = label.stance_target
        if label.topics:
            row["topics"] = list(label.topics)
        return row

    return gold, overlay


def _record_hash(row: dict) -> str:
    keys = ("id", "story_id", "url", "title", "text", "editor_note", "authors", "published", "language", "topics", "stance_target", "stance", "stance_score", "stance_source")
    return hashlib.sha256(json.dumps([row.get(k) for k in keys], ensure_ascii=False, default=str).encode()).hexdigest()[:16]


def _read_part(work: Path, shard: Shard) -> pa.Table:
    with pq.ParquetFile(work / f"{shard.name}.articles.parquet") as f:  # one small file: no dataset machinery
        return f.read()


def _record(builder, settings, shards, work, ledger: Ledger, result: BuildResult, full: bool) -> dict:
    """Dedup this build's articles against the ledger; record every input; apply
    gold labels and takedowns to old and new rows. Returns the changes."""
    takedowns = _takedown_keys(builder, settings, ledger)
    gold, overlay = _gold_overlay(builder)
    ch = dict(added=0, removed=0, relabelled=0, updated=0, inputs=0, added_inputs=0, duplicates=0, rejected=0,
              added_by_language=Counter(), added_by_split=Counter(), removed_by_reason=Counter(), removed_by_language=Counter(),
              removed_by_split=Counter(), relabelled_by_language=Counter(), relabelled_by_split=Counter(),
              duplicates_by_reason=Counter(), rejected_by_reason=Counter())
    rejected = []
    for s in shards:
        for stage in ("a", "b"):
            with open(work / f"{s.name}.rejects-{stage}.jsonl", encoding="utf-8") as f:
                for line in f:
                    r = json.loads(line)
                    rejected.append((r["origin"], r["raw_sha256"], PENDING, "rejected", None, None, r["reason"], r["detail"], None))
                    ch["rejected_by_reason"][r["reason"]] += 1
    ledger.record_inputs(rejected)
    seen: set[str] = set()
    for s in shards:  # one shard's rows at a time: the ledger asked once, its writes done in bulk
        rows = _read_part(work, s).to_pylist()
        row_bands = bands_of([row["signature"] for row in rows])
        index = DedupIndex(ledger, [row["id"] for row in rows], [row["text_hash"] for row in rows], row_bands)
        inputs, articles, new_bands = [], [], []
        for row, row_bands_ in zip(rows, row_bands):
            aid = row["id"]
            row["split"] = split_of(row["story_id"])
            if aid in seen:
                dup = ("same_id", aid)
            else:
                d = index.check(aid, row["text_hash"], row["signature"], row_bands_, allow_same_id=full)
                dup = (d.reason, d.of) if d else None
            if dup:
                inputs.append((row["origin"], row["raw_sha256"], PENDING, "duplicate", aid, dup[1], dup[0], None, None))
                ch["duplicates_by_reason"][dup[0]] += 1
                continue
            seen.add(aid)
            old = index.known.get(aid)
            row = overlay(row)
            row["record_hash"] = _record_hash(row)
            if aid in takedowns:
                reason = takedowns[aid][0]
                inputs.append((row["origin"], row["raw_sha256"], PENDING, "rejected", aid, None, "taken_down", reason, None))
                ch["rejected_by_reason"]["taken_down"] += 1
                if old is None:  # remember it, so near-copies scraped later stay out too
                    articles.append(dict(row, segment=None, removed_in=PENDING, removed_reason=reason))
                    new_bands.append((aid, row_bands_))
                    index.add(aid, row["text_hash"], row["signature"], row_bands_)
                continue
            inputs.append((row["origin"], row["raw_sha256"], PENDING, "kept", aid, None, None, None, row["record_hash"]))
            if old is None:
                ch["added"] += 1
                ch["added_by_language"][row["language"]] += 1
                ch["added_by_split"][row["split"]] += 1
            elif old[2] is None:  # reprocessed in a full build
                if old[3] != row["stance"]:
                    ch["relabelled"] += 1
                    ch["relabelled_by_language"][row["language"]] += 1
                    ch["relabelled_by_split"][row["split"]] += 1
                elif old[5] != row["record_hash"]:
                    ch["updated"] += 1
            if old is None or old[8] != row["signature"]:  # new, or its text or the signature scheme changed:
                new_bands.append((aid, row_bands_))  # index it under its bands (any stale ones only cost a comparison)
            articles.append(dict(row, segment=None))
            index.add(aid, row["text_hash"], row["signature"], row_bands_)
            ch["added_inputs"] += 1
        ledger.record_inputs(inputs)
        ledger.upsert_articles(articles, PENDING)
        ledger.add_bands(new_bands)
    # Old rows: takedowns and gold relabels, looked up by id (no scan of the whole dataset).
    for aid in sorted(takedowns):
        art = ledger.article(aid)
        if art is None or art[2] is not None:  # unknown, or already removed
            continue
        _, segment, _, _, _, _, lang, split = art
        reason = takedowns[aid][0]
        ledger.remove_article(aid, PENDING, reason)
        ch["removed"] += 1
        ch["removed_by_reason"][reason] += 1
        ch["removed_by_language"][lang] += 1
        ch["removed_by_split"][split] += 1
        if segment:
            ledger.clear_segment(segment)
    for aid in sorted(gold):
        art = ledger.article(aid)
        if art is None or art[2] is not None or art[1] is None:  # unknown, removed, or being written anyway
            continue
        _, segment, _, stance, source, _, lang, split = art
        if source != "gold" or stance != gold[aid].label.stance:
            ch["relabelled"] += 1
            ch["relabelled_by_language"][lang] += 1
            ch["relabelled_by_split"][split] += 1
            ledger.clear_segment(segment)
    if full:  # every segment is rewritten under the new processing
        ledger.db.execute("UPDATE articles SET segment = NULL WHERE removed_in IS NULL")
    ch["duplicates"] = sum(ch["duplicates_by_reason"].values())
    ch["rejected"] = sum(ch["rejected_by_reason"].values())
    ch["inputs"] = ch["added_inputs"] + ch["duplicates"] + ch["rejected"]
    result.counts.update(inputs=ch["inputs"], kept=ch["added_inputs"], duplicate=ch["duplicates"], rejected=ch["rejected"])
    result.duplicates_by_reason.update(ch["duplicates_by_reason"])
    result.rejected_by_reason.update(ch["rejected_by_reason"])
    return {k: dict(sorted(v.items())) if isinstance(v, Counter) else v for k, v in ch.items()}, overlay


def _choose_version(settings: BuildSettings, prev: ReleaseRow | None, ch: dict) -> str | None:
    if prev is None:
        return settings.version or "1.0.0"
    if prev.schema_version != SCHEMA_VERSION:
        part = "major"
    elif ch["added"]:
        part = "minor"
    elif ch["removed"] or ch["relabelled"] or ch["updated"] or ch.get("full_reprocess"):
        part = "patch"
    else:
        return settings.version if settings.version else None
    return settings.version or bump(prev.version, part)


def _write_data(ledger: Ledger, tmp: Path, prev_dir: Path | None, work: Path, shards, version: str, overlay) -> None:
    """Copy clean segments; write every live row without a segment into new ones."""
    for seg in ledger.kept_segments():
        (tmp / seg).parent.mkdir(parents=True, exist_ok=True)
        src = prev_dir / seg
        try:
            os.link(src, tmp / seg)
        except OSError:
            shutil.copy2(src, tmp / seg)
    spill = work / "spill"
    remove_tree(spill)
    groups: dict[tuple[str, str, int], list[pa.Table | Path]] = defaultdict(list)
    n = held = 0

    # Rows to write are grouped per (language, split, bucket); a bucket is a range of ids
    # sized so that one output file (≈ ROWS_PER_FILE rows) is about all that memory holds:
    # groups stay in memory until they hold _HELD_ROWS rows together, then go to spill files.
    per_group = ledger.unsegmented_counts()
    n_buckets = {g: max(1, -(-k // ROWS_PER_FILE)) for g, k in per_group.items()}

    def add_table(t: pa.Table) -> None:
        nonlocal n, held
        keys = [(lang, split, int(aid[:8], 16) * n_buckets[(lang, split)] >> 32)
                for lang, split, aid in zip(t.column("language").to_pylist(), t.column("split").to_pylist(), t.column("id").to_pylist())]
        order = sorted(range(len(keys)), key=keys.__getitem__)
        t = t.drop_columns(["split"]).take(order)
        t = t.cast(_schema_as_read(t.schema))  # as if spilled and read back: a data file must not depend on what was spilled
        start = 0
        for key, rows in groupby(keys[i] for i in order):
            length = sum(1 for _ in rows)
            groups[key].append(t.slice(start, length))
            start += length
        held += t.num_rows
        if held > _HELD_ROWS:
            spill.mkdir(parents=True, exist_ok=True)
            for parts in groups.values():
                for i, part in enumerate(parts):
                    if isinstance(part, pa.Table):
                        n += 1
                        parts[i] = spill / f"{n:07d}.parquet"
                        pq.write_table(part, parts[i])
            held = 0

    for s in shards:  # rows of this build
        table = _read_part(work, s)
        claimed = ledger.claim_unsegmented(table.column("id").to_pylist())
        rows, seen = [], set()
        for row in table.to_pylist():
            if row["id"] in claimed and row["id"] not in seen:
                seen.add(row["id"])
                rows.append(overlay(row))
        if rows:
            t = to_release_table(pa.Table.from_pylist(rows, schema=table.schema))
            add_table(t.append_column("split", pa.array([claimed[r["id"]] for r in rows])))
    if prev_dir is not None:  # old rows whose segment is rewritten (takedowns, relabels, full reprocess)
        for seg in sorted(prev_dir.glob("data/*/*.parquet")):
            ids = pq.read_table(seg, columns=["id"]).column("id").to_pylist()  # the ids first: most segments have none to rewrite
            claimed = ledger.claim_unsegmented(ids)
            keep = [i for i, aid in enumerate(ids) if aid in claimed]
            if not keep:
                continue
            sub = pq.read_table(seg).take(keep)
            rows = [_relabel(r, overlay) for r in sub.to_pylist()]
            sub = pa.Table.from_pylist(rows, schema=sub.schema)
            add_table(sub.append_column("split", pa.array([claimed[r["id"]] for r in rows])))
    missing, example = ledger.unclaimed()
    if missing:
        raise BuildError(f"{missing} released articles have no stored record (e.g. {example}); "
                         f"the previous release folder {prev_dir} is incomplete: restore it and build again")
    for (lang, split, k), parts in sorted(groups.items()):
        chunk = pa.concat_tables([pq.read_table(p) if isinstance(p, Path) else p for p in parts]).sort_by([("id", "ascending")])
        rel = f"data/{lang}/{split}-v{version}-{k:05d}.parquet"
        write_parquet(chunk, tmp / rel)
        for batch in chunk.to_batches(max_chunksize=1000):  # as Python objects, a file's rows would take several times its size
            batch = pa.Table.from_batches([batch])
            ledger.set_segments(zip([rel] * batch.num_rows, [STANCES[st] for st in batch.column("stance").to_pylist()],
                                    batch.column("stance_source").to_pylist(), batch.column("topics").to_pylist(), _hashes(batch),
                                    batch.column("id").to_pylist()))
        del chunk
        for p in parts:
            if isinstance(p, Path):
                p.unlink()


_HELD_ROWS = ROWS_PER_FILE // 4  # rows _write_data keeps in memory before spilling them


@lru_cache(maxsize=8)
def _schema_as_read(schema: pa.Schema) -> pa.Schema:
    """The schema a table written to Parquet reads back with (list items are named "element")."""
    buf = pa.BufferOutputStream()
    pq.write_table(schema.empty_table(), buf)
    return pq.read_table(buf.getvalue()).schema


def _hashes(chunk: pa.Table) -> list[str]:
    out = []
    for r in chunk.to_pylist():
        r = dict(r, stance=STANCES[r["stance"]], published=r["published"].strftime("%Y-%m-%dT%H:%M:%SZ") if r["published"] else None)
        out.append(_record_hash(r))
    return out


def _relabel(release_row: dict, overlay) -> dict:
    """Apply gold labels to a row read back from a release (stance as class index)."""
    row = dict(release_row, stance=STANCES[release_row["stance"]])
    row = overlay(row)
    row["stance"] = STANCES.index(row["stance"])
    return row


def _split_table(ledger: Ledger, tmp: Path):
    sizes: dict[str, dict[str, int]] = {"default": {}}
    nbytes: dict[str, dict[str, int]] = {"default": {}}
    for aid, segment, lang, split, *_ in ledger.live_rows():
        sizes.setdefault(lang, {})[split] = sizes.get(lang, {}).get(split, 0) + 1
        sizes["default"][split] = sizes["default"].get(split, 0) + 1
    for lang in [l for l in sizes if l != "default"]:
        for split in sizes[lang]:
            b = sum(p.stat().st_size for p in (tmp / "data" / lang).glob(f"{split}-*.parquet"))
            nbytes.setdefault(lang, {})[split] = b
            nbytes["default"][split] = nbytes["default"].get(split, 0) + b
    order = lambda d: {k: dict(sorted(v.items(), key=lambda kv: SPLITS.index(kv[0]))) for k, v in sorted(d.items(), key=lambda kv: (kv[0] != "default", kv[0]))}  # noqa: E731
    return order(sizes), order(nbytes)


def _write_card(builder, settings, ledger: Ledger, tmp: Path, version: str, changes: dict, section: str, sections: list[str]) -> dict:
    from ..release.charts import bar_chart

    split_sizes, split_bytes = _split_table(ledger, tmp)
    languages = sorted(l for l in split_sizes if l != "default")
    by_lang: dict[str, Counter] = defaultdict(Counter)
    by_topic: Counter = Counter()
    sources: Counter = Counter()
    for aid, segment, lang, split, stance, source, topics in ledger.live_rows():
        by_lang[lang]["rows"] += 1
        by_lang[lang][stance] += 1
        by_topic.update(topics)
        sources[source] += 1
    total = sum(c["rows"] for c in by_lang.values())
    charts = {
        "charts/languages.png": ({l: by_lang[l]["rows"] for l in languages}, "Rows by language"),
        "charts/topics.png": ({t: by_topic[t] for t in TOPICS if by_topic[t]}, "Rows by topic"),
        "charts/stance.png": ({s: sum(c[s] for c in by_lang.values()) for s in STANCES}, "Rows by stance"),
    }
    for rel, (counts, title) in charts.items():
        bar_chart(counts, title, tmp / rel)
    cards = cards_dir(Path(builder.directory))
    meta = card_metadata(cards, builder.name)
    header = card_header(pretty_name=builder.pretty_name, license=builder.license, languages=languages, split_sizes=split_sizes, split_bytes=split_bytes)
    totals = ledger.outcome_counts()
    context = dict(
        pretty_name=builder.pretty_name,
        dataset=builder.name,
        version=version,
        library_version=__version__,
        builder_fingerprint=builder.fingerprint,
        description=builder.description,
        homepage=builder.homepage,
        license=builder.license,
        languages=languages,
        total_rows=total,
        split_totals={s: split_sizes["default"].get(s, 0) for s in SPLITS},
        split_sizes=split_sizes,
        feature_types={name: _type_name(f) for name, f in FEATURES.items()},
        meta=meta,
        counts={"read": totals["inputs"], "kept": totals["kept"], "duplicate": totals["duplicate"]},
        rejected_by_reason=ledger.reasons("rejected"),
        duplicates_by_reason=ledger.reasons("duplicate"),
        by_language={l: {"rows": c["rows"], **{s: c[s] for s in STANCES}} for l, c in sorted(by_lang.items())},
        by_topic={t: by_topic[t] for t in TOPICS if by_topic[t]},
        removed=_removed_counts(tmp.parent / ".work"),
        stance_sources=dict(sorted(sources.items())),
        stance_method=_stance_method(sources),
        annotations=None,
        charts=list(charts),
        quality=_quality(builder, tmp.parent),
        changes=section.split("\n", 2)[2].strip() if section.count("\n") >= 2 else section,
    )
    (tmp / "README.md").write_text(render_card(cards, header, context), encoding="utf-8")
    (tmp / "CHANGELOG.md").write_text(changelog(sections), encoding="utf-8")
    return {l: dict(c) for l, c in sorted(by_lang.items())}


def _quality(builder: Builder, dataset_dir: Path) -> str:
    """The card's "How good are the labels?": cross-validation over the gold set,
    cached by the gold files' content so a rebuild does not redo it."""
    gold_root = Path(builder.directory) / "gold" / builder.name
    files = sorted(gold_root.glob("*/*.jsonl"))
    if not files:
        return "No gold annotations exist for this dataset yet: the automatic labels are unevaluated. Treat `stance` as a noisy signal."
    h = hashlib.sha256(_processed_with(builder).encode())
    for f in files:
        h.update(f.read_bytes())
    from ..cache import root

    cache_root = root()
    cache_root.mkdir(parents=True, exist_ok=True)
    cache = cache_root / f"quality-{builder.name}-{h.hexdigest()[:16]}.md"
    if cache.is_file():
        return cache.read_text(encoding="utf-8")
    from ..evaluate import EvaluationError, NoGold, evaluate

    try:
        text = evaluate(Path(builder.directory), builder.name).to_markdown()
    except (NoGold, EvaluationError) as exc:
        return f"The gold set cannot be evaluated yet ({exc}); the automatic labels are unevaluated."
    cache.write_text(text, encoding="utf-8")
    return text


def _validate(tmp: Path, ledger: Ledger) -> None:
    """Load every config and split with ``datasets`` as a researcher would, and
    check the rows against the ledger."""
    from datasets import get_dataset_config_names, load_dataset
    from datasets.utils.logging import disable_progress_bar, enable_progress_bar, is_progress_bar_enabled

    bars = is_progress_bar_enabled()
    disable_progress_bar()
    try:
        _load_all(tmp, ledger, get_dataset_config_names, load_dataset)
    finally:
        if bars:
            enable_progress_bar()


def _load_all(tmp: Path, ledger: Ledger, get_dataset_config_names, load_dataset) -> None:
    expected = ledger.live_count()
    with tempfile.TemporaryDirectory(prefix="pd-validate-") as cache:
        try:
            configs = get_dataset_config_names(str(tmp))
            total = 0
            for config in configs:
                ds = load_dataset(str(tmp), config, cache_dir=cache)
                n = sum(d.num_rows for d in ds.values())
                if config == "default":
                    total = n
                if ds[next(iter(ds))].features["stance"].names != list(STANCES):
                    raise BuildError(f"config {config}: stance did not load as a ClassLabel")
        except BuildError:
            raise
        except Exception as exc:
            raise BuildError(f"the new release does not load with datasets ({type(exc).__name__}: {str(exc)[:300]}); nothing was released") from None
    if total != expected:
        raise BuildError(f"the new release has {total} rows but the ledger expects {expected}; nothing was released")


def _release_info(builder, ledger, tmp: Path, version: str, processed_with: str, result: BuildResult) -> dict:
    files = {p.relative_to(tmp).as_posix(): file_sha256(p) for p in sorted(tmp.rglob("*")) if p.is_file() and p.name != "release.json"}
    fp = hashlib.sha256()
    for sha, path in ledger.db.execute("SELECT sha256, path FROM files ORDER BY path, sha256"):
        fp.update(f"{path}\x00{sha}\n".encode())
    split_sizes, _ = _split_table(ledger, tmp)
    return {
        "dataset": builder.name,
        "version": version,
        "built_at": _build_time(),
        "library_version": __version__,
        "processed_with": processed_with,
        "schema_version": SCHEMA_VERSION,
        "input_fingerprint": fp.hexdigest(),
        "counts": dict(sorted(ledger.outcome_counts().items())),
        "rows": ledger.live_count(),
        "this_version": {k: result.counts[k] for k in ("inputs", "kept", "duplicate", "rejected")},
        "split_sizes": split_sizes,
        "files": files,
    }


def _write_rejects(dataset_dir: Path, name: str, version: str, work: Path, shards, ledger: Ledger, recorded_as: str = PENDING) -> Path:
    """This build's duplicates and rejections (ledger rows stamped ``recorded_as``), beside the release."""
    path = dataset_dir / f"{name}-{version}.rejects.jsonl"
    rows = ledger.db.execute(
        "SELECT origin, raw_sha256, outcome, article_id, duplicate_of, reason, detail FROM inputs WHERE version = ? AND outcome != 'kept' ORDER BY origin, raw_sha256",
        (recorded_as,),
    ).fetchall()
    with open(path, "w", encoding="utf-8") as f:
        for origin, sha, outcome, aid, dup, reason, detail in rows:
            rec = {"origin": origin, "raw_sha256": sha, "outcome": outcome, "reason": reason}
            if outcome == "duplicate":
                rec.update(id=aid, duplicate_of=dup)
            else:
                rec["detail"] = detail
            f.write(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")
    return path


def _type_name(feature) -> str:
    from datasets import ClassLabel, List, Value

    if isinstance(feature, ClassLabel):
        return "ClassLabel (" + ", ".join(feature.names) + ")"
    if isinstance(feature, List):
        return f"list of {feature.feature.dtype}"
    if isinstance(feature, Value):
        return {"timestamp[us, tz=UTC]": "timestamp (UTC)"}.get(feature.dtype, feature.dtype)
    return type(feature).__name__


def _removed_counts(work_root: Path) -> Counter:
    total = Counter(widget_lines=0, repeated_lines=0, pii=0)
    for p in sorted(work_root.glob("*/*.removed.json")):
        total.update(json.loads(p.read_text()))
    return total


_METHODS = {
    "gold": "`gold`: labelled by a person (builders/gold/); score 1.0.",
    "linear": ("`linear`: a class-balanced linear SVM over word and character n-grams plus the cue tagger's "
               "evidence, trained at build time on the dataset's gold annotations; `stance_score` is its "
               "temperature-calibrated probability; below 0.40 it abstains to `neutral`."),
    "cues": ("`cues`: the multilingual cue tagger: per-language cue lists for calls to ban or stop, harms named, "
             "benefits claimed and deployments defended; cues in quotations or reported speech count a quarter, "
             "a negator just before a cue turns it round, the headline and the editor's note weigh more; with "
             "weak evidence it abstains to `neutral` with a score below 0.5."),
}


def _stance_method(sources: Counter) -> str:
    """How the stance labels of this release were made, one line per method used."""
    names = sorted({s.split("-v")[0] for s in sources})
    return " ".join(_METHODS.get(n, f"`{n}`") for n in names)


def _build_time() -> str:
    from datetime import datetime, timezone

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    dt = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch else datetime.now(timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")
