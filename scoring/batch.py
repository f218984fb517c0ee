"""Grade many logs in parallel: finding the logs, choosing an executor, chunking, streaming results.

Grading is embarrassingly parallel, so the batch is written against :class:`concurrent.futures.Executor`
alone: a serial executor (in this process), a process pool, or Dask's ``Client.get_executor()`` on a
LocalCluster or an existing cluster all run the same task, :func:`scoring.grading.grade_chunk`. Logs go
out in chunks (hundreds per task: Dask costs ~2 ms per task), at most a few chunks per worker are in
flight, and each result is handed to the caller and dropped, so memory stays flat in the number of logs.
Results arrive in whatever order the workers finish; the gradebook sorts rows and the aggregates are
integer counts, so the output is the same for every backend and worker count.
"""

from __future__ import annotations

import glob
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from scoring.grading import ChunkResult, grade_chunk

__all__ = [
    "EXECUTORS",
    "LOG_SUFFIX",
    "MAX_CHUNK",
    "MIN_CHUNK",
    "BatchError",
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
    seen: set[str] | None = set() if len(specs) > 1 else None
    for spec in specs:
        if os.path.isdir(spec):
            found: Iterable[str] = _walk(spec)
        elif os.path.isfile(spec):
            found = [spec]
        elif _has_magic(spec):
            found = sorted(x for x in glob.iglob(spec, recursive=True) if os.path.isfile(x))
            if not found:
                raise BatchError(f"no file matches {spec!r}")
        else:
            raise BatchError(f"no such file or folder: {spec}")
        for f in found:
            full = os.path.realpath(f)
            if full in skip:
                continue
            if seen is not None:
                if full in seen:
                    continue
                seen.add(full)
            yield full, f


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


@contextmanager
def open_executor(kind: str, workers: int, scheduler: str | None = None) -> Iterator[Executor]:
    """An executor of the given kind; Dask is optional and imported only here."""
    if kind == "serial":
        yield SerialExecutor()
    elif kind == "process":
        with ProcessPoolExecutor(max_workers=workers) as pool:
            yield pool
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


def chunk_size_for(total: int, workers: int) -> int:
    """Logs per task: about four tasks per worker for balance, within [MIN_CHUNK, MAX_CHUNK]."""
    per = -(-total // max(1, workers * 4))
    return max(MIN_CHUNK, min(MAX_CHUNK, per))


def _chunks(items: Iterable[tuple[str, str]], size: int, total: int | None = None,
            parts: int = 1) -> Iterator[list[tuple[str, str]]]:
    """Lists of up to ``size`` items. Knowing the ``total``, chunks taper towards the end
    (guided self-scheduling: each about the remaining logs over ``parts``, at least MIN_CHUNK), so
    the workers finish together instead of one waiting on another's last big chunk."""
    chunk: list[tuple[str, str]] = []
    remaining = total
    want = size if total is None else max(1, min(size, max(MIN_CHUNK, -(-total // parts))))
    for item in items:
        chunk.append(item)
        if len(chunk) >= want:
            yield chunk
            chunk = []
            if remaining is not None:
                remaining -= want
                want = max(1, min(size, max(MIN_CHUNK, -(-remaining // parts))))
    if chunk:
        yield chunk


def run_batch(items: Iterable[tuple[str, str]], executor: Executor, on_result: Callable[[ChunkResult], None],
              files: dict[str, str] | None = None, chunk_size: int = 200, in_flight: int = 4,
              total: int | None = None) -> int:
    """Grade every log in ``items`` on ``executor``, handing each chunk's result to ``on_result``
    as it arrives; at most ``in_flight`` chunks are out at once. Given the ``total`` number of
    logs, the chunks taper towards the end (see ``_chunks``). Returns the number of logs graded."""
    files = dict(files or {})
    pending: set[Future] = set()
    done_logs = 0

    def drain(block_until: int) -> None:
        nonlocal pending, done_logs
        while len(pending) > block_until:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                result = fut.result()
                done_logs += len(result.rows)
                on_result(result)

    for chunk in _chunks(items, chunk_size, total, in_flight):
        pending.add(executor.submit(grade_chunk, chunk, files))
        drain(max(0, in_flight - 1))
    drain(0)
    return done_logs
