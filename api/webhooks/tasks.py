"""Actors of the webhooks domain: send one delivery (re-sending itself for a retry) and the outbox sweeper, which
every worker runs every ``SWEEP_EVERY_S`` seconds: every committed delivery is sent at least once, even after a
crash between commit and send."""

from __future__ import annotations

import datetime as dt
import logging
import time

import dramatiq

from api import queue
from api.worker.broker import every, setup_broker, task_settings
from cocreate.settings import Settings

setup_broker()  # the actors below are declared on the process's broker
log = logging.getLogger("cocreate.worker")


SWEEP_EVERY_S = 2.0


@dramatiq.actor(queue_name="webhooks", max_retries=0)
def deliver_webhook(delivery_id: int) -> None:
    """Send one delivery (a no-op if another sender holds it or it went out); re-sends itself for a retry."""
    from api.db.models import WebhookDelivery
    from api.db.session import session_scope
    from api.webhooks.service import deliver

    s = task_settings()
    with session_scope(s.db_url) as session:
        status = deliver(session, delivery_id, s.webhook_max_attempts)
        if status == "pending":
            due = session.get_one(WebhookDelivery, delivery_id).next_attempt_at
            assert due is not None  # deliver() sets next_attempt_at whenever it leaves a delivery pending
            due = due if due.tzinfo else due.replace(tzinfo=dt.UTC)
            delay_ms = int(max(0.0, due.timestamp() - time.time()) * 1000)
    if status == "pending":
        deliver_webhook.send_with_options(args=(delivery_id,), delay=delay_ms)


def sweep_outbox(settings: Settings | None = None, client=None) -> int:
    """Send every pending delivery that is overdue by more than the grace period (a crash between commit
    and send, a lost retry, a sender killed mid-call); returns how many were sent. Run by each worker."""
    from api.db.session import session_scope
    from api.webhooks.service import deliver, due_deliveries

    s = settings or task_settings()
    with session_scope(s.db_url) as session:
        ids = due_deliveries(session)
    sent = 0
    for i in ids:  # sent here, not re-queued: a backlog behind a slow receiver does not grow with each sweep
        with session_scope(s.db_url) as session:
            sent += deliver(session, i, s.webhook_max_attempts, client=client) != "busy"
    if ids:
        log.info("outbox sweep: %d overdue deliveries, %d sent", len(ids), sent)
    return sent


queue.register(deliver_webhook.actor_name, queue.actor_sender(deliver_webhook))
every(SWEEP_EVERY_S, lambda: sweep_outbox())
