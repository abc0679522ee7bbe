"""Webhook subscriptions and their delivery log."""

from __future__ import annotations

from pydantic import Field

from api.schemas import IsoDatetime, Public
from api.vocab import DeliveryStatus, WebhookEvent


class SubscriptionPublic(Public):
    id: int
    url: str
    events: list[WebhookEvent]
    active: bool
    created_at: IsoDatetime


class SubscriptionCreatedPublic(SubscriptionPublic):
    secret: str = Field(description="shown once: verify X-Cocreate-Signature with it")


class DeliveryPublic(Public):
    id: int
    event: WebhookEvent
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    delivered_at: IsoDatetime | None


class SubscriptionDetailPublic(SubscriptionPublic):
    deliveries: list[DeliveryPublic] = Field(description="the latest 100, newest first")


class SubscriptionsPublic(Public):
    items: list[SubscriptionPublic]
    count: int
