"""Ideas: online assignment of new feature requests, scheduled re-clustering with stable ids, PM actions."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterable
from typing import TypedDict

import numpy as np
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from api import queue
from api.db.models import (
    CommunityUser,
    Idea,
    Notification,
    Post,
    PostAnalysis,
    StaffResponse,
    StatusChange,
    TaskLock,
    Tenant,
    Vote,
)
from api.webhooks import service as webhooks
from model.clustering import IdeaClusterer
from model.ideas import SMALL_BOARD_MIN_IDEA, is_request, request_probability, summarize

STATUSES = ("open", "under_review", "planned", "in_progress", "shipped", "declined", "duplicate")
RECLUSTER_AFTER_NEW = 10  # unassigned feature requests (or 5% of the clustered ones) that trigger a re-clustering
RECLUSTER_MIN_INTERVAL = dt.timedelta(seconds=60)
_cache: dict[int, tuple[int, IdeaClusterer]] = {}
_cache_lock = threading.Lock()


def clusterer_of(tenant: Tenant) -> IdeaClusterer | None:
    """The tenant's clusterer, deserialised once per version per process."""
    with _cache_lock:
        hit = _cache.get(tenant.id)
        if hit is None or hit[0] != tenant.clusterer_version:
            blob = tenant.clusterer  # deferred column: read only when the cached copy is stale
            if blob is None:
                return None
            hit = (tenant.clusterer_version, IdeaClusterer.from_bytes(blob))
            _cache[tenant.id] = hit
        return hit[1]


def after_analysis(session: Session, tenant_id: int, posts: list[Post], analyses: list) -> None:
    """Put new requests (``is_request``: what ``PostAnalysis.board`` records) into their nearest idea; ask
    for a re-clustering when enough wait."""
    fr = [(p, a) for p, a in zip(posts, analyses) if is_request(p.text, a.intent["label"], request_probability(a))]
    if not fr:
        return
    tenant = session.get_one(Tenant, tenant_id)
    m = clusterer_of(tenant)
    if m is not None and m.n_clusters_:
        ids = m.predict(np.stack([a.embedding for _, a in fr]), texts=[p.text for p, _ in fr])
        by_cluster = {
            i.cluster_id: i.id
            for i in session.scalars(
                select(Idea).where(Idea.tenant_id == tenant_id, Idea.cluster_id.in_([int(c) for c in set(ids)]))
            )
        }
        for (p, _), c in zip(fr, ids):
            target = by_cluster.get(int(m.resolve(int(c)))) if c >= 0 else None
            if target is not None:
                p.idea_id = _live(session, target)
    last = tenant.reclustered_at
    if last is not None:
        last = last if last.tzinfo else last.replace(tzinfo=dt.UTC)
    waiting = session.execute(
        select(func.count())
        .select_from(Post)
        .join(PostAnalysis)
        .where(
            Post.tenant_id == tenant_id,
            Post.idea_id.is_(None),
            PostAnalysis.board.is_(True),
            Post.received_at > (last or dt.datetime(1970, 1, 1, tzinfo=dt.UTC)),
        )
    ).scalar_one()
    clustered = sum(m.sizes_) if m is not None and m.n_clusters_ else 0
    if waiting < max(RECLUSTER_AFTER_NEW, 0.05 * clustered):
        return
    # re-clustering reads every feature request of the tenant: at most once a minute, the rest is deferred
    wait_s = 0.0 if last is None else (RECLUSTER_MIN_INTERVAL - (dt.datetime.now(dt.UTC) - last)).total_seconds()
    if wait_s <= 0:
        queue.enqueue(session, "recluster_tenant", tenant_id, key=("recluster", tenant_id))
    else:  # the task drops a deferred request when another re-clustering ran after it was made
        queue.enqueue(
            session, "recluster_tenant", tenant_id, time.time(), delay_s=wait_s + 0.5, key=("recluster", tenant_id)
        )


def _live(session: Session, idea_id: int) -> int:
    """Follow merges to the idea that lives on."""
    seen = set()
    idea = session.get_one(Idea, idea_id)
    while idea.merged_into and idea.id not in seen:
        seen.add(idea.id)
        idea = session.get_one(Idea, idea.merged_into)
    return idea.id


def acquire_lock(session: Session, name: str, holder: str, ttl_s: float = 900) -> bool:
    """A row lock in the database: one holder per name until it is released or expires."""
    now = dt.datetime.now(dt.UTC)
    session.execute(delete(TaskLock).where(TaskLock.name == name, TaskLock.expires_at < now))
    try:
        with session.begin_nested():
            session.add(TaskLock(name=name, holder=holder, expires_at=now + dt.timedelta(seconds=ttl_s)))
            session.flush()
        return True
    except Exception:  # noqa: BLE001 - IntegrityError on both dialects: someone else holds it
        return False


def release_lock(session: Session, name: str, holder: str) -> None:
    session.execute(delete(TaskLock).where(TaskLock.name == name, TaskLock.holder == holder))


def recluster(
    session: Session, tenant_id: int, segmenter=None, min_cluster_size: int | None = None, granularity: str = "idea"
) -> dict:
    """Re-cluster every board post (``PostAnalysis.board``) of the tenant, keeping the ids of ideas that persist.

    ``granularity`` applies to a tenant's first clustering (later ones keep the saved clusterer's)."""
    tenant = session.get_one(Tenant, tenant_id)
    rows = session.execute(
        select(Post.id, Post.text, Post.user_id, Post.idea_id, PostAnalysis.embedding, PostAnalysis.sentiment_score)
        .join(PostAnalysis)
        .where(Post.tenant_id == tenant_id, PostAnalysis.board.is_(True))
        .order_by(Post.id)
    ).all()
    idea_rows = {i.id: i for i in session.scalars(select(Idea).where(Idea.tenant_id == tenant_id))}
    old = clusterer_of(tenant)
    if old is None:
        m = IdeaClusterer(min_cluster_size=min_cluster_size or SMALL_BOARD_MIN_IDEA, granularity=granularity)
    else:
        m = old
    if not rows:
        return {"posts": 0, "ideas": 0, "new": 0}
    X = np.stack([np.frombuffer(r.embedding, np.float32) for r in rows])
    prev = np.array([idea_rows[_live(session, r.idea_id)].cluster_id if r.idea_id else -1 for r in rows])
    texts = [r.text for r in rows]
    m.fit(X, previous=prev, sentiment=[r.sentiment_score for r in rows], texts=texts)
    labels = m.labels_
    by_cluster = {i.cluster_id: i for i in idea_rows.values()}
    words = segmenter.words if segmenter is not None else (lambda t: t.split())
    sums = {
        s.id: s for s in summarize(m, labels, texts, words, X, [r.id for r in rows], [r.sentiment_score for r in rows])
    }
    created = 0
    for cid, s in sums.items():
        idea = by_cluster.get(cid)
        if idea is None:
            idea = Idea(tenant_id=tenant_id, cluster_id=cid, title=s.label, keywords=s.keywords, quotes=s.quotes)
            session.add(idea)
            session.flush()
            by_cluster[cid] = idea
            created += 1
            webhooks.emit(
                session,
                tenant_id,
                "idea.created",
                {"idea_id": idea.id, "title": idea.title, "keywords": idea.keywords, "posts": s.size},
            )
        else:
            if not idea.title_locked:
                idea.title = s.label
            idea.keywords, idea.quotes = s.keywords, s.quotes
    for r, c in zip(rows, labels):
        target = by_cluster[int(c)].id if c >= 0 and int(c) in by_cluster else None
        if r.idea_id != target and not (target is None and r.idea_id is not None):
            session.execute(update(Post).where(Post.id == r.id).values(idea_id=target))
    tenant.clusterer = m.to_bytes()
    tenant.clusterer_version = (tenant.clusterer_version or 0) + 1
    tenant.reclustered_at = dt.datetime.now(dt.UTC)
    return {"posts": len(rows), "ideas": len(sums), "new": created, "unclustered": int((labels < 0).sum())}


# ---------------------------------------------------------------- reading and PM actions
def supporters(session: Session, idea_id: int) -> set[int]:
    posters = {
        uid
        for uid in session.scalars(select(Post.user_id).where(Post.idea_id == idea_id, Post.user_id.is_not(None)))
        if uid is not None  # excluded by the query already; narrows the type
    }
    voters = set(session.scalars(select(Vote.user_id).where(Vote.idea_id == idea_id)))
    return posters | voters


class IdeaSummary(TypedDict):
    posts: int
    sentiment_mean: float | None
    last_post_at: str | None
    supporters: set[int]
    votes: int


def idea_summaries(session: Session, idea_ids: list[int]) -> dict[int, IdeaSummary]:
    """Post count, mean sentiment, last post, supporters and votes of many ideas in three grouped queries."""
    out: dict[int, IdeaSummary] = {
        i: {"posts": 0, "sentiment_mean": None, "last_post_at": None, "supporters": set(), "votes": 0} for i in idea_ids
    }
    if not idea_ids:
        return out
    for iid, n, mean, last in session.execute(
        select(Post.idea_id, func.count(Post.id), func.avg(PostAnalysis.sentiment_score), func.max(Post.created_at))
        .select_from(Post)
        .join(PostAnalysis)
        .where(Post.idea_id.in_(idea_ids))
        .group_by(Post.idea_id)
    ):
        assert iid is not None  # the query keeps idea_id IN (idea_ids)
        out[iid] |= {
            "posts": n,
            "sentiment_mean": round(float(mean), 4) if mean is not None else None,
            "last_post_at": last.isoformat() if last else None,
        }
    for iid, uid in session.execute(
        select(Post.idea_id, Post.user_id).distinct().where(Post.idea_id.in_(idea_ids), Post.user_id.is_not(None))
    ):
        assert iid is not None and uid is not None  # the query keeps idea_id IN (idea_ids) and user_id IS NOT NULL
        out[iid]["supporters"].add(uid)
    for iid, uid in session.execute(select(Vote.idea_id, Vote.user_id).where(Vote.idea_id.in_(idea_ids))):
        out[iid]["supporters"].add(uid)
        out[iid]["votes"] += 1  # one vote per (idea, user)
    return out


def idea_json(session: Session, idea: Idea, detail: bool = False, summary: IdeaSummary | None = None) -> dict:
    """The idea as the API shows it; ``summary`` (from ``idea_summaries``) saves the per-idea queries."""
    sm = summary if summary is not None else idea_summaries(session, [idea.id])[idea.id]
    sup = sm["supporters"]
    out = {
        "id": idea.id,
        "title": idea.title,
        "keywords": idea.keywords,
        "status": idea.status,
        "posts": sm["posts"],
        "supporters": len(sup),
        "votes": sm["votes"],
        "sentiment_mean": sm["sentiment_mean"],
        "last_post_at": sm["last_post_at"],
        "merged_into": idea.merged_into,
        "created_at": idea.created_at.isoformat(),
        "quotes": idea.quotes,
    }
    if detail:
        hist = session.scalars(select(StatusChange).where(StatusChange.idea_id == idea.id).order_by(StatusChange.at))
        out["history"] = [
            {"from": h.from_status, "to": h.to_status, "by": h.by, "at": h.at.isoformat(), "note": h.note} for h in hist
        ]
        resp = session.scalars(
            select(StaffResponse).where(StaffResponse.idea_id == idea.id).order_by(StaffResponse.created_at)
        )
        out["responses"] = [{"staff": r.staff, "text": r.text, "at": r.created_at.isoformat()} for r in resp]
        users: Iterable[CommunityUser] = (
            session.scalars(select(CommunityUser).where(CommunityUser.id.in_(sup))) if sup else []
        )
        out["supporter_ids"] = sorted(u.external_id for u in users)
    return out


def idea_stats(session: Session, tenant_id: int, ideas: list[Idea]) -> list:
    """The ranking inputs (model/ranking.py) of ``ideas``: support events from posts and votes, sentiments."""
    from model.ranking import IdeaStats, Support

    ids = [i.id for i in ideas]
    support: dict[int, list] = {i: [] for i in ids}
    sents: dict[int, list] = {i: [] for i in ids}
    users = dict(
        session.execute(
            select(CommunityUser.id, CommunityUser.external_id).where(CommunityUser.tenant_id == tenant_id)
        ).all()
    )
    for iid, uid, at, score in session.execute(
        select(Post.idea_id, Post.user_id, Post.created_at, PostAnalysis.sentiment_score)
        .join(PostAnalysis, PostAnalysis.post_id == Post.id)
        .where(Post.idea_id.in_(ids))
    ):
        assert iid is not None  # the query keeps idea_id IN (ids)
        if uid is not None:
            support[iid].append(Support(users.get(uid, str(uid)), _utc(at), "post"))
        sents[iid].append(float(score))
    for iid, uid, at in session.execute(
        select(Vote.idea_id, Vote.user_id, Vote.created_at).where(Vote.idea_id.in_(ids))
    ):
        support[iid].append(Support(users.get(uid, str(uid)), _utc(at), "vote"))
    return [
        IdeaStats(i.id, _utc(i.created_at), i.status, list(i.tags or []), i.area, support[i.id], sents[i.id])
        for i in ideas
    ]


def _utc(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


SORTS = ("trending", "most_wanted", "newest", "most_negative")


def list_ideas(
    session: Session,
    tenant_id: int,
    status: str | None = None,
    sort: str = "most_wanted",
    limit: int = 50,
    now: dt.datetime | None = None,
) -> list[dict]:
    """Ideas ranked by one of model/ranking.py's sorts; "most_wanted" weighs super users more (capped)."""
    from api.users.service import vote_weights
    from model.ranking import rank

    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}")
    q = select(Idea).where(Idea.tenant_id == tenant_id, Idea.merged_into.is_(None))
    if status:
        q = q.where(Idea.status == status)
    ideas = {i.id: i for i in session.scalars(q)}
    stats = idea_stats(session, tenant_id, list(ideas.values()))
    ext_weight = {}
    if sort == "most_wanted":
        by_ext = dict(
            session.execute(
                select(CommunityUser.id, CommunityUser.external_id).where(CommunityUser.tenant_id == tenant_id)
            ).all()
        )
        ext_weight = {by_ext[k]: w for k, w in vote_weights(session, tenant_id).items() if k in by_ext}
    if now is None:  # rank "now" as of the newest support, so a replayed or quiet community still trends
        latest = [s.at for st in stats for s in st.support]
        now = max(latest) if latest else dt.datetime.now(dt.UTC)
    ranked = rank(stats, sort, now=now, weight=lambda u: ext_weight.get(u, 1.0))
    summaries = idea_summaries(session, list(ideas))
    out = []
    for st in ranked:
        d = idea_json(session, ideas[st.id], summary=summaries[st.id])
        if d["posts"] or d["votes"]:  # an idea whose posts all moved away and that nobody voted for is hidden
            out.append(d)
    return out[:limit]


def get_idea(session: Session, tenant_id: int, idea_id: int) -> Idea | None:
    i = session.get(Idea, idea_id)
    return i if i is not None and i.tenant_id == tenant_id else None


def user_of(session: Session, tenant_id: int, external_id: str) -> CommunityUser:
    from api.users.service import get_or_create_user

    return get_or_create_user(session, tenant_id, external_id)


def vote(session: Session, idea: Idea, user_external_id: str) -> bool:
    """One vote per user and idea; returns False when the user had already voted."""
    u = user_of(session, idea.tenant_id, user_external_id)
    if session.scalar(select(Vote).where(Vote.idea_id == idea.id, Vote.user_id == u.id)):
        return False
    session.add(Vote(idea_id=idea.id, user_id=u.id))
    session.flush()
    return True


def set_status(session: Session, idea: Idea, status: str, by: str, note: str | None = None) -> None:
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}")
    if status == idea.status:
        return
    session.add(StatusChange(idea_id=idea.id, from_status=idea.status, to_status=status, by=by, note=note))
    old, idea.status = idea.status, status
    webhooks.emit(
        session,
        idea.tenant_id,
        "idea.status_changed",
        {"idea_id": idea.id, "title": idea.title, "from": old, "to": status, "by": by},
    )
    notify_supporters(session, idea, f"「{idea.title}」状态更新：{old} → {status}")


def merge(session: Session, source: Idea, target: Idea, by: str) -> None:
    """Fold ``source`` into ``target``: posts and voters move (no double votes), source becomes a duplicate."""
    if source.id == target.id:
        raise ValueError("cannot merge an idea into itself")
    if target.merged_into:
        raise ValueError(f"idea {target.id} was itself merged into {target.merged_into}; merge into that one")
    session.execute(update(Post).where(Post.idea_id == source.id).values(idea_id=target.id))
    have = set(session.scalars(select(Vote.user_id).where(Vote.idea_id == target.id)))
    for v in list(session.scalars(select(Vote).where(Vote.idea_id == source.id))):
        if v.user_id in have:
            session.delete(v)
        else:
            v.idea_id = target.id
    set_status(session, source, "duplicate", by, note=f"merged into idea {target.id}")
    source.merged_into = target.id
    tenant = session.get_one(Tenant, source.tenant_id)
    m = clusterer_of(tenant)
    if (
        m is not None
        and source.cluster_id in set(m.cluster_ids_.tolist())
        and target.cluster_id in set(m.cluster_ids_.tolist())
    ):
        m.merge(source.cluster_id, target.cluster_id)
        tenant.clusterer = m.to_bytes()
        tenant.clusterer_version += 1


def respond(session: Session, idea: Idea, staff: str, text: str) -> StaffResponse:
    if not text.strip():
        raise ValueError("response text is empty")
    r = StaffResponse(tenant_id=idea.tenant_id, idea_id=idea.id, staff=staff, text=text)
    session.add(r)
    notify_supporters(session, idea, f"官方回复了「{idea.title}」：{text[:80]}")
    return r


def notify_supporters(session: Session, idea: Idea, text: str) -> int:
    sup = supporters(session, idea.id)
    for uid in sup:
        session.add(Notification(user_id=uid, idea_id=idea.id, text=text))
    return len(sup)
