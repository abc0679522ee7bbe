"""Each tenant's crisis detector kept in this process between batches, checkpointed to the tenant row.

Reading and writing the detector's JSON state once per batch cost more than anything else a batch does
at 20 single-post batches a second: the state holds every post of the detector's 30-minute window
(bench/reports/service.md). So a worker keeps the detector in memory and writes it to
``Tenant.crisis_state`` on a cache miss and then at most every ``CHECKPOINT_EVERY`` seconds.

``Tenant.crisis_token`` changes with every batch that feeds the detector (under the tenant row lock). A
cached detector that carries the row's token holds exactly the state the row describes. Any other case —
this process restarted, another worker took the last batch, the batch that advanced the cached detector
was rolled back — loads the checkpoint and replays the posts read since it (``api/alerts/service.py``);
alert ids are the detector's own sequence, so the replay reopens nothing: ``store_update`` finds each
alert it re-emits and only updates it.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from api.db.models import Tenant

CHECKPOINT_EVERY = 5.0  # seconds between checkpoints of a detector a process keeps using


@dataclass
class _Entry:
    token: str
    detector: Any
    saved_at: float  # time.monotonic() of its last checkpoint


_cache: dict[tuple[str, int], _Entry] = {}
_lock = threading.Lock()  # guards the dict; the tenant row lock serialises the use of one entry


def _key(session: Session, tenant_id: int) -> tuple[str, int]:
    return (session.get_bind().engine.url.render_as_string(hide_password=True), tenant_id)


def cached(session: Session, tenant: Tenant) -> Any | None:
    """This process's detector for the tenant if it is the state the (locked) row describes, else None."""
    with _lock:
        e = _cache.get(_key(session, tenant.id))
    if e is None or tenant.crisis_token is None or e.token != tenant.crisis_token:
        return None
    return e.detector


def advance(session: Session, tenant: Tenant, detector: Any, loaded: bool) -> bool:
    """Give the row a new token and remember the detector under it; True when the caller must write a
    checkpoint now (the detector was just loaded, or the last checkpoint is ``CHECKPOINT_EVERY`` old)."""
    key, now = _key(session, tenant.id), time.monotonic()
    with _lock:
        e = _cache.get(key)
        save = loaded or e is None or now - e.saved_at >= CHECKPOINT_EVERY
        token = uuid.uuid4().hex
        _cache[key] = _Entry(token, detector, now if save or e is None else e.saved_at)
    tenant.crisis_token = token
    return save


def forget() -> None:
    """Drop every cached detector (tests; a process that changed the detector configuration)."""
    with _lock:
        _cache.clear()
