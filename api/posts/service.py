"""Posts: idempotent ingest that commits before anything is analysed, reading and listing."""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from api import queue
from api.db.models import Post, PostAnalysis, Tenant
from api.users import service as user_svc
from cocreate.settings import Settings


class PostIn(BaseModel):
    """One post as a community platform sends it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)
    external_id: str = Field(min_length=1, max_length=200, description="the platform's id; unique per tenant")
    user_id: str | None = Field(None, max_length=200, description="the author's id on the platform")
    text: str = Field(description="the post's text (Chinese); not empty, at most COCREATE_MAX_TEXT_CHARS")
    created_at: dt.datetime | None = Field(
        None, description="ISO 8601; without a zone it is taken as UTC; default: time received"
    )

    @field_validator("external_id")
    @classmethod
    def _id_not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("external_id must not be blank")
        return v.strip()

    @field_validator("text")
    @classmethod
    def _text_not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("text is empty or only whitespace")
        return v


@dataclass
class IngestResult:
    results: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    new_ids: list[int] = field(default_factory=list)


def _user(session: Session, tenant_id: int, external_id: str | None, cache: dict) -> int | None:
    if not external_id:
        return None
    if external_id in cache:
        return cache[external_id]
    cache[external_id] = user_svc.get_or_create_user(session, tenant_id, external_id).id
    return cache[external_id]


def ingest(session: Session, tenant: Tenant, items: list[Any], settings: Settings) -> IngestResult:
    """Validate each item; store the good ones (status pending) in this transaction.

    Idempotent by external id: a re-sent post with the same text is reported as a duplicate with
    its current state; one with a different text is refused (409 for that item) and the stored
    post is kept — posts are records, not drafts.
    """
    out = IngestResult()
    valid: list[tuple[int, PostIn]] = []
    for i, raw in enumerate(items):
        ext = raw.get("external_id") if isinstance(raw, dict) else None
        try:
            p = PostIn.model_validate(raw)
        except ValidationError as e:
            for err in e.errors():
                loc = ".".join(str(x) for x in err["loc"]) or "item"
                out.errors.append({"index": i, "external_id": ext, "field": loc, "status": 422, "message": err["msg"]})
            continue
        if len(p.text) > settings.max_text_chars:
            out.errors.append(
                {
                    "index": i,
                    "external_id": p.external_id,
                    "field": "text",
                    "status": 413,
                    "message": f"text has {len(p.text)} characters; the limit is "
                    f"{settings.max_text_chars} (COCREATE_MAX_TEXT_CHARS)",
                }
            )
            continue
        valid.append((i, p))
    ext_ids = [p.external_id for _, p in valid]
    existing = (
        {
            r.external_id: r
            for r in session.scalars(select(Post).where(Post.tenant_id == tenant.id, Post.external_id.in_(ext_ids)))
        }
        if ext_ids
        else {}
    )
    users: dict = {}
    now = dt.datetime.now(dt.UTC)
    seen: dict[str, Post] = {}
    for i, p in valid:
        old = existing.get(p.external_id) or seen.get(p.external_id)
        if old is not None:
            if old.text != p.text:
                out.errors.append(
                    {
                        "index": i,
                        "external_id": p.external_id,
                        "field": "text",
                        "status": 409,
                        "message": "external_id already used for a post with different text; the "
                        "stored post is kept (use a new external_id for a new post)",
                    }
                )
                continue
            out.results.append(
                {"index": i, "external_id": p.external_id, "id": old.id, "duplicate": True, "status": old.status}
            )
            continue
        created = p.created_at or now
        if created.tzinfo is None:
            created = created.replace(tzinfo=dt.UTC)
        post = Post(
            tenant_id=tenant.id,
            external_id=p.external_id,
            text=p.text,
            created_at=created,
            received_at=now,
            user_id=_user(session, tenant.id, p.user_id, users),
            status="pending",
        )
        session.add(post)
        seen[p.external_id] = post
        out.results.append({"index": i, "external_id": p.external_id, "post": post, "duplicate": False})
    session.flush()
    for r in out.results:
        if "post" in r:
            post = r.pop("post")
            r["id"], r["status"] = post.id, post.status
            out.new_ids.append(post.id)
    return out


def queue_analysis(session: Session, post_ids: list[int], batch: int) -> None:
    """Analysis tasks for ``post_ids`` (``batch`` posts each), sent once this transaction commits; a crash
    before they are sent leaves pending posts, which the recovery sweep re-queues."""
    for i in range(0, len(post_ids), batch):
        queue.enqueue(session, "analyze_posts", post_ids[i : i + batch])


def analysis_json(a: PostAnalysis | None) -> dict | None:
    if a is None:
        return None
    return {
        "sentiment": {"label": a.sentiment_label, "score": a.sentiment_score},
        "intent": {"label": a.intent, "scores": a.intent_scores},
        "trust": a.trust,
        "signals": a.signals,
        "keywords": a.keywords,
        "analyzed_at": a.analyzed_at.isoformat() if a.analyzed_at else None,
    }


def post_json(p: Post) -> dict:
    return {
        "id": p.id,
        "external_id": p.external_id,
        "user_id": p.user.external_id if p.user else None,
        "text": p.text,
        "created_at": _iso(p.created_at),
        "received_at": _iso(p.received_at),
        "status": p.status,
        "idea_id": p.idea_id,
        "flagged": p.flagged,
        "analysis": analysis_json(p.analysis),
    }


def _iso(t: dt.datetime | None) -> str | None:
    if t is None:
        return None
    return (t if t.tzinfo else t.replace(tzinfo=dt.UTC)).isoformat()


def get_post(session: Session, tenant_id: int, post_id: int) -> Post | None:
    p = session.get(Post, post_id)
    return p if p is not None and p.tenant_id == tenant_id else None


def encode_cursor(p: Post) -> str:
    return base64.urlsafe_b64encode(json.dumps([_iso(p.created_at), p.id]).encode()).decode()


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        t, i = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return dt.datetime.fromisoformat(t), int(i)
    except Exception as e:  # noqa: BLE001 - any garbage is the caller's error
        raise ValueError("invalid cursor: pass the next_cursor value of the previous page unchanged") from e


def list_posts(
    session: Session,
    tenant_id: int,
    *,
    sentiment: str | None = None,
    intent: str | None = None,
    signal: str | None = None,
    idea_id: int | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[Post], str | None]:
    """Newest first; keyset pagination on (created_at, id)."""
    q = select(Post).where(Post.tenant_id == tenant_id)
    if sentiment or intent or signal:
        q = q.join(PostAnalysis, PostAnalysis.post_id == Post.id)
        if sentiment:
            q = q.where(PostAnalysis.sentiment_label == sentiment)
        if intent:
            q = q.where(PostAnalysis.intent == intent)
    if idea_id is not None:
        q = q.where(Post.idea_id == idea_id)
    if status:
        q = q.where(Post.status == status)
    if since:
        q = q.where(Post.created_at >= since)
    if until:
        q = q.where(Post.created_at < until)
    if cursor:
        t, i = decode_cursor(cursor)
        q = q.where(or_(Post.created_at < t, and_(Post.created_at == t, Post.id < i)))
    q = q.order_by(Post.created_at.desc(), Post.id.desc())
    if not signal:
        rows = list(session.scalars(q.limit(limit + 1)).unique())
    else:  # JSON list membership differs per dialect: filter in Python over a bounded scan
        rows = []
        for p in session.scalars(q.limit(20 * (limit + 1))).unique():
            if p.analysis and signal in p.analysis.signals:
                rows.append(p)
                if len(rows) > limit:
                    break
    nxt = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], nxt
