"""/v1/webhooks: subscriptions (create, list, read, delete) and their delivery log."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from api import problems
from api.db.models import ApiKey, WebhookDelivery, WebhookSubscription
from api.deps import IdPath, get_session, role
from api.problems import Problem
from api.vocab import Role, WebhookEvent
from api.webhooks import service as svc
from api.webhooks.schemas import SubscriptionCreatedPublic, SubscriptionDetailPublic, SubscriptionsPublic

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"], responses=problems.responses(*problems.AUTH))


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(use_enum_values=True)
    url: str = Field(min_length=8, max_length=1000, description="http:// or https://")
    events: list[WebhookEvent] = Field(min_length=1)


def _json(s: WebhookSubscription, secret: bool = False) -> dict:
    d = {"id": s.id, "url": s.url, "events": s.events, "active": s.active, "created_at": s.created_at}
    if secret:
        d["secret"] = s.secret  # shown once, at creation: verify X-Cocreate-Signature with it
    return d


def _sub(session: Session, key: ApiKey, sub_id: int) -> WebhookSubscription:
    s = session.get(WebhookSubscription, sub_id)
    if s is None or s.tenant_id != key.tenant_id:
        raise Problem(404, "Not Found", f"no webhook subscription {sub_id} in your tenant")
    return s


@router.post(
    "",
    status_code=201,
    summary="Subscribe a URL to events (the response holds the signing secret)",
    response_model=SubscriptionCreatedPublic,
)
def create_subscription(
    body: SubscriptionIn, key: ApiKey = Depends(role(Role.admin)), session: Session = Depends(get_session)
):
    try:
        s = svc.subscribe(session, key.tenant_id, body.url, body.events)
    except ValueError as e:
        raise Problem(422, "Unprocessable Content", str(e)) from e
    session.commit()
    return _json(s, secret=True)


@router.get("", summary="Subscriptions", response_model=SubscriptionsPublic)
def list_subscriptions(key: ApiKey = Depends(role(Role.admin)), session: Session = Depends(get_session)):
    subs = session.scalars(select(WebhookSubscription).where(WebhookSubscription.tenant_id == key.tenant_id))
    items: list[dict] = [_json(s) for s in subs]
    return {"items": items, "count": len(items)}


@router.get(
    "/{sub_id}",
    summary="One subscription and its latest deliveries",
    response_model=SubscriptionDetailPublic,
    responses=problems.responses(404),
)
def get_subscription(sub_id: IdPath, key: ApiKey = Depends(role(Role.admin)), session: Session = Depends(get_session)):
    s = _sub(session, key, sub_id)
    ds = session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.subscription_id == s.id)
        .order_by(WebhookDelivery.id.desc())
        .limit(100)
    )
    return _json(s) | {
        "deliveries": [
            {
                "id": d.id,
                "event": d.event,
                "status": d.status,
                "attempts": d.attempts,
                "last_status_code": d.last_status_code,
                "last_error": d.last_error,
                "delivered_at": d.delivered_at,
            }
            for d in ds
        ]
    }


@router.delete(
    "/{sub_id}",
    status_code=204,
    summary="Remove a subscription",
    response_class=Response,
    responses=problems.responses(404),
)
def delete_subscription(
    sub_id: IdPath, key: ApiKey = Depends(role(Role.admin)), session: Session = Depends(get_session)
):
    session.delete(_sub(session, key, sub_id))
    session.commit()
    return Response(status_code=204)
