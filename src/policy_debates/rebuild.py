"""The scripted rebuild: new scrapes → next version → checked → published.

    scripts/rebuild DATASET --drop DIR --out DIR [--takedowns FILE] [--repo-id ORG/NAME]

One command for cron or CI. It runs the incremental build (the ledger and the
releases live under ``--out``), checks the new release (loads every config and
split with ``datasets``, compares the rows with the ledger, checks the card),
then publishes it if a repo id is given (or set in ``POLICY_DEBATES_REPO_ID``).
Any failure exits non-zero with one line saying why, leaving the previous
release and the Hub as they were. With no new data it makes no new version.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import yaml

from .takedowns import TakedownError, merge_takedowns


class RebuildError(RuntimeError):
    pass


def check_card(release_dir: Path) -> None:
    text = (release_dir / "README.md").read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        raise RebuildError(f"{release_dir}/README.md has no YAML header")
    header = yaml.safe_load(text.split("---\n", 2)[1])
    info = json.loads((release_dir / "release.json").read_text(encoding="utf-8"))
    if f"Version {info['version']}" not in text:
        raise RebuildError(f"the card does not state version {info['version']}")
    infos = header.get("dataset_info")
    infos = infos if isinstance(infos, list) else [infos]
    default = next(i for i in infos if i.get("config_name", "default") == "default")
    sizes = {s["name"]: s["num_examples"] for s in default["splits"]}
    if sizes != {k: v for k, v in info["split_sizes"]["default"].items() if v}:
        raise RebuildError(f"the card's split sizes {sizes} differ from release.json's {info['split_sizes']['default']}")
    for rel, sha in info["files"].items():
        if not (release_dir / rel).is_file():
            raise RebuildError(f"release.json lists {rel}, which is missing")


def rebuild(dataset: str, drop: Path, out: Path, takedowns: Path | None = None, repo_id: str | None = None,
            builders_dir: Path | None = None, workers: int = 0, log=print) -> int:
    from .builder import load_builder
    from .release import Release
    from .run.pipeline import BuildError, build
    from .settings import BuildSettings

    builder = load_builder(dataset, builders_dir)
    if takedowns is not None:
        if not takedowns.is_file():
            raise RebuildError(f"--takedowns {takedowns}: no such file")
        try:
            added = merge_takedowns(takedowns, Path(builder.directory) / "takedowns" / f"{dataset}.jsonl")
        except TakedownError as exc:
            raise RebuildError(str(exc)) from None
        log(f"takedowns: {added} new entries added to builders/takedowns/{dataset}.jsonl")
    if not drop.exists():
        raise RebuildError(f"--drop {drop}: no such folder")
    try:
        result = build(BuildSettings(builder=dataset, raw=(drop,), out=out, builders_dir=builders_dir, workers=workers, progress=False, quiet=True))
    except BuildError as exc:
        raise RebuildError(str(exc)) from None
    if result.release_dir is not None:
        check_card(result.release_dir)
        log(f"released {dataset} {result.version}: {result.changes['added']} added, {result.changes['removed']} removed, "
            f"{result.changes['relabelled']} relabelled ({result.release_dir})")
    elif result.message.startswith("nothing changed"):
        log(result.message)
    else:
        raise RebuildError(result.message)
    repo_id = repo_id or os.environ.get("POLICY_DEBATES_REPO_ID")
    if repo_id:
        from .publish import PublishError, publish_release

        latest = Release.all_in(out / dataset)[-1]
        try:
            pub = publish_release(latest.path, repo_id, log=log)
        except PublishError as exc:
            raise RebuildError(f"publishing failed: {exc}") from None
        log(f"hub: {pub.action} {repo_id} v{pub.version}")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="rebuild", description=__doc__.split("\n\n")[0])
    p.add_argument("dataset")
    p.add_argument("--drop", required=True, type=Path, help="folder where new scrapes arrive")
    p.add_argument("--out", required=True, type=Path, help="where the ledger and the releases live")
    p.add_argument("--takedowns", type=Path, default=None, help="JSONL list of {url or id, reason, date} to add")
    p.add_argument("--repo-id", default=None, help="publish to this Hub dataset repo (ORG/NAME)")
    p.add_argument("--builders", type=Path, default=None)
    p.add_argument("--workers", type=int, default=0)
    args = p.parse_args(argv)
    from .builder import BuilderError
    from .settings import SettingsError

    try:
        return rebuild(args.dataset, args.drop, args.out, args.takedowns, args.repo_id, args.builders, args.workers)
    except (RebuildError, BuilderError, SettingsError) as exc:
        print(f"rebuild: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
