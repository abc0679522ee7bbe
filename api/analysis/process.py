"""Embedded mode's analysis in a child process, so the API process's request handling never waits for it.

In embedded mode (no Redis) the queue and its worker threads live in the API process; with the analyzer
there too, its Python code between torch kernels holds the GIL the request handlers need (p99 477 ms for
single-post requests at 20 clients, bench/reports/service.md). :class:`ProcessAnalyzer` keeps the
worker threads (database writes, hooks) where they are and sends only the texts to one child process
that holds the analyzer; the child runs at a lower CPU priority, so a request gets a core first.
A child that dies is started again on the next batch (that batch fails and is retried by the task).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from cocreate.settings import Settings

log = logging.getLogger("cocreate.worker")
_child_analyzer = None


def _child_init(settings: Settings, nice: int) -> None:
    global _child_analyzer
    if nice > 0 and hasattr(os, "nice"):
        try:
            os.nice(nice)
        except OSError:  # not permitted here: normal priority
            pass
    from cocreate.loaders import load_analyzer

    _child_analyzer = load_analyzer(settings)


def _child_analyze(texts: list[str]) -> list:
    assert _child_analyzer is not None  # set by _child_init, the initializer of the pool that runs this
    return _child_analyzer.analyze(texts)


def _child_pid() -> int:
    return os.getpid()


class ProcessAnalyzer:
    """``analyze(texts)`` computed by the configured analyzer in one child process (spawned, not forked:
    torch and the parent's threads do not survive a fork)."""

    def __init__(self, settings: Settings, nice: int = 10):
        self.settings, self.nice = settings, nice
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_child_init,
                    initargs=(self.settings, self.nice),
                )
            return self._pool

    def start(self) -> int:
        """Start the child and load the analyzer there (blocks until loaded); returns its pid."""
        return self._executor().submit(_child_pid).result()

    def analyze(self, texts: Sequence[str], **_) -> list:
        pool = self._executor()
        try:
            return pool.submit(_child_analyze, list(texts)).result()
        except BrokenProcessPool:
            with self._lock:
                if self._pool is pool:
                    self._pool = None  # the next batch starts a new child
            log.error("the analysis process died; it is restarted for the next batch")
            raise

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
