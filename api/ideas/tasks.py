"""Actor of the ideas domain: re-cluster one tenant's feature requests (one at a time per tenant)."""

from __future__ import annotations

import datetime as dt
import logging

import dramatiq

from api import queue
from api.worker.broker import WORKER_NAME, setup_broker, task_settings

setup_broker()  # the actors below are declared on the process's broker
log = logging.getLogger("cocreate.worker")


@dramatiq.actor(queue_name="recluster", max_retries=3)
def recluster_tenant(tenant_id: int, requested_at: float | None = None) -> None:
    """One re-clustering per tenant at a time (a lock row in the database). A deferred request is
    dropped when another re-clustering already ran after it was made."""
    from api.db.session import sessions
    from api.ideas.service import acquire_lock, recluster, release_lock
    from cocreate.loaders import load_segmenter

    s = task_settings()
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

            done = session.get_one(Tenant, tenant_id).reclustered_at
            if (
                requested_at is not None
                and done is not None
                and (done if done.tzinfo else done.replace(tzinfo=dt.UTC)).timestamp() > requested_at
            ):
                return
            from cocreate.loaders import idea_granularity

            stats = recluster(session, tenant_id, segmenter=load_segmenter(), granularity=idea_granularity(s))
            session.commit()
            log.info("re-clustered tenant %s: %s", tenant_id, stats)
        finally:
            session.rollback()
            release_lock(session, name, WORKER_NAME)
            session.commit()
    finally:
        session.close()


queue.register(recluster_tenant.actor_name, queue.actor_sender(recluster_tenant))
