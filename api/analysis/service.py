"""Analyse pending posts and record the results exactly once (the UNIQUE post_id decides)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.db.models import DeadLetter, Post, PostAnalysis
from model.ideas import is_request, request_probability


@dataclass
class BatchOutcome:
    analysed: list[int]  # posts whose analysis this call recorded
    skipped: int  # already analysed (a re-delivered task) or not pending


def _insert(session: Session):
    name = session.get_bind().dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(PostAnalysis)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(PostAnalysis)


def analyse_pending(session: Session, post_ids: list[int], analyzer, worker: str, fill_to: int = 0) -> BatchOutcome:
    """Analyse those of ``post_ids`` that are still pending; hooks run only for rows this call wrote.

    Raises whatever the analyzer raises (the caller bisects the batch and retries).
    """
    if fill_to and len(post_ids) < fill_to:
        # a task for a few posts (single-post requests) takes other waiting posts along, so the analyzer
        # works on full batches; a later task for those finds them analysed and skips them
        extra = session.scalars(
            select(Post.id)
            .where(Post.status == "pending", Post.id.not_in(post_ids))
            .order_by(Post.id)
            .limit(fill_to - len(post_ids))
        ).all()
        post_ids = [*post_ids, *extra]
    posts = list(
        session.scalars(select(Post).where(Post.id.in_(post_ids), Post.status == "pending").order_by(Post.id)).unique()
    )
    if not posts:
        return BatchOutcome([], len(post_ids))
    results = analyzer.analyze([p.text for p in posts])
    rows = [
        {
            "post_id": p.id,
            "sentiment_label": a.sentiment["label"],
            "sentiment_score": float(a.sentiment["score"]),
            "intent": a.intent["label"],
            "intent_scores": a.intent["scores"],
            "board": is_request(p.text, a.intent["label"], request_probability(a)),
            "trust": a.trust,
            "signals": list(a.signals),
            "keywords": list(a.keywords),
            "embedding": np.asarray(a.embedding, np.float32).tobytes(),
            "worker": worker,
            "analyzed_at": dt.datetime.now(dt.UTC),
        }
        for p, a in zip(posts, results)
    ]
    stmt = (
        _insert(session).values(rows).on_conflict_do_nothing(index_elements=["post_id"]).returning(PostAnalysis.post_id)
    )
    written = set(session.scalars(stmt).all())
    session.execute(update(Post).where(Post.id.in_([p.id for p in posts])).values(status="analyzed"))
    session.flush()
    fresh = [p for p in posts if p.id in written]
    if fresh:  # the crisis hook locks the tenant row, the ledger hook the authors' rows (their domains' service.py)
        from api.alerts import service as alerts
        from api.ideas import service as ideas
        from api.users import service as users
        from api.webhooks import service as webhooks

        by_post = {p.id: a for p, a in zip(posts, results)}
        for tenant_id in sorted({p.tenant_id for p in fresh}):
            mine = [p for p in fresh if p.tenant_id == tenant_id]
            ideas.after_analysis(session, tenant_id, mine, [by_post[p.id] for p in mine])
            alerts.after_analysis(session, tenant_id, mine, [by_post[p.id] for p in mine])
            users.after_analysis(session, tenant_id, mine, [by_post[p.id] for p in mine])
            for p in mine:
                webhooks.emit(
                    session,
                    tenant_id,
                    "post.analyzed",
                    {"post_id": p.id, "external_id": p.external_id, "analysis": _brief(by_post[p.id])},
                )
    return BatchOutcome([p.id for p in fresh], len(post_ids) - len(fresh))


def _brief(a) -> dict:
    return {"sentiment": a.sentiment, "intent": a.intent["label"], "signals": list(a.signals)}


def record_failure(session: Session, post_id: int, reason: str, max_attempts: int, task: str) -> bool:
    """Count a failed attempt; after ``max_attempts`` mark the post failed and dead-letter it. True if dead."""
    post = session.get(Post, post_id)
    if post is None or post.status != "pending":
        return False
    post.attempts += 1
    if post.attempts < max_attempts:
        return False
    post.status = "failed"
    session.add(DeadLetter(task=task, post_id=post_id, payload={"post_id": post_id}, reason=reason[:2000]))
    session.flush()
    from api.alerts import service as alerts

    alerts.catch_up(session, post.tenant_id)  # the posts after it no longer wait for it
    return True


def pending_ids(session: Session, older_than: dt.timedelta, limit: int = 10_000) -> list[int]:
    cutoff = dt.datetime.now(dt.UTC) - older_than
    return list(
        session.scalars(
            select(Post.id).where(Post.status == "pending", Post.received_at <= cutoff).order_by(Post.id).limit(limit)
        )
    )
