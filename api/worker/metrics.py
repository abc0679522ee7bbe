"""Prometheus metrics. Process-local counters for this process, plus figures read from the database at
scrape time (they are the same whichever API process is scraped, and cover workers on other machines)."""

from __future__ import annotations

import datetime as dt

from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import func, select
from sqlalchemy.orm import Session

REQUESTS = Counter("cocreate_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "cocreate_http_request_seconds",
    "HTTP request latency",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5),
)
INGESTED = Counter("cocreate_posts_ingested_total", "posts accepted by POST /v1/posts")
ANALYSED = Counter("cocreate_posts_analysed_total", "posts analysed by this process")
BATCH_SECONDS = Histogram("cocreate_analysis_batch_seconds", "analysis batch duration")
TASK_FAILURES = Counter("cocreate_task_failures_total", "failed task runs", ["task"])
TASK_RETRIES = Counter("cocreate_task_retries_total", "task retries scheduled", ["task"])
DEAD_LETTERS = Counter("cocreate_dead_letters_total", "posts dead-lettered by this process")
QUEUE_DEPTH = Gauge("cocreate_queue_depth", "messages waiting", ["queue"])
PENDING = Gauge("cocreate_posts_pending", "posts accepted and not yet analysed (database)")
TASK_LAG = Gauge("cocreate_task_lag_seconds", "age of the oldest pending post (database)")
WORKER_RATE = Gauge(
    "cocreate_worker_posts_per_second", "posts/s per worker over the last minute (database)", ["worker"]
)
DEAD_TOTAL = Gauge("cocreate_dead_letters_stored", "dead-lettered posts (database)")


def record_batch(n: int, seconds: float) -> None:
    ANALYSED.inc(n)
    BATCH_SECONDS.observe(seconds)


def snapshot(session: Session) -> dict:
    """Queue and worker figures from the database and the broker (for /metrics and `cocreate status`)."""
    from api.db.models import DeadLetter, Post, PostAnalysis
    from api.worker.broker import queue_depth

    now = dt.datetime.now(dt.UTC)
    pending, oldest = session.execute(
        select(func.count(Post.id), func.min(Post.received_at)).where(Post.status == "pending")
    ).one()
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=dt.UTC)
    since = now - dt.timedelta(seconds=60)
    rates = {
        w: n / 60.0
        for w, n in session.execute(
            select(PostAnalysis.worker, func.count())
            .where(PostAnalysis.analyzed_at >= since)
            .group_by(PostAnalysis.worker)
        ).all()
    }
    return {
        "pending": pending,
        "task_lag_s": (now - oldest).total_seconds() if oldest else 0.0,
        "analysed": session.scalar(select(func.count()).select_from(PostAnalysis)),
        "failed": session.scalar(select(func.count()).select_from(Post).where(Post.status == "failed")),
        "retries": int(session.scalar(select(func.coalesce(func.sum(Post.attempts), 0))) or 0),
        "dead_letters": session.scalar(select(func.count()).select_from(DeadLetter)),
        "queues": queue_depth(),
        "workers_posts_per_s": rates,
    }


def refresh_gauges(session: Session) -> dict:
    snap = snapshot(session)
    PENDING.set(snap["pending"])
    TASK_LAG.set(snap["task_lag_s"])
    DEAD_TOTAL.set(snap["dead_letters"])
    for q, n in snap["queues"].items():
        QUEUE_DEPTH.labels(q).set(n)
    WORKER_RATE.clear()
    for w, r in snap["workers_posts_per_s"].items():
        WORKER_RATE.labels(w or "?").set(r)
    return snap
