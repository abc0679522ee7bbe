"""Webhooks: signed JSON events written to an outbox (same transaction as the change), delivered by a task."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.models import WebhookDelivery, WebhookSubscription

EVENTS = ("post.analyzed", "idea.created", "idea.status_changed", "alert.opened", "alert.resolved")
SIGNATURE_HEADER = "X-Cocreate-Signature"
TIMESTAMP_HEADER = "X-Cocreate-Timestamp"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=`` + HMAC-SHA256 over ``timestamp + "." + body`` (replay-safe when receivers check the time)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={mac}"


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def subscribe(session: Session, tenant_id: int, url: str, events: list[str]) -> WebhookSubscription:
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
    for sub in session.scalars(select(WebhookSubscription).where(WebhookSubscription.tenant_id == tenant_id,
                                                                 WebhookSubscription.active.is_(True))):
        if event not in sub.events:
            continue
        d = WebhookDelivery(subscription_id=sub.id, event=event, next_attempt_at=now,
                            payload={"event": event, "created_at": now.isoformat(), "data": data})
        session.add(d)
        session.flush()
        ids.append(d.id)
    session.info.setdefault("outbox", []).extend(ids)
    return ids


def flush_outbox(session: Session) -> None:
    """Enqueue the deliveries written by the transaction that just committed (call after commit)."""
    from api.worker.tasks import deliver_webhook

    box = session.info.pop("outbox", [])
    for i in box:
        deliver_webhook.send(i)


def backoff_s(attempt: int) -> float:
    return min(3600.0, 2.0 * 4 ** (attempt - 1))  # 2 s, 8 s, 32 s, ~2 min, ~8.5 min, 34 min


def deliver(session: Session, delivery_id: int, max_attempts: int, client=None) -> str:
    """Try one delivery; returns its status. Schedules the next attempt on failure."""
    import httpx

    d = session.get(WebhookDelivery, delivery_id)
    if d is None or d.status != "pending":
        return d.status if d else "missing"
    sub = session.get(WebhookSubscription, d.subscription_id)
    body = json.dumps(d.payload, ensure_ascii=False, separators=(",", ":")).encode()
    ts = str(int(dt.datetime.now(dt.UTC).timestamp()))
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(sub.secret, ts, body),
               TIMESTAMP_HEADER: ts, "X-Cocreate-Event": d.event, "X-Cocreate-Delivery": str(d.id)}
    d.attempts += 1
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
