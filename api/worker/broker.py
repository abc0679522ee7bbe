"""The task queue: Dramatiq over Redis when REDIS_URL is set, else in-process (embedded mode).

Both modes run the same actors (``api/<domain>/tasks.py``, all imported by ``api/tasks.py``). With Redis, ``cocreate worker`` processes
on any machine consume the queue; a message is acknowledged only after the actor returns, i.e.
after its results are committed, and a dead worker's unacknowledged messages are re-queued by the
next worker once its heartbeat is older than ``heartbeat_timeout``. In embedded mode a
``StubBroker`` feeds a ``dramatiq.Worker`` thread inside the API process (``start_embedded_worker``).
Every worker, embedded or not, also runs the periodic jobs registered with ``every`` (the outbox
sweeper) on one background thread while it is up.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    CurrentMessage,
    Middleware,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)

from cocreate.settings import Settings

if TYPE_CHECKING:
    from dramatiq.brokers.redis import RedisBroker

_broker: dramatiq.Broker | None = None
_worker: dramatiq.Worker | None = None
_jobs: list[tuple[float, Callable[[], object]]] = []
log = logging.getLogger("cocreate.worker")
WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}"  # recorded on the rows a worker writes


def task_settings() -> Settings:
    """The settings a task runs with, read when it runs (not the process's cached ones: tests switch them)."""
    return Settings()


def every(interval_s: float, job: Callable[[], object]) -> None:
    """Run ``job()`` every ``interval_s`` seconds in each worker of this process while it runs."""
    _jobs.append((interval_s, job))


class PeriodicJobs(Middleware):
    """One thread per started worker that runs the jobs registered with ``every`` (errors are logged)."""

    def __init__(self):
        self._stops: dict[int, threading.Event] = {}

    def after_worker_boot(self, broker, worker) -> None:
        stop = self._stops[id(worker)] = threading.Event()
        threading.Thread(target=self._run, args=(stop,), name="cocreate-periodic", daemon=True).start()

    def before_worker_shutdown(self, broker, worker) -> None:
        stop = self._stops.pop(id(worker), None)
        if stop is not None:
            stop.set()

    @staticmethod
    def _run(stop: threading.Event) -> None:
        import time

        last: dict[int, float] = {}
        while not stop.is_set():
            now = time.monotonic()
            for i, (interval, job) in enumerate(list(_jobs)):
                if now - last.get(i, 0.0) >= interval:
                    last[i] = now
                    try:
                        job()
                    except Exception:  # noqa: BLE001 - the next round tries again
                        log.exception("periodic job failed")
            stop.wait(min([iv for iv, _ in _jobs] or [1.0]) / 2)


def middleware(settings: Settings) -> list:
    return [
        AgeLimit(),
        TimeLimit(time_limit=600_000),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        CurrentMessage(),
        Retries(max_retries=settings.task_max_retries, min_backoff=500, max_backoff=60_000),
        PeriodicJobs(),
    ]


def setup_broker(settings: Settings | None = None) -> dramatiq.Broker:
    """Create and install the global broker (once per process, before the actors are imported)."""
    global _broker
    if _broker is not None:
        return _broker
    settings = settings or Settings()
    if settings.redis_url:
        from dramatiq.brokers.redis import RedisBroker

        _broker = RedisBroker(
            url=settings.redis_url,
            namespace=settings.queue_namespace,
            middleware=middleware(settings),
            heartbeat_timeout=settings.heartbeat_timeout_ms,
            maintenance_chance=settings.queue_maintenance_chance,
            dead_message_ttl=7 * 24 * 3600 * 1000,
        )
    else:
        _broker = StubBroker(middleware=middleware(settings))
        _broker.emit_after("process_boot")
    dramatiq.set_broker(_broker)
    return _broker


def embedded() -> bool:
    return isinstance(_broker, StubBroker)


class LowerThreadPriority(Middleware):
    """Raise the niceness of each worker thread by ``nice`` (Linux schedules threads one by one).

    In embedded mode the analysis threads share the cores with the API's request handling; niced,
    they yield the CPU whenever a request is runnable, so request latency stops depending on
    whether a batch is being analysed. Worker throughput is unchanged while the API is idle."""

    def __init__(self, nice: int):
        self.nice = nice

    def after_worker_thread_boot(self, broker, thread) -> None:
        import os
        import threading

        if self.nice <= 0 or not hasattr(os, "setpriority"):
            return
        tid = threading.get_native_id()
        try:
            os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + self.nice))
        except OSError:  # not permitted here: run at normal priority
            pass


def start_embedded_worker(threads: int = 1, nice: int = 0) -> dramatiq.Worker | None:
    """In embedded mode, consume the in-process queue on background threads (niced by ``nice``)."""
    global _worker
    if not isinstance(_broker, StubBroker) or _worker is not None:  # not embedded(), or already started
        return _worker
    if nice > 0 and not any(isinstance(m, LowerThreadPriority) for m in _broker.middleware):
        _broker.add_middleware(LowerThreadPriority(nice))
    _worker = dramatiq.Worker(_broker, worker_threads=threads, worker_timeout=100)
    _worker.start()
    return _worker


def stop_embedded_worker() -> None:
    global _worker
    if _worker is not None:
        _worker.stop()
        _worker = None
    if _broker is not None:  # the next embedded worker starts with its own settings
        _broker.middleware[:] = [m for m in _broker.middleware if not isinstance(m, LowerThreadPriority)]


def join_embedded(timeout_ms: int = 60_000) -> None:
    """Wait until the in-process queue is empty (tests, CLI seeding)."""
    if isinstance(_broker, StubBroker):  # embedded()
        for q in list(_broker.queues):
            _broker.join(q, timeout=timeout_ms, fail_fast=False)
        if _worker is not None:
            _worker.join()


def queue_depth() -> dict[str, int]:
    """Messages waiting per queue (Redis: list length + delayed; stub: queue size)."""
    if _broker is None:
        return {}
    if isinstance(_broker, StubBroker):  # embedded()
        return {q: _broker.queues[q].qsize() for q in _broker.queues}
    redis_broker = cast("RedisBroker", _broker)  # setup_broker makes a StubBroker or a RedisBroker
    client = redis_broker.client
    return {q: int(client.llen(f"{redis_broker.namespace}:{q}") or 0) for q in redis_broker.queues}


def reset_broker(settings: Settings) -> dramatiq.Broker:
    """Replace the process's broker (tests and benchmarks that switch between in-process and Redis):
    the actors already declared move to the new broker, so ``.send`` goes where the settings say."""
    global _broker
    old = _broker
    stop_embedded_worker()
    _broker = None
    new = setup_broker(settings)
    if old is not None:
        for name in old.get_declared_actors():
            actor = old.get_actor(name)
            actor.broker = new
            new.declare_actor(actor)
    return new
