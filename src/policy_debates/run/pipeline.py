"""The build: discover inputs → stage A (extract) → boilerplate lines → stage B
(clean, tag) → dedup → write the release → card, release.json, rejects file.
"""
from __future__ import annotations

import json
import os
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .. import __version__
from ..article import STANCES, TOPICS
from ..builder import load_builder
from ..clean.repeated_lines import RepeatedLines
from ..dedup import DedupIndex
from ..release import GroupWriter, Release, file_sha256, finalize, remove_tree, version_key
from ..release.card import card_header, card_metadata, cards_dir, render_card
from ..release.schema import FEATURES
from ..release.splits import SPLITS, split_of
from ..settings import BuildSettings
from .stages import Input, Job, Shard, extract_shard, shard_line_keys, tag_shard


class BuildError(RuntimeError):
    """The build could not produce a release; the message says why and what to do."""


@dataclass
class BuildResult:
    dataset: str
    version: str | None
    release_dir: Path | None
    counts: Counter = field(default_factory=Counter)
    rejected_by_reason: Counter = field(default_factory=Counter)
    duplicates_by_reason: Counter = field(default_factory=Counter)
    by_language: dict = field(default_factory=dict)
    rejects_file: Path | None = None
    seconds: dict = field(default_factory=dict)
    message: str = ""


def discover(settings: BuildSettings) -> list[Input]:
    """Every file under the raw paths, sorted; hidden files and folders are skipped."""
    inputs: list[Input] = []
    roots = [Path(p).resolve() for p in settings.raw]
    for root in roots:
        prefix = f"{root.name}/" if len(roots) > 1 else ""
        if root.is_file():
            inputs.append(Input(root.name, str(root), root.stat().st_size))
            continue
        for p in sorted(root.rglob("*")):
            rel = p.relative_to(root).as_posix()
            if any(part.startswith(".") for part in rel.split("/")) or not p.is_file():
                continue
            inputs.append(Input(prefix + rel, str(p), p.stat().st_size))
    inputs.sort(key=lambda i: i.relpath)
    return inputs


def shards_of(inputs: list[Input], per_shard: int) -> list[Shard]:
    return [Shard(i // per_shard, tuple(inputs[i : i + per_shard])) for i in range(0, len(inputs), per_shard)]


def next_version(dataset_dir: Path, requested: str | None) -> str:
    existing = [r.version for r in Release.all_in(dataset_dir)]
    if requested:
        if requested in existing:
            raise BuildError(f"version {requested} already exists in {dataset_dir}: releases are immutable; pass another --version")
        return requested
    if not existing:
        return "1.0.0"
    major, minor, _ = version_key(max(existing, key=version_key))
    return f"{major}.{minor + 1}.0"


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


def build(settings: BuildSettings) -> BuildResult:
    settings.validate()
    builder = load_builder(settings.builder, settings.builders_dir)
    dataset_dir = Path(settings.out) / builder.name
    dataset_dir.mkdir(parents=True, exist_ok=True)
    version = next_version(dataset_dir, settings.version)
    inputs = discover(settings)
    if not inputs:
        raise BuildError(f"no files under {', '.join(map(str, settings.raw))}; point --raw at the scraped files")
    work = dataset_dir / ".work" / version
    remove_tree(work)
    work.mkdir(parents=True)
    job = Job(
        builder=builder.name,
        builders_dir=str(builder.directory),
        work_dir=str(work),
        max_file_bytes=settings.max_file_bytes,
        min_words=settings.min_words,
        keep_off_topic=builder.keep_off_topic if settings.keep_off_topic is None else settings.keep_off_topic,
        stance_tagger=settings.stance_tagger or builder.stance_tagger,
    )
    shards = shards_of(inputs, settings.shard_files)
    result = BuildResult(builder.name, version, None)
    t0 = time.perf_counter()
    with _executor(settings) as ex, _Progress(settings.progress and not settings.quiet) as progress:
        group_docs: Counter = Counter()
        for _i, res in progress.track(ex.map(extract_shard, [(job, s) for s in shards]), len(shards), "extract"):
            group_docs.update(res.group_docs)
        t1 = time.perf_counter()
        repeated = RepeatedLines.from_counts(lambda: (kv for s in shards for kv in shard_line_keys(work, s)), dict(group_docs))
        for _i, _res in progress.track(ex.map(tag_shard, [(job, s, repeated) for s in shards]), len(shards), "clean+tag"):
            pass
    t2 = time.perf_counter()
    result.seconds.update(extract=t1 - t0, tag=t2 - t1)
    _dedup_and_write(builder, settings, shards, work, dataset_dir, version, len(inputs), result)
    result.seconds["dedup+write"] = time.perf_counter() - t2
    remove_tree(work)
    return result


def _accounting(work: Path, shards: list[Shard]):
    for s in shards:
        for stage in ("a", "b"):
            with open(work / f"{s.name}.rejects-{stage}.jsonl", encoding="utf-8") as f:
                for line in f:
                    yield json.loads(line)


def _dedup_and_write(builder, settings, shards, work, dataset_dir, version, n_files, result: BuildResult) -> None:
    index = DedupIndex()
    writer = GroupWriter(work / "groups")
    records = []  # duplicates and rejections, for the rejects file
    by_lang: dict[str, Counter] = defaultdict(Counter)
    by_topic: Counter = Counter()
    sources: Counter = Counter()
    removed = Counter()
    for rej in _accounting(work, shards):
        result.rejected_by_reason[rej["reason"]] += 1
        records.append({"outcome": "rejected", **rej})
    for s in shards:
        table = pq.read_table(work / f"{s.name}.articles.parquet")
        keep = []
        for row in table.select(["id", "text_hash", "text", "origin", "language", "raw_sha256"]).to_pylist():
            dup = index.check(row["id"], row["text_hash"], row["text"])
            keep.append(dup is None)
            if dup is not None:
                result.duplicates_by_reason[dup.reason] += 1
                by_lang[row["language"]]["duplicate"] += 1
                records.append({"outcome": "duplicate", "origin": row["origin"], "raw_sha256": row["raw_sha256"], "id": row["id"], "duplicate_of": dup.of, "reason": dup.reason})
        kept = table.filter(pa.array(keep, type=pa.bool_()))
        kept = kept.append_column("split", pa.array([split_of(x) for x in kept.column("story_id").to_pylist()], type=pa.string()))
        writer.add(kept)
        for row in kept.select(["language", "stance", "topics", "stance_source"]).to_pylist():
            by_lang[row["language"]]["rows"] += 1
            by_lang[row["language"]][row["stance"]] += 1
            by_topic.update(row["topics"])
            sources[row["stance_source"]] += 1
    n_dup = sum(result.duplicates_by_reason.values())
    n_rej = sum(result.rejected_by_reason.values())
    n_kept = sum(c["rows"] for c in by_lang.values())
    result.counts.update(read=n_files, inputs=n_kept + n_dup + n_rej, kept=n_kept, duplicate=n_dup, rejected=n_rej)
    result.by_language = {k: dict(v) for k, v in sorted(by_lang.items())}

    rejects_file = dataset_dir / f"{builder.name}-{version}.rejects.jsonl"
    records.sort(key=lambda r: (r["origin"], r["outcome"]))
    with open(rejects_file, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n")
    result.rejects_file = rejects_file
    if n_kept == 0:
        result.message = f"nothing to release: all {result.counts['inputs']} inputs were duplicates or rejected (see {rejects_file})"
        return

    tmp = dataset_dir / f".tmp-{builder.name}-{version}"
    remove_tree(tmp)
    tmp.mkdir()
    sizes = writer.write(tmp)
    languages = sorted({lang for lang, _ in sizes})
    split_sizes: dict[str, dict[str, int]] = {"default": {}}
    split_bytes: dict[str, dict[str, int]] = {"default": {}}
    for (lang, split), (rows, nbytes) in sorted(sizes.items()):
        split_sizes.setdefault(lang, {})[split] = rows
        split_bytes.setdefault(lang, {})[split] = nbytes
        split_sizes["default"][split] = split_sizes["default"].get(split, 0) + rows
        split_bytes["default"][split] = split_bytes["default"].get(split, 0) + nbytes

    cards = cards_dir(Path(builder.directory))
    meta = card_metadata(cards, builder.name)
    header = card_header(pretty_name=builder.pretty_name, license=builder.license, languages=languages, split_sizes=split_sizes, split_bytes=split_bytes)
    feature_types = {name: _type_name(f) for name, f in FEATURES.items()}
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
        total_rows=n_kept,
        split_totals={s: split_sizes["default"].get(s, 0) for s in SPLITS},
        split_sizes=split_sizes,
        feature_types=feature_types,
        meta=meta,
        counts=result.counts,
        rejected_by_reason=dict(sorted(result.rejected_by_reason.items())),
        duplicates_by_reason=dict(sorted(result.duplicates_by_reason.items())),
        by_language={lang: {"rows": c["rows"], **{s: c[s] for s in STANCES}} for lang, c in sorted(by_lang.items()) if c["rows"]},
        by_topic={t: by_topic[t] for t in TOPICS if by_topic[t]},
        removed=_removed_counts(work, shards),
        stance_sources=dict(sorted(sources.items())),
        stance_method=_stance_method(settings.stance_tagger or builder.stance_tagger),
        annotations=None,
    )
    (tmp / "README.md").write_text(render_card(cards, header, context), encoding="utf-8")
    (tmp / "CHANGELOG.md").write_text(f"# Changelog\n\n## {version}\n\nFirst release: {n_kept} rows.\n", encoding="utf-8")
    files = {p.relative_to(tmp).as_posix(): file_sha256(p) for p in sorted(tmp.rglob("*")) if p.is_file()}
    info = {
        "dataset": builder.name,
        "version": version,
        "built_at": _build_time(),
        "library_version": __version__,
        "builder": builder.fingerprint,
        "schema_version": 1,
        "input_fingerprint": _input_fingerprint(shards),
        "counts": dict(sorted(result.counts.items())),
        "rejected_by_reason": dict(sorted(result.rejected_by_reason.items())),
        "duplicates_by_reason": dict(sorted(result.duplicates_by_reason.items())),
        "split_sizes": split_sizes,
        "files": files,
    }
    (tmp / "release.json").write_text(json.dumps(info, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    final = dataset_dir / f"{builder.name}-{version}"
    finalize(tmp, final)
    result.release_dir = final


def _type_name(feature) -> str:
    from datasets import ClassLabel, List, Value

    if isinstance(feature, ClassLabel):
        return "ClassLabel (" + ", ".join(feature.names) + ")"
    if isinstance(feature, List):
        return f"list of {feature.feature.dtype}"
    if isinstance(feature, Value):
        return {"timestamp[us, tz=UTC]": "timestamp (UTC)"}.get(feature.dtype, feature.dtype)
    return type(feature).__name__


def _removed_counts(work: Path, shards) -> Counter:
    total = Counter(widget_lines=0, repeated_lines=0, pii=0)
    for s in shards:
        p = work / f"{s.name}.removed.json"
        if p.is_file():
            total.update(json.loads(p.read_text()))
    return total


def _stance_method(name: str) -> str:
    if name == "linear":
        return ("a class-balanced logistic regression over word and character n-grams, trained at build time "
                "on the dataset's gold annotations, with calibrated probabilities as `stance_score`.")
    return ("the multilingual cue tagger: per-language cue lists for calls to ban or stop, harms named, "
            "benefits claimed and deployments defended; cues in quotations or reported speech count a quarter, "
            "a negator just before a cue turns it round, the headline and the editor's note weigh more. "
            "With weak evidence it abstains to `neutral` with a score below 0.5.")


def _build_time() -> str:
    from datetime import datetime, timezone

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    dt = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch else datetime.now(timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _input_fingerprint(shards) -> str:
    import hashlib

    h = hashlib.sha256()
    for s in shards:
        for i in s.inputs:
            h.update(f"{i.relpath}\x00{i.size}\n".encode())
    return h.hexdigest()
