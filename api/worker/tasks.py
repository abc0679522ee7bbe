"""Actors (Dramatiq): analysis of ingested posts, webhook delivery, per-tenant re-clustering, recovery.

Each actor commits its results before it returns, and Dramatiq acknowledges the message only after
the actor returns: a worker killed mid-batch leaves the message un-acked, another worker redoes it,
and the UNIQUE post_id of the analysis rows makes the redo harmless (at-least-once delivery,
exactly-once results).

Services never import this module: they ``api.queue.enqueue`` task names, and the senders registered
at the bottom of this file put them on the broker once the services' transaction commits. The outbox
sweeper (``sweep_outbox``) runs every ``SWEEP_EVERY_S`` in every worker, embedded or not.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time

import dramatiq

from api import queue
from api.worker.broker import every, setup_broker
from cocreate.settings import Settings

setup_broker()
log = logging.getLogger("cocreate.worker")
WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}"


def _settings() -> Settings:
    return Settings()


SWEEP_EVERY_S = 2.0


@dramatiq.actor(queue_name="analysis", max_retries=0)
def analyze_posts(post_ids: list[int]) -> None:
    """Analyse a batch. A failing batch is split in halves (so one poisoned post blocks nothing);
    a single failing post is retried with back-off and dead-lettered after ``task_max_retries``."""
    from api.db.session import sessions
    from api.services.analysis import analyse_pending, record_failure
    from api.worker import metrics
    from api.worker.analyzers import get_analyzer

    s = _settings()
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


@dramatiq.actor(queue_name="webhooks", max_retries=0)
def deliver_webhook(delivery_id: int) -> None:
    """Send one delivery (a no-op if another sender holds it or it went out); re-sends itself for a retry."""
    from api.db.models import WebhookDelivery
    from api.db.session import session_scope
    from api.services.webhooks import deliver

    s = _settings()
    with session_scope(s.db_url) as session:
        status = deliver(session, delivery_id, s.webhook_max_attempts)
        if status == "pending":
            due = session.get(WebhookDelivery, delivery_id).next_attempt_at
            due = due if due.tzinfo else due.replace(tzinfo=dt.UTC)
            delay_ms = int(max(0.0, due.timestamp() - time.time()) * 1000)
    if status == "pending":
        deliver_webhook.send_with_options(args=(delivery_id,), delay=delay_ms)


def sweep_outbox(settings: Settings | None = None, client=None) -> int:
    """Send every pending delivery that is overdue by more than the grace period (a crash between commit
    and send, a lost retry, a sender killed mid-call); returns how many were sent. Run by each worker."""
    from api.db.session import session_scope
    from api.services.webhooks import deliver, due_deliveries

    s = settings or _settings()
    with session_scope(s.db_url) as session:
        ids = due_deliveries(session)
    sent = 0
    for i in ids:  # sent here, not re-queued: a backlog behind a slow receiver does not grow with each sweep
        with session_scope(s.db_url) as session:
            sent += deliver(session, i, s.webhook_max_attempts, client=client) != "busy"
    if ids:
        log.info("outbox sweep: %d overdue deliveries, %d sent", len(ids), sent)
    return sent


@dramatiq.actor(queue_name="recluster", max_retries=3)
def recluster_tenant(tenant_id: int, requested_at: float | None = None) -> None:
    """One re-clustering per tenant at a time (a lock row in the database). A deferred request is
    dropped when another re-clustering already ran after it was made."""
    from api.db.session import sessions
    from api.services.ideas import acquire_lock, recluster, release_lock
    from cocreate.loaders import load_segmenter

    s = _settings()
    session = sessions(s.db_url)()
    name = f"recluster:{tenant_id}"
    try:
        if not acquire_lock(session, name, WORKER_NAME):
            session.commit()
            log.info("re-clustering of tenant %s already running elsewhere", tenant_id)
            return
        session.commit()
        try:
            from api.db.models import Tenant

            done = session.get(Tenant, tenant_id).reclustered_at
            if (
                requested_at is not None
                and done is not None
                and (done if done.tzinfo else done.replace(tzinfo=dt.UTC)).timestamp() > requested_at
            ):
                return
            from api.worker.analyzers import idea_granularity

            stats = recluster(session, tenant_id, segmenter=load_segmenter(), granularity=idea_granularity(s))
            session.commit()
            log.info("re-clustered tenant %s: %s", tenant_id, stats)
        finally:
            session.rollback()
            release_lock(session, name, WORKER_NAME)
            session.commit()
    finally:
        session.close()


def enqueue_analysis(post_ids: list[int], batch: int) -> None:
    for i in range(0, len(post_ids), batch):
        analyze_posts.send(post_ids[i : i + batch])


def recover_pending(settings: Settings | None = None) -> int:
    """Re-enqueue posts still pending after the grace period (a crash between commit and enqueue)."""
    import datetime as dt

    from api.db.session import session_scope
    from api.services.analysis import pending_ids

    s = settings or _settings()
    with session_scope(s.db_url) as session:
        ids = pending_ids(session, dt.timedelta(seconds=s.recover_after_s))
    enqueue_analysis(ids, s.analysis_batch)
    return len(ids)


def _sender(actor):
    return lambda args, delay_ms: actor.send_with_options(args=args, delay=delay_ms)


for _actor in (analyze_posts, deliver_webhook, recluster_tenant):
    queue.register(_actor.actor_name, _sender(_actor))
every(SWEEP_EVERY_S, lambda: sweep_outbox())
