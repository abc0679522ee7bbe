"""Tables of the service (SQLAlchemy 2 typed ORM). Every row belongs to one tenant.

Schema changes go through Alembic (``api/migrations``); never ``create_all`` in production code.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: DateTime(timezone=True), dict: JSON, list: JSON}


class Tenant(Base):
    __tablename__ = "tenants"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # per-tenant JSON state of the streaming models (crisis detector), updated by the workers; deferred
    # (loaded on first access): it grows with the tenant's posts, and every request loads the tenant row
    crisis_state: Mapped[dict | None] = mapped_column(JSON, nullable=True, deferred=True)
    # the detector reads posts in created_at order: the (created_at, id) of the last post it read
    crisis_fed_at: Mapped[dt.datetime | None]
    crisis_fed_post: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # changes with every batch the detector reads; a worker's cached detector with this token is current
    # (api/alerts/detectors.py); crisis_state is then only a checkpoint, written every few seconds
    crisis_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # the tenant's fitted IdeaClusterer (IdeaClusterer.to_bytes) and a version bumped on each change
    clusterer: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    clusterer_version: Mapped[int] = mapped_column(Integer, default=0)
    reclustered_at: Mapped[dt.datetime | None]


class ApiKey(Base):
    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)  # public part, for lookup
    key_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the whole key; the key itself is never stored
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]


class CommunityUser(Base):
    __tablename__ = "community_users"
    __table_args__ = (UniqueConstraint("tenant_id", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str | None] = mapped_column(String(200))
    ledger: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # trust account state (model/ledger.py)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (
        UniqueConstraint("tenant_id", "external_id"),
        Index("ix_posts_tenant_status", "tenant_id", "status"),
        Index("ix_posts_tenant_created", "tenant_id", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("community_users.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime]
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | analyzed | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="SET NULL"), index=True)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    analysis: Mapped[PostAnalysis | None] = relationship(back_populates="post", uselist=False, lazy="joined")
    user: Mapped[CommunityUser | None] = relationship(lazy="joined")


class PostAnalysis(Base):
    """One row per post, ever: the UNIQUE post_id makes re-delivered analysis tasks harmless."""

    __tablename__ = "post_analyses"
    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), unique=True)
    sentiment_label: Mapped[str] = mapped_column(String(10), index=True)
    sentiment_score: Mapped[float] = mapped_column(Float)
    intent: Mapped[str] = mapped_column(String(20), index=True)
    intent_scores: Mapped[dict] = mapped_column(JSON)
    # on the idea board: a feature request, or a post scored or phrased as one (model.ideas.is_request)
    board: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), index=True)
    trust: Mapped[dict] = mapped_column(JSON)
    signals: Mapped[list] = mapped_column(JSON)
    keywords: Mapped[list] = mapped_column(JSON)
    embedding: Mapped[bytes] = mapped_column(LargeBinary)
    analyzed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    worker: Mapped[str | None] = mapped_column(String(100))
    post: Mapped[Post] = relationship(back_populates="analysis")


class Idea(Base):
    __tablename__ = "ideas"
    __table_args__ = (UniqueConstraint("tenant_id", "cluster_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    cluster_id: Mapped[int] = mapped_column(Integer)  # the clusterer's stable id
    title: Mapped[str] = mapped_column(String(200), default="")
    title_locked: Mapped[bool] = mapped_column(Boolean, default=False)  # a PM renamed it: re-labelling keeps it
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    quotes: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="open")
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("ideas.id"))
    area: Mapped[str | None] = mapped_column(String(50))
    tags: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Vote(Base):
    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("idea_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("community_users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class StaffResponse(Base):
    __tablename__ = "staff_responses"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    staff: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class StatusChange(Base):
    __tablename__ = "status_history"
    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    by: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("tenant_id", "alert_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    alert_key: Mapped[str] = mapped_column(String(100))  # the detector's alert id
    kind: Mapped[str] = mapped_column(String(20))
    severity: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | acknowledged | resolved
    detail: Mapped[dict] = mapped_column(JSON, default=dict)  # counts, baseline, signal mix, playbook, post ids
    notes: Mapped[list] = mapped_column(JSON, default=list)  # 3R checklist notes
    opened_at: Mapped[dt.datetime]
    acknowledged_at: Mapped[dt.datetime | None]
    resolved_at: Mapped[dt.datetime | None]


class WebhookSubscription(Base):
    __tablename__ = "webhook_subscriptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(1000))
    events: Mapped[list] = mapped_column(JSON)
    secret: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class WebhookDelivery(Base):
    """The outbox: one row per event and subscription, written with the change; ``next_attempt_at`` is when
    it is due (or, while a sender holds it, when that sender's lease ends)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_status_due", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(50))
    payload: Mapped[dict] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | delivered | failed
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[dt.datetime | None]
    delivered_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Notification(Base):
    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("community_users.id", ondelete="CASCADE"), index=True)
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    read: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class DeadLetter(Base):
    __tablename__ = "dead_letters"
    id: Mapped[int] = mapped_column(primary_key=True)
    task: Mapped[str] = mapped_column(String(100))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    payload: Mapped[dict] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    failed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class TaskLock(Base):
    """One row per held lock (per-tenant re-clustering): INSERT succeeds for exactly one holder."""

    __tablename__ = "task_locks"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[dt.datetime]
