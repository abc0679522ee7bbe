"""Every actor of the service, for a worker process to consume (``cocreate worker``, the embedded worker).

The actors live with their domains (``api/<domain>/tasks.py``); importing this module declares them all on
the broker and registers their senders with ``api.queue``. Services never import it: they enqueue task names.
"""

from __future__ import annotations

from api.analysis.tasks import analyze_posts, recover_pending
from api.ideas.tasks import recluster_tenant
from api.webhooks.tasks import SWEEP_EVERY_S, deliver_webhook, sweep_outbox
from api.worker.broker import WORKER_NAME

__all__ = [
    "SWEEP_EVERY_S",
    "WORKER_NAME",
    "analyze_posts",
    "deliver_webhook",
    "recluster_tenant",
    "recover_pending",
    "sweep_outbox",
]
