"""Running many independent tasks on Dask: a local cluster of processes by
default, any ``dask.distributed`` scheduler when given its address.

:func:`run_tasks` submits one Dask task per payload (``func(payload)``),
collects the small summaries the tasks return as they finish, and shows a
progress line (points done, failed, rate, time left).  The tasks store their
own results (see :mod:`tncc.evaluation.sweep.store`); nothing but payloads and
summaries goes through the scheduler.

* Local cluster: ``workers`` processes (default: one per core) with one
  thread each -- the work is pure Python and numpy, so processes, not
  threads, give the parallelism -- and no dashboard, so nothing listens on
  a port.  The cluster lives as long as the call.
* ``scheduler``: ``Client(address)``; the cluster's workers run the tasks
  and must see the same files at the same paths (a shared file system).
* ``workers == 0``: every task runs in this process, one after another,
  without Dask (the serial baseline of ``bench/sweep.py``, and a way to
  debug a point).

A worker that dies mid-task (killed, out of memory) loses only that task:
the scheduler gives it to another worker, up to Dask's
``distributed.scheduler.allowed-failures`` times; past that the task's
summary says ``lost``.  On Ctrl-C the tasks not yet started are cancelled
and :class:`KeyboardInterrupt` propagates after the cluster is shut down.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, Sequence

from tncc.errors import TnccError
from tncc.progress import Progress

Summary = dict[str, Any]


@dataclass
class EngineStats:
    """What a run did: tasks finished and failed, where, and how long it took."""

    done: int = 0
    failed: int = 0
    seconds: float = 0.0
    startup: float = 0.0  # of ``seconds``: until the cluster was up and connected
    workers: int = 0
    where: str = ""
    summaries: list[Summary] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds > 0 else 0.0


def default_workers() -> int:
    """One worker process per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def local_cluster(workers: int) -> Any:
    """A ``distributed.LocalCluster`` of ``workers`` processes of one thread
    each, listening on the loopback interface only, without a dashboard,
    and quiet: what goes wrong with a point is in its record and the summary.
    (The scheduler keeps a small HTTP endpoint for health checks whatever the
    dashboard setting; it gets a free port rather than the default 8787, so
    several clusters on one machine never clash.)"""
    from distributed import LocalCluster

    return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                        dashboard_address=None, silence_logs=logging.CRITICAL,
                        scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"})


@contextlib.contextmanager
def dask_client(scheduler: str | None, workers: int | None) -> Iterator[Any]:
    """A ``distributed.Client``: connected to ``scheduler``, or to a new local
    cluster of ``workers`` single-threaded processes (shut down on exit)."""
    try:
        from distributed import Client
    except ImportError:
        raise TnccError("sweeps run on Dask, which is not installed: pip install 'tncc[sweep]'") from None
    if scheduler:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise TnccError(f"cannot connect to the Dask scheduler at {scheduler}: {exc}", where="--scheduler") from None
        try:
            yield client
        finally:
            client.close()
        return
    cluster = local_cluster(workers or default_workers())
    try:
        client = Client(cluster)
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster.close()


def _describe(done: int, failed: int, t0: float, label: str) -> str:
    rate = done / max(time.monotonic() - t0, 1e-9)
    return f"{label}: {failed} failed, {rate:.2f} points/s"


def run_tasks(payloads: Sequence[Mapping[str, Any]], func: Callable[[Mapping[str, Any]], Summary], *,
              scheduler: str | None = None, workers: int | None = None, label: str = "sweep",
              on_summary: Callable[[Mapping[str, Any], Summary], None] | None = None,
              progress: bool | None = None) -> EngineStats:
    """Run ``func(payload)`` for every payload; return the stats with every
    summary in completion order.  A summary whose ``status`` is ``error`` or
    ``lost`` counts as failed.  ``on_summary(payload, summary)`` is called
    in this process as each task finishes (for a task that raised or whose
    workers all died, with a summary built here, marked ``"client": True``).  ``progress`` shows the
    line on a terminal (``None``: when stderr is one)."""
    stats = EngineStats()
    t0 = time.monotonic()
    enabled = False if progress is False else None
    with Progress(total=len(payloads), description=f"{label}: 0 failed", enabled=enabled, live=True) as bar:
        def finish(payload: Mapping[str, Any], summary: Summary) -> None:
            stats.done += 1
            stats.failed += summary.get("status") in ("error", "lost")
            stats.summaries.append(summary)
            if on_summary is not None:
                on_summary(payload, summary)
            bar.set_description(_describe(stats.done, stats.failed, t0, label))
            bar.update(1)

        if workers == 0:
            stats.workers, stats.where = 1, "this process (serial)"
            for payload in payloads:
                finish(payload, func(payload))
        else:
            with dask_client(scheduler, workers) as client:
                stats.startup = time.monotonic() - t0
                stats.workers = len(client.scheduler_info().get("workers", {})) or (workers or 0)
                if scheduler and not stats.workers:
                    print(f"{label}: the cluster at {scheduler} has no workers yet; the points wait for one",
                          file=sys.stderr, flush=True)
                stats.where = f"the cluster at {scheduler}" if scheduler else "a local cluster"
                _run_dask(client, payloads, func, finish)
    stats.seconds = time.monotonic() - t0
    return stats


def _run_dask(client: Any, payloads: Sequence[Mapping[str, Any]], func: Callable[..., Summary],
              finish: Callable[[Mapping[str, Any], Summary], None]) -> None:
    from distributed import as_completed

    by_key = {}
    futures = []
    for payload in payloads:
        # The key names the task after the point, so a point submitted twice
        # to one cluster (two clients, or a resumed sweep while the old one
        # still runs) is computed once.
        fut = client.submit(func, payload, key=f"tncc-{payload['key']}", pure=False)
        by_key[fut.key] = payload
        futures.append(fut)
    try:
        # as_completed waits on the default client's event loop unless told
        # otherwise; with a second client in the process (a caller's own)
        # the futures' events would be bound to that loop, and asking a
        # failed future for its exception from ours then raises.
        for fut in as_completed(futures, loop=client.loop):
            payload = by_key[fut.key]
            if fut.status == "finished":
                summary = fut.result()
            elif fut.status == "cancelled":
                continue
            else:
                exc = fut.exception()
                killed = type(exc).__name__ == "KilledWorker"
                summary = {"key": payload["key"], "status": "lost" if killed else "error",
                           "error": (f"the worker process died every time it ran this point ({exc})" if killed
                                     else f"{type(exc).__name__}: {exc}"), "seconds": 0.0, "client": True}
            fut.release()
            finish(payload, summary)
    except BaseException:
        client.cancel(futures)
        raise
