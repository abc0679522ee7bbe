"""Service state under concurrent workers and readers: two workers (threads, each with its own session and
connection) analyse posts of the same users of one tenant at the same moment on PostgreSQL, and no
ledger or crisis-detector update is lost; the idea and user listings cost a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import threading

import numpy as np
import pytest
from sqlalchemy import event, select

from tests.api_helpers import db_url, drop_pg_db

USERS, ROUNDS, PER_BATCH = 5, 8, 10


class CountingDetector:
    """Stands in for model.crisis.CrisisDetector: its JSON state counts the posts it observed."""

    def __init__(self, state: dict | None):
        self.state = dict(state or {"n": 0, "ids": []})

    def observe(self, ev) -> list:
        self.state["n"] += 1
        self.state["ids"] = [*self.state["ids"], ev.post_id]
        return []

    def prune(self) -> None:
        pass

    def to_dict(self) -> dict:
        return self.state


class TogetherAnalyzer:
    """Every post a purchase; the two workers leave the analyzer together, so their hooks overlap."""

    def __init__(self, barrier: threading.Barrier):
        self.barrier = barrier

    def analyze(self, texts):
        from model.analyzer import Analysis

        self.barrier.wait(timeout=30)
        v = np.ones(384, np.float32) / np.sqrt(384)
        return [
            Analysis(
                [t],
                [],
                {"label": "positive", "score": 0.9},
                {"label": "other", "scores": {"other": 1.0}},
                {"purchase": 1.0},
                ["purchase"],
                v,
            )
            for t in texts
        ]


@pytest.fixture
def pg(tmp_path):
    url, name = db_url("postgresql", tmp_path)
    from api.db.session import migrate

    migrate(url)
    yield url
    from api.db.session import engine_for

    engine_for(url).dispose()
    drop_pg_db(name)


def _ingest(url: str, n: int) -> tuple[int, list[int]]:
    from api.auth.service import create_tenant
    from api.db.session import session_scope
    from api.posts.service import ingest
    from cocreate.settings import Settings

    with session_scope(url) as s:
        t = create_tenant(s, "acme")
        t0 = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
        res = ingest(
            s,
            t,
            [
                {
                    "external_id": f"p{i}",
                    "user_id": f"u{i % USERS}",
                    "text": f"买了第{i}台",
                    "created_at": (t0 + dt.timedelta(minutes=i)).isoformat(),
                }
                for i in range(n)
            ],
            Settings(),
        )
        return t.id, res.new_ids


def test_two_workers_on_the_same_users_lose_no_update(pg, monkeypatch):
    from api.alerts import service as alerts
    from api.analysis.service import analyse_pending
    from api.db.models import CommunityUser, Tenant
    from api.db.session import session_scope, sessions

    monkeypatch.setattr(alerts, "detector_for", lambda tenant: CountingDetector(tenant.crisis_state))
    monkeypatch.setattr(alerts.detectors, "CHECKPOINT_EVERY", 0.0)  # the row holds every batch's state
    n = 2 * ROUNDS * PER_BATCH
    tenant_id, ids = _ingest(pg, n)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        try:
            for r in range(ROUNDS):  # worker k takes every other batch: both see all five users each round
                batch = ids[(2 * r + k) * PER_BATCH : (2 * r + k + 1) * PER_BATCH]
                s = sessions(pg)()
                try:
                    analyse_pending(s, batch, TogetherAnalyzer(barrier), f"w{k}")
                    s.commit()
                finally:
                    s.close()
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)
            barrier.abort()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    with session_scope(pg) as s:
        state = s.scalar(select(Tenant.crisis_state).where(Tenant.id == tenant_id))
        ledgers = dict(s.execute(select(CommunityUser.external_id, CommunityUser.ledger)).all())
    assert state["n"] == n and [int(i) for i in state["ids"]] == ids  # every post once, in created_at order
    per_user = n // USERS
    assert {u: (led["posts"], led["highs"]["purchase"]) for u, led in ledgers.items()} == {
        f"u{i}": (per_user, per_user) for i in range(USERS)
    }


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request, tmp_path):
    url, name = db_url(request.param, tmp_path)
    from api.db.session import migrate

    migrate(url)
    yield url
    if name:
        from api.db.session import engine_for

        engine_for(url).dispose()
        drop_pg_db(name)


def test_the_detector_reads_posts_in_stream_order_whatever_order_batches_finish(any_db, monkeypatch):
    """A batch analysed before an older one waits for it; a late post is read at once; a dead-lettered
    post stops holding the posts after it."""
    from api.alerts import service as alerts
    from api.analysis.service import analyse_pending, record_failure
    from api.db.models import Post, Tenant
    from api.db.session import session_scope
    from api.posts.service import ingest
    from cocreate.settings import Settings

    monkeypatch.setattr(alerts, "detector_for", lambda tenant: CountingDetector(tenant.crisis_state))
    monkeypatch.setattr(alerts.detectors, "CHECKPOINT_EVERY", 0.0)  # the row holds every batch's state
    tenant_id, ids = _ingest(any_db, 30)
    plain = TogetherAnalyzer(threading.Barrier(1))

    def analyse(batch):
        with session_scope(any_db) as s:
            analyse_pending(s, batch, plain, "w")

    def read():
        with session_scope(any_db) as s:
            return [
                int(i)
                for i in (s.scalar(select(Tenant.crisis_state).where(Tenant.id == tenant_id)) or {"ids": []})["ids"]
            ]

    a, b, c = ids[:10], ids[10:20], ids[20:]
    analyse(c)
    assert read() == []  # a and b are older and still pending
    analyse(a)
    assert read() == a  # c still waits for b
    analyse(b)
    assert read() == a + b + c

    def add(rows):
        with session_scope(any_db) as s:
            return ingest(s, s.get(Tenant, tenant_id), rows, Settings()).new_ids

    t0 = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    late = add(
        [
            {
                "external_id": "late",
                "user_id": "u0",
                "text": "迟到的帖子",
                "created_at": (t0 + dt.timedelta(minutes=5)).isoformat(),
            }
        ]
    )
    analyse(late)
    assert read() == a + b + c + late
    stuck, *after = add(
        [
            {
                "external_id": f"q{i}",
                "user_id": "u1",
                "text": f"帖子{i}",
                "created_at": (t0 + dt.timedelta(minutes=40 + i)).isoformat(),
            }
            for i in range(5)
        ]
    )
    analyse(after)
    assert read() == a + b + c + late
    with session_scope(any_db) as s:
        assert record_failure(s, stuck, "poisoned", 1, "analyze_posts")
    assert read() == a + b + c + late + after
    with session_scope(any_db) as s:
        assert s.get(Post, stuck).status == "failed"


# ------------------------------------------------------------------ listings: no query per idea or user
def _count_queries(url: str, fn) -> int:
    from api.db.session import engine_for

    n = [0]

    def count(*_):
        n[0] += 1

    event.listen(engine_for(url), "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(engine_for(url), "before_cursor_execute", count)
    return n[0]


def _community(url: str, n_ideas: int) -> int:
    """A tenant with ``n_ideas`` ideas, each with 3 analysed posts by 3 users and 2 votes; ledgers set."""
    from api.auth.service import create_tenant
    from api.db.models import CommunityUser, Idea, Post, PostAnalysis, Vote
    from api.db.session import session_scope

    emb = (np.ones(384, np.float32) / np.sqrt(384)).tobytes()
    with session_scope(url) as s:
        t = create_tenant(s, f"t{n_ideas}")
        users = [CommunityUser(tenant_id=t.id, external_id=f"u{j}", ledger={}) for j in range(3 * n_ideas + 2)]
        s.add_all(users)
        s.flush()
        for i in range(n_ideas):
            idea = Idea(tenant_id=t.id, cluster_id=i, title=f"idea {i}", status="shipped" if i % 2 else "open")
            s.add(idea)
            s.flush()
            for k in range(3):
                p = Post(
                    tenant_id=t.id,
                    external_id=f"p{i}-{k}",
                    text="希望增加夜间模式",
                    user_id=users[3 * i + k].id,
                    created_at=dt.datetime(2026, 10, 1, tzinfo=dt.UTC) + dt.timedelta(hours=i, minutes=k),
                    status="analyzed",
                    idea_id=idea.id,
                )
                s.add(p)
                s.flush()
                s.add(
                    PostAnalysis(
                        post_id=p.id,
                        sentiment_label="neutral",
                        sentiment_score=0.1 * k,
                        intent="feature_request",
                        intent_scores={},
                        trust={},
                        signals=[],
                        keywords=[],
                        embedding=emb,
                    )
                )
            s.add_all([Vote(idea_id=idea.id, user_id=users[-1].id), Vote(idea_id=idea.id, user_id=users[-2].id)])
        return t.id


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_idea_and_user_listings_take_a_fixed_number_of_queries(backend, tmp_path):
    from api.db.session import migrate, session_scope
    from api.ideas import service as ideas
    from api.users import service as users

    url, name = db_url(backend, tmp_path)
    migrate(url)
    try:
        small, big = _community(url, 3), _community(url, 12)
        costs = {}
        for tid, n in ((small, 3), (big, 12)):
            with session_scope(url) as s:
                out = {}
                costs[("ideas", n)] = _count_queries(
                    url, lambda: out.setdefault("i", ideas.list_ideas(s, tid, sort="most_wanted"))
                )
                costs[("users", n)] = _count_queries(url, lambda: out.setdefault("u", users.list_users(s, tid)))
                assert len(out["i"]) == n and {d["posts"] for d in out["i"]} == {3}
                assert {d["supporters"] for d in out["i"]} == {5} and {d["votes"] for d in out["i"]} == {2}
                # the listing's figures are the ones a user's own page computes; a voter backs every idea
                u = users.get_user(s, tid, f"u{3 * n + 1}")
                assert next(d for d in out["u"] if d["id"] == u.external_id) == users.user_json(s, u)
                detail = users.user_json(s, u, detail=True)
                assert (detail["ideas"], detail["ideas_shipped"]) == (n, n // 2)
                one = ideas.idea_json(s, ideas.get_idea(s, tid, out["i"][0]["id"]))
                assert {k: one[k] for k in ("posts", "supporters", "votes", "sentiment_mean")} == {
                    k: out["i"][0][k] for k in ("posts", "supporters", "votes", "sentiment_mean")
                }
        assert costs[("ideas", 3)] == costs[("ideas", 12)], costs
        assert costs[("users", 3)] == costs[("users", 12)], costs
    finally:
        if name:
            from api.db.session import engine_for

            engine_for(url).dispose()
            drop_pg_db(name)
