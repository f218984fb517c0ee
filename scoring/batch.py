"""Grade many logs in parallel: finding the logs, choosing an executor, chunking, streaming results.

Grading is embarrassingly parallel, so the batch is written against :class:`concurrent.futures.Executor`
alone: a serial executor (in this process), a process pool, or Dask's ``Client.get_executor()`` on a
LocalCluster or an existing cluster all run the same task, :func:`scoring.grading.grade_chunk`. Logs go
out in chunks (hundreds per task: Dask costs ~2 ms per task), at most a few chunks per worker are in
flight, and each result is handed to the caller and dropped, so memory stays flat in the number of logs.
Results arrive in whatever order the workers finish; the gradebook sorts rows and the aggregates are
integer counts, so the output is the same for every backend and worker count.

Faults are survived: a chunk whose task fails (a process-pool worker killed by the out-of-memory
killer breaks the whole pool) is sent again once, on a fresh pool; a chunk that fails twice gives
each of its logs an ``error`` row, and the batch finishes. Logs are found among regular files only:
a FIFO or a device named on the command line is refused at once (reading one could wait forever).
"""

from __future__ import annotations

import glob
import logging
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from scoring.grading import ChunkResult, GradeContext, error_row, grade_chunk

__all__ = [
    "EXECUTORS",
    "LOG_SUFFIX",
    "MAX_CHUNK",
    "MIN_CHUNK",
    "BatchError",
    "RestartingProcessPool",
    "SerialExecutor",
    "chunk_size_for",
    "count_logs",
    "iter_logs",
    "open_executor",
    "run_batch",
]

EXECUTORS = ("serial", "process", "dask")
LOG_SUFFIX = ".jsonl"
MAX_CHUNK = 500
MIN_CHUNK = 8


class BatchError(Exception):
    """A problem with the batch as a whole (no logs, no Dask): one line, for the command to report."""


# --- finding the logs -------------------------------------------------------------------------------------


def _has_magic(text: str) -> bool:
    return any(c in text for c in "*?[")


def _walk(folder: str) -> Iterator[str]:
    """Every ``*.jsonl`` file under ``folder``, lazily (a class folder of 100,000 logs is never listed
    in memory; the order does not matter, the gradebook sorts)."""
    stack = [folder]
    while stack:
        try:
            with os.scandir(stack.pop()) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                    elif entry.name.endswith(LOG_SUFFIX) and entry.is_file():
                        yield entry.path
        except OSError:
            continue  # an unreadable sub-folder holds no logs we could grade


def iter_logs(specs: Iterable[str], exclude: Iterable[Path] = ()) -> Iterator[tuple[str, str]]:
    """``(path to read, path to show)`` for every log named by files, folders (searched recursively
    for ``*.jsonl``) and globs. A name that matches nothing raises BatchError. A file named twice
    (by overlapping arguments) is graded once."""
    specs = list(specs)
    skip = {os.path.realpath(p) for p in exclude}
    skip_names = {os.path.basename(p) for p in skip}
    seen: set[str] | None = set() if len(specs) > 1 else None
    for spec in specs:
        if os.path.isdir(spec):
            found: Iterable[str] = _walk(spec)
        elif os.path.isfile(spec):
            found = [spec]
        elif os.path.exists(spec) and not _has_magic(spec):
            raise BatchError(f"not a regular file: {spec} ({_kind(spec)}); give log files or folders")
        elif _has_magic(spec):
            found = sorted(x for x in glob.iglob(spec, recursive=True) if os.path.isfile(x))
            if not found:
                raise BatchError(f"no file matches {spec!r}")
        else:
            raise BatchError(f"no such file or folder: {spec}")
        for f in found:
            if seen is None and os.path.basename(f) not in skip_names:  # nothing it could be the same file as
                yield f, f
                continue
            full = os.path.realpath(f)
            if full in skip:
                continue
            if seen is not None:
                if full in seen:
                    continue
                seen.add(full)
            yield full, f


def _kind(path: str) -> str:
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return "unreadable"
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a file"


def count_logs(specs: Iterable[str], exclude: Iterable[Path] = ()) -> int:
    """How many logs :func:`iter_logs` will yield (a first, cheap pass for the progress bar)."""
    return sum(1 for _ in iter_logs(specs, exclude))


# --- executors --------------------------------------------------------------------------------------------


class SerialExecutor(Executor):
    """Runs each task at once, in this process: the reference the parallel backends must match."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as err:  # handed to the caller through the future, as a pool would
            future.set_exception(err)
        return future


class RestartingProcessPool(Executor):
    """A process pool that can be replaced by a fresh one when a worker dies (which breaks every
    task in flight); :func:`run_batch` restarts it and sends the lost chunks again."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.generation = 0
        self.pool = ProcessPoolExecutor(max_workers=workers)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        return self.pool.submit(fn, *args, **kwargs)

    def restart(self, generation: int) -> None:
        """Replace the pool, unless it was already replaced since ``generation``."""
        if generation == self.generation:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = ProcessPoolExecutor(max_workers=self.workers)
            self.generation += 1

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.pool.shutdown(wait=wait, cancel_futures=cancel_futures)


@contextmanager
def open_executor(kind: str, workers: int, scheduler: str | None = None) -> Iterator[Executor]:
    """An executor of the given kind; Dask is optional and imported only here."""
    if kind == "serial":
        yield SerialExecutor()
    elif kind == "process":
        pool = RestartingProcessPool(workers)
        try:
            yield pool
        finally:
            pool.shutdown()
    elif kind == "dask":
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise BatchError("--executor dask needs Dask: pip install 'touchpoint[distributed]'") from None
        if scheduler:
            try:
                client = Client(scheduler, timeout="10s")
            except (OSError, TimeoutError, ValueError) as err:
                raise BatchError(f"cannot reach the Dask scheduler at {scheduler}: {err}") from None
            with client:
                yield client.get_executor(pure=False)
        else:
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                              silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
                yield client.get_executor(pure=False)
    else:
        raise BatchError(f"unknown executor {kind!r} (choose from {', '.join(EXECUTORS)})")


def chunk_size_for(total: int, workers: int, least: int = MIN_CHUNK) -> int:
    """Logs per task: about four tasks per worker for balance, within [least, MAX_CHUNK]."""
    per = -(-total // max(1, workers * 4))
    return max(least, min(MAX_CHUNK, per))


def _chunks(items: Iterable[tuple[str, str]], size: int, total: int | None = None,
            parts: int = 1, least: int = MIN_CHUNK) -> Iterator[list[tuple[str, str]]]:
    """Lists of up to ``size`` items. Knowing the ``total``, chunks taper towards the end
    (guided self-scheduling: each about the remaining logs over ``parts``, at least ``least``), so
    the workers finish together instead of one waiting on another's last big chunk."""
    chunk: list[tuple[str, str]] = []
    remaining = total
    want = size if total is None else max(1, min(size, max(least, -(-total // parts))))
    for item in items:
        chunk.append(item)
        if len(chunk) >= want:
            yield chunk
            chunk = []
            if remaining is not None:
                remaining -= want
                want = max(1, min(size, max(least, -(-remaining // parts))))
    if chunk:
        yield chunk


#: How many times a chunk whose task failed is sent again.
RETRIES = 1


def run_batch(items: Iterable[tuple[str, str]], executor: Executor, on_result: Callable[[ChunkResult], None],
              files: dict[str, str] | GradeContext | None = None, chunk_size: int = 200, in_flight: int = 4,
              total: int | None = None, least: int = MIN_CHUNK) -> int:
    """Grade every log in ``items`` on ``executor``, handing each chunk's result to ``on_result``
    as it arrives; at most ``in_flight`` chunks are out at once. Given the ``total`` number of
    logs, the chunks taper towards the end (see ``_chunks``). A chunk whose task fails is sent
    again :data:`RETRIES` times (on a fresh pool when the pool broke), then its logs become
    ``error`` rows. Returns the number of logs graded."""
    context = files if isinstance(files, GradeContext) else GradeContext(files=dict(files or {}))
    pending: dict[Future, tuple[list[tuple[str, str]], int, int]] = {}  # future -> (chunk, tries, pool generation)
    done_logs = 0

    def send(chunk: list[tuple[str, str]], tries: int) -> None:
        generation = getattr(executor, "generation", 0)
        pending[executor.submit(grade_chunk, chunk, context)] = (chunk, tries, generation)

    def failed(chunk: list[tuple[str, str]], tries: int, generation: int, err: BaseException) -> None:
        restart = getattr(executor, "restart", None)
        if restart is not None:
            restart(generation)  # a broken pool takes no more tasks: replace it (once per break)
        if tries < RETRIES:
            send(chunk, tries + 1)
            return
        take(ChunkResult([error_row(display, _lost(err)) for _, display in chunk], {}))

    def take(result: ChunkResult) -> None:
        nonlocal done_logs
        done_logs += len(result.rows)
        on_result(result)

    def drain(block_until: int) -> None:
        while len(pending) > block_until:
            finished, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            for fut in finished:
                chunk, tries, generation = pending.pop(fut)
                try:
                    result = fut.result()
                except Exception as err:  # a worker that died, a task the backend lost
                    failed(chunk, tries, generation, err)
                    continue
                take(result)

    for chunk in _chunks(items, chunk_size, total, in_flight, least):
        send(chunk, 0)
        drain(max(0, in_flight - 1))
    drain(0)
    return done_logs


def _lost(err: BaseException) -> BaseException:
    """The error an abandoned chunk's logs are reported with."""
    from concurrent.futures.process import BrokenProcessPool

    if isinstance(err, BrokenProcessPool):
        return RuntimeError("the worker grading it died twice (out of memory?)")
    return err
