"""No-op Dramatiq actor for bench/queue_choice.py."""

import os

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker

NS = os.environ.get("QBENCH_NS", "qbench")
dramatiq.set_broker(RedisBroker(url="redis://127.0.0.1:6379/0", namespace=NS))
counter = redis.Redis.from_url("redis://127.0.0.1:6379/0")


@dramatiq.actor(queue_name="noop", max_retries=0)
def noop(i: int) -> None:
    counter.incr(f"{NS}:done")
