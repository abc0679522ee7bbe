"""Webhooks: signed JSON events written to an outbox (same transaction as the change), delivered by a task.

At least once: ``emit`` writes a pending delivery row and enqueues its task for after the commit; a
delivery is *claimed* (``next_attempt_at`` pushed ``LEASE_S`` ahead, committed) before the HTTP call, so
two senders never post it at once; and ``due_deliveries`` finds every pending delivery that is more than
``GRACE_S`` past due — never sent (a crash between commit and send), a lost retry, or a sender killed
mid-call once its lease ran out — for the worker's sweeper to send again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.orm import Session

from api import queue
from api.db.models import WebhookDelivery, WebhookSubscription

EVENTS = ("post.analyzed", "idea.created", "idea.status_changed", "alert.opened", "alert.resolved")
SIGNATURE_HEADER = "X-Cocreate-Signature"
TIMESTAMP_HEADER = "X-Cocreate-Timestamp"
GRACE_S = 5.0  # a pending delivery this far past due is re-sent by the sweeper
LEASE_S = 30.0  # a claimed delivery is not sent by anyone else for this long (longer than an HTTP call)
EARLY_S = 1.0  # a delayed retry may arrive this early (clocks of different machines)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=`` + HMAC-SHA256 over ``timestamp + "." + body`` (replay-safe when receivers check the time)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={mac}"


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def subscribe(session: Session, tenant_id: int, url: str, events: Sequence[str]) -> WebhookSubscription:
    bad = [e for e in events if e not in EVENTS]
    if bad or not events:
        raise ValueError(f"unknown event(s) {bad}; choose from {', '.join(EVENTS)}" if bad else "events is empty")
    if not url.startswith(("http://", "https://")):
        raise ValueError("url must start with http:// or https://")
    sub = WebhookSubscription(tenant_id=tenant_id, url=url, events=list(events), secret=secrets.token_hex(24))
    session.add(sub)
    session.flush()
    return sub


def emit(session: Session, tenant_id: int, event: str, data: dict) -> list[int]:
    """Write one delivery per matching subscription (outbox); they are sent after commit."""
    assert event in EVENTS, event
    ids = []
    now = dt.datetime.now(dt.UTC)
    for sub in session.scalars(
        select(WebhookSubscription).where(
            WebhookSubscription.tenant_id == tenant_id, WebhookSubscription.active.is_(True)
        )
    ):
        if event not in sub.events:
            continue
        d = WebhookDelivery(
            subscription_id=sub.id,
            event=event,
            next_attempt_at=now,
            payload={"event": event, "created_at": now.isoformat(), "data": data},
        )
        session.add(d)
        session.flush()
        ids.append(d.id)
        queue.enqueue(session, "deliver_webhook", d.id)
    return ids


def due_deliveries(session: Session, grace_s: float = GRACE_S, limit: int = 200) -> list[int]:
    """Pending deliveries more than ``grace_s`` past due and not claimed by a live sender, oldest first."""
    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=grace_s)
    return list(
        session.scalars(
            select(WebhookDelivery.id)
            .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= cutoff)
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
        )
    )


def claim(session: Session, delivery_id: int) -> bool:
    """Take a due pending delivery for ``LEASE_S`` (one atomic UPDATE, committed); False if not ours to send."""
    now = dt.datetime.now(dt.UTC)
    result = session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == "pending",
            or_(
                WebhookDelivery.next_attempt_at.is_(None),
                WebhookDelivery.next_attempt_at <= now + dt.timedelta(seconds=EARLY_S),
            ),
        )
        .values(next_attempt_at=now + dt.timedelta(seconds=LEASE_S), attempts=WebhookDelivery.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    n = cast("CursorResult[Any]", result).rowcount  # an UPDATE's result; Session.execute is typed as Result
    session.commit()
    return n == 1


def backoff_s(attempt: int) -> float:
    return min(3600.0, 2.0 * 4 ** (attempt - 1))  # 2 s, 8 s, 32 s, ~2 min, ~8.5 min, 34 min


def deliver(session: Session, delivery_id: int, max_attempts: int, client=None) -> str:
    """Claim and try one delivery (commits the claim first); returns its status, ``"busy"`` when someone
    else holds it or it is not due. Schedules the next attempt on failure; the caller commits the result."""
    import httpx

    if not claim(session, delivery_id):
        d = session.get(WebhookDelivery, delivery_id)
        return "missing" if d is None else ("busy" if d.status == "pending" else d.status)
    d = session.get_one(WebhookDelivery, delivery_id, populate_existing=True)
    sub = session.get_one(WebhookSubscription, d.subscription_id)
    body = json.dumps(d.payload, ensure_ascii=False, separators=(",", ":")).encode()
    ts = str(int(dt.datetime.now(dt.UTC).timestamp()))
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(sub.secret, ts, body),
        TIMESTAMP_HEADER: ts,
        "X-Cocreate-Event": d.event,
        "X-Cocreate-Delivery": str(d.id),
    }
    try:
        c = client or httpx.Client(timeout=10.0)
        r = c.post(sub.url, content=body, headers=headers)
        d.last_status_code = r.status_code
        ok = 200 <= r.status_code < 300
        d.last_error = None if ok else f"HTTP {r.status_code}"
    except httpx.HTTPError as e:
        ok, d.last_error = False, f"{type(e).__name__}: {e}"
    now = dt.datetime.now(dt.UTC)
    if ok:
        d.status, d.delivered_at, d.next_attempt_at = "delivered", now, None
    elif d.attempts >= max_attempts:
        d.status, d.next_attempt_at = "failed", None
    else:
        d.next_attempt_at = now + dt.timedelta(seconds=backoff_s(d.attempts))
    return d.status
