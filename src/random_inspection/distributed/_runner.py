"""Where the partition tasks run: a Dask `distributed.Client`, or this process.

Both runners take the same calls — `submit` a module-level function with arguments (which
may be handles of earlier submissions), `result`, `release` — so every computation of this
package is written once. On a Dask client the tasks form a graph on the cluster (results
stay on the workers until gathered); without one they run here, one after another, which is
the right scheduler for the small data a single process can hold.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from .._errors import InvalidTypeError

__all__ = ["Runner", "runner_for"]


class Runner(Protocol):
    """The three operations the computations need from a scheduler."""

    #: How many tasks to keep in flight when streaming results back in order.
    window: int

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Start ``fn(*args)``; handles among ``args`` are replaced by their results."""

    def result(self, handle: Any) -> Any:
        """The value of a submitted task (waits for it)."""

    def release(self, handle: Any) -> None:
        """Forget a task's value once no later task needs it."""


class _Done:
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class LocalRunner:
    """Runs each task at once in this process (no Dask needed)."""

    window = 1

    def submit(self, fn: Callable[..., Any], *args: Any) -> _Done:
        """Run ``fn`` now."""
        return _Done(fn(*(a.value if isinstance(a, _Done) else a for a in args)))

    def result(self, handle: _Done) -> Any:
        """The value."""
        return handle.value

    def release(self, handle: _Done) -> None:
        """Drop the value."""
        handle.value = None


class DaskRunner:
    """Submits each task to a `distributed.Client`'s cluster."""

    def __init__(self, client: Any) -> None:
        self.client = client
        try:
            threads = sum(client.nthreads().values())
        except Exception:  # pragma: no cover  (a client not yet connected)
            threads = 2
        self.window = max(2, 2 * threads)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``client.submit`` (impure: every call is a new task)."""
        return self.client.submit(fn, *args, pure=False)

    def result(self, handle: Any) -> Any:
        """``future.result()``: the worker's exception is raised here."""
        return handle.result()

    def release(self, handle: Any) -> None:
        """``future.release()``."""
        handle.release()


def runner_for(client: object, where: str) -> Runner:
    """The runner for ``client``: a `distributed.Client`, ``"local"`` (this process), or
    ``None`` — the current Dask client if there is one, else this process."""
    if isinstance(client, str) and client == "local":
        return LocalRunner()
    if client is None:
        try:
            from distributed import get_client  # noqa: PLC0415  (optional dependency)
        except ImportError:
            return LocalRunner()
        try:
            return DaskRunner(get_client())
        except ValueError:  # no client in this process
            return LocalRunner()
    if type(client).__name__ == "Client" and hasattr(client, "submit"):
        return DaskRunner(client)
    raise InvalidTypeError(where, "client", client, "a distributed.Client, 'local' or None",
                           "pass Client(LocalCluster()) or Client('tcp://scheduler:8786'); "
                           "None uses the current client, or this process without one")
