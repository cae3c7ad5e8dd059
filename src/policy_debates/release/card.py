"""The dataset card: a YAML header that ``datasets`` loads (configs, features,
split sizes) and prose rendered from ``cards/`` templates with real counts."""
from __future__ import annotations

from pathlib import Path

import yaml
from datasets.info import DatasetInfo, DatasetInfosDict
from datasets.splits import SplitDict, SplitInfo
from datasets.utils.metadata import MetadataConfigs
from huggingface_hub import DatasetCardData

from .schema import COLUMN_DOCS, FEATURES
from .splits import SPLITS


def size_category(n: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M")):
        if n < limit:
            return name
    return "10M<n<100M"


def cards_dir(builders_dir: Path) -> Path:
    d = builders_dir.parent / "cards"
    if not d.is_dir():
        raise FileNotFoundError(f"no cards/ folder beside {builders_dir}; the card templates live there")
    return d


def card_metadata(cards: Path, dataset: str) -> dict:
    path = cards / f"{dataset}.yaml"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: add the dataset's card metadata (uses, source data, risks, citation)")
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def card_header(*, pretty_name: str, license: str, languages: list[str], split_sizes: dict, split_bytes: dict) -> DatasetCardData:
    """``split_sizes``: ``{config: {split: n}}`` with config ``default`` for all languages."""
    total = sum(split_sizes.get("default", {}).values())
    data = DatasetCardData(
        pretty_name=pretty_name,
        language=[l for l in languages if l != "und"],
        license=license,
        task_categories=["text-classification"],
        task_ids=["multi-class-classification", "multi-label-classification", "topic-classification"],
        tags=["stance-detection", "privacy", "surveillance", "policy-debates", "multilingual"],
        size_categories=[size_category(total)],
    )
    configs = {}
    infos = {}
    for config, sizes in split_sizes.items():
        lang_glob = "*" if config == "default" else config
        present = [s for s in SPLITS if sizes.get(s)]
        configs[config] = {"data_files": [{"split": s, "path": f"data/{lang_glob}/{s}-*"} for s in present]}
        if config == "default":
            configs[config]["default"] = True
        splits = SplitDict()
        for s in present:
            splits.add(SplitInfo(name=s, num_examples=sizes[s], num_bytes=split_bytes[config][s]))
        infos[config] = DatasetInfo(features=FEATURES, splits=splits, dataset_size=sum(split_bytes[config][s] for s in present))
    MetadataConfigs(configs).to_dataset_card_data(data)
    DatasetInfosDict(infos).to_dataset_card_data(data)
    return data


def render_card(template_dir: Path, header: DatasetCardData, context: dict) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(str(template_dir)), undefined=StrictUndefined, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    body = env.get_template("dataset_card.md.j2").render(columns=COLUMN_DOCS, **context)
    return f"---\n{header.to_yaml()}\n---\n\n{body}"
