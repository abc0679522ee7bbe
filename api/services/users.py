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
    """Each author's account takes the post's sentiment and signals; state is one JSON column."""
    accounts: dict[int, tuple[CommunityUser, TrustAccount]] = {}
    for p, a in sorted(zip(posts, analyses), key=lambda pa: pa[0].created_at):
        if p.user_id is None:
            continue
        if p.user_id not in accounts:
            u = session.get(CommunityUser, p.user_id)
            accounts[p.user_id] = (u, TrustAccount.from_dict(u.ledger, RULES))
        created = p.created_at if p.created_at.tzinfo else p.created_at.replace(tzinfo=dt.UTC)
        accounts[p.user_id][1].observe(created, float(a.sentiment["score"]), list(a.signals))
    for u, acc in accounts.values():
        u.ledger = acc.to_dict()


def _account(session: Session, u: CommunityUser) -> TrustAccount:
    acc = TrustAccount.from_dict(u.ledger, RULES)
    idea_ids = set(session.scalars(select(Post.idea_id).where(Post.user_id == u.id, Post.idea_id.is_not(None))))
    idea_ids |= set(session.scalars(select(Vote.idea_id).where(Vote.user_id == u.id)))
    acc.ideas = len(idea_ids)
    acc.shipped = session.scalar(select(func.count()).select_from(Idea).where(
        Idea.id.in_(idea_ids), Idea.status == "shipped")) if idea_ids else 0
    return acc


def user_json(session: Session, u: CommunityUser, detail: bool = False) -> dict:
    acc = _account(session, u)
    d = {"id": u.external_id, "display_name": u.display_name} | acc.summary()
    if not detail:
        d.pop("history")
        return d
    posts = session.scalars(select(Post).where(Post.user_id == u.id).order_by(Post.created_at.desc()).limit(50))
    d["posts"] = [{"id": p.id, "text": p.text[:200], "created_at": p.created_at.isoformat(), "idea_id": p.idea_id,
                   "sentiment": p.analysis.sentiment_score if p.analysis else None,
                   "signals": p.analysis.signals if p.analysis else []} for p in posts]
    d["ideas"], d["ideas_shipped"] = acc.ideas, acc.shipped
    return d


def get_user(session: Session, tenant_id: int, external_id: str) -> CommunityUser | None:
    return session.scalar(select(CommunityUser).where(CommunityUser.tenant_id == tenant_id,
                                                      CommunityUser.external_id == external_id))


def list_users(session: Session, tenant_id: int, sort: str = "super", limit: int = 50) -> list[dict]:
    users = list(session.scalars(select(CommunityUser).where(CommunityUser.tenant_id == tenant_id,
                                                             CommunityUser.ledger.is_not(None))))
    items = [user_json(session, u) for u in users]
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
    for u in session.scalars(select(CommunityUser).where(CommunityUser.tenant_id == tenant_id,
                                                         CommunityUser.ledger.is_not(None))):
        out[u.id] = TrustAccount.from_dict(u.ledger, RULES).vote_weight()
    return out


def response_clock(session: Session, tenant_id: int, target_min: float = 15.0, since: dt.datetime | None = None) -> dict:
    """Time to first staff response per post (a response on the post itself, or on its idea after the post)
    and per idea (first response after the idea was created)."""
    q = select(Post).where(Post.tenant_id == tenant_id)
    if since:
        q = q.where(Post.created_at >= since)
    post_resp = dict(session.execute(select(StaffResponse.post_id, func.min(StaffResponse.created_at))
                                     .where(StaffResponse.tenant_id == tenant_id, StaffResponse.post_id.is_not(None))
                                     .group_by(StaffResponse.post_id)).all())
    idea_resp: dict[int, list[dt.datetime]] = {}
    for iid, at in session.execute(select(StaffResponse.idea_id, StaffResponse.created_at)
                                   .where(StaffResponse.tenant_id == tenant_id, StaffResponse.idea_id.is_not(None))):
        idea_resp.setdefault(iid, []).append(_utc(at))
    pairs = []
    for p in session.scalars(q):
        created = _utc(p.created_at)
        cands = [_utc(post_resp[p.id])] if p.id in post_resp else []
        cands += [t for t in idea_resp.get(p.idea_id, []) if t >= created]
        pairs.append((created, min(cands) if cands else None))
    target = dt.timedelta(minutes=target_min)
    ideas = [(_utc(i.created_at), min(idea_resp[i.id]) if i.id in idea_resp else None)
             for i in session.scalars(select(Idea).where(Idea.tenant_id == tenant_id))]
    return {"posts": response_stats(pairs, target), "ideas": response_stats(ideas, target)}


def _utc(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


