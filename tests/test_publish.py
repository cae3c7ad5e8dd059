"""Tests of publishing a release to the Hub, run against an in-process stand-in of the Hub.

The real ``huggingface_hub`` and ``datasets`` clients talk HTTP to ``tests/hub_standin.py`` (see
its docstring); nothing reaches the network.  One opt-in test, marked ``network``, publishes to a
real scratch repository when both ``HF_TOKEN`` and ``POLICY_DEBATES_TEST_REPO`` are set.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hub_standin import HubStandIn  # noqa: E402

from policy_debates.publish import PublishError, publish_release  # noqa: E402

TOKEN = "hf_SECRETSECRET"
REPO = "org/name"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4  # a stand-in chart, binary like a real one


# ------------------------------------------------------------------------------------------
# building a tiny release folder


def _features():
    from datasets import ClassLabel, Features, Value

    return Features(
        {
            "id": Value("string"),
            "text": Value("string"),
            "language": Value("string"),
            "stance": ClassLabel(names=["against", "neutral", "favor"]),
        }
    )


def _rows(lang: str, split: str, n: int, salt: str = "") -> list[dict]:
    return [
        {"id": f"{lang}-{split}-{i}{salt}", "text": f"{lang} {split} article {i}{salt}", "language": lang,
         "stance": i % 3}
        for i in range(n)
    ]


def make_release(root: Path, version: str, data: dict[tuple[str, str], list[dict]],
                 extra: dict[str, bytes] | None = None, dataset: str = "policy-privacy-debates") -> Path:
    """Write ``root/<dataset>-<version>/`` with Parquet per (lang, split), a card, a changelog and release.json."""
    from datasets.info import DatasetInfo, DatasetInfosDict
    from datasets.splits import SplitDict
    from datasets.utils.metadata import MetadataConfigs
    from huggingface_hub import DatasetCardData

    features = _features()
    folder = root / f"{dataset}-{version}"
    folder.mkdir(parents=True)
    files: dict[str, str] = {}
    split_sizes: dict[str, int] = {}
    for (lang, split), rows in sorted(data.items()):
        path = folder / "data" / lang / f"{split}-00000-of-00001.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pylist(rows, schema=features.arrow_schema)
        pq.write_table(table, path, compression="zstd")
        files[path.relative_to(folder).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
        split_sizes[split] = split_sizes.get(split, 0) + len(rows)
    for rel, content in (extra or {}).items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(content)
        files[rel] = hashlib.sha256(content).hexdigest()

    card = DatasetCardData(pretty_name="Policy privacy debates (test)", license="cc-by-4.0", language=["en"],
                           task_categories=["text-classification"], tags=["stance-detection"])
    splits = sorted(split_sizes)
    MetadataConfigs(
        {"default": {"data_files": [{"split": s, "path": f"data/*/{s}-*.parquet"} for s in splits]}}
    ).to_dataset_card_data(card)
    info = DatasetInfo(
        features=features,
        splits=SplitDict.from_split_dict(
            [{"name": s, "num_examples": split_sizes[s], "num_bytes": 0} for s in splits], dataset_name=dataset
        ),
    )
    DatasetInfosDict({"default": info}).to_dataset_card_data(card)
    (folder / "README.md").write_text(f"---\n{card.to_yaml()}\n---\n\n# Policy privacy debates\n\nVersion {version}.\n",
                                      encoding="utf-8")
    (folder / "CHANGELOG.md").write_text(f"# {version}\n\n- {sum(split_sizes.values())} articles\n", encoding="utf-8")
    (folder / "release.json").write_text(json.dumps({"version": version, "files": files}, indent=2), encoding="utf-8")
    (root / f"{dataset}-{version}.rejects.jsonl").write_text("{}\n")  # beside the folder: never published
    return folder


V1_DATA = {("en", "train"): _rows("en", "train", 4), ("en", "test"): _rows("en", "test", 2)}
V11_DATA = {**V1_DATA, ("de", "train"): _rows("de", "train", 3)}


def release_v1(root: Path) -> Path:
    return make_release(root / "a", "1.0.0", V1_DATA, extra={"stance.png": PNG})


def release_v11(root: Path) -> Path:
    # one file removed (the chart), one added (German train), card/changelog/release.json changed
    return make_release(root / "b", "1.1.0", V11_DATA)


# ------------------------------------------------------------------------------------------
# fixtures


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """A fresh Hub stand-in, with every cache and the token store in tmp dirs."""
    import datasets.config as dconfig
    from huggingface_hub import HfFileSystem, constants

    home = tmp_path / "hf-home"
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.setenv("HF_DATASETS_CACHE", str(home / "datasets"))
    for var in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_OIDC_RESOURCE", "HF_HUB_OFFLINE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(home / "hub"))
    monkeypatch.setattr(constants, "HF_ASSETS_CACHE", str(home / "assets"))
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(home / "token"))
    monkeypatch.setattr(constants, "HF_STORED_TOKENS_PATH", str(home / "stored_tokens"))
    monkeypatch.setattr(constants, "AGENT_HARNESSES_PATH", str(home / ".agent_harnesses.json"))
    monkeypatch.setattr(dconfig, "HF_DATASETS_CACHE", home / "datasets")
    monkeypatch.setattr(dconfig, "DOWNLOADED_DATASETS_PATH", home / "datasets" / "downloads")
    monkeypatch.setattr(dconfig, "EXTRACTED_DATASETS_PATH", home / "datasets" / "downloads" / "extracted")

    stand_in = HubStandIn(token=TOKEN)  # write routes require this token
    HfFileSystem.clear_instance_cache()
    stand_in.install()
    try:
        yield stand_in
    finally:
        stand_in.uninstall()
        HfFileSystem.clear_instance_cache()
    assert stand_in.unknown_requests == [], "a request reached a route the stand-in does not know"
    assert stand_in.errors == [], "the stand-in crashed"


class Recorder:
    def __init__(self):
        self.lines: list[str] = []
        self.sleeps: list[float] = []

    def log(self, line: str) -> None:
        self.lines.append(line)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


@pytest.fixture
def rec():
    return Recorder()


def publish(folder: Path, rec: Recorder, **kwargs):
    return publish_release(folder, REPO, token=TOKEN, log=rec.log, sleep=rec.sleep, **kwargs)


def our_commits(hub: HubStandIn) -> list[dict]:
    return [c for c in hub.commit_log if c["message"].startswith("Release ")]


def sha256_file(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def load(revision: str, tmp_path: Path, name: str | None = None):
    import datasets

    return datasets.load_dataset(REPO, name, revision=revision, cache_dir=str(tmp_path / f"ds-cache-{revision}"))


# ------------------------------------------------------------------------------------------
# tests


def test_first_release_is_one_commit_with_parent_and_one_tag(hub, rec, tmp_path):
    from huggingface_hub import HfApi

    folder = release_v1(tmp_path)
    result = publish(folder, rec)

    assert result.action == "published" and result.version == "1.0.0" and result.tag == "v1.0.0"
    assert sorted(result.added) == sorted(
        ["README.md", "CHANGELOG.md", "release.json", "stance.png",
         "data/en/train-00000-of-00001.parquet", "data/en/test-00000-of-00001.parquet"]
    )
    assert result.deleted == [] and result.unchanged == []
    assert result.bytes_to_upload == sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())

    commits = our_commits(hub)
    assert len(commits) == 1
    initial = hub.repo(REPO).commits[commits[0]["sha"]].parent
    assert commits[0]["parent_commit"] == initial  # parent_commit = the head read before
    assert commits[0]["message"] == "Release v1.0.0"
    assert [(t["tag"], t["sha"]) for t in hub.tag_log] == [("v1.0.0", result.commit_sha)]
    assert hub.head(REPO) == result.commit_sha
    # the token was used for writing (the stand-in refuses writes without it)
    assert set(hub.auth_headers_seen) == {f"Bearer {TOKEN}"}

    # read every file back at the tag through the real client: same bytes
    api = HfApi()
    files = {p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.is_file()}
    for rel, local in files.items():
        downloaded = api.hf_hub_download(REPO, rel, repo_type="dataset", revision="v1.0.0")
        assert sha256_file(downloaded) == sha256_file(local), rel
    remote = {f.path: f for f in api.list_repo_tree(REPO, recursive=True, repo_type="dataset", revision="v1.0.0")
              if hasattr(f, "blob_id")}
    assert set(remote) == set(files) | {".gitattributes"}  # nothing beside the folder was published
    assert remote["data/en/train-00000-of-00001.parquet"].lfs is not None
    assert remote["stance.png"].lfs is not None
    assert remote["README.md"].lfs is None


def test_published_release_loads_with_datasets_at_its_tag(hub, rec, tmp_path):
    from datasets import ClassLabel

    result = publish(release_v1(tmp_path), rec)
    ds = load("v1.0.0", tmp_path)

    # really read through the stand-in, at the commit the tag points to
    parquet_reads = [url for method, url in hub.requests if "/resolve/" in url and url.endswith(".parquet")]
    assert parquet_reads and all(f"/resolve/{result.commit_sha}/" in url for url in parquet_reads)

    assert set(ds) == {"train", "test"}
    assert ds["train"].to_list() == V1_DATA[("en", "train")]
    assert ds["test"].to_list() == V1_DATA[("en", "test")]
    stance = ds["train"].features["stance"]
    assert isinstance(stance, ClassLabel) and stance.names == ["against", "neutral", "favor"]


def test_second_release_is_one_commit_with_right_adds_and_deletes(hub, rec, tmp_path):
    from huggingface_hub import HfApi

    first = publish(release_v1(tmp_path), rec)
    second = publish(release_v11(tmp_path), rec)

    assert second.action == "published"
    assert sorted(second.added) == ["CHANGELOG.md", "README.md", "data/de/train-00000-of-00001.parquet",
                                    "release.json"]
    assert second.deleted == ["stance.png"]
    assert second.unchanged == ["data/en/test-00000-of-00001.parquet", "data/en/train-00000-of-00001.parquet"]

    commits = our_commits(hub)
    assert len(commits) == 2
    assert commits[1]["parent_commit"] == first.commit_sha
    assert sorted(commits[1]["added"]) == sorted(second.added)  # unchanged files were not re-sent
    assert commits[1]["deleted"] == ["stance.png"]

    refs = HfApi().list_repo_refs(REPO, repo_type="dataset")
    tags = {t.name: t.target_commit for t in refs.tags}
    assert tags == {"v1.0.0": first.commit_sha, "v1.1.0": second.commit_sha}
    assert first.commit_sha != second.commit_sha
    assert ".gitattributes" in hub.files_at(REPO, "v1.1.0")
    assert "stance.png" in hub.files_at(REPO, "v1.0.0") and "stance.png" not in hub.files_at(REPO, "v1.1.0")

    # each tag loads its own rows
    old = load("v1.0.0", tmp_path)
    new = load("v1.1.0", tmp_path)
    assert old["train"].num_rows == 4 and sorted(old["train"]["id"]) == sorted(r["id"] for r in V1_DATA[("en", "train")])
    assert new["train"].num_rows == 7
    assert sorted(new["train"]["language"]) == ["de"] * 3 + ["en"] * 4


def test_publishing_the_same_release_again_is_a_noop(hub, rec, tmp_path):
    publish(release_v1(tmp_path), rec)
    folder = release_v11(tmp_path)
    first = publish(folder, rec)
    commits, tags = len(hub.commit_log), len(hub.tag_log)

    again = publish(folder, rec)
    assert again.action == "noop" and again.commit_sha == first.commit_sha
    assert again.added == [] and again.deleted == []
    assert len(hub.commit_log) == commits and len(hub.tag_log) == tags
    assert any("already published" in line for line in rec.lines)


def test_a_different_release_under_a_published_version_is_refused(hub, rec, tmp_path):
    publish(release_v11(tmp_path), rec)
    commits, tags = len(hub.commit_log), len(hub.tag_log)

    changed = {**V11_DATA, ("en", "test"): _rows("en", "test", 2, salt="-fixed")}
    other = make_release(tmp_path / "c", "1.1.0", changed)
    with pytest.raises(PublishError) as err:
        publish(other, rec)
    message = str(err.value)
    assert "v1.1.0" in message and "immutable" in message
    assert "data/en/test-00000-of-00001.parquet" in message
    assert "\n" not in message
    assert len(hub.commit_log) == commits and len(hub.tag_log) == tags


def test_stale_parent_412_once_is_retried_into_one_commit(hub, rec, tmp_path):
    hub.create_repo(REPO)
    hub.fail_next("commit", 412)
    result = publish(release_v1(tmp_path), rec)

    assert result.action == "published" and result.attempts == 2
    assert len(our_commits(hub)) == 1 and len(hub.tag_log) == 1
    assert hub.calls["commit"] == 2
    assert rec.sleeps == [1.0]
    assert any("412" in line for line in rec.lines)


def test_a_concurrent_commit_moves_the_parent_and_the_release_is_replanned(hub, rec, tmp_path):
    first = publish(release_v1(tmp_path), rec)
    foreign: list[str] = []
    hub.before_next_commit(lambda: foreign.append(hub.commit_files(REPO, add={"notes.txt": b"hello\n"},
                                                                   message="someone else")))
    second = publish(release_v11(tmp_path), rec)

    assert second.action == "published" and second.attempts == 2
    ours = our_commits(hub)
    assert len(ours) == 2
    assert ours[1]["parent_commit"] == foreign[0] != first.commit_sha  # re-read head after the 412
    assert sorted(second.deleted) == ["notes.txt", "stance.png"]  # the release defines the tree
    assert set(hub.files_at(REPO, "v1.1.0")) == {
        ".gitattributes", "README.md", "CHANGELOG.md", "release.json", "data/en/train-00000-of-00001.parquet",
        "data/en/test-00000-of-00001.parquet", "data/de/train-00000-of-00001.parquet"}


def test_412_forever_fails_after_max_attempts_with_a_clear_message(hub, rec, tmp_path):
    hub.create_repo(REPO)
    hub.fail_next("commit", 412, times=100)
    with pytest.raises(PublishError) as err:
        publish(release_v1(tmp_path), rec, max_attempts=3)
    message = str(err.value)
    assert "after 3 attempt(s)" in message and "412" in message and "org/name v1.0.0" in message
    assert "\n" not in message
    assert hub.calls["commit"] == 3 and our_commits(hub) == [] and hub.tag_log == []
    assert rec.sleeps == [1.0, 2.0]


def test_server_errors_are_retried(hub, rec, tmp_path):
    hub.fail_next("commit", 500)
    hub.fail_next("commit", 429)
    result = publish(release_v1(tmp_path), rec)
    assert result.action == "published" and result.attempts == 3
    assert len(our_commits(hub)) == 1 and len(hub.tag_log) == 1
    assert rec.sleeps == [1.0, 2.0]


def test_a_failed_tag_is_retried_without_a_second_commit(hub, rec, tmp_path):
    hub.fail_next("tag", 503)
    result = publish(release_v1(tmp_path), rec)
    assert result.action == "published" and result.attempts == 2
    assert len(our_commits(hub)) == 1  # the second attempt found main already holding the release
    assert [t["sha"] for t in hub.tag_log] == [result.commit_sha] == [our_commits(hub)[0]["sha"]]


def test_client_errors_are_not_retried(hub, rec, tmp_path):
    hub.create_repo(REPO)
    hub.fail_next("commit", 403, message="You don't have the rights to create a commit")
    with pytest.raises(PublishError) as err:
        publish(release_v1(tmp_path), rec)
    assert "403" in str(err.value) and rec.sleeps == []
    assert hub.calls["commit"] == 1


def test_dry_run_changes_nothing_and_reports_the_plan(hub, rec, tmp_path):
    # against a repo that does not exist yet: not even created
    plan = publish(release_v1(tmp_path), rec, dry_run=True)
    assert plan.action == "planned" and plan.commit_sha is None and len(plan.added) == 6
    assert REPO not in {repo_id for _, repo_id in hub.repos}

    first = publish(release_v1(tmp_path / "again"), rec)
    rec.lines.clear()
    requests_before = len(hub.requests)
    plan = publish(release_v11(tmp_path), rec, dry_run=True)

    assert plan.action == "planned" and plan.commit_sha is None
    assert plan.deleted == ["stance.png"]
    assert "data/de/train-00000-of-00001.parquet" in plan.added
    assert plan.bytes_to_upload > 0
    assert hub.head(REPO) == first.commit_sha and len(hub.tag_log) == 1 and len(our_commits(hub)) == 1
    methods = {m for m, _ in hub.requests[requests_before:]}
    assert methods <= {"GET", "HEAD"}  # read only
    text = "\n".join(rec.lines)
    assert "delete    stance.png" in text and "data/de/train-00000-of-00001.parquet" in text
    assert "tag v1.1.0" in text and "dry run" in text


def test_the_token_never_appears_in_logs_or_errors(hub, rec, tmp_path, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    folder = release_v1(tmp_path)
    # a server that echoes the token back in its error messages
    hub.fail_next("commit", 500, times=2, message=f"backend said: bad token {TOKEN}")
    result = publish_release(folder, REPO, token=TOKEN, log=rec.log, sleep=rec.sleep, max_attempts=3)
    assert result.action == "published"

    hub.fail_next("tag", 403, message=f"Authorization: Bearer {TOKEN} may not tag")
    with pytest.raises(PublishError) as err:
        publish_release(release_v11(tmp_path), REPO, token=TOKEN, log=rec.log, sleep=rec.sleep)
    hub.fail_next("commit", 500, times=2, message=f"token {TOKEN}")
    with pytest.raises(PublishError) as err2:
        publish_release(make_release(tmp_path / "d", "1.2.0", V1_DATA), REPO, token=TOKEN, log=rec.log,
                        sleep=rec.sleep, max_attempts=2)
    # default log=print must scrub too
    hub.fail_next("commit", 500, message=f"again {TOKEN}")
    publish_release(make_release(tmp_path / "e", "1.3.0", V1_DATA), REPO, token=TOKEN, sleep=rec.sleep)

    out = capsys.readouterr()
    everything = "\n".join([*rec.lines, str(err.value), repr(err.value), str(err2.value), caplog.text,
                            out.out, out.err])
    assert "backend said" in everything  # the server's message is reported ...
    assert TOKEN not in everything  # ... but never the token
    assert "SECRETSECRET" not in everything
    assert err.value.__cause__ is None and err.value.__suppress_context__


def test_token_comes_from_hf_token_when_not_given(hub, rec, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    result = publish_release(release_v1(tmp_path), REPO, log=rec.log, sleep=rec.sleep)
    assert result.action == "published"
    assert set(hub.auth_headers_seen) == {f"Bearer {TOKEN}"}


def test_release_folder_is_verified_before_anything_is_sent(hub, rec, tmp_path):
    folder = release_v1(tmp_path)
    (folder / "stance.png").write_bytes(PNG + b"corrupted")
    with pytest.raises(PublishError, match="does not match release.json"):
        publish(folder, rec)

    folder = release_v11(tmp_path)
    (folder / "data" / "en" / "validation-00000-of-00001.parquet").write_bytes(b"stray")
    with pytest.raises(PublishError, match="does not list"):
        publish(folder, rec)
    assert hub.requests == []


@pytest.mark.network
@pytest.mark.skipif(
    not (os.environ.get("HF_TOKEN") and os.environ.get("POLICY_DEBATES_TEST_REPO")),
    reason="opt-in: set HF_TOKEN and POLICY_DEBATES_TEST_REPO (a scratch dataset repo) to run",
)
def test_publish_to_a_real_scratch_repo(tmp_path):
    """Publishes to the real Hub (no stand-in); versions are unique per run as tags are immutable."""
    from huggingface_hub import HfApi

    repo_id = os.environ["POLICY_DEBATES_TEST_REPO"]
    version = f"0.{int(time.time())}.0"
    folder = make_release(tmp_path, version, V1_DATA, extra={"stance.png": PNG})
    lines: list[str] = []
    result = publish_release(folder, repo_id, log=lines.append)
    assert result.action == "published"
    again = publish_release(folder, repo_id, log=lines.append)
    assert again.action == "noop" and again.commit_sha == result.commit_sha

    api = HfApi()
    tags = {t.name: t.target_commit for t in api.list_repo_refs(repo_id, repo_type="dataset").tags}
    assert tags[f"v{version}"] == result.commit_sha
    remote = {f.path: f for f in api.list_repo_tree(repo_id, recursive=True, repo_type="dataset",
                                                    revision=f"v{version}") if hasattr(f, "blob_id")}
    for rel in ("data/en/train-00000-of-00001.parquet", "stance.png"):
        assert remote[rel].lfs is not None and remote[rel].lfs.sha256 == sha256_file(folder / rel)
    assert os.environ["HF_TOKEN"] not in "\n".join(lines)


def test_standin_restores_the_client_factory_and_flags_unknown_routes():
    from huggingface_hub.utils import _http, get_session

    before = _http._GLOBAL_CLIENT_FACTORY
    with HubStandIn() as stand_in:
        response = get_session().get("https://huggingface.co/api/not-a-route")
        assert response.status_code == 501
        assert stand_in.unknown_requests == ["GET https://huggingface.co/api/not-a-route"]
    assert _http._GLOBAL_CLIENT_FACTORY is before
