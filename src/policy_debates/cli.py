"""The command line, thin over the API: list, build, preview, publish, evaluate, annotate."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _console():
    from rich.console import Console

    return Console(highlight=False)


def cmd_list(args) -> int:
    from .builder import available, load_builder

    con = _console()
    for name in available(args.builders):
        b = load_builder(name, args.builders)
        con.print(f"[bold]{name}[/bold]  {b.pretty_name}")
        con.print(f"    reads: {', '.join(b.readers)}   stance target: {b.stance_target or 'each article’s main topic'}   tagger: {b.stance_tagger}")
    return EXIT_OK


def print_summary(result, console) -> None:
    from rich.table import Table

    t = Table(title=f"{result.dataset} {result.version or ''}: every input accounted for", show_lines=False)
    t.add_column("outcome")
    t.add_column("inputs", justify="right")
    t.add_row("read", str(result.counts["inputs"]))
    t.add_row("kept", str(result.counts["kept"]))
    for reason, n in sorted(result.duplicates_by_reason.items()):
        t.add_row(f"duplicate: {reason}", str(n))
    for reason, n in sorted(result.rejected_by_reason.items()):
        t.add_row(f"rejected: {reason}", str(n))
    console.print(t)
    if result.by_language:
        lt = Table(title=f"rows in {result.version} by language")
        for col in ("language", "rows", "added now", "against", "neutral", "favor"):
            lt.add_column(col, justify="right" if col != "language" else "left")
        added = result.changes.get("added_by_language", {})
        for lang, c in result.by_language.items():
            lt.add_row(lang, str(c.get("rows", 0)), str(added.get(lang, 0)), str(c.get("against", 0)), str(c.get("neutral", 0)), str(c.get("favor", 0)))
        console.print(lt)


def cmd_build(args) -> int:
    from .run.pipeline import BuildError, build
    from .settings import BuildSettings

    settings = BuildSettings(
        builder=args.builder,
        raw=tuple(Path(p) for p in args.raw),
        out=Path(args.out),
        version=args.version,
        workers=args.workers,
        executor=args.executor,
        ray_address=args.address,
        keep_off_topic=True if args.keep_off_topic else None,
        stance_tagger=args.stance_tagger,
        builders_dir=args.builders,
        takedowns=tuple(Path(p) for p in args.takedowns),
        progress=not args.quiet,
        quiet=args.quiet,
    )
    con = _console()
    try:
        result = build(settings)
    except BuildError as exc:
        print(f"policy-debates build: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if not args.quiet:
        print_summary(result, con)
        if result.rejects_file:
            con.print(f"rejects and duplicates, with reasons: {result.rejects_file}")
    if result.release_dir is None:
        if result.message.startswith("nothing changed"):
            con.print(result.message)
            return EXIT_OK
        print(f"policy-debates build: {result.message or 'no release was written'}", file=sys.stderr)
        return EXIT_FAILED
    con.print(f"release written: [bold]{result.release_dir}[/bold]")
    if args.preview:
        preview(result.release_dir, con, rows=args.preview)
    return EXIT_OK


def preview(release_dir: Path, console, rows: int = 3) -> None:
    """Load the release with ``datasets`` (as a researcher would) and show a few rows."""
    from datasets import get_dataset_config_names, load_dataset
    from datasets.utils.logging import disable_progress_bar

    disable_progress_bar()
    ds = load_dataset(str(release_dir))
    configs = get_dataset_config_names(str(release_dir))
    console.print(f"load_dataset({str(release_dir)!r}) → " + ", ".join(f"{s}: {d.num_rows} rows" for s, d in ds.items())
                  + f"; configs: {', '.join(configs)}; stance is a ClassLabel {ds[next(iter(ds))].features['stance'].names}")
    split = "train" if "train" in ds else next(iter(ds))
    names = ds[split].features["stance"].names
    for row in ds[split].select(range(min(rows, ds[split].num_rows))):
        console.print(f"\n[bold]{row['title']}[/bold]  ({row['language']}, {', '.join(row['topics'])}; stance {names[row['stance']]} {row['stance_score']:.2f} by {row['stance_source']})")
        if row["editor_note"]:
            console.print(f"[italic]editor's note:[/italic] {row['editor_note'][:200]}")
        console.print(row["text"][:300] + ("…" if len(row["text"]) > 300 else ""))


def cmd_preview(args) -> int:
    preview(Path(args.release), _console(), rows=args.rows)
    return EXIT_OK


def cmd_publish(args) -> int:
    from .publish import PublishError, publish_release

    try:
        result = publish_release(Path(args.release), args.repo_id, dry_run=args.dry_run)
    except PublishError as exc:
        print(f"policy-debates publish: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"{result.action}: {args.repo_id} v{result.version}" + (f" at {result.commit_sha}" if result.commit_sha else ""))
    return EXIT_OK


def cmd_evaluate(args) -> int:
    from .evaluate import EvaluationError, evaluate
    from .gold import GoldError

    try:
        report = evaluate(args.builders, args.dataset, folds=args.folds, seed=args.seed)
    except (EvaluationError, GoldError) as exc:
        print(f"policy-debates evaluate: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.markdown:
        print(report.to_markdown(), end="")
    else:
        report.print(_console())
    return EXIT_OK


def cmd_annotate(args) -> int:
    from .annotate import AnnotateError, run
    from .gold import GoldError

    try:
        run(args.dataset, args.builders, release=args.release, raw=tuple(args.raw or ()), annotator=args.annotator,
            n=args.n, second=args.second, seed=args.seed)
    except (AnnotateError, GoldError) as exc:
        print(f"policy-debates annotate: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="policy-debates",
        description="Turn scraped opinion articles on privacy and surveillance policy into versioned, "
        "tagged Parquet datasets with dataset cards, and publish them to the Hugging Face Hub.",
    )
    p.add_argument("--version", action="version", version=f"policy-debates {__version__}")
    p.add_argument("--builders", type=Path, default=None, help="folder of builder scripts (default: ./builders)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser("list", help="show the available builders")
    s.set_defaults(func=cmd_list)

    s = sub.add_parser("build", help="build a release from raw scraped files",
                       description="Build <out>/<builder>/<builder>-<version>/ from raw files: clean, tag, dedup, "
                       "write Parquet + card. Every input ends kept, duplicate or rejected with a reason.")
    s.add_argument("builder", help="builder name (see `policy-debates list`)")
    s.add_argument("--raw", nargs="+", required=True, metavar="PATH", help="raw files or folders")
    s.add_argument("--out", required=True, metavar="DIR", help="where releases are written")
    s.add_argument("--version", dest="version", default=None, help="release version (default: chosen from what changed)")
    s.add_argument("--workers", type=int, default=0, help="worker processes (default 0: all cores)")
    s.add_argument("--executor", choices=("local", "ray"), default="local", help="run shards in a local process pool or as Ray tasks")
    s.add_argument("--address", default=None, help="Ray cluster address (with --executor ray)")
    s.add_argument("--keep-off-topic", action="store_true", help="keep articles outside the topic taxonomy (tagged)")
    s.add_argument("--stance-tagger", choices=("cues", "linear"), default=None, help="override the builder's stance tagger")
    s.add_argument("--takedowns", nargs="*", default=[], metavar="FILE", help="extra takedown lists (JSONL: url or id, reason, date)")
    s.add_argument("--preview", type=int, nargs="?", const=3, default=0, metavar="N", help="load the release with datasets and print N rows")
    s.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    s.set_defaults(func=cmd_build)

    s = sub.add_parser("preview", help="load a release with datasets and print a few rows")
    s.add_argument("release", help="release folder")
    s.add_argument("--rows", type=int, default=3)
    s.set_defaults(func=cmd_preview)

    s = sub.add_parser("publish", help="publish a release to the Hugging Face Hub as one commit and a version tag")
    s.add_argument("release", help="release folder")
    s.add_argument("--repo-id", required=True, metavar="ORG/NAME")
    s.add_argument("--dry-run", action="store_true", help="print the plan and change nothing")
    s.set_defaults(func=cmd_publish)

    s = sub.add_parser("evaluate", help="measure every stance tagger, topics and language against the gold labels",
                       description="Cross-validate over builders/gold/<dataset>/: per language and overall accuracy, "
                       "macro-F1 with a bootstrap 95 % interval and confusion matrices for the majority baseline, "
                       "the cues and the linear tagger; topic and language accuracy; inter-annotator agreement.")
    s.add_argument("dataset", help="builder name whose gold labels to use")
    s.add_argument("--folds", type=int, default=5, help="cross-validation folds (default 5)")
    s.add_argument("--seed", type=int, default=0, help="seed of the folds and the bootstrap (default 0)")
    s.add_argument("--markdown", action="store_true", help="print the dataset card's \"How good are the labels?\" section instead")
    s.set_defaults(func=cmd_evaluate)

    s = sub.add_parser("annotate", help="label articles' stance and topics in the terminal (gold annotations)",
                       description="Show articles one by one and append each label to "
                       "builders/gold/<dataset>/labels/<annotator>.jsonl at once; resumes where you left off.")
    s.add_argument("dataset", help="builder name")
    s.add_argument("--release", type=Path, default=None, metavar="DIR", help="a release folder to take articles from")
    s.add_argument("--raw", nargs="+", default=None, metavar="PATH", help="raw files or folders the builder reads")
    s.add_argument("--annotator", default=None, metavar="NAME", help="your name (default: $POLICY_DEBATES_ANNOTATOR or the login name)")
    s.add_argument("--n", type=int, default=None, metavar="N", help="stop after N labels")
    s.add_argument("--second", action="store_true", help="label articles another annotator labelled (their label hidden), for agreement")
    s.add_argument("--seed", type=int, default=0, help="seed of the sampling order")
    s.set_defaults(func=cmd_annotate)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if not getattr(args, "func", None):
        parser().print_help()
        return EXIT_USAGE
    from .builder import BuilderError
    from .settings import SettingsError

    try:
        return args.func(args)
    except (SettingsError, BuilderError, FileNotFoundError, FileExistsError) as exc:
        print(f"policy-debates {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, (SettingsError, BuilderError)) else EXIT_FAILED
    except KeyboardInterrupt:
        print("policy-debates: interrupted; no release was written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
