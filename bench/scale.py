"""Scale-out: analysis posts/s with 1 and 2 worker processes (Redis + PostgreSQL), PostgreSQL's own write
ceiling for analysis rows, and the projection to 10 million posts a day.

    .venv/bin/python bench/scale.py [--posts 1500]

Needs the local PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379). Writes bench/reports/scale.md.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import load_reviews, md_table, write_report  # noqa: E402
from tests.api_helpers import drop_pg_db, make_pg_db  # noqa: E402

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/"
NAMESPACE = f"cocreate-bench-{uuid.uuid4().hex[:6]}"


def texts(n: int) -> list[str]:
    df = load_reviews()
    return df.review.sample(n, random_state=11).str.slice(0, 300).tolist()


def analyzer_alone(sample: list[str]) -> float:
    from cocreate.loaders import load_analyzer

    an = load_analyzer()
    an.analyze(sample[:32])
    t = time.perf_counter()
    an.analyze(sample)
    return len(sample) / (time.perf_counter() - t)


def run_workers(sample: list[str], n_workers: int, threads_per_worker: int) -> dict:
    """Ingest ``sample`` into a fresh PostgreSQL database, then time ``n_workers`` processes analysing it."""
    from api.auth.service import create_tenant
    from api.db.session import engine_for, migrate, session_scope
    from api.posts.service import ingest
    from cocreate.settings import Settings

    name = make_pg_db()
    url = PG + name
    ns = NAMESPACE
    env = {
        **os.environ,
        "COCREATE_DATABASE_URL": url,
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "COCREATE_QUEUE_NAMESPACE": ns,
        "COCREATE_THREADS": str(threads_per_worker),
        "COCREATE_RECOVER_AFTER_S": "3600",
    }
    procs = []
    try:
        migrate(url)
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "cocreate", "worker", "--queues", "analysis"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(n_workers)
        ]
        time.sleep(12)  # let them load the analyzer before the clock starts
        os.environ.update({k: v for k, v in env.items() if k.startswith(("COCREATE_", "REDIS_"))})
        import api.worker.broker as broker

        broker.reset_broker(Settings())
        from api import tasks  # noqa: F401 - declares the actors and registers their senders

        s = Settings()
        with session_scope(url) as session:
            t = create_tenant(session, "bench")
            res = ingest(
                session,
                t,
                [{"external_id": str(i), "user_id": f"u{i % 500}", "text": x} for i, x in enumerate(sample)],
                s,
            )
        t0 = time.perf_counter()
        from api.posts.service import queue_analysis

        with session_scope(url) as session:
            queue_analysis(session, res.new_ids, s.analysis_batch)  # sent when this scope commits
        from sqlalchemy import func, select

        from api.db.models import Post

        while True:
            with session_scope(url) as session:
                left = session.scalar(select(func.count()).select_from(Post).where(Post.status == "pending"))
            if left == 0:
                break
            time.sleep(0.25)
        secs = time.perf_counter() - t0
        return {
            "workers": n_workers,
            "threads each": threads_per_worker,
            "posts": len(sample),
            "seconds": secs,
            "posts/s": len(sample) / secs,
        }
    finally:
        for p in procs:
            p.terminate()
            p.wait(20)
        engine_for(url).dispose()
        drop_pg_db(name)
        import redis

        r = redis.Redis.from_url("redis://127.0.0.1:6379/0")
        for k in r.scan_iter(f"{ns}:*"):
            r.delete(k)


def pg_ceiling(rows: int = 20000, batch: int = 64) -> dict:
    """Analysis-shaped rows (1.5 KB embedding + JSON) inserted in committed batches of 64, one connection."""
    import sqlalchemy as sa
    from sqlalchemy.dialects.postgresql import insert

    from api.db.models import Post, PostAnalysis, Tenant
    from api.db.session import engine_for, migrate

    name = make_pg_db()
    url = PG + name
    try:
        migrate(url)
        eng = engine_for(url)
        import datetime as dt

        now = dt.datetime.now(dt.UTC)
        with eng.begin() as c:
            c.execute(sa.insert(Tenant).values(name="t"))
            c.execute(
                sa.insert(Post),
                [
                    {
                        "tenant_id": 1,
                        "external_id": str(i),
                        "text": "x" * 60,
                        "created_at": now,
                        "received_at": now,
                        "status": "pending",
                        "attempts": 0,
                        "flagged": False,
                    }
                    for i in range(rows)
                ],
            )
        emb = np.random.default_rng(0).normal(size=384).astype(np.float32).tobytes()
        row = {
            "sentiment_label": "negative",
            "sentiment_score": -0.5,
            "intent": "complaint",
            "intent_scores": {k: 0.1 for k in "abcdef"},
            "trust": {f"s{k}": 0.1 for k in range(10)},
            "signals": ["mistake"],
            "keywords": ["续航", "电池"],
            "embedding": emb,
            "worker": "bench",
            "analyzed_at": now,
        }
        t = time.perf_counter()
        for b in range(0, rows, batch):
            ids = list(range(b + 1, min(rows, b + batch) + 1))
            with eng.begin() as c:
                c.execute(
                    insert(PostAnalysis)
                    .values([row | {"post_id": i} for i in ids])
                    .on_conflict_do_nothing(index_elements=["post_id"])
                )
                c.execute(sa.update(Post).where(Post.id.in_(ids)).values(status="analyzed"))
        secs = time.perf_counter() - t
        eng.dispose()
        return {"rows": rows, "batch": batch, "seconds": secs, "rows/s": rows / secs}
    finally:
        drop_pg_db(name)


def _processes_note(runs: list[dict], alone: float) -> str:
    one, two = runs[0]["posts/s"], runs[1]["posts/s"]
    if two > one * 1.1:
        return (
            f"Two single-threaded worker processes ({two:.1f} posts/s, {two / alone:.0%} of the analyzer alone) "
            f"beat one two-threaded process ({one:.1f}): torch's intra-op threads gain little on batches of short "
            "posts, so run one worker process per core (`cocreate worker` with COCREATE_THREADS=1)."
        )
    return (
        f"Two worker processes ({two:.1f} posts/s) add little over one ({one:.1f}): torch already uses both "
        "cores in one process; scale by machines."
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=1500)
    args = ap.parse_args()
    sample = texts(args.posts)
    alone = analyzer_alone(sample[:600])
    print(f"analyzer alone: {alone:.1f} posts/s", flush=True)
    runs = [run_workers(sample, 1, 2), run_workers(sample, 2, 1)]
    print(md_table(runs), flush=True)
    ceiling = pg_ceiling()
    print(ceiling, flush=True)
    best = max(r["posts/s"] for r in runs)
    day = 10_000_000
    mean_rate = day / 86400
    peak = mean_rate * 3  # evening peak ≈ 3× the daily mean (the demo's and the crisis bench's rhythm)
    machines = math.ceil(peak / best)
    body = (
        f"Reviews from the shared corpus (≤ 300 characters), the real analyzer (precision auto), workers "
        f"as `cocreate worker` processes on Redis with PostgreSQL as the record, on this 2-core machine.\n\n"
        f"Analyzer alone, in-process: **{alone:.1f} posts/s**.\n\n"
        + md_table(runs)
        + "\n\nPostgreSQL's own write ceiling for analysis rows (insert … on conflict do nothing + status update, "
        "64 rows per committed transaction, one connection):\n\n"
        + md_table([ceiling])
        + f"\n\n## Projection: 10 million posts a day\n\n"
        f"- mean rate {mean_rate:.0f} posts/s; evening peak ≈ 3× → **{peak:.0f} posts/s** to absorb without a "
        f"growing backlog.\n- one 2-core worker machine does {best:.1f} posts/s (best row above) → "
        f"**{machines} worker machines** of this size at peak ({math.ceil(mean_rate / best)} at the daily mean; "
        f"a backlog built at peak drains overnight).\n- PostgreSQL takes {ceiling['rows/s']:.0f} analysis rows/s "
        f"on one connection here, {ceiling['rows/s'] / peak:.0f}× the peak rate: the analyzer (CPU) "
        f"saturates first, the database and Redis are far from their limits.\n"
        f"- {_processes_note(runs, alone)}\n"
    )
    write_report("scale.md", "Scale-out: workers, PostgreSQL ceiling, projection", "python bench/scale.py", body)


if __name__ == "__main__":
    main()
