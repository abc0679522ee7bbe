"""The crisis detector a worker keeps in memory between batches (api/alerts/detectors.py): the row holds a
checkpoint; a process that restarts, or whose batch was rolled back, loads it and replays what was read
since, and ends with the alerts (same ids, same counts) of a worker that never stopped."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from sqlalchemy import select

from tests.api_helpers import db_url
from tests.test_concurrency import CountingDetector

T0 = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)


class StreamAnalyzer:
    """Every post negative; 'burst' posts are deception about 假货, the rest logistics grumbles."""

    def analyze(self, texts, **_):
        from model.analyzer import Analysis

        v = np.ones(384, np.float32) / np.sqrt(384)
        out = []
        for t in texts:
            burst = "假货" in t
            out.append(
                Analysis(
                    [t],
                    ["假货"] if burst else ["物流"],
                    {"label": "negative", "score": -0.8},
                    {"label": "complaint", "scores": {"complaint": 1.0}},
                    {"deception": 1.0} if burst else {},
                    ["deception"] if burst else [],
                    v,
                )
            )
        return out


def _stream() -> list[dict]:
    rows = [
        {
            "external_id": f"b{h}-{k}",
            "user_id": f"u{h % 40}",
            "text": f"物流太慢了{h}-{k}",
            "created_at": (T0 + dt.timedelta(hours=h, minutes=30 * k + 7)).isoformat(),
        }
        for h in range(72)
        for k in range(2)
    ]
    t = T0 + dt.timedelta(days=3, hours=20)
    rows += [
        {
            "external_id": f"c{k}",
            "user_id": f"v{k}",
            "text": f"收到的是假货{k}",
            "created_at": (t + dt.timedelta(minutes=k)).isoformat(),
        }
        for k in range(30)
    ]
    return rows


@pytest.fixture
def sqlite_url(tmp_path):
    from api.db.session import migrate

    def make(name: str) -> str:
        url, _ = db_url("sqlite", tmp_path / name)
        migrate(url)
        return url

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    return make


def _run(url: str, restart_every: int | None) -> list[tuple]:
    from api.alerts import detectors
    from api.analysis.service import analyse_pending
    from api.auth.service import create_tenant
    from api.db.models import Alert
    from api.db.session import session_scope
    from api.posts.service import ingest
    from cocreate.settings import Settings

    with session_scope(url) as s:
        t = create_tenant(s, "acme")
        ids = ingest(s, t, _stream(), Settings()).new_ids
    for i in range(0, len(ids), 10):
        if restart_every and i and (i // 10) % restart_every == 0:
            detectors.forget()  # the process restarts: its detector is gone, the row holds a checkpoint
        with session_scope(url) as s:
            analyse_pending(s, ids[i : i + 10], StreamAnalyzer(), "w")
    with session_scope(url) as s:
        return [(a.alert_key, a.kind, a.detail.get("count")) for a in s.scalars(select(Alert).order_by(Alert.id))]


def test_restarts_between_checkpoints_replay_and_reopen_nothing(sqlite_url, monkeypatch):
    from api.alerts import detectors
    from api.alerts import service as alerts

    monkeypatch.setattr(detectors, "CHECKPOINT_EVERY", 3600.0)  # only the first batch of a process saves
    replays = []
    replay = alerts._replay_events
    monkeypatch.setattr(alerts, "_replay_events", lambda s, t: replays.append(len(r := replay(s, t))) or r)
    never = _run(sqlite_url("a"), None)
    assert sum(replays) == 0
    restarted = _run(sqlite_url("b"), 3)
    assert sum(1 for r in replays if r) >= 5 and sum(replays) == 5 * 20  # the checkpoints were stale, posts replayed
    assert any(kind == "crisis" for _, kind, _ in never)
    assert restarted == never  # the same alerts under the same keys with the same counts: none reopened


def test_a_rolled_back_batch_is_not_counted_twice_and_a_restart_misses_nothing(tmp_path, monkeypatch):
    from api.alerts import detectors
    from api.alerts import service as alerts
    from api.analysis.service import analyse_pending
    from api.auth.service import create_tenant
    from api.db.models import Tenant
    from api.db.session import migrate, session_scope, sessions
    from api.posts.service import ingest
    from cocreate.settings import Settings

    monkeypatch.setattr(detectors, "CHECKPOINT_EVERY", 3600.0)
    monkeypatch.setattr(alerts, "detector_for", lambda tenant: CountingDetector(tenant.crisis_state))
    url, _ = db_url("sqlite", tmp_path)
    migrate(url)
    with session_scope(url) as s:
        t = create_tenant(s, "acme")
        ids = ingest(s, t, _stream()[:40], Settings()).new_ids

    def state():
        with session_scope(url) as s:
            return [int(i) for i in s.scalar(select(Tenant.crisis_state).where(Tenant.id == t.id))["ids"]]

    def analyse(batch):
        with session_scope(url) as s:
            analyse_pending(s, batch, StreamAnalyzer(), "w")

    analyse(ids[:10])
    analyse(ids[10:20])
    assert state() == ids[:10]  # the row holds the first batch's checkpoint; the rest is in memory
    s = sessions(url)()
    analyse_pending(s, ids[20:30], StreamAnalyzer(), "w")  # the cached detector reads them, then ...
    s.rollback()  # ... the batch is rolled back (its analyses, the read mark and the token with it)
    s.close()
    analyse(ids[20:30])  # the row's token is not the cache's: checkpoint + replay of 10..20, then 20..30
    assert state() == ids[:30]  # each post once, in order
    analyse(ids[30:35])
    detectors.forget()  # restart: 30..35 exist only in the lost memory
    analyse(ids[35:40])
    assert state() == ids  # replayed from the checkpoint, nothing lost, nothing twice
