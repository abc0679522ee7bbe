"""Alerts: the crisis detector's output stored per tenant, and the moderator's acknowledge/resolve."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from api.db.models import Alert, Tenant
from api.services import webhooks

ALERT_STATUSES = ("open", "acknowledged", "resolved")


def detector_for(tenant: Tenant):
    """The tenant's streaming crisis detector (state kept as JSON on the tenant row), or None if unavailable."""
    try:
        from model.crisis import CrisisDetector
    except ImportError:  # the detector module is optional until it lands
        return None
    return CrisisDetector.from_dict(tenant.crisis_state) if tenant.crisis_state else CrisisDetector()


def after_analysis(session: Session, tenant_id: int, posts: list, analyses: list) -> None:
    """Feed analysed posts to the tenant's crisis detector and store what it opens or updates.

    The tenant row is locked (``SELECT … FOR UPDATE``) and its detector state re-read first, so two
    workers' batches of one tenant pass through the detector one after the other and neither overwrites
    the other's state. (SQLite: one writer at a time, and the analysis insert already took the lock.)"""
    tenant = session.scalars(select(Tenant).where(Tenant.id == tenant_id).with_for_update()
                             .options(undefer(Tenant.crisis_state))
                             .execution_options(populate_existing=True)).one()
    det = detector_for(tenant)
    if det is None:
        return
    from model.crisis import PostEvent

    updates = []
    for p, a in sorted(zip(posts, analyses), key=lambda pa: pa[0].created_at):
        created = p.created_at if p.created_at.tzinfo else p.created_at.replace(tzinfo=dt.UTC)
        ev = PostEvent(post_id=str(p.id), created_at=created, topic=p.idea_id if p.idea_id is not None else -1,
                       sentiment_label=a.sentiment["label"], sentiment_score=float(a.sentiment["score"]),
                       signals=list(a.signals), user=str(p.user_id) if p.user_id else None,
                       keywords=list(a.keywords))
        updates += det.observe(ev)
    det.prune()
    tenant.crisis_state = det.to_dict()
    for u in updates:
        store_update(session, tenant_id, u.to_dict())


def store_update(session: Session, tenant_id: int, u: dict) -> Alert:
    """Insert or update the alert an update refers to; emits alert.opened / alert.resolved."""
    a = u.get("alert", u)
    key = str(a["alert_id"])
    row = session.scalar(select(Alert).where(Alert.tenant_id == tenant_id, Alert.alert_key == key))
    opened = dt.datetime.fromisoformat(a["opened_at"]) if isinstance(a["opened_at"], str) else a["opened_at"]
    if row is None:
        row = Alert(tenant_id=tenant_id, alert_key=key, kind=a.get("kind", "crisis"),
                    severity=int(a.get("severity", 1)), label=a.get("label", ""), opened_at=opened, detail=a)
        session.add(row)
        session.flush()
        if row.kind == "crisis":
            webhooks.emit(session, tenant_id, "alert.opened", {"alert_id": row.id, "label": row.label,
                                                               "severity": row.severity, "kind": row.kind})
    else:
        row.severity, row.label, row.detail = int(a.get("severity", row.severity)), a.get("label", row.label), a
    return row


def alert_json(a: Alert) -> dict:
    due = a.opened_at + dt.timedelta(hours=1)
    return {"id": a.id, "alert_key": a.alert_key, "kind": a.kind, "severity": a.severity, "label": a.label,
            "status": a.status, "opened_at": a.opened_at.isoformat(), "respond_by": due.isoformat(),
            "acknowledged_at": a.acknowledged_at.isoformat() if a.acknowledged_at else None,
            "resolved_at": a.resolved_at.isoformat() if a.resolved_at else None, "notes": a.notes,
            "detail": a.detail}


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
