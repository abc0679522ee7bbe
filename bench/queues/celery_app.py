"""No-op Celery task for bench/queue_choice.py (acks_late, as the service needs)."""

import os

import redis
from celery import Celery

NS = os.environ.get("QBENCH_NS", "qbench")
app = Celery("qbench", broker="redis://127.0.0.1:6379/1")
app.conf.update(
    task_acks_late=True, worker_prefetch_multiplier=1, task_ignore_result=True, broker_connection_retry_on_startup=True
)
counter = redis.Redis.from_url("redis://127.0.0.1:6379/0")


@app.task(name="noop")
def noop(i: int) -> None:
    counter.incr(f"{NS}:done")
