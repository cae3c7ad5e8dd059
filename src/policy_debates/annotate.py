"""Label articles in the terminal: ``policy-debates annotate <dataset>``.

Shows one article at a time (headline, editor's note, the start of the text and
the automatically tagged topics) and reads one answer per prompt::

    a / n / f   against / neutral / favor (toward the stance target); a note may
                follow: "a ironic mock praise"
    t [N …]     set the topics by number from the taxonomy (the first is the
                stance target unless the builder fixes one); "t" alone lists them
    l CODE      correct the language ("l de")
    m           show the whole text
    s           skip          u   undo the last label of this session
    q           quit (every label is already saved)

Each label is appended at once, as one line, to
``builders/gold/<dataset>/labels/<annotator>.jsonl`` (and the article, if the
gold set does not have it yet, to ``articles/<annotator>.jsonl``), so quitting or
a crash loses nothing, and the next session resumes: articles this annotator
labelled are not shown again.

What comes next: articles are grouped into strata by (language, first topic) and
the strata are visited round-robin in a seeded order, so a short session already
covers every language and topic. Within a stratum the order is seeded at random
until the gold set can train the linear tagger; from then on the articles it is
least sure about (lowest top probability) come first.

``--second``: show articles another annotator already labelled (their label is
hidden) to measure agreement; Cohen's kappa per language is printed at the end.
"""
from __future__ import annotations

import getpass
import json
import os
import random
import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .article import STANCES, TOPICS

SHOW_CHARS = 1500  # of the body, before "m" shows the rest
SEED = 0
KEYS = {"a": "against", "n": "neutral", "f": "favor"}
HELP = "[a]gainst [n]eutral [f]avor · [t]opics [l]anguage [m]ore · [s]kip [u]ndo [q]uit"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class AnnotateError(ValueError):
    pass


@dataclass
class Candidate:
    """An article that may be shown: its gold key and what the annotator sees."""

    key: str
    url: str | None
    title: str | None
    editor_note: str | None
    text: str
    language: str
    topics: tuple[str, ...]
    published: str | None = None
    authors: list = field(default_factory=list)

    @property
    def stratum(self) -> tuple[str, str]:
        return (self.language or "und", self.topics[0] if self.topics else "none")


@dataclass
class SessionResult:
    labelled: int = 0
    skipped: int = 0
    undone: int = 0
    labels_file: Path | None = None
    agreement: dict = field(default_factory=dict)


# --- where articles come from ----------------------------------------------------


def from_release(release_dir: Path) -> list[Candidate]:
    """Every row of a release folder's Parquet files."""
    import pyarrow.parquet as pq

    files = sorted(Path(release_dir).glob("data/**/*.parquet")) or sorted(Path(release_dir).glob("**/*.parquet"))
    if not files:
        raise AnnotateError(f"{release_dir}: no Parquet files (expected data/<lang>/<split>-*.parquet)")
    cols = ["id", "url", "title", "editor_note", "text", "language", "topics", "published", "authors"]
    out = {}
    for path in files:
        for r in pq.read_table(path, columns=cols).to_pylist():
            published = r["published"].isoformat() if hasattr(r["published"], "isoformat") else r["published"]
            out.setdefault(r["id"], Candidate(r["id"], r["url"], r["title"], r["editor_note"], r["text"], r["language"], tuple(r["topics"] or ()), published, list(r["authors"] or [])))
    return list(out.values())


def from_raw(paths, builder) -> list[Candidate]:
    """Raw files the builder can read (crawler JSONL, dumps, HTML), cleaned and tagged as a build would."""
    from .article import RawArticle
    from .clean import extract, finish
    from .clean.repeated_lines import RepeatedLines
    from .clean.widgets import load_rules
    from .identity import article_id
    from .tag import detect, tag_topics

    rules = load_rules(tuple(builder.widget_lines), tuple(builder.widget_tails), tuple(builder.editor_notes))
    out = {}
    for root in paths:
        root = Path(root)
        if not root.exists():
            raise AnnotateError(f"--raw {root}: does not exist")
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            rel = path.name if root.is_file() else str(path.relative_to(root))
            reader = builder.reader_for(rel)
            if reader is None:
                continue
            for raw in reader(rel, path.read_bytes()):
                if not isinstance(raw, RawArticle):
                    continue
                draft = extract(raw, rules)
                if not hasattr(draft, "lines"):
                    continue
                c = finish(draft, rules, RepeatedLines())
                if not c.text.strip():
                    continue
                key = article_id(c.url, c.identity_text)
                topics = tag_topics(c.title, c.text, c.editor_note).topics
                out.setdefault(key, Candidate(key, c.url, c.title, c.editor_note, c.text, detect(c.text).language, tuple(topics), c.published, c.authors))
    return list(out.values())


def from_gold(items, builder) -> list[Candidate]:
    """Gold articles with text (for ``--second``), with automatic topics, never the gold ones."""
    from .tag import detect, tag_topics
    from .tag.stance.linear import examples_from_gold

    by_key = {it.key: it for it in items}
    out = []
    for e in examples_from_gold(items, builder):
        it = by_key[e.key]
        topics = tag_topics(e.title, e.text, e.editor_note).topics
        out.append(Candidate(e.key, it.url, e.title, e.editor_note, e.text, detect(e.text).language, tuple(topics), it.published, list(it.authors)))
    return out


# --- what comes next ---------------------------------------------------------------


def order(candidates: list[Candidate], seed: int = SEED, uncertainty: Callable | None = None) -> list[Candidate]:
    """Round-robin over languages, and within each over its first topics, in a seeded
    order; within a stratum seeded-random, or by ``uncertainty`` (higher first) when given."""
    rng = random.Random(seed)
    strata: dict[tuple, list[Candidate]] = {}
    for c in sorted(candidates, key=lambda c: c.key):
        strata.setdefault(c.stratum, []).append(c)
    for members in strata.values():
        rng.shuffle(members)
    if uncertainty is not None and candidates:
        scores = dict(zip((c.key for c in candidates), uncertainty(candidates)))
        for members in strata.values():
            members.sort(key=lambda c: -scores[c.key])  # stable: the seeded order breaks ties
    # Two levels: languages take turns, and within a language its topics take turns,
    # so the first items of a session already cover every language, then every topic.
    def interleave(queues: list[deque]) -> list:
        out = []
        while any(queues):
            for q in queues:
                if q:
                    out.append(q.popleft())
        return out

    languages = sorted({lang for lang, _ in strata})
    rng.shuffle(languages)
    per_language = []
    for lang in languages:
        topics = sorted(t for l, t in strata if l == lang)
        rng.shuffle(topics)
        per_language.append(deque(interleave([deque(strata[(lang, t)]) for t in topics])))
    return interleave(per_language)


def model_uncertainty(builder) -> Callable | None:
    """1 − top probability of the linear tagger trained on the gold so far; None
    while the gold set is too small to train it."""
    from .tag.stance.linear import Example, LinearTagger, NotEnoughGold

    try:
        tagger = LinearTagger(builder=builder)
    except NotEnoughGold:
        return None

    def uncertainty(cands: list[Candidate]):
        proba = tagger.predict_proba([Example(c.key, c.title, c.editor_note, c.text, c.language) for c in cands])
        return [1.0 - float(row.max()) for row in proba]

    return uncertainty


# --- the session ----------------------------------------------------------------------


def _append(path: Path, obj: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(obj, ensure_ascii=False) + "\n")
        f.flush()
        os.fsync(f.fileno())


def _remove_last(path: Path, key: str) -> bool:
    """Drop the last label line for ``key`` (the one this session wrote)."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].strip() and json.loads(lines[i]).get("id") == key:
            del lines[i]
            tmp = path.with_suffix(".jsonl.tmp")
            tmp.write_text("".join(lines), encoding="utf-8")
            os.replace(tmp, path)
            return True
    return False


def _show(c: Candidate, topics: tuple[str, ...], target: str, position: str, out, full: bool = False) -> None:
    out("")
    out("─" * 72)
    out(f"{position}  {c.language} · topics: {', '.join(topics) or '(none)'} · stance toward: {target}")
    if c.url:
        out(c.url)
    out(f"TITLE: {c.title or '(no headline)'}")
    if c.editor_note:
        out(f"EDITOR'S NOTE: {c.editor_note}")
    text = c.text
    if not full and len(text) > SHOW_CHARS:
        cut = text.rfind(" ", 0, SHOW_CHARS)
        rest = len(text[cut:].split())
        text = text[: cut if cut > 0 else SHOW_CHARS] + f" … [+{rest} words: 'm' shows all]"
    out("")
    out(text)
    out("")


def _topic_menu(out) -> None:
    out("  ".join(f"{i}={t}" for i, t in enumerate(TOPICS, start=1)))


def session(
    builder,
    candidates: list[Candidate],
    annotator: str,
    *,
    n: int | None = None,
    second: bool = False,
    seed: int = SEED,
    ask: Callable[[str], str] = input,
    out: Callable[[str], None] = print,
) -> SessionResult:
    """Run one labelling session; returns what was done. ``ask`` reads an answer
    (EOF ends the session like ``q``)."""
    from .evaluate import agreement_by_language
    from .gold import gold_dir, load_gold

    if not _NAME.match(annotator):
        raise AnnotateError(f"annotator name {annotator!r}: use letters, digits, '.', '_' or '-'")
    folder = gold_dir(builder.directory, builder.name)
    labels_file = folder / "labels" / f"{annotator}.jsonl"
    articles_file = folder / "articles" / f"{annotator}.jsonl"
    gold = load_gold(builder.directory, builder.name)
    has_text = {k for k, it in gold.items() if it.text}
    mine = {k for k, it in gold.items() if annotator in it.labels}
    if second:
        others = {k for k, it in gold.items() if set(it.labels) - {annotator}}
        known = {c.key for c in candidates}
        candidates = candidates + [c for c in from_gold([gold[k] for k in sorted(others - known)], builder)]
        pool = [c for c in candidates if c.key in others and c.key not in mine]
    else:
        pool = [c for c in candidates if c.key not in gold]
    result = SessionResult(labels_file=labels_file)
    queue = deque(order(pool, seed, model_uncertainty(builder)))
    out(f"{len(queue)} articles to label ({len(mine)} already labelled by {annotator}); labels go to {labels_file}")
    if not queue:
        out("nothing to label" + (": no article labelled by another annotator is left for you" if second else ""))
    topics_of: dict[str, tuple[str, ...]] = {}
    lang_of: dict[str, str] = {}
    history: list[Candidate] = []
    written_articles: set[str] = set()
    full = False
    shown = None
    while queue and (n is None or result.labelled < n):
        c = queue[0]
        topics = topics_of.get(c.key, c.topics)
        target = builder.stance_target or (topics[0] if topics else "other_privacy")
        if shown is not c.key or full:
            _show(c, topics, target, f"[{result.labelled + 1}{'/' + str(n) if n else ''}]", out, full)
            shown, full = c.key, False
        try:
            answer = ask(f"{HELP} > ").strip()
        except EOFError:
            break
        key, rest = (answer[:1].lower(), answer[1:].strip()) if answer else ("", "")
        if key in KEYS:
            label = {
                "id": c.key, "url": c.url, "annotator": annotator, "stance": KEYS[key], "stance_target": target,
                "topics": list(topics), "language": lang_of.get(c.key, c.language), "note": rest,
            }
            if c.key not in has_text and c.key not in written_articles:
                body = f"{c.editor_note}\n\n{c.text}" if c.editor_note else c.text
                _append(articles_file, {"id": c.key, "url": c.url, "title": c.title, "text": body, "date": c.published, "authors": c.authors})
                written_articles.add(c.key)
            _append(labels_file, label)
            history.append(c)
            queue.popleft()
            result.labelled += 1
            out(f"saved: {KEYS[key]}")
        elif key == "t":
            numbers = rest.replace(",", " ").split()
            if not numbers:
                _topic_menu(out)
                continue
            try:
                chosen = [TOPICS[int(x) - 1] for x in numbers]
                if any(int(x) < 1 for x in numbers):
                    raise IndexError
            except (ValueError, IndexError):
                out(f"topics are numbers 1–{len(TOPICS)}:")
                _topic_menu(out)
                continue
            topics_of[c.key] = tuple(dict.fromkeys(chosen))
            shown = None
        elif key == "l":
            if re.fullmatch(r"[a-z]{2,3}", rest.lower()):
                lang_of[c.key] = rest.lower()
                out(f"language: {rest.lower()}")
            else:
                out("give a language code: l de")
        elif key == "m":
            full = True
        elif key == "s":
            queue.popleft()
            result.skipped += 1
        elif key == "u":
            if not history:
                out("nothing to undo in this session")
                continue
            prev = history.pop()
            _remove_last(labels_file, prev.key)
            queue.appendleft(prev)
            result.labelled -= 1
            result.undone += 1
            shown = None
            out(f"undone: {prev.title or prev.key}")
        elif key == "q":
            break
        else:
            out(HELP)
    out(f"\nlabelled {result.labelled}, skipped {result.skipped}, undone {result.undone}; saved in {labels_file}")
    gold = load_gold(builder.directory, builder.name)
    mine_items = {k: it for k, it in gold.items() if annotator in it.labels and len(it.labels) > 1}
    result.agreement = agreement_by_language(mine_items)
    for lang, a in result.agreement.items():
        kappa = "undefined" if a["kappa"] is None else f"{a['kappa']:.2f}"
        out(f"agreement (Cohen's kappa) {lang}: {kappa} over {a['n']} articles ({', '.join(a['pairs'])})")
    return result


def default_annotator() -> str:
    name = os.environ.get("POLICY_DEBATES_ANNOTATOR") or getpass.getuser()
    return re.sub(r"[^A-Za-z0-9_.-]", "-", name) or "annotator"


def run(dataset: str, builders: Path | None, release: Path | None = None, raw=(), annotator: str | None = None,
        n: int | None = None, second: bool = False, seed: int = SEED) -> SessionResult:
    """The command: gather candidates from a release and/or raw files, then one session."""
    from .builder import load_builder

    builder = load_builder(dataset, builders)
    candidates: list[Candidate] = []
    if release is not None:
        candidates += from_release(Path(release))
    if raw:
        candidates += from_raw(raw, builder)
    if not candidates and not second:
        raise AnnotateError("nothing to show: give --release DIR or --raw PATH (or --second to label another annotator's articles)")
    return session(builder, candidates, annotator or default_annotator(), n=n, second=second, seed=seed)
