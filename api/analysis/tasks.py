"""Actors of the analysis domain: analyse a batch of ingested posts (bisecting a failing batch, dead-lettering a
poisoned post) and the recovery sweep that re-queues posts left pending by a crash between commit and send.

Each actor commits its results before it returns, and Dramatiq acknowledges the message only after
the actor returns: a worker killed mid-batch leaves the message un-acked, another worker redoes it,
and the UNIQUE post_id of the analysis rows makes the redo harmless (at-least-once delivery,
exactly-once results)."""

from __future__ import annotations

import datetime as dt
import logging
import time

import dramatiq

from api import queue
from api.worker.broker import WORKER_NAME, setup_broker, task_settings
from cocreate.settings import Settings

setup_broker()  # the actors below are declared on the process's broker
log = logging.getLogger("cocreate.worker")


@dramatiq.actor(queue_name="analysis", max_retries=0)
def analyze_posts(post_ids: list[int]) -> None:
    """Analyse a batch. A failing batch is split in halves (so one poisoned post blocks nothing);
    a single failing post is retried with back-off and dead-lettered after ``task_max_retries``."""
    from api.analysis.analyzers import get_analyzer
    from api.analysis.service import analyse_pending, record_failure
    from api.db.session import sessions
    from api.worker import metrics

    s = task_settings()
    analyzer = get_analyzer(s)
    t0 = time.perf_counter()
    session = sessions(s.db_url)()
    try:
        # a failing batch is split in halves: those retries must not take other posts along again
        fill = s.analysis_batch if len(post_ids) < max(2, s.analysis_batch // 4) and not _is_split(post_ids) else 0
        out = analyse_pending(session, post_ids, analyzer, WORKER_NAME, fill_to=fill)
        session.commit()  # the hooks' webhooks and re-clustering requests leave now (api/queue.py)
        metrics.record_batch(len(out.analysed), time.perf_counter() - t0)
    except Exception as e:  # noqa: BLE001 - any analyzer failure is handled the same way
        session.rollback()
        metrics.TASK_FAILURES.labels("analyze_posts").inc()
        if fill:  # the failure may belong to a post taken along: retry our own posts alone, nothing counted
            analyze_posts.send_with_options(args=(post_ids,), split=True)
            return
        if len(post_ids) > 1:
            mid = len(post_ids) // 2
            analyze_posts.send_with_options(args=(post_ids[:mid],), split=True)
            analyze_posts.send_with_options(args=(post_ids[mid:],), split=True)
            log.warning("batch of %d failed (%s); split in two", len(post_ids), e)
            return
        dead = record_failure(session, post_ids[0], f"{type(e).__name__}: {e}", s.task_max_retries + 1, "analyze_posts")
        session.commit()
        if dead:
            metrics.DEAD_LETTERS.inc()
            log.error("post %s dead-lettered: %s", post_ids[0], e)
            return
        metrics.TASK_RETRIES.labels("analyze_posts").inc()
        delay = int(500 * 2 ** min(6, _attempts(session, post_ids[0])))  # back-off: 1 s, 2 s, 4 s …
        analyze_posts.send_with_options(args=(post_ids,), delay=delay, split=True)
    finally:
        session.close()


def _is_split(post_ids: list[int]) -> bool:
    from dramatiq.middleware import CurrentMessage

    msg = CurrentMessage.get_current_message()
    return bool(msg and msg.options.get("split"))


def _attempts(session, post_id: int) -> int:
    from api.db.models import Post

    p = session.get(Post, post_id)
    return p.attempts if p else 0


def recover_pending(settings: Settings | None = None) -> int:
    """Re-enqueue posts still pending after the grace period (a crash between commit and enqueue)."""
    from api.analysis.service import pending_ids
    from api.db.session import session_scope
    from api.posts.service import queue_analysis

    s = settings or task_settings()
    with session_scope(s.db_url) as session:
        ids = pending_ids(session, dt.timedelta(seconds=s.recover_after_s))
        queue_analysis(session, ids, s.analysis_batch)  # sent when the scope commits
    return len(ids)


queue.register(analyze_posts.actor_name, queue.actor_sender(analyze_posts))
