"""Alerts: the crisis detector's output stored per tenant, and the moderator's acknowledge/resolve."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from api.alerts import detectors
from api.db.models import Alert, Post, PostAnalysis, Tenant
from api.webhooks import service as webhooks

ALERT_STATUSES = ("open", "acknowledged", "resolved")


def detector_for(tenant: Tenant):
    """The tenant's streaming crisis detector (state kept as JSON on the tenant row), or None if unavailable."""
    try:
        from model.crisis import CrisisDetector
    except ImportError:  # the detector module is optional until it lands
        return None
    return CrisisDetector.from_dict(tenant.crisis_state) if tenant.crisis_state else CrisisDetector()


# a pending post younger than this holds back the detector's reading of the posts after it (a slower
# worker's batch); an older one is presumed stuck, and its posts are read late when they come
HOLD = dt.timedelta(minutes=15)


def after_analysis(session: Session, tenant_id: int, posts: list, analyses: list) -> None:
    """Feed analysed posts to the tenant's crisis detector, in ``created_at`` order, and store what it
    opens or updates.

    The tenant row is locked (``SELECT … FOR UPDATE``) first, so two workers' batches of one tenant pass
    through the detector one after the other and neither overwrites the other's state. (SQLite: one
    writer at a time, and the analysis insert already took the lock.) The detector itself stays in this
    process's memory between batches and is checkpointed to the row every few seconds
    (``api/alerts/detectors.py``); when the cached one is not the row's, the checkpoint is loaded and
    the posts read since it are replayed.

    The detector works in stream time, so it reads posts in order: those after a tenant's oldest
    pending post (another worker's batch still running, a backlog being imported) wait until that one
    is analysed, and are then read from the database. A post older than what the detector has already
    read (it arrived late) is read at once, as a late post."""
    tenant = session.scalars(
        select(Tenant).where(Tenant.id == tenant_id).with_for_update().execution_options(populate_existing=True)
    ).one()
    det = detectors.cached(session, tenant)
    loaded = det is None
    events = []
    if det is None:
        det = detector_for(tenant)
        if det is None:
            return
        events = _replay_events(session, tenant)
    events += _late_events(tenant, posts, analyses) + _due_events(session, tenant)
    updates = []
    for ev in events:
        updates += det.observe(ev)
    det.prune()
    if detectors.advance(session, tenant, det, loaded):
        fed = _fed(tenant)
        read = {"token": tenant.crisis_token, "at": fed[0].isoformat() if fed else None, "post": fed[1] if fed else 0}
        tenant.crisis_state = {**det.to_dict(), "read": read}
    for u in updates:
        store_update(session, tenant_id, u.to_dict())


def _replay_events(session: Session, tenant: Tenant) -> list:
    """The posts the detector read after its checkpoint (none when the checkpoint is the row's state)."""
    read = (tenant.crisis_state or {}).get("read")
    if not read or read["token"] == tenant.crisis_token or tenant.crisis_fed_at is None:
        return []
    after = (_aware(dt.datetime.fromisoformat(read["at"])), read["post"]) if read["at"] else None
    return [_event(*r) for r in session.execute(_analysed(tenant.id, after, _fed(tenant))).all()]


def catch_up(session: Session, tenant_id: int) -> None:
    """Read the posts that waited on one that has now failed (dead-lettered)."""
    after_analysis(session, tenant_id, [], [])


def _aware(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def _event(
    post_id: int,
    created_at: dt.datetime,
    idea_id: int | None,
    user_id: int | None,
    sentiment_label: str,
    sentiment_score: float,
    signals,
    keywords,
):
    from model.crisis import PostEvent

    return PostEvent(
        post_id=str(post_id),
        created_at=_aware(created_at),
        topic=idea_id if idea_id is not None else -1,
        sentiment_label=sentiment_label,
        sentiment_score=float(sentiment_score),
        signals=list(signals),
        user=str(user_id) if user_id else None,
        keywords=list(keywords),
    )


def _batch_event(p: Post, a):
    return _event(
        p.id, p.created_at, p.idea_id, p.user_id, a.sentiment["label"], a.sentiment["score"], a.signals, a.keywords
    )


def _fed(tenant: Tenant) -> tuple[dt.datetime, int] | None:
    return (_aware(tenant.crisis_fed_at), tenant.crisis_fed_post or 0) if tenant.crisis_fed_at else None


def _late_events(tenant: Tenant, posts: list, analyses: list) -> list:
    """This batch's posts that are older than what the detector has read (all of them for a detector
    whose state predates the read mark; the mark then starts after them)."""
    fed = _fed(tenant)
    batch = sorted(zip(posts, analyses), key=lambda pa: (_aware(pa[0].created_at), pa[0].id))
    if fed is None:
        if not tenant.crisis_state or not batch:
            return []
        tenant.crisis_fed_at, tenant.crisis_fed_post = batch[-1][0].created_at, batch[-1][0].id
        return [_batch_event(p, a) for p, a in batch]
    return [_batch_event(p, a) for p, a in batch if (_aware(p.created_at), p.id) <= fed]


def _analysed(tenant_id: int, after: tuple[dt.datetime, int] | None, upto: tuple[dt.datetime, int] | None = None):
    """Analysed posts of the tenant in (created_at, id) order, after one mark and up to another."""
    q = (
        select(
            Post.id,
            Post.created_at,
            Post.idea_id,
            Post.user_id,
            PostAnalysis.sentiment_label,
            PostAnalysis.sentiment_score,
            PostAnalysis.signals,
            PostAnalysis.keywords,
        )
        .join(PostAnalysis, PostAnalysis.post_id == Post.id)
        .where(Post.tenant_id == tenant_id)
        .order_by(Post.created_at, Post.id)
    )
    if after is not None:
        q = q.where(or_(Post.created_at > after[0], and_(Post.created_at == after[0], Post.id > after[1])))
    if upto is not None:
        q = q.where(or_(Post.created_at < upto[0], and_(Post.created_at == upto[0], Post.id <= upto[1])))
    return q


def _due_events(session: Session, tenant: Tenant) -> list:
    """Analysed posts after the last one read and before the oldest recent pending post, oldest first;
    moves the tenant's read mark past them."""
    hold = session.scalar(
        select(func.min(Post.created_at)).where(
            Post.tenant_id == tenant.id, Post.status == "pending", Post.received_at > dt.datetime.now(dt.UTC) - HOLD
        )
    )
    q = _analysed(tenant.id, _fed(tenant))
    if hold is not None:
        q = q.where(Post.created_at < hold)
    rows = session.execute(q).all()
    if rows:
        tenant.crisis_fed_at, tenant.crisis_fed_post = rows[-1].created_at, rows[-1].id
    return [_event(*r) for r in rows]


def store_update(session: Session, tenant_id: int, u: dict) -> Alert:
    """Insert or update the alert an update refers to; emits alert.opened / alert.resolved."""
    a = u.get("alert", u)
    key = str(a["alert_id"])
    row = session.scalar(select(Alert).where(Alert.tenant_id == tenant_id, Alert.alert_key == key))
    opened = dt.datetime.fromisoformat(a["opened_at"]) if isinstance(a["opened_at"], str) else a["opened_at"]
    if row is None:
        row = Alert(
            tenant_id=tenant_id,
            alert_key=key,
            kind=a.get("kind", "crisis"),
            severity=int(a.get("severity", 1)),
            label=a.get("label", ""),
            opened_at=opened,
            detail=a,
        )
        session.add(row)
        session.flush()
        if row.kind == "crisis":
            webhooks.emit(
                session,
                tenant_id,
                "alert.opened",
                {"alert_id": row.id, "label": row.label, "severity": row.severity, "kind": row.kind},
            )
    else:
        row.severity, row.label, row.detail = int(a.get("severity", row.severity)), a.get("label", row.label), a
    return row


def alert_json(a: Alert) -> dict:
    due = a.opened_at + dt.timedelta(hours=1)
    return {
        "id": a.id,
        "alert_key": a.alert_key,
        "kind": a.kind,
        "severity": a.severity,
        "label": a.label,
        "status": a.status,
        "opened_at": a.opened_at.isoformat(),
        "respond_by": due.isoformat(),
        "acknowledged_at": a.acknowledged_at.isoformat() if a.acknowledged_at else None,
        "resolved_at": a.resolved_at.isoformat() if a.resolved_at else None,
        "notes": a.notes,
        "detail": a.detail,
    }


def list_alerts(session: Session, tenant_id: int, status: str | None = None, kind: str | None = None) -> list[Alert]:
    q = select(Alert).where(Alert.tenant_id == tenant_id)
    if status:
        q = q.where(Alert.status == status)
    if kind:
        q = q.where(Alert.kind == kind)
    return list(session.scalars(q.order_by(Alert.severity.desc(), Alert.opened_at.desc())))


def get_alert(session: Session, tenant_id: int, alert_id: int) -> Alert | None:
    a = session.get(Alert, alert_id)
    return a if a is not None and a.tenant_id == tenant_id else None


def update_alert(session: Session, alert: Alert, status: str | None, note: str | None, by: str) -> Alert:
    now = dt.datetime.now(dt.UTC)
    if status is not None:
        if status not in ALERT_STATUSES:
            raise ValueError(f"status must be one of {', '.join(ALERT_STATUSES)}")
        if status == "acknowledged" and alert.acknowledged_at is None:
            alert.acknowledged_at = now
        if status == "resolved" and alert.resolved_at is None:
            alert.resolved_at = now
            alert.acknowledged_at = alert.acknowledged_at or now
            webhooks.emit(session, alert.tenant_id, "alert.resolved", {"alert_id": alert.id, "label": alert.label})
        alert.status = status
    if note:
        alert.notes = [*alert.notes, {"by": by, "at": now.isoformat(), "text": note}]
    return alert
