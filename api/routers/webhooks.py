"""/v1/webhooks: subscriptions (create, list, read, delete) and their delivery log."""
from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.models import ApiKey, WebhookDelivery, WebhookSubscription
from api.deps import IdPath, get_session, role
from api.problems import Problem
from api.services import webhooks as svc

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])


class SubscriptionIn(BaseModel):
    url: str = Field(min_length=8, max_length=1000)
    events: list[str] = Field(min_length=1, description=", ".join(svc.EVENTS))


def _json(s: WebhookSubscription, secret: bool = False) -> dict:
    d = {"id": s.id, "url": s.url, "events": s.events, "active": s.active, "created_at": s.created_at.isoformat()}
    if secret:
        d["secret"] = s.secret  # shown once, at creation: verify X-Cocreate-Signature with it
    return d


def _sub(session: Session, key: ApiKey, sub_id: int) -> WebhookSubscription:
    s = session.get(WebhookSubscription, sub_id)
    if s is None or s.tenant_id != key.tenant_id:
        raise Problem(404, "Not Found", f"no webhook subscription {sub_id} in your tenant")
    return s


@router.post("", status_code=201, summary="Subscribe a URL to events (the response holds the signing secret)")
def create(body: SubscriptionIn, key: ApiKey = Depends(role("admin")), session: Session = Depends(get_session)):
    try:
        s = svc.subscribe(session, key.tenant_id, body.url, body.events)
    except ValueError as e:
        raise Problem(422, "Unprocessable Content", str(e)) from e
    session.commit()
    return _json(s, secret=True)


@router.get("", summary="Subscriptions")
def list_subs(key: ApiKey = Depends(role("admin")), session: Session = Depends(get_session)):
    subs = session.scalars(select(WebhookSubscription).where(WebhookSubscription.tenant_id == key.tenant_id))
    return {"items": [_json(s) for s in subs]}


@router.get("/{sub_id}", summary="One subscription and its latest deliveries")
def get_sub(sub_id: IdPath, key: ApiKey = Depends(role("admin")), session: Session = Depends(get_session)):
    s = _sub(session, key, sub_id)
    ds = session.scalars(select(WebhookDelivery).where(WebhookDelivery.subscription_id == s.id)
                         .order_by(WebhookDelivery.id.desc()).limit(100))
    return _json(s) | {"deliveries": [{"id": d.id, "event": d.event, "status": d.status, "attempts": d.attempts,
                                       "last_status_code": d.last_status_code, "last_error": d.last_error,
                                       "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None}
                                      for d in ds]}


@router.delete("/{sub_id}", status_code=204, summary="Remove a subscription")
def delete_sub(sub_id: IdPath, key: ApiKey = Depends(role("admin")), session: Session = Depends(get_session)):
    session.delete(_sub(session, key, sub_id))
    session.commit()
