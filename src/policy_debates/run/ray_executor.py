"""The Ray executor: the same shards as Ray tasks, for when one machine is not enough.

Same interface as ``LocalExecutor``: ``map(fn, calls)`` runs ``fn(*call)`` as one
Ray task per call and yields ``(index, result)`` as tasks finish. The stage
functions are pure functions of their shard that write part files into the
build's work folder, so the release is byte-identical to a local build.

On a cluster, every node must see the raw files, the ``--out`` folder and the
builders at the same paths (a shared file system), and have the same version of
``policy-debates`` installed. Without ``address`` a local Ray instance with
``num_cpus=workers`` is started, and shut down again on exit; an existing
cluster (``address="ray://head:10001"``, ``"auto"``) is left running.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator


class RayExecutor:
    name = "ray"

    def __init__(self, workers: int, address: str | None = None):
        self.workers = max(1, workers)
        self.address = address
        self._started = False
        self._pending: list = []
        self._ray = None

    def __enter__(self):
        try:
            import ray
        except ImportError:
            raise RuntimeError("the Ray executor needs Ray: pip install 'policy-debates[ray]' (or pass --executor local)") from None
        self._ray = ray
        if not ray.is_initialized():
            options: dict[str, Any] = dict(logging_level="ERROR", log_to_driver=False, include_dashboard=False)
            if self.address is None:
                options["num_cpus"] = self.workers  # a local instance sized like the local pool
            ray.init(address=self.address, **options)
            self._started = True
        return self

    def __exit__(self, *exc):
        ray = self._ray
        if ray is None:
            return
        for ref in self._pending:  # an interrupted build leaves no tasks running on a shared cluster
            try:
                ray.cancel(ref, force=False)
            except Exception:
                pass
        self._pending = []
        if self._started:
            ray.shutdown()
            self._started = False

    def map(self, fn: Callable, calls: list[tuple]) -> Iterator[tuple[int, Any]]:
        ray = self._ray
        if ray is None:
            raise RuntimeError("use RayExecutor as a context manager: with RayExecutor(n) as ex: ...")
        if not calls:
            return
        # Stage functions are idempotent (completion records), so a shard lost with its node may rerun.
        task = ray.remote(num_cpus=1, max_retries=2)(_call)
        fn_ref = ray.put(fn)
        calls = self._shared_args(calls)
        index = {}
        for i, call in enumerate(calls):
            ref = task.remote(fn_ref, *call)
            index[ref] = i
        self._pending = list(index)
        while self._pending:
            done, self._pending = ray.wait(self._pending, num_returns=1)
            for ref in done:
                yield index[ref], ray.get(ref)

    def _shared_args(self, calls: list[tuple]) -> list[tuple]:
        """An argument that is the same object in every call (the job, the boilerplate
        lines) goes to the object store once instead of once per task."""
        ray = self._ray
        first = calls[0]
        shared = {}
        for pos, arg in enumerate(first):
            if len(calls) > 1 and all(len(c) == len(first) and c[pos] is arg for c in calls):
                shared[pos] = ray.put(arg)
        if not shared:
            return calls
        return [tuple(shared.get(pos, arg) for pos, arg in enumerate(call)) for call in calls]


def _call(fn: Callable, *args):
    """The one Ray task: ``fn(*args)`` (any callable, pickled by reference)."""
    return fn(*args)
