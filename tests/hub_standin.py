"""An in-process STAND-IN of the Hugging Face Hub HTTP API, for tests.

This is not the Hub and not a mock of our own code: the real ``huggingface_hub`` client (and
``datasets`` on top of it) run unchanged, but every HTTP request they make goes through an
``httpx2.MockTransport`` whose handler is :meth:`HubStandIn.handle`.  It is installed with
``huggingface_hub.set_client_factory`` (and ``set_async_client_factory``); the previous factories
are restored by :meth:`HubStandIn.uninstall`.  Nothing leaves the process.

What it keeps, in memory, per repository: git-like commits (each one is the full file map, a
parent pointer and a sha), branches, tags, and an LFS object store keyed by sha256.  A new repo
starts, like on the real Hub, with one "initial commit" holding a ``.gitattributes`` with the
usual LFS patterns.

Routes answered (``{t}`` is ``datasets``/``models``/``spaces``; models have no URL prefix):

* ``POST /api/repos/create``                                  create a repo (409 if it exists)
* ``GET  /api/{t}/{repo}`` and ``/api/{t}/{repo}/revision/{rev}``    repo info (``blobs=1`` adds sizes/oids)
* ``GET  /api/{t}/{repo}/refs``                               branches and tags
* ``GET  /api/{t}/{repo}/tree/{rev}[/{path}]``                tree listing (``recursive``, ``expand``),
                                                              with ``lfs.oid`` (sha256) for LFS files
* ``POST /api/{t}/{repo}/paths-info/{rev}``                   paths info (form-encoded ``paths``)
* ``GET  /api/{t}/{repo}/commits/{rev}``                      first-parent history
* ``POST /api/validate-yaml``                                 README.md front matter check
* ``POST /api/{t}/{repo}/preupload/{rev}``                    upload mode (lfs/regular) + remote oid
* ``POST /{prefix}{repo}.git/info/lfs/objects/batch``         LFS batch; upload hrefs point at
* ``PUT  /__standin__/lfs/{oid}``                             ... this in-process LFS store
* ``POST /api/{t}/{repo}/commit/{branch}``                    NDJSON commit; honours ``parentCommit``
                                                              (412 when it is not the branch head)
* ``POST /api/{t}/{repo}/tag/{rev}`` / ``DELETE .../tag/{tag}``  create / delete a tag
* ``GET|HEAD /{prefix}{repo}/resolve/{rev}/{path}``           file download with ETag, X-Repo-Commit,
                                                              X-Linked-Etag/X-Linked-Size (LFS),
                                                              Content-Length and Range support
* ``GET  /api/agent-harnesses``                             the registry huggingface_hub reads to
                                                              build its user agent (answered empty)
* ``HEAD https://s3.amazonaws.com/datasets.huggingface.co/...``  the download-count ping that
                                                              ``datasets`` sends (answered 404)

Anything else is answered 501 and recorded in :attr:`HubStandIn.unknown_requests`; a handler
crash is answered 599 and recorded in :attr:`HubStandIn.errors`.  Tests must assert both are
empty (the ``hub`` fixture in ``tests/test_publish.py`` does), because ``datasets`` swallows many
errors and falls back to its cache.

Why not ``HF_HUB_OFFLINE=1``: in offline mode ``huggingface_hub``'s request hook refuses every
request, even one that would reach this stand-in, and ``datasets`` skips the Hub entirely.  So
while installed the stand-in forces offline mode off (``huggingface_hub.constants.HF_HUB_OFFLINE``
and ``datasets.config.HF_HUB_OFFLINE``) and instead answers every request itself; the transport
has no way out to the network.  It also sets ``HF_HUB_DISABLE_XET`` while installed: with
``hf_xet`` installed, uploads and downloads would otherwise go through the Xet protocol, which
runs in Rust with its own HTTP stack and would bypass the transport.

Fault injection: :meth:`HubStandIn.fail_next` makes the next N requests of one route (``"commit"``,
``"tag"``, ...) answer a given status (412, 429, 500, ...), and :meth:`HubStandIn.before_next_commit`
runs a callable (e.g. a concurrent commit made with :meth:`HubStandIn.commit_files`) just before
the next commit request is handled.  :attr:`HubStandIn.commit_log`, :attr:`HubStandIn.tag_log` and
:attr:`HubStandIn.calls` count what was done.
"""

from __future__ import annotations

import base64
import datetime as _dt
import fnmatch
import hashlib
import json
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import parse_qs, quote, unquote

import httpx2
import yaml

DEFAULT_ENDPOINT = "https://huggingface.co"
LFS_THRESHOLD = 10 * 1024 * 1024  # the Hub stores files this big or bigger in LFS whatever their name

DEFAULT_GITATTRIBUTES = "".join(
    f"{pattern} filter=lfs diff=lfs merge=lfs -text\n"
    for pattern in (
        "*.7z", "*.arrow", "*.bin", "*.bz2", "*.ckpt", "*.ftz", "*.gz", "*.h5", "*.joblib",
        "*.lfs.*", "*.lz4", "*.mds", "*.mlmodel", "*.model", "*.msgpack", "*.npy", "*.npz",
        "*.onnx", "*.ot", "*.parquet", "*.pb", "*.pickle", "*.pkl", "*.pt", "*.pth", "*.rar",
        "*.safetensors", "saved_model/**/*", "*.tar.*", "*.tar", "*.tflite", "*.tgz", "*.wasm",
        "*.xz", "*.zip", "*.zst", "*tfevents*", "*.png", "*.jpg", "*.jpeg", "*.webp", "*.gif",
        "*.mp3", "*.ogg", "*.wav", "*.mp4", "*.webm",
    )
)

_TYPE_PLURALS = {"datasets": "dataset", "models": "model", "spaces": "space"}
_URL_PREFIX = {"dataset": "datasets/", "model": "", "space": "spaces/"}
_SHA_RE = re.compile(r"^[0-9a-f]{7,40}$")


def git_blob_sha1(data: bytes) -> str:
    """The git object id of a blob holding ``data`` (what ``git hash-object`` prints)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def lfs_pointer(sha256: str, size: int) -> bytes:
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n".encode()


@dataclass(frozen=True)
class Blob:
    """One file version in a commit."""

    content: bytes
    lfs: bool

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def git_oid(self) -> str:
        # for an LFS file git stores the pointer file, so its blob id is the pointer's
        return git_blob_sha1(lfs_pointer(self.sha256, self.size) if self.lfs else self.content)


@dataclass
class Commit:
    sha: str
    parent: str | None
    title: str
    description: str
    files: dict[str, Blob]
    date: str


@dataclass
class Repo:
    repo_id: str
    repo_type: str
    private: bool = False
    commits: dict[str, Commit] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    created_at: str = ""


class StandInHTTPError(Exception):
    """Raised inside a route to answer an HTTP error the way the Hub does."""

    def __init__(self, status: int, message: str, error_code: str | None = None, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_code = error_code
        self.headers = headers or {}


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _json(data: Any, status: int = 200, headers: dict | None = None) -> httpx2.Response:
    return httpx2.Response(status, json=data, headers=headers or {})


class HubStandIn:
    """In-process stand-in of the Hugging Face Hub HTTP API (see the module docstring)."""

    def __init__(self, endpoint: str = DEFAULT_ENDPOINT, token: str | None = None):
        self.endpoint = endpoint.rstrip("/")
        self.host = httpx2.URL(self.endpoint).host
        # when set, write routes require "Authorization: Bearer <token>" (401 otherwise)
        self.required_token = token
        self.repos: dict[tuple[str, str], Repo] = {}
        self.lfs_store: dict[str, bytes] = {}
        self.requests: list[tuple[str, str]] = []  # (method, url) of every request seen
        self.calls: Counter[str] = Counter()  # route name -> number of requests
        self.unknown_requests: list[str] = []
        self.errors: list[str] = []
        self.commit_log: list[dict[str, Any]] = []  # commits made through the commit route
        self.tag_log: list[dict[str, Any]] = []  # tags made through the tag route
        self.auth_headers_seen: list[str] = []
        self._faults: dict[str, list[tuple[int, str | None]]] = {}
        self._before_commit: list[Callable[[], None]] = []
        self._seq = 0
        self._lock = threading.RLock()
        self._saved: dict[str, Any] | None = None

    # ------------------------------------------------------------------ install / uninstall
    def client_factory(self) -> httpx2.Client:
        from huggingface_hub.utils._http import hf_request_event_hook

        # same shape as huggingface_hub's default_client_factory, with our transport
        return httpx2.Client(
            transport=httpx2.MockTransport(self.handle),
            event_hooks={"request": [hf_request_event_hook]},
            follow_redirects=True,
            timeout=None,
        )

    def async_client_factory(self) -> httpx2.AsyncClient:
        from huggingface_hub.utils._http import async_hf_request_event_hook, async_hf_response_event_hook

        return httpx2.AsyncClient(
            transport=httpx2.MockTransport(self.handle),
            event_hooks={"request": [async_hf_request_event_hook], "response": [async_hf_response_event_hook]},
            follow_redirects=True,
            timeout=None,
        )

    def install(self) -> "HubStandIn":
        import huggingface_hub
        from huggingface_hub import constants
        from huggingface_hub.utils import _http

        if self._saved is not None:
            return self
        saved: dict[str, Any] = {
            "factory": getattr(_http, "_GLOBAL_CLIENT_FACTORY", _http.default_client_factory),
            "async_factory": getattr(_http, "_GLOBAL_ASYNC_CLIENT_FACTORY", _http.default_async_client_factory),
            "offline": constants.HF_HUB_OFFLINE,
            "disable_xet": constants.HF_HUB_DISABLE_XET,
        }
        try:
            import datasets.config as dconfig

            saved["datasets_offline"] = dconfig.HF_HUB_OFFLINE
            dconfig.HF_HUB_OFFLINE = False
        except ImportError:  # pragma: no cover - datasets is a project dependency
            pass
        constants.HF_HUB_OFFLINE = False
        constants.HF_HUB_DISABLE_XET = True
        huggingface_hub.set_client_factory(self.client_factory)
        huggingface_hub.set_async_client_factory(self.async_client_factory)
        self._saved = saved
        return self

    def uninstall(self) -> None:
        import huggingface_hub
        from huggingface_hub import constants

        saved, self._saved = self._saved, None
        if saved is None:
            return
        huggingface_hub.set_client_factory(saved["factory"])
        huggingface_hub.set_async_client_factory(saved["async_factory"])
        constants.HF_HUB_OFFLINE = saved["offline"]
        constants.HF_HUB_DISABLE_XET = saved["disable_xet"]
        if "datasets_offline" in saved:
            import datasets.config as dconfig

            dconfig.HF_HUB_OFFLINE = saved["datasets_offline"]

    def __enter__(self) -> "HubStandIn":
        return self.install()

    def __exit__(self, *exc: object) -> None:
        self.uninstall()

    # ------------------------------------------------------------------ fault injection
    def fail_next(self, route: str, status: int, times: int = 1, message: str | None = None) -> None:
        """Make the next ``times`` requests to ``route`` (e.g. "commit", "tag") answer ``status``."""
        with self._lock:
            self._faults.setdefault(route, []).extend([(status, message)] * times)

    def before_next_commit(self, action: Callable[[], None]) -> None:
        """Run ``action`` just before the next commit request is handled (e.g. a concurrent commit)."""
        with self._lock:
            self._before_commit.append(action)

    # ------------------------------------------------------------------ direct (non-HTTP) helpers
    def create_repo(self, repo_id: str, repo_type: str = "dataset", private: bool = False) -> Repo:
        with self._lock:
            key = (repo_type, repo_id)
            if key in self.repos:
                return self.repos[key]
            repo = Repo(repo_id=repo_id, repo_type=repo_type, private=private, created_at=_now())
            self.repos[key] = repo
            self._new_commit(repo, "main", {".gitattributes": Blob(DEFAULT_GITATTRIBUTES.encode(), False)},
                             "initial commit", "")
            return repo

    def repo(self, repo_id: str, repo_type: str = "dataset") -> Repo:
        return self.repos[(repo_type, repo_id)]

    def head(self, repo_id: str, branch: str = "main", repo_type: str = "dataset") -> str:
        return self.repo(repo_id, repo_type).branches[branch]

    def files_at(self, repo_id: str, revision: str = "main", repo_type: str = "dataset") -> dict[str, Blob]:
        repo = self.repo(repo_id, repo_type)
        return dict(repo.commits[self._resolve(repo, revision)].files)

    def commit_files(self, repo_id: str, add: dict[str, bytes] | None = None, delete: list[str] | None = None,
                     message: str = "direct commit", branch: str = "main", repo_type: str = "dataset") -> str:
        """Make a commit directly (not through HTTP), e.g. to simulate someone else pushing."""
        with self._lock:
            repo = self.repo(repo_id, repo_type)
            files = dict(repo.commits[repo.branches[branch]].files)
            attributes = self._lfs_patterns(files)
            for path, content in (add or {}).items():
                lfs = self._is_lfs(path, content[:512], len(content), attributes)
                if lfs:
                    self.lfs_store[hashlib.sha256(content).hexdigest()] = content
                files[path] = Blob(content, lfs)
            for path in delete or []:
                files.pop(path)
            return self._new_commit(repo, branch, files, message, "").sha

    # ------------------------------------------------------------------ internals
    def _new_commit(self, repo: Repo, branch: str, files: dict[str, Blob], title: str, description: str) -> Commit:
        self._seq += 1
        parent = repo.branches.get(branch)
        listing = "\n".join(f"{p} {b.git_oid}" for p, b in sorted(files.items()))
        sha = hashlib.sha1(f"{repo.repo_id}\n{parent}\n{title}\n{self._seq}\n{listing}".encode()).hexdigest()
        commit = Commit(sha=sha, parent=parent, title=title, description=description, files=files, date=_now())
        repo.commits[sha] = commit
        repo.branches[branch] = sha
        return commit

    def _get_repo(self, repo_type: str, repo_id: str) -> Repo:
        repo = self.repos.get((repo_type, repo_id))
        if repo is None:
            raise StandInHTTPError(404, "Repository not found", "RepoNotFound")
        return repo

    def _resolve(self, repo: Repo, revision: str) -> str:
        rev = revision
        if rev.startswith("refs/heads/"):
            rev = rev[len("refs/heads/"):]
            if rev in repo.branches:
                return repo.branches[rev]
        elif rev.startswith("refs/tags/"):
            rev = rev[len("refs/tags/"):]
            if rev in repo.tags:
                return repo.tags[rev]
        else:
            if rev in repo.branches:
                return repo.branches[rev]
            if rev in repo.tags:
                return repo.tags[rev]
            if _SHA_RE.match(rev):
                matches = [sha for sha in repo.commits if sha.startswith(rev)]
                if len(matches) == 1:
                    return matches[0]
        raise StandInHTTPError(404, f"Invalid rev id: {revision}", "RevisionNotFound")

    @staticmethod
    def _lfs_patterns(files: dict[str, Blob]) -> list[str]:
        attributes = files.get(".gitattributes")
        text = attributes.content.decode("utf-8", "replace") if attributes else DEFAULT_GITATTRIBUTES
        patterns = []
        for line in text.splitlines():
            parts = line.split()
            if len(parts) >= 2 and "filter=lfs" in parts[1:]:
                patterns.append(parts[0])
        return patterns

    @staticmethod
    def _is_lfs(path: str, sample: bytes, size: int, patterns: list[str]) -> bool:
        if size >= LFS_THRESHOLD or b"\x00" in sample:
            return True
        name = path.rsplit("/", 1)[-1]
        for pattern in patterns:
            target = path if "/" in pattern else name
            if fnmatch.fnmatchcase(target, pattern):
                return True
        return False

    def _check_write_auth(self, request: httpx2.Request) -> None:
        if self.required_token is None:
            return
        if request.headers.get("authorization") != f"Bearer {self.required_token}":
            raise StandInHTTPError(401, "Invalid credentials in Authorization header")

    def _take_fault(self, route: str) -> tuple[int, str | None] | None:
        queue = self._faults.get(route)
        if queue:
            return queue.pop(0)
        return None

    @staticmethod
    def _entry(path: str, blob: Blob, last_commit: Commit | None = None) -> dict[str, Any]:
        entry: dict[str, Any] = {"type": "file", "oid": blob.git_oid, "size": blob.size, "path": path}
        if blob.lfs:
            entry["lfs"] = {"oid": blob.sha256, "size": blob.size,
                            "pointerSize": len(lfs_pointer(blob.sha256, blob.size))}
        if last_commit is not None:
            entry["lastCommit"] = {"id": last_commit.sha, "title": last_commit.title, "date": last_commit.date}
        return entry

    @staticmethod
    def _dir_entry(path: str, files: dict[str, Blob], last_commit: Commit | None = None) -> dict[str, Any]:
        listing = "\n".join(f"{p} {b.git_oid}" for p, b in sorted(files.items()) if p.startswith(path + "/"))
        entry: dict[str, Any] = {"type": "directory", "oid": hashlib.sha1(listing.encode()).hexdigest(),
                                 "size": 0, "path": path}
        if last_commit is not None:
            entry["lastCommit"] = {"id": last_commit.sha, "title": last_commit.title, "date": last_commit.date}
        return entry

    def _last_commit_touching(self, repo: Repo, sha: str, path: str) -> Commit:
        commit = repo.commits[sha]

        def state(c: Commit) -> Any:
            if path in c.files:
                return c.files[path].git_oid
            return tuple(sorted((p, b.git_oid) for p, b in c.files.items() if p.startswith(path + "/")))

        current = state(commit)
        while commit.parent is not None and state(repo.commits[commit.parent]) == current:
            commit = repo.commits[commit.parent]
        return commit

    # ------------------------------------------------------------------ the transport handler
    def handle(self, request: httpx2.Request) -> httpx2.Response:
        with self._lock:
            url = str(request.url)
            self.requests.append((request.method, url))
            auth = request.headers.get("authorization")
            if auth:
                self.auth_headers_seen.append(auth)
            try:
                return self._route(request)
            except StandInHTTPError as err:
                headers = {"X-Error-Message": err.message, **err.headers}
                if err.error_code:
                    headers["X-Error-Code"] = err.error_code
                return _json({"error": err.message}, status=err.status, headers=headers)
            except Exception as exc:  # noqa: BLE001 - a stand-in bug must show up in the test
                self.errors.append(f"{request.method} {url}: {type(exc).__name__}: {exc}")
                return _json({"error": f"stand-in crashed: {exc}"}, status=599)

    def _unknown(self, request: httpx2.Request) -> httpx2.Response:
        self.unknown_requests.append(f"{request.method} {request.url}")
        self.calls["unknown"] += 1
        return _json({"error": "route not implemented by the Hub stand-in"}, status=501)

    def _route(self, request: httpx2.Request) -> httpx2.Response:
        url = request.url
        method = request.method
        if url.host == "s3.amazonaws.com" and method == "HEAD":
            # `datasets` pings this to count downloads; the real bucket answers 403/404 for
            # script-less datasets, and nothing depends on the answer
            self.calls["download-count"] += 1
            return httpx2.Response(404)
        if url.host != self.host:
            return self._unknown(request)
        raw_path = url.raw_path.decode("ascii").split("?", 1)[0]
        seg = [unquote(s) for s in raw_path.strip("/").split("/")] if raw_path.strip("/") else []
        query = parse_qs(url.query.decode("ascii") if isinstance(url.query, bytes) else str(url.query))

        if seg[:1] == ["__standin__"] and len(seg) == 3 and seg[1] == "lfs" and method == "PUT":
            return self._lfs_put(request, seg[2])

        if seg[:1] == ["api"]:
            if seg == ["api", "repos", "create"] and method == "POST":
                return self._create_repo(request)
            if seg == ["api", "validate-yaml"] and method == "POST":
                return self._validate_yaml(request)
            if seg == ["api", "agent-harnesses"] and method == "GET":
                # huggingface_hub fetches this registry (once a day) to build its user agent
                self.calls["agent-harnesses"] += 1
                return _json({"standardEnvVars": [], "harnesses": {}})
            if len(seg) >= 4 and seg[1] in _TYPE_PLURALS:
                repo_type = _TYPE_PLURALS[seg[1]]
                repo_id = f"{seg[2]}/{seg[3]}"
                rest = seg[4:]
                if not rest and method == "GET":
                    return self._repo_info(repo_type, repo_id, "main", query)
                if len(rest) == 2 and rest[0] == "revision" and method == "GET":
                    return self._repo_info(repo_type, repo_id, rest[1], query)
                if rest == ["refs"] and method == "GET":
                    return self._refs(repo_type, repo_id, query)
                if len(rest) >= 2 and rest[0] == "tree" and method == "GET":
                    return self._tree(repo_type, repo_id, rest[1], "/".join(rest[2:]), query)
                if len(rest) == 2 and rest[0] == "paths-info" and method == "POST":
                    return self._paths_info(request, repo_type, repo_id, rest[1])
                if len(rest) == 2 and rest[0] == "commits" and method == "GET":
                    return self._commits(repo_type, repo_id, rest[1])
                if len(rest) == 2 and rest[0] == "preupload" and method == "POST":
                    return self._preupload(request, repo_type, repo_id, rest[1])
                if len(rest) == 2 and rest[0] == "commit" and method == "POST":
                    return self._commit(request, repo_type, repo_id, rest[1], query)
                if len(rest) == 2 and rest[0] == "tag" and method == "POST":
                    return self._create_tag(request, repo_type, repo_id, rest[1])
                if len(rest) == 2 and rest[0] == "tag" and method == "DELETE":
                    return self._delete_tag(request, repo_type, repo_id, rest[1])
            return self._unknown(request)

        # LFS batch: /{prefix}{ns}/{name}.git/info/lfs/objects/batch
        if seg[-4:] == ["info", "lfs", "objects", "batch"] and method == "POST":
            head = seg[:-4]
            repo_type = "model"
            if head and head[0] in _TYPE_PLURALS and len(head) == 3:
                repo_type = _TYPE_PLURALS[head[0]]
                head = head[1:]
            if len(head) == 2 and head[1].endswith(".git"):
                return self._lfs_batch(request, repo_type, f"{head[0]}/{head[1][:-4]}")
            return self._unknown(request)

        # resolve: /{prefix}{ns}/{name}/resolve/{rev}/{path}
        if method in ("GET", "HEAD") and "resolve" in seg:
            i = seg.index("resolve")
            head = seg[:i]
            repo_type = "model"
            if head and head[0] in _TYPE_PLURALS and len(head) == 3:
                repo_type = _TYPE_PLURALS[head[0]]
                head = head[1:]
            if len(head) == 2 and len(seg) >= i + 3:
                return self._resolve_file(request, repo_type, f"{head[0]}/{head[1]}", seg[i + 1],
                                          "/".join(seg[i + 2:]))
        return self._unknown(request)

    # ------------------------------------------------------------------ routes
    def _create_repo(self, request: httpx2.Request) -> httpx2.Response:
        self.calls["create-repo"] += 1
        self._check_write_auth(request)
        payload = json.loads(request.content or b"{}")
        name, organization = payload["name"], payload.get("organization")
        if not organization:
            raise StandInHTTPError(400, "the stand-in needs repo ids of the form namespace/name")
        repo_type = payload.get("type") or "model"
        repo_id = f"{organization}/{name}"
        url = f"{self.endpoint}/{_URL_PREFIX[repo_type]}{repo_id}"
        if (repo_type, repo_id) in self.repos:
            return _json({"error": f"You already created this {repo_type} repo", "url": url}, status=409)
        self.create_repo(repo_id, repo_type, private=payload.get("visibility") == "private")
        return _json({"url": url, "name": repo_id, "id": repo_id})

    def _validate_yaml(self, request: httpx2.Request) -> httpx2.Response:
        self.calls["validate-yaml"] += 1
        payload = json.loads(request.content or b"{}")
        content = payload.get("content", "")
        match = re.match(r"^---\s*\n(.*?)\n---\s*(\n|$)", content, re.S)
        if match is None:
            return _json({"errors": [], "warnings": [{"message": "empty or missing yaml metadata in repo card"}]})
        try:
            data = yaml.safe_load(match.group(1))
        except yaml.YAMLError as exc:
            return _json({"errors": [{"message": f"invalid YAML: {exc}"}]}, status=400)
        errors = []
        if not isinstance(data, dict):
            errors.append({"message": "YAML metadata must be a mapping"})
        else:
            configs = data.get("configs")
            if configs is not None:
                if not isinstance(configs, list) or not all(isinstance(c, dict) and "config_name" in c
                                                            for c in configs):
                    errors.append({"message": '"configs" must be a list of objects with a "config_name"'})
            info = data.get("dataset_info")
            if info is not None and not isinstance(info, (dict, list)):
                errors.append({"message": '"dataset_info" must be an object or a list'})
        if errors:
            return _json({"errors": errors}, status=400)
        return _json({"errors": [], "warnings": []})

    def _repo_info(self, repo_type: str, repo_id: str, revision: str, query: dict) -> httpx2.Response:
        self.calls["repo-info"] += 1
        repo = self._get_repo(repo_type, repo_id)
        sha = self._resolve(repo, revision)
        commit = repo.commits[sha]
        blobs = query.get("blobs", ["false"])[0].lower() in ("1", "true")
        siblings = []
        for path, blob in sorted(commit.files.items()):
            sibling: dict[str, Any] = {"rfilename": path}
            if blobs:
                sibling.update(size=blob.size, blobId=blob.git_oid)
                if blob.lfs:
                    sibling["lfs"] = {"size": blob.size, "sha256": blob.sha256,
                                      "pointerSize": len(lfs_pointer(blob.sha256, blob.size))}
            siblings.append(sibling)
        card_data = None
        readme = commit.files.get("README.md")
        if readme is not None:
            match = re.match(r"^---\s*\n(.*?)\n---\s*(\n|$)", readme.content.decode("utf-8", "replace"), re.S)
            if match:
                try:
                    loaded = yaml.safe_load(match.group(1))
                    card_data = loaded if isinstance(loaded, dict) else None
                except yaml.YAMLError:
                    card_data = None
        data = {
            "_id": hashlib.sha1(repo_id.encode()).hexdigest()[:24],
            "id": repo_id,
            "author": repo_id.split("/")[0],
            "sha": sha,
            "lastModified": commit.date,
            "createdAt": repo.created_at,
            "private": repo.private,
            "disabled": False,
            "gated": False,
            "downloads": 0,
            "likes": 0,
            "tags": [],
            "siblings": siblings,
        }
        if card_data is not None:
            data["cardData"] = card_data
        return _json(data)

    def _refs(self, repo_type: str, repo_id: str, query: dict) -> httpx2.Response:
        self.calls["refs"] += 1
        repo = self._get_repo(repo_type, repo_id)
        data: dict[str, Any] = {
            "branches": [{"name": n, "ref": f"refs/heads/{n}", "targetCommit": s}
                         for n, s in sorted(repo.branches.items())],
            "converts": [],
            "tags": [{"name": n, "ref": f"refs/tags/{n}", "targetCommit": s} for n, s in sorted(repo.tags.items())],
        }
        if query.get("include_prs"):
            data["pullRequests"] = []
        return _json(data)

    def _tree(self, repo_type: str, repo_id: str, revision: str, path: str, query: dict) -> httpx2.Response:
        self.calls["tree"] += 1
        repo = self._get_repo(repo_type, repo_id)
        sha = self._resolve(repo, revision)
        files = repo.commits[sha].files
        recursive = query.get("recursive", ["false"])[0].lower() in ("1", "true")
        expand = query.get("expand", ["false"])[0].lower() in ("1", "true")
        path = path.strip("/")
        prefix = f"{path}/" if path else ""
        if path and path in files:
            raise StandInHTTPError(404, f"{path} is a file, not a directory", "EntryNotFound")
        under = {p: b for p, b in files.items() if p.startswith(prefix)}
        if path and not under:
            raise StandInHTTPError(404, f"Entry not found: {path}", "EntryNotFound")
        entries: dict[str, dict[str, Any]] = {}
        for p, blob in sorted(under.items()):
            rel_parts = p[len(prefix):].split("/")
            # directories on the way
            depth = len(rel_parts) - 1 if recursive else min(1, len(rel_parts) - 1)
            for i in range(1, depth + 1):
                d = prefix + "/".join(rel_parts[:i])
                if d not in entries:
                    last = self._last_commit_touching(repo, sha, d) if expand else None
                    entries[d] = self._dir_entry(d, files, last)
            if recursive or len(rel_parts) == 1:
                last = self._last_commit_touching(repo, sha, p) if expand else None
                entries[p] = self._entry(p, blob, last)
        return _json([entries[k] for k in sorted(entries)])

    def _paths_info(self, request: httpx2.Request, repo_type: str, repo_id: str, revision: str) -> httpx2.Response:
        self.calls["paths-info"] += 1
        repo = self._get_repo(repo_type, repo_id)
        sha = self._resolve(repo, revision)
        files = repo.commits[sha].files
        form = parse_qs(request.content.decode())
        expand = form.get("expand", ["false"])[0].lower() in ("1", "true")
        out = []
        for path in form.get("paths", []):
            path = path.strip("/")
            last = self._last_commit_touching(repo, sha, path) if expand else None
            if path in files:
                out.append(self._entry(path, files[path], last))
            elif any(p.startswith(path + "/") for p in files):
                out.append(self._dir_entry(path, files, last))
        return _json(out)

    def _commits(self, repo_type: str, repo_id: str, revision: str) -> httpx2.Response:
        self.calls["commits"] += 1
        repo = self._get_repo(repo_type, repo_id)
        sha: str | None = self._resolve(repo, revision)
        out = []
        while sha is not None:
            c = repo.commits[sha]
            out.append({"id": c.sha, "title": c.title, "message": c.description, "authors": [], "date": c.date})
            sha = c.parent
        return _json(out)

    def _preupload(self, request: httpx2.Request, repo_type: str, repo_id: str, revision: str) -> httpx2.Response:
        self.calls["preupload"] += 1
        self._check_write_auth(request)
        repo = self._get_repo(repo_type, repo_id)
        files = repo.commits[self._resolve(repo, revision)].files
        patterns = self._lfs_patterns(files)
        payload = json.loads(request.content)
        out = []
        for f in payload["files"]:
            sample = base64.b64decode(f["sample"])
            mode = "lfs" if self._is_lfs(f["path"], sample, f["size"], patterns) else "regular"
            existing = files.get(f["path"])
            oid = None
            if existing is not None:
                oid = existing.sha256 if existing.lfs else git_blob_sha1(existing.content)
            out.append({"path": f["path"], "uploadMode": mode, "shouldIgnore": False, "oid": oid})
        return _json({"files": out, "commitOid": self._resolve(repo, revision)})

    def _lfs_batch(self, request: httpx2.Request, repo_type: str, repo_id: str) -> httpx2.Response:
        self.calls["lfs-batch"] += 1
        self._check_write_auth(request)
        self._get_repo(repo_type, repo_id)
        payload = json.loads(request.content)
        if payload.get("operation") != "upload":
            raise StandInHTTPError(400, "the stand-in only supports LFS uploads")
        objects = []
        for obj in payload["objects"]:
            item: dict[str, Any] = {"oid": obj["oid"], "size": obj["size"], "authenticated": True}
            if obj["oid"] not in self.lfs_store:
                item["actions"] = {"upload": {"href": f"{self.endpoint}/__standin__/lfs/{obj['oid']}",
                                              "expires_at": "2099-01-01T00:00:00Z"}}
            objects.append(item)
        return httpx2.Response(200, json={"transfer": "basic", "objects": objects, "hash_algo": "sha256"},
                               headers={"Content-Type": "application/vnd.git-lfs+json"})

    def _lfs_put(self, request: httpx2.Request, oid: str) -> httpx2.Response:
        self.calls["lfs-upload"] += 1
        body = request.content
        if hashlib.sha256(body).hexdigest() != oid:
            raise StandInHTTPError(400, "uploaded content does not match its oid")
        self.lfs_store[oid] = body
        return httpx2.Response(200, headers={"ETag": f'"{oid}"'})

    def _commit(self, request: httpx2.Request, repo_type: str, repo_id: str, branch: str,
                query: dict) -> httpx2.Response:
        self.calls["commit"] += 1
        self._check_write_auth(request)
        while self._before_commit:
            self._before_commit.pop(0)()
        fault = self._take_fault("commit")
        if fault is not None:
            status, message = fault
            default = {412: "A commit has happened since. Please refresh and try again.",
                       429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}
            raise StandInHTTPError(status, message or default.get(status, "injected failure"))
        if query.get("create_pr"):
            raise StandInHTTPError(400, "the stand-in does not support pull requests")
        repo = self._get_repo(repo_type, repo_id)
        if branch not in repo.branches:
            raise StandInHTTPError(404, f"Invalid rev id: {branch}", "RevisionNotFound")
        lines = [json.loads(line) for line in request.content.decode().splitlines() if line.strip()]
        if not lines or lines[0].get("key") != "header":
            raise StandInHTTPError(400, "the first NDJSON line must be the header")
        header = lines[0]["value"]
        head = repo.branches[branch]
        parent = header.get("parentCommit")
        if parent is not None and not head.startswith(parent.lower()):
            raise StandInHTTPError(412, "A commit has happened since. Please refresh and try again.")
        files = dict(repo.commits[head].files)
        added, deleted = [], []
        for line in lines[1:]:
            key, value = line["key"], line["value"]
            path = value["path"]
            if key == "file":
                if value.get("encoding", "base64") != "base64":
                    raise StandInHTTPError(400, f"unsupported encoding {value.get('encoding')}")
                files[path] = Blob(base64.b64decode(value["content"]), False)
                added.append(path)
            elif key == "lfsFile":
                oid = value["oid"]
                if oid not in self.lfs_store:
                    raise StandInHTTPError(422, f"Your push was rejected because an LFS pointer pointed to a "
                                                f"file that does not exist ({path})")
                files[path] = Blob(self.lfs_store[oid], True)
                added.append(path)
            elif key == "deletedFile":
                if path not in files:
                    raise StandInHTTPError(404, "A file with this name doesn't exist", "EntryNotFound")
                del files[path]
                deleted.append(path)
            elif key == "deletedFolder":
                folder = path.rstrip("/") + "/"
                gone = [p for p in files if p.startswith(folder)]
                if not gone:
                    raise StandInHTTPError(404, "A folder with this name doesn't exist", "EntryNotFound")
                for p in gone:
                    del files[p]
                deleted.extend(gone)
            else:
                raise StandInHTTPError(400, f"unsupported commit operation {key}")
        commit = self._new_commit(repo, branch, files, header.get("summary", ""), header.get("description", ""))
        self.commit_log.append({"repo_id": repo_id, "sha": commit.sha, "parent": head, "parent_commit": parent,
                                "branch": branch, "message": commit.title, "added": added, "deleted": deleted})
        url = f"{self.endpoint}/{_URL_PREFIX[repo_type]}{repo_id}/commit/{commit.sha}"
        return _json({"success": True, "commitOid": commit.sha, "commitUrl": url, "hookOutput": "",
                      "pullRequestUrl": None})

    def _create_tag(self, request: httpx2.Request, repo_type: str, repo_id: str, revision: str) -> httpx2.Response:
        self.calls["tag"] += 1
        self._check_write_auth(request)
        fault = self._take_fault("tag")
        if fault is not None:
            raise StandInHTTPError(fault[0], fault[1] or "injected failure")
        repo = self._get_repo(repo_type, repo_id)
        sha = self._resolve(repo, revision)
        payload = json.loads(request.content)
        tag = payload["tag"]
        if tag in repo.tags or tag in repo.branches:
            raise StandInHTTPError(409, f"Tag {tag} already exists")
        repo.tags[tag] = sha
        self.tag_log.append({"repo_id": repo_id, "tag": tag, "sha": sha, "message": payload.get("message")})
        return _json({})

    def _delete_tag(self, request: httpx2.Request, repo_type: str, repo_id: str, tag: str) -> httpx2.Response:
        self.calls["delete-tag"] += 1
        self._check_write_auth(request)
        repo = self._get_repo(repo_type, repo_id)
        if tag not in repo.tags:
            raise StandInHTTPError(404, f"Invalid rev id: {tag}", "RevisionNotFound")
        del repo.tags[tag]
        return _json({})

    def _resolve_file(self, request: httpx2.Request, repo_type: str, repo_id: str, revision: str,
                      path: str) -> httpx2.Response:
        self.calls["resolve"] += 1
        repo = self._get_repo(repo_type, repo_id)
        sha = self._resolve(repo, revision)
        blob = repo.commits[sha].files.get(path)
        if blob is None:
            raise StandInHTTPError(404, "Entry not found", "EntryNotFound", headers={"X-Repo-Commit": sha})
        headers = {
            "X-Repo-Commit": sha,
            "Accept-Ranges": "bytes",
            "Content-Type": "application/octet-stream",
            "Content-Disposition": f'inline; filename*=UTF-8\'\'{quote(path.rsplit("/", 1)[-1])}',
        }
        if blob.lfs:
            headers["ETag"] = f'"{blob.sha256}"'
            headers["X-Linked-Etag"] = f'"{blob.sha256}"'
            headers["X-Linked-Size"] = str(blob.size)
        else:
            headers["ETag"] = f'"{blob.git_oid}"'
        content = blob.content
        status = 200
        range_header = request.headers.get("range")
        if range_header:
            match = re.fullmatch(r"bytes=(\d*)-(\d*)", range_header.strip())
            if match is None:
                raise StandInHTTPError(416, "bad range")
            start_s, end_s = match.groups()
            if start_s == "":
                start, end = max(0, blob.size - int(end_s)), blob.size - 1
            else:
                start = int(start_s)
                end = min(int(end_s), blob.size - 1) if end_s else blob.size - 1
            if start >= blob.size or start > end:
                raise StandInHTTPError(416, "Requested Range Not Satisfiable",
                                       headers={"Content-Range": f"bytes */{blob.size}"})
            content = content[start:end + 1]
            headers["Content-Range"] = f"bytes {start}-{end}/{blob.size}"
            status = 206
        headers["Content-Length"] = str(len(content))
        if request.method == "HEAD":
            return httpx2.Response(status, headers=headers)
        return httpx2.Response(status, headers=headers, content=content)
