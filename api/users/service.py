"""Community users: the trust ledger updated per analysed post (O(1)), super users, at-risk users,
and the staff response clock."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.db.models import CommunityUser, Idea, Post, StaffResponse, Vote
from model.ledger import LedgerRules, TrustAccount, response_stats

RULES = LedgerRules.load()


def after_analysis(session: Session, tenant_id: int, posts: list[Post], analyses: list) -> None:
    """Each author's account takes the post's sentiment and signals; state is one JSON column.

    The authors' rows are locked (``SELECT … FOR UPDATE``, in id order so two workers never deadlock) and
    re-read before the update: a worker analysing other posts of the same users waits for this commit
    instead of overwriting it. SQLite has no row locks; its one writer at a time gives the same order."""
    user_ids = sorted({p.user_id for p in posts if p.user_id is not None})
    if not user_ids:
        return
    rows = session.scalars(
        select(CommunityUser)
        .where(CommunityUser.id.in_(user_ids))
        .order_by(CommunityUser.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    accounts = {u.id: (u, TrustAccount.from_dict(u.ledger, RULES)) for u in rows}
    for p, a in sorted(zip(posts, analyses), key=lambda pa: pa[0].created_at):
        if p.user_id is None:
            continue
        created = p.created_at if p.created_at.tzinfo else p.created_at.replace(tzinfo=dt.UTC)
        accounts[p.user_id][1].observe(created, float(a.sentiment["score"]), list(a.signals))
    for u, acc in accounts.values():
        u.ledger = acc.to_dict()


def _idea_links(session: Session, tenant_id: int, user_id: int | None = None) -> dict[int, set[int]]:
    """Community user id → ideas they posted in or voted for (two queries for the whole tenant)."""
    posts = (
        select(Post.user_id, Post.idea_id)
        .distinct()
        .where(Post.tenant_id == tenant_id, Post.idea_id.is_not(None), Post.user_id.is_not(None))
    )
    votes = (
        select(Vote.user_id, Vote.idea_id)
        .join(CommunityUser, CommunityUser.id == Vote.user_id)
        .where(CommunityUser.tenant_id == tenant_id)
    )
    if user_id is not None:
        posts, votes = posts.where(Post.user_id == user_id), votes.where(Vote.user_id == user_id)
    out: dict[int, set[int]] = {}
    for q in (posts, votes):
        for uid, iid in session.execute(q):
            assert uid is not None and iid is not None  # posts: filtered IS NOT NULL; votes: NOT NULL columns
            out.setdefault(uid, set()).add(iid)
    return out


def _shipped(session: Session, tenant_id: int) -> set[int]:
    return set(session.scalars(select(Idea.id).where(Idea.tenant_id == tenant_id, Idea.status == "shipped")))


def _account(
    session: Session, u: CommunityUser, links: dict[int, set[int]] | None = None, shipped: set[int] | None = None
) -> TrustAccount:
    acc = TrustAccount.from_dict(u.ledger, RULES)
    if links is None:
        links = _idea_links(session, u.tenant_id, u.id)
    idea_ids = links.get(u.id, set())
    acc.ideas = len(idea_ids)
    if shipped is None:
        shipped = _shipped(session, u.tenant_id) if idea_ids else set()
    acc.shipped = len(idea_ids & shipped)
    return acc


def user_json(
    session: Session,
    u: CommunityUser,
    detail: bool = False,
    links: dict[int, set[int]] | None = None,
    shipped: set[int] | None = None,
) -> dict:
    """The user as the API shows it; ``links`` and ``shipped`` (for the whole tenant) save per-user queries."""
    acc = _account(session, u, links, shipped)
    d = {"id": u.external_id, "display_name": u.display_name} | acc.summary()
    if not detail:
        d.pop("history")
        return d
    posts = session.scalars(select(Post).where(Post.user_id == u.id).order_by(Post.created_at.desc()).limit(50))
    d["posts"] = [
        {
            "id": p.id,
            "text": p.text[:200],
            "created_at": p.created_at.isoformat(),
            "idea_id": p.idea_id,
            "sentiment": p.analysis.sentiment_score if p.analysis else None,
            "signals": p.analysis.signals if p.analysis else [],
        }
        for p in posts
    ]
    d["ideas"], d["ideas_shipped"] = acc.ideas, acc.shipped
    return d


def get_user(session: Session, tenant_id: int, external_id: str) -> CommunityUser | None:
    return session.scalar(
        select(CommunityUser).where(CommunityUser.tenant_id == tenant_id, CommunityUser.external_id == external_id)
    )


def list_users(session: Session, tenant_id: int, sort: str = "super", limit: int = 50) -> list[dict]:
    users = list(
        session.scalars(
            select(CommunityUser).where(CommunityUser.tenant_id == tenant_id, CommunityUser.ledger.is_not(None))
        )
    )
    links, shipped = _idea_links(session, tenant_id), _shipped(session, tenant_id)
    items = [user_json(session, u, links=links, shipped=shipped) for u in users]
    if sort == "super":
        items.sort(key=lambda d: (-d["super_score"], -d["balance"], d["id"]))
    elif sort == "risk":
        items.sort(key=lambda d: (not d["at_risk"], -d["risk_score"], d["id"]))
    else:
        raise ValueError("sort must be 'super' or 'risk'")
    return items[:limit]


def vote_weights(session: Session, tenant_id: int) -> dict[int, float]:
    """Community user id → vote weight from the ledger (super users count more, capped)."""
    out = {}
    for u in session.scalars(
        select(CommunityUser).where(CommunityUser.tenant_id == tenant_id, CommunityUser.ledger.is_not(None))
    ):
        out[u.id] = TrustAccount.from_dict(u.ledger, RULES).vote_weight()
    return out


def response_clock(
    session: Session, tenant_id: int, target_min: float = 15.0, since: dt.datetime | None = None
) -> dict:
    """Time to first staff response per post (a response on the post itself, or on its idea after the post)
    and per idea (first response after the idea was created)."""
    q = select(Post).where(Post.tenant_id == tenant_id)
    if since:
        q = q.where(Post.created_at >= since)
    post_resp = dict(
        session.execute(
            select(StaffResponse.post_id, func.min(StaffResponse.created_at))
            .where(StaffResponse.tenant_id == tenant_id, StaffResponse.post_id.is_not(None))
            .group_by(StaffResponse.post_id)
        ).all()
    )
    idea_resp: dict[int | None, list[dt.datetime]] = {}  # looked up by Post.idea_id, which may be None
    for iid, at in session.execute(
        select(StaffResponse.idea_id, StaffResponse.created_at).where(
            StaffResponse.tenant_id == tenant_id, StaffResponse.idea_id.is_not(None)
        )
    ):
        idea_resp.setdefault(iid, []).append(_utc(at))
    pairs = []
    for p in session.scalars(q):
        created = _utc(p.created_at)
        cands = [_utc(post_resp[p.id])] if p.id in post_resp else []
        cands += [t for t in idea_resp.get(p.idea_id, []) if t >= created]
        pairs.append((created, min(cands) if cands else None))
    target = dt.timedelta(minutes=target_min)
    ideas = [
        (_utc(i.created_at), min(idea_resp[i.id]) if i.id in idea_resp else None)
        for i in session.scalars(select(Idea).where(Idea.tenant_id == tenant_id))
    ]
    return {"posts": response_stats(pairs, target), "ideas": response_stats(ideas, target)}


def _utc(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def get_or_create_user(session: Session, tenant_id: int, external_id: str) -> CommunityUser:
    """The tenant's community user; two requests creating the same new user at once both get it."""
    from sqlalchemy.exc import IntegrityError

    q = select(CommunityUser).where(CommunityUser.tenant_id == tenant_id, CommunityUser.external_id == external_id)
    u = session.scalar(q)
    if u is not None:
        return u
    try:
        with session.begin_nested():
            u = CommunityUser(tenant_id=tenant_id, external_id=external_id)
            session.add(u)
            session.flush()
        return u
    except IntegrityError:  # created by a concurrent request in between: use theirs
        return session.execute(q).scalar_one()
