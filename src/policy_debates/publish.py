"""Publish one local release folder to the Hugging Face Hub as one commit plus one version tag.

A release folder (``<dataset>-<version>/``) holds ``README.md`` (the dataset card), ``CHANGELOG.md``,
``release.json`` (``version`` and ``files``: relative path -> sha256 of every data/chart file) and
the files it lists.  Publishing it makes the ``main`` branch of the dataset repo hold exactly
those files (``.gitattributes`` is kept) in ONE ``HfApi.create_commit`` whose ``parent_commit`` is
the head read just before, then tags that commit ``v<version>``.

* Releases are immutable: if the tag already exists and its commit holds the same files (same
  sha256), publishing is a no-op; if it holds anything else, publishing is refused.
* HTTP 412 (the branch moved since the head was read) re-reads the head and re-plans; 408, 429,
  5xx and network errors are retried too; all with exponential backoff, up to ``max_attempts``.
* The token (argument, else ``HF_TOKEN``, else the huggingface_hub login) never appears in a
  log line or an error message.

``upload_folder`` and ``push_to_hub`` are never used: they split big uploads into several
commits and (``push_to_hub``) rewrite the card.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable

__all__ = ["PublishError", "PublishResult", "publish_release", "read_release"]

REPO_TYPE = "dataset"
BRANCH = "main"
KEPT_REMOTE_FILES = frozenset({".gitattributes"})
RETRYABLE_STATUS = frozenset({408, 412, 429, 500, 502, 503, 504})
_VERSION_RE = re.compile(r"^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.\-+]+)?$")
_TOKEN_RE = re.compile(r"hf_[A-Za-z0-9]{6,}")


class PublishError(RuntimeError):
    """Publishing failed or was refused; the message is one line and holds no token."""


@dataclass
class PublishResult:
    action: str  # "published" | "noop" | "planned"
    version: str
    commit_sha: str | None
    added: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    bytes_to_upload: int = 0
    repo_id: str = ""
    tag: str = ""
    attempts: int = 0


@dataclass(frozen=True)
class LocalFile:
    path: Path
    size: int
    sha256: str
    git_sha1: str  # git blob id of the content, to compare with non-LFS files on the Hub


@dataclass(frozen=True)
class Release:
    folder: Path
    version: str
    files: dict[str, LocalFile]  # path in repo -> local file

    @property
    def tag(self) -> str:
        return f"v{self.version}"


@dataclass(frozen=True)
class RemoteFile:
    size: int
    git_oid: str
    sha256: str | None  # only for LFS (and Xet) files


@dataclass(frozen=True)
class _Plan:
    head: str | None
    added: list[str]
    deleted: list[str]
    unchanged: list[str]
    bytes_to_upload: int


# ---------------------------------------------------------------------------------------------
# the local release


def _hash_file(path: Path) -> tuple[int, str, str]:
    size = path.stat().st_size
    sha256 = hashlib.sha256()
    sha1 = hashlib.sha1(b"blob %d\0" % size)
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            sha256.update(chunk)
            sha1.update(chunk)
    return size, sha256.hexdigest(), sha1.hexdigest()


def _check_relpath(rel: str) -> str:
    p = PurePosixPath(rel)
    if not rel or p.is_absolute() or "\\" in rel or any(part in ("", ".", "..") for part in rel.split("/")):
        raise PublishError(f"release.json lists an invalid path: {rel!r}")
    return rel


def read_release(release_dir: Path) -> Release:
    """Read and verify a release folder: every listed file exists and has its recorded sha256."""
    folder = Path(release_dir)
    manifest_path = folder / "release.json"
    if not folder.is_dir():
        raise PublishError(f"release folder not found: {folder}")
    if not manifest_path.is_file():
        raise PublishError(f"{folder} has no release.json")
    if not (folder / "README.md").is_file():
        raise PublishError(f"{folder} has no README.md (dataset card)")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PublishError(f"cannot read {manifest_path}: {exc}") from None
    version = manifest.get("version") if isinstance(manifest, dict) else None
    listed = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(version, str) or not _VERSION_RE.match(version):
        raise PublishError(f"{manifest_path}: 'version' must be a semantic version like 1.2.0, got {version!r}")
    if not isinstance(listed, dict) or not all(isinstance(v, str) for v in listed.values()):
        raise PublishError(f"{manifest_path}: 'files' must map relative paths to sha256 hex digests")

    files: dict[str, LocalFile] = {}
    for rel, expected in sorted(listed.items()):
        _check_relpath(rel)
        path = folder / rel
        if not path.is_file():
            raise PublishError(f"release.json lists {rel}, which is missing from {folder}")
        size, sha256, sha1 = _hash_file(path)
        if sha256 != expected.lower():
            raise PublishError(f"{rel} does not match release.json (sha256 {sha256}, recorded {expected})")
        files[rel] = LocalFile(path, size, sha256, sha1)
    for rel in ("README.md", "CHANGELOG.md", "release.json"):
        path = folder / rel
        if rel not in files and path.is_file():
            size, sha256, sha1 = _hash_file(path)
            files[rel] = LocalFile(path, size, sha256, sha1)

    # nothing in the folder may be left out silently (hidden files and folders aside)
    stray = sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
        and p.relative_to(folder).as_posix() not in files
    )
    if stray:
        shown = ", ".join(stray[:5]) + (f" and {len(stray) - 5} more" if len(stray) > 5 else "")
        raise PublishError(f"{folder} holds files that release.json does not list: {shown}")
    return Release(folder=folder, version=version, files=files)


# ---------------------------------------------------------------------------------------------
# the Hub side


def _remote_files(api, repo_id: str, revision: str) -> dict[str, RemoteFile]:
    from huggingface_hub.hf_api import RepoFile

    out: dict[str, RemoteFile] = {}
    for entry in api.list_repo_tree(repo_id, recursive=True, revision=revision, repo_type=REPO_TYPE):
        if isinstance(entry, RepoFile):
            sha256 = entry.lfs.sha256 if entry.lfs is not None else None
            out[entry.path] = RemoteFile(size=entry.size, git_oid=entry.blob_id, sha256=sha256)
    return out


def _same(local: LocalFile, remote: RemoteFile) -> bool:
    if remote.sha256 is not None:
        return remote.sha256 == local.sha256
    return remote.git_oid == local.git_sha1


def _differences(release: Release, remote: dict[str, RemoteFile]) -> list[str]:
    """Paths that differ between the release and a remote file map (.gitattributes aside)."""
    remote_paths = {p for p in remote if p not in KEPT_REMOTE_FILES}
    diff = sorted(remote_paths.symmetric_difference(release.files))
    diff += sorted(p for p in remote_paths & set(release.files) if not _same(release.files[p], remote[p]))
    return diff


def _plan(release: Release, head: str | None, remote: dict[str, RemoteFile]) -> _Plan:
    added, unchanged = [], []
    for rel, local in sorted(release.files.items()):
        if rel in remote and _same(local, remote[rel]):
            unchanged.append(rel)
        else:
            added.append(rel)
    deleted = sorted(p for p in remote if p not in release.files and p not in KEPT_REMOTE_FILES)
    return _Plan(head, added, deleted, unchanged, sum(release.files[p].size for p in added))


def _human(n: int) -> str:
    size = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{n} B"  # pragma: no cover


# ---------------------------------------------------------------------------------------------
# errors, retries, secrets


class _Scrubber:
    def __init__(self, secrets: list[str]):
        self.secrets = [s for s in secrets if s]

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return _TOKEN_RE.sub("hf_***", text)


def _status_of(exc: BaseException | None) -> int | None:
    """HTTP status of a Hub error, also when wrapped (e.g. "Error while uploading ... to the Hub")."""
    seen = 0
    while exc is not None and seen < 5:
        status = getattr(getattr(exc, "response", None), "status_code", None)
        if isinstance(status, int):
            return status
        exc, seen = exc.__cause__, seen + 1
    return None


def _retry_after(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    try:
        value = response.headers.get("Retry-After") if response is not None else None
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:500] + ("…" if len(text) > 500 else "")


def _is_retryable(exc: BaseException) -> bool:
    import httpx2

    status = _status_of(exc)
    if status is not None:
        return status in RETRYABLE_STATUS or 500 <= status < 600
    return isinstance(exc, (httpx2.TransportError, ConnectionError, TimeoutError))


def _describe(exc: BaseException) -> str:
    status = _status_of(exc)
    if status == 412:
        return "HTTP 412: the branch moved while publishing (another commit landed first)"
    if status is not None:
        # prefer the Hub's own explanation over httpx's generic "Server error ... for url ..." text
        inner: BaseException | None = exc
        while inner is not None and getattr(inner, "response", None) is None:
            inner = inner.__cause__
        server = getattr(inner, "server_message", None)
        request = getattr(getattr(inner, "response", None), "request", None)
        where = f" on {request.method} {request.url.copy_with(query=None)}" if request is not None else ""
        detail = " ".join(str(server).split()) if server else _one_line(exc)
        return f"HTTP {status}{where}: {detail[:300]}"
    return f"{type(exc).__name__}: {_one_line(exc)}"


# ---------------------------------------------------------------------------------------------
# publishing


def publish_release(
    release_dir: Path,
    repo_id: str,
    *,
    token: str | None = None,
    dry_run: bool = False,
    max_attempts: int = 5,
    log: Callable[[str], object] = print,
    sleep: Callable[[float], object] = time.sleep,
    base_delay: float = 1.0,
    max_delay: float = 30.0,
    private: bool | None = None,
    api=None,
) -> PublishResult:
    """Publish the release in ``release_dir`` to the dataset repo ``repo_id`` (see module docstring).

    ``sleep`` is called between attempts (inject a no-op in tests); ``api`` may be a ready
    ``HfApi`` (e.g. with another endpoint).  Raises :class:`PublishError`.
    """
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi, get_token
    from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError

    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    effective_token = token or get_token()
    scrub = _Scrubber([effective_token] if effective_token else [])

    def say(message: str) -> None:
        log(scrub(message))

    def fail(message: str) -> PublishError:
        return PublishError(scrub(message))

    release = read_release(Path(release_dir))
    tag = release.tag
    if not release.folder.name.endswith(f"-{release.version}"):
        say(f"warning: folder {release.folder.name} is not named <dataset>-{release.version}")
    if api is None:
        api = HfApi(token=token) if token else HfApi()

    repo_ready = False
    last_error: BaseException | None = None
    for attempt in range(1, max_attempts + 1):
        try:
            # 1. make sure the repo exists (never in a dry run)
            if not repo_ready and not dry_run:
                kwargs = {"private": private} if private is not None else {}
                api.create_repo(repo_id, repo_type=REPO_TYPE, exist_ok=True, **kwargs)
                repo_ready = True

            # 2. read the head and the tags
            try:
                refs = api.list_repo_refs(repo_id, repo_type=REPO_TYPE)
                branches = {b.name: b.target_commit for b in refs.branches}
                tags = {t.name: t.target_commit for t in refs.tags}
                exists = True
            except RepositoryNotFoundError:
                if not dry_run:
                    raise
                branches, tags, exists = {}, {}, False
            head = branches.get(BRANCH)

            # 3. a version is immutable
            if tag in tags:
                tagged = tags[tag]
                diff = _differences(release, _remote_files(api, repo_id, tagged))
                if diff:
                    shown = ", ".join(diff[:5]) + (f" and {len(diff) - 5} more" if len(diff) > 5 else "")
                    raise fail(
                        f"refusing to publish {repo_id} {tag}: the tag already exists (commit {tagged[:12]}) "
                        f"with different files "
                        f"({shown}); a published version is immutable, release a new version instead"
                    )
                say(f"{repo_id} {tag} is already published (commit {tagged[:12]}) with the same files: nothing to do")
                return PublishResult("noop", release.version, tagged, [], [], sorted(release.files), 0,
                                     repo_id=repo_id, tag=tag, attempts=attempt)

            # 4. plan against the head
            remote = _remote_files(api, repo_id, head) if head else {}
            plan = _plan(release, head, remote)
            if dry_run:
                where = f"head {head[:12]}" if head else ("new repo" if not exists else "empty repo")
                say(f"plan for {repo_id} {tag} ({where}):")
                for rel in plan.added:
                    say(f"  add       {rel} ({_human(release.files[rel].size)})")
                for rel in plan.deleted:
                    say(f"  delete    {rel}")
                say(f"  unchanged {len(plan.unchanged)} file(s)")
                say(f"  upload {_human(plan.bytes_to_upload)} in {len(plan.added)} file(s), delete "
                    f"{len(plan.deleted)} file(s), then tag {tag}")
                say("dry run: nothing was changed")
                return PublishResult("planned", release.version, None, plan.added, plan.deleted, plan.unchanged,
                                     plan.bytes_to_upload, repo_id=repo_id, tag=tag, attempts=attempt)

            # 5. one commit (none if main already holds exactly this release, e.g. a tag that failed)
            if plan.added or plan.deleted or head is None:
                say(f"publishing {repo_id} {tag}: {len(plan.added)} file(s) to upload "
                    f"({_human(plan.bytes_to_upload)}), {len(plan.deleted)} to delete, "
                    f"{len(plan.unchanged)} unchanged (attempt {attempt}/{max_attempts})")
                operations = [CommitOperationAdd(path_in_repo=rel, path_or_fileobj=str(release.files[rel].path))
                              for rel in plan.added]
                operations += [CommitOperationDelete(path_in_repo=rel, is_folder=False) for rel in plan.deleted]
                info = api.create_commit(
                    repo_id,
                    operations=operations,
                    commit_message=f"Release {tag}",
                    commit_description=f"Release {tag}: {len(plan.added)} file(s) added or changed, "
                                       f"{len(plan.deleted)} deleted.",
                    repo_type=REPO_TYPE,
                    revision=BRANCH,
                    parent_commit=head,
                )
                commit_sha = info.oid
                say(f"committed {commit_sha[:12]} on {BRANCH}")
            else:
                commit_sha = head
                say(f"{BRANCH} ({head[:12]}) already holds this release; tagging it")

            # 6. the tag
            try:
                api.create_tag(repo_id, tag=tag, revision=commit_sha, repo_type=REPO_TYPE,
                               tag_message=f"Release {tag}")
            except HfHubHTTPError as exc:
                if _status_of(exc) == 409:  # someone tagged it meanwhile: check it on the next pass
                    last_error = exc
                    say(f"tag {tag} appeared meanwhile; checking it")
                    continue
                raise
            say(f"tagged {commit_sha[:12]} as {tag}")
            return PublishResult("published", release.version, commit_sha, plan.added, plan.deleted,
                                 plan.unchanged, plan.bytes_to_upload, repo_id=repo_id, tag=tag, attempts=attempt)

        except PublishError:
            raise
        except ValueError as exc:  # e.g. invalid card metadata rejected by /api/validate-yaml
            raise fail(f"publishing {repo_id} {tag} refused: {_one_line(exc)}") from None
        except Exception as exc:  # noqa: BLE001 - Hub and network errors become PublishError
            if not _is_retryable(exc):
                if isinstance(exc, HfHubHTTPError) or _status_of(exc) is not None:
                    raise fail(f"publishing {repo_id} {tag} failed: {_describe(exc)}") from None
                raise
            last_error = exc
            if attempt == max_attempts:
                break
            delay = min(max_delay, base_delay * 2 ** (attempt - 1))
            retry_after = _retry_after(exc)
            if retry_after is not None:
                delay = min(max(delay, retry_after), max(max_delay, 60.0))
            say(f"attempt {attempt}/{max_attempts} failed ({_describe(exc)}); retrying in {delay:g}s")
            sleep(delay)

    reason = _describe(last_error) if last_error is not None else "unknown error"
    raise fail(f"publishing {repo_id} {tag} failed after {max_attempts} attempt(s): {reason}") from None
