"""The two shard stages. Each is a pure function of its shard's files (plus, for
stage B, the boilerplate lines found by stage A) that writes its own part files.

Stage A (``extract_shard``): read raw files, decode/extract, drop widgets →
drafts + line keys for boilerplate counting + rejections.
Stage B (``tag_shard``): finish cleaning, tag language/topics/stance → article
part (Parquet) + rejections.
"""
from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..article import Article, Rejection
from ..builder import Builder, load_builder
from ..clean import Cleaned, Draft, extract, finish
from ..clean.repeated_lines import RepeatedLines
from ..clean.widgets import load_rules
from ..dedup import signatures
from ..identity import article_id, canonical_url, text_hash, utc_timestamp
from ..tag import detect, tag_topics
from ..tag.stance import get_tagger


@dataclass(frozen=True)
class Input:
    relpath: str  # origin name, relative to its raw root
    path: str  # absolute path
    size: int
    sha256: str = ""
    known: frozenset = frozenset()  # raw sha256 of units (JSONL lines…) the ledger already has
    mtime_ns: int = 0  # modification time when discovered (0: unknown)


@dataclass(frozen=True)
class Shard:
    index: int
    inputs: tuple[Input, ...]

    @property
    def name(self) -> str:
        return f"shard-{self.index:05d}"


@dataclass(frozen=True)
class Job:
    """What a worker needs besides its shard: picklable, no open handles."""

    builder: str
    builders_dir: str
    work_dir: str
    max_file_bytes: int
    min_words: int
    keep_off_topic: bool
    stance_tagger: str


@dataclass
class StageResult:
    shard: str
    inputs: int = 0
    counts: Counter = field(default_factory=Counter)  # outcome → n
    group_docs: Counter = field(default_factory=Counter)
    seconds: dict = field(default_factory=dict)


def _builder(job: Job) -> Builder:
    return load_builder(job.builder, Path(job.builders_dir))


def _rules(builder: Builder):
    return load_rules(tuple(builder.widget_lines), tuple(builder.widget_tails), tuple(builder.editor_notes))


def _write_jsonl(path: Path, rows) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n")
    os.replace(tmp, path)


def read_inputs(shard: Shard, builder: Builder, max_bytes: int):
    """Yield raw articles and rejections for every input of the shard, in order."""
    from ..sources import sha256

    for inp in shard.inputs:
        reader = builder.reader_for(inp.relpath)
        if reader is None:
            yield Rejection(inp.relpath, "", "unsupported_file", f"no reader for this kind of file in builder {builder.name}")
            continue
        streaming = getattr(reader, "streaming", False)  # reads an open file record by record (WARC): no size limit
        if inp.size > max_bytes and not streaming:
            yield Rejection(inp.relpath, "", "too_large", f"{inp.size} bytes is over the {max_bytes}-byte limit (BuildSettings.max_file_bytes)")
            continue
        try:
            data = open(inp.path, "rb") if streaming else Path(inp.path).read_bytes()
        except OSError as exc:
            yield Rejection(inp.relpath, "", "unreadable", f"{type(exc).__name__}: {exc.strerror or exc}")
            continue
        try:
            for item in reader(inp.relpath, data):
                if item.raw_sha256 not in inp.known:
                    yield item
        except Exception as exc:  # a reader bug must not stop the build: record it
            yield Rejection(inp.relpath, inp.sha256 if streaming else sha256(data), "reader_error", f"{type(exc).__name__}: {exc}"[:200])
        finally:
            if streaming:
                data.close()


def extract_shard(job: Job, shard: Shard) -> StageResult:
    """Completion record: the shard's ``.groups.json`` (written last, atomically)."""
    done = Path(job.work_dir) / f"{shard.name}.groups.json"
    if done.is_file():
        return StageResult(shard.name, inputs=len(shard.inputs), counts=Counter(resumed=1))
    builder = _builder(job)
    rules = _rules(builder)
    work = Path(job.work_dir)
    res = StageResult(shard.name, inputs=len(shard.inputs))
    drafts, rejects = [], []
    keys: dict[str, list[np.ndarray]] = {}
    for item in read_inputs(shard, builder, job.max_file_bytes):
        if isinstance(item, Rejection):
            rejects.append(item.to_dict())
            continue
        draft = extract(item, rules)
        if isinstance(draft, Rejection):
            rejects.append(draft.to_dict())
            continue
        drafts.append(dict(draft.__dict__))  # flat: strings and lists of strings
        res.group_docs[draft.group] += 1
        keys.setdefault(draft.group, []).append(np.fromiter(draft.keys(), dtype=np.uint64))
    res.counts["rejected"] += len(rejects)
    res.counts["drafts"] += len(drafts)
    _write_jsonl(work / f"{shard.name}.drafts.jsonl", drafts)
    _write_jsonl(work / f"{shard.name}.rejects-a.jsonl", rejects)
    groups = sorted(keys)
    np.savez(work / f"{shard.name}.keys.npz", **{f"g{i}": np.concatenate(keys[g]) for i, g in enumerate(groups)})
    tmp = work / f"{shard.name}.groups.json.tmp"
    tmp.write_text(json.dumps(groups, ensure_ascii=False))
    os.replace(tmp, done)
    return res


def shard_line_keys(work: Path, shard: Shard):
    groups = json.loads((work / f"{shard.name}.groups.json").read_text())
    with np.load(work / f"{shard.name}.keys.npz") as z:
        for i, g in enumerate(groups):
            yield g, z[f"g{i}"]


def make_article(cleaned: Cleaned, builder: Builder, job: Job, tagger) -> Article | Rejection:
    """One cleaned article → one published record, or the reason it is not one."""
    out = describe(cleaned, builder, job)
    return out if isinstance(out, Rejection) else with_stance([out], tagger)[0]


def with_stance(articles: list[Article], tagger) -> list[Article]:
    """Stance for many articles at once: a trained model scores them in one batch."""
    rows = [(a.title, a.editor_note, a.text, a.language, a.stance_target) for a in articles]
    guesses = tagger.tag_many(rows) if hasattr(tagger, "tag_many") else [tagger.tag(*r) for r in rows]
    for a, g in zip(articles, guesses):
        a.stance, a.stance_score, a.stance_source = g.stance, g.score, g.source
    return articles


def describe(cleaned: Cleaned, builder: Builder, job: Job) -> Article | Rejection:
    """Everything but the stance: length check, language, topics, id."""
    words = len(cleaned.text.split())
    if words < job.min_words:
        reason = "not_an_article" if words == 0 else "too_short"
        return Rejection(cleaned.origin, cleaned.raw_sha256, reason, f"{words} words of body text after cleaning (minimum {job.min_words})")
    lang = detect(cleaned.text)
    topics = tag_topics(cleaned.title, cleaned.text, cleaned.editor_note)
    if not topics.topics and not job.keep_off_topic:
        return Rejection(cleaned.origin, cleaned.raw_sha256, "off_topic", "no topic of the taxonomy is discussed (use --keep-off-topic to keep it)")
    target = builder.stance_target or (topics.topics[0] if topics.topics else "other_privacy")
    aid = article_id(cleaned.url, cleaned.identity_text)
    return Article(
        id=aid,
        story_id=aid,
        source=builder.name,
        url=canonical_url(cleaned.url),
        title=cleaned.title,
        text=cleaned.text,
        editor_note=cleaned.editor_note,
        authors=cleaned.authors,
        published=utc_timestamp(cleaned.published),
        language=lang.language,
        language_score=round(lang.score, 6),
        topics=list(topics.topics),
        stance_target=target,
        stance="neutral",  # set by with_stance
        stance_score=0.0,
        stance_source="",
        num_words=words,
        raw_sha256=cleaned.raw_sha256,
        origin=cleaned.origin,
    )


PART_SCHEMA = pa.schema(
    [
        ("id", pa.string()), ("story_id", pa.string()), ("source", pa.string()), ("url", pa.string()),
        ("title", pa.string()), ("text", pa.string()), ("editor_note", pa.string()),
        ("authors", pa.list_(pa.string())), ("published", pa.string()), ("language", pa.string()),
        ("language_score", pa.float32()), ("topics", pa.list_(pa.string())), ("stance_target", pa.string()),
        ("stance", pa.string()), ("stance_score", pa.float32()), ("stance_source", pa.string()),
        ("num_words", pa.int32()), ("raw_sha256", pa.string()), ("origin", pa.string()), ("text_hash", pa.string()),
        ("signature", pa.binary()),
    ]
)


def tag_shard(job: Job, shard: Shard, repeated: RepeatedLines) -> StageResult:
    """Completion record: the shard's ``.removed.json`` (written last, atomically)."""
    done = Path(job.work_dir) / f"{shard.name}.removed.json"
    if done.is_file():
        return StageResult(shard.name, inputs=len(shard.inputs), counts=Counter(resumed=1))
    builder = _builder(job)
    tagger = stance_tagger(builder, job)
    work = Path(job.work_dir)
    res = StageResult(shard.name, inputs=len(shard.inputs))
    rules = _rules(builder)
    articles, rejects = [], []
    removed: Counter = Counter()
    with open(work / f"{shard.name}.drafts.jsonl", encoding="utf-8") as f:
        for line in f:
            cleaned = finish(Draft(**json.loads(line)), rules, repeated)
            removed.update(cleaned.removed)
            out = describe(cleaned, builder, job)
            if isinstance(out, Rejection):
                rejects.append(out.to_dict())
            else:
                articles.append(out)
    rows = []
    tagged = with_stance(articles, tagger)
    for out, sig in zip(tagged, signatures([a.text for a in tagged])):  # the shard's signatures in one numpy pass
        row = out.to_dict()
        row["text_hash"] = text_hash(out.text)
        row["signature"] = sig
        rows.append(row)
    res.counts["articles"] += len(rows)
    res.counts["rejected"] += len(rejects)
    table = pa.Table.from_pylist(rows, schema=PART_SCHEMA)
    tmp = work / f"{shard.name}.articles.parquet.tmp"
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, work / f"{shard.name}.articles.parquet")
    _write_jsonl(work / f"{shard.name}.rejects-b.jsonl", rejects)
    tmp = work / f"{shard.name}.removed.json.tmp"
    tmp.write_text(json.dumps(dict(removed)))
    os.replace(tmp, done)
    return res


def stance_tagger(builder: Builder, job: Job):
    """The builder's tagger; ``linear`` without enough gold to learn from falls back
    to ``cues`` (each row's ``stance_source`` says which one labelled it)."""
    try:
        return get_tagger(job.stance_tagger, **_tagger_options(builder, job))
    except LookupError:
        if job.stance_tagger != "linear":
            raise
        fallback = Job(**{**job.__dict__, "stance_tagger": "cues"})
        return get_tagger("cues", **_tagger_options(builder, fallback))


def _tagger_options(builder: Builder, job: Job) -> dict:
    if job.stance_tagger == "cues":
        return {"extra_against": tuple(builder.against_cues), "extra_favor": tuple(builder.favor_cues)}
    if job.stance_tagger == "linear":
        return {"builder": builder}
    return {}
