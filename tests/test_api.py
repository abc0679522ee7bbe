"""The REST API end to end (SQLite and PostgreSQL), with the fast rule analyzer in the in-process worker."""

from __future__ import annotations

import hashlib

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.api_helpers import db_url, drop_pg_db

IDEAS = [
    "希望增加夜间模式，晚上太刺眼",
    "建议出深色主题，夜里看眼睛疼",
    "能不能加个暗黑模式",
    "求夜间模式！深色界面",
    "希望支持全局深色模式",
    "建议加夜间模式开关",
    "希望能优化续航，电池撑不住",
    "建议增加省电模式",
    "求优化耗电",
    "希望后续版本优化电池续航",
    "建议加电池健康度显示",
    "希望出超级省电模式",
]


@pytest.fixture(params=["sqlite", "postgresql"])
def service(request, tmp_path, monkeypatch):
    url, pg_name = db_url(request.param, tmp_path)
    monkeypatch.setenv("COCREATE_DATABASE_URL", url)
    monkeypatch.setenv("COCREATE_ANALYZER_FACTORY", "tests.stand_ins:rule_analyzer")
    monkeypatch.delenv("REDIS_URL", raising=False)
    from api.app import create_app
    from api.auth.service import create_key, create_tenant
    from api.db.session import session_scope
    from cocreate.settings import Settings

    settings = Settings()
    app = create_app(settings)
    with TestClient(app) as client:
        keys = {}
        with session_scope(url) as s:
            for tname in ("acme", "other"):
                t = create_tenant(s, tname)
                keys[tname] = {r: create_key(s, t, r) for r in ("ingest", "pm", "moderator", "admin")}
        yield client, keys, url
    if pg_name:
        from api.db.session import engine_for

        engine_for(url).dispose()
        drop_pg_db(pg_name)


def auth(key):
    return {"Authorization": f"Bearer {key}"}


def wait_analysed():
    from api.worker.broker import join_embedded

    join_embedded()


def test_ingest_is_idempotent_and_analysed(service):
    client, keys, _ = service
    posts = [{"external_id": f"e{i}", "user_id": f"u{i % 4}", "text": t} for i, t in enumerate(IDEAS)]
    r = client.post("/v1/posts", json={"posts": posts}, headers=auth(keys["acme"]["ingest"]))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["accepted"] == len(IDEAS) and body["new"] == len(IDEAS) and not body["errors"]
    wait_analysed()
    again = client.post("/v1/posts", json={"posts": posts[:3]}, headers=auth(keys["acme"]["ingest"])).json()
    assert again["new"] == 0 and all(x["duplicate"] for x in again["results"])
    pid = body["results"][0]["id"]
    got = client.get(f"/v1/posts/{pid}", headers=auth(keys["acme"]["pm"])).json()
    assert got["status"] == "analyzed" and got["analysis"]["intent"]["label"] == "feature_request"
    listing = client.get("/v1/posts?limit=5", headers=auth(keys["acme"]["pm"])).json()
    assert len(listing["items"]) == 5 and listing["next_cursor"]
    rest = client.get(f"/v1/posts?limit=50&cursor={listing['next_cursor']}", headers=auth(keys["acme"]["pm"])).json()
    ids = [p["id"] for p in listing["items"] + rest["items"]]
    assert len(ids) == len(set(ids)) == len(IDEAS)
    fr = client.get("/v1/posts?intent=feature_request", headers=auth(keys["acme"]["pm"])).json()
    assert len(fr["items"]) >= 8


def test_ideas_form_and_pm_actions(service):
    client, keys, _ = service
    posts = [{"external_id": f"i{i}", "user_id": f"u{i}", "text": t} for i, t in enumerate(IDEAS)]
    client.post("/v1/posts", json={"posts": posts}, headers=auth(keys["acme"]["ingest"]))
    wait_analysed()
    wait_analysed()  # re-clustering is queued by the analysis task
    ideas = client.get("/v1/ideas", headers=auth(keys["acme"]["pm"])).json()["items"]
    assert len(ideas) >= 2 and all(i["title"] for i in ideas)
    for sort in ("trending", "newest", "most_negative"):
        other = client.get(f"/v1/ideas?sort={sort}", headers=auth(keys["acme"]["pm"])).json()["items"]
        assert sorted(i["id"] for i in other) == sorted(i["id"] for i in ideas)
    assert client.get("/v1/ideas?sort=random", headers=auth(keys["acme"]["pm"])).status_code == 422
    a, b = ideas[0]["id"], ideas[1]["id"]
    r = client.post(f"/v1/ideas/{a}/votes", json={"user_id": "fan1"}, headers=auth(keys["acme"]["ingest"]))
    assert r.json()["counted"] is True
    assert (
        client.post(f"/v1/ideas/{a}/votes", json={"user_id": "fan1"}, headers=auth(keys["acme"]["ingest"])).json()[
            "counted"
        ]
        is False
    )
    r = client.patch(f"/v1/ideas/{a}", json={"status": "planned", "by": "pm-li"}, headers=auth(keys["acme"]["pm"]))
    assert r.status_code == 200 and r.json()["history"][-1]["to"] == "planned"
    r = client.patch(f"/v1/ideas/{b}", json={"merge_into": a}, headers=auth(keys["acme"]["pm"]))
    assert r.json()["status"] == "duplicate" and r.json()["merged_into"] == a
    merged = client.get(f"/v1/ideas/{a}", headers=auth(keys["acme"]["pm"])).json()
    assert merged["posts"] == ideas[0]["posts"] + ideas[1]["posts"] and "fan1" in merged["supporter_ids"]
    r = client.post(
        f"/v1/ideas/{a}/responses", json={"staff": "官方", "text": "已排期"}, headers=auth(keys["acme"]["pm"])
    )
    assert r.status_code == 201 and r.json()["responses"][0]["text"] == "已排期"
    # roles: an ingest key may not change statuses
    assert (
        client.patch(f"/v1/ideas/{a}", json={"status": "shipped"}, headers=auth(keys["acme"]["ingest"])).status_code
        == 403
    )


def test_posts_phrased_as_requests_reach_the_board_whatever_their_intent_label(service):
    """The service's board takes the posts ``cocreate cluster`` takes (model.ideas.is_request), not only
    those the intent head labels feature requests; a request to fix stays off."""
    from api.db.models import Post, PostAnalysis
    from api.db.session import session_scope

    client, keys, url = service
    asks = ["隔壁App都有夜间模式了，我们的还是白晃晃一片", "深色主题有计划吗", "别的软件都支持深色模式了"]
    fix = "夜间模式开了以后字看不清，求尽快修复"
    posts = [{"external_id": f"b{i}", "user_id": f"u{i}", "text": t} for i, t in enumerate([*IDEAS, *asks, fix])]
    client.post("/v1/posts", json={"posts": posts}, headers=auth(keys["acme"]["ingest"]))
    wait_analysed()
    wait_analysed()
    with session_scope(url) as s:
        rows = {
            t: (intent, board, idea)
            for t, intent, board, idea in s.execute(
                select(Post.text, PostAnalysis.intent, PostAnalysis.board, Post.idea_id).join(PostAnalysis)
            )
        }
    assert all(rows[t][1] for t in asks) and not rows[fix][1]
    assert any(rows[t][0] != "feature_request" for t in asks)  # the label alone would have left them out
    on_board = [t for t in asks if rows[t][2] is not None]
    assert on_board, "no post phrased as a request was put into an idea"


def test_tenant_isolation(service):
    client, keys, _ = service
    r = client.post(
        "/v1/posts", json={"posts": [{"external_id": "x", "text": "客服很好"}]}, headers=auth(keys["acme"]["ingest"])
    )
    pid = r.json()["results"][0]["id"]
    assert client.get(f"/v1/posts/{pid}", headers=auth(keys["other"]["pm"])).status_code == 404
    assert client.get("/v1/posts", headers=auth(keys["other"]["pm"])).json()["items"] == []
    # the same external id in another tenant is a different post
    r2 = client.post(
        "/v1/posts", json={"posts": [{"external_id": "x", "text": "别的社区"}]}, headers=auth(keys["other"]["ingest"])
    )
    assert r2.json()["new"] == 1


def test_keys_are_hashed_and_checked(service):
    client, keys, url = service
    from api.db.models import ApiKey
    from api.db.session import session_scope

    key = keys["acme"]["pm"]
    with session_scope(url) as s:
        stored = list(s.scalars(select(ApiKey)))
        assert all(key not in (k.key_hash, k.prefix) for k in stored)
        assert hashlib.sha256(key.encode()).hexdigest() in {k.key_hash for k in stored}
    for bad in [None, "nonsense", key[:-2] + "xx", "cc_ffffffffffff_abc"]:
        h = auth(bad) if bad else {}
        r = client.get("/v1/posts", headers=h)
        assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["detail"]


@pytest.mark.parametrize(
    "item, status, field",
    [
        ({"external_id": "a", "text": ""}, 422, "text"),
        ({"external_id": "a", "text": "   \n"}, 422, "text"),
        ({"external_id": "a", "text": 42}, 422, "text"),
        ({"external_id": "", "text": "好"}, 422, "external_id"),
        ({"text": "好"}, 422, "external_id"),
        ({"external_id": "a", "text": "好", "created_at": "yesterday"}, 422, "created_at"),
        ({"external_id": "a", "text": "好", "colour": "red"}, 422, "colour"),
        ({"external_id": "a", "text": "长" * 10_001}, 413, "text"),
        ("just a string", 422, ""),
    ],
)
def test_bad_input_table(service, item, status, field):
    client, keys, url = service
    good = {"external_id": "good", "text": "物流很快"}
    r = client.post("/v1/posts", json={"posts": [good, item]}, headers=auth(keys["acme"]["ingest"]))
    assert r.status_code == 207, r.text
    err = r.json()["errors"][0]
    assert err["index"] == 1 and err["status"] == status and field in err["field"] and err["message"]
    assert r.json()["results"][0]["external_id"] == "good"  # the good post is not lost


def test_batch_level_errors(service):
    client, keys, _ = service
    h = auth(keys["acme"]["ingest"])
    r = client.post(
        "/v1/posts", json={"posts": [{"external_id": str(i), "text": "好"} for i in range(1001)]}, headers=h
    )
    assert r.status_code == 413 and "1000" in r.json()["detail"]
    assert client.post("/v1/posts", json={"posts": []}, headers=h).status_code == 422
    r = client.post("/v1/posts", content=b"{not json", headers=h | {"content-type": "application/json"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    r = client.post("/v1/posts", json={"posts": [{"external_id": "c", "text": "原文"}]}, headers=h)
    r = client.post("/v1/posts", json={"posts": [{"external_id": "c", "text": "改过的"}]}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["status"] == 409


def test_webhook_signed_and_logged(service, monkeypatch):
    client, keys, url = service
    import httpx

    from api.webhooks import service as webhooks

    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200 if len(seen) > 1 else 500)

    transport = httpx.MockTransport(handler)
    real = httpx.Client
    monkeypatch.setattr(httpx, "Client", lambda **kw: real(transport=transport, **kw))
    monkeypatch.setattr(webhooks, "backoff_s", lambda attempt: 0.0)
    r = client.post(
        "/v1/webhooks",
        json={"url": "https://example.test/hook", "events": ["post.analyzed"]},
        headers=auth(keys["acme"]["admin"]),
    )
    assert r.status_code == 201
    secret, sub_id = r.json()["secret"], r.json()["id"]
    client.post(
        "/v1/posts",
        json={"posts": [{"external_id": "w1", "text": "希望加夜间模式"}]},
        headers=auth(keys["acme"]["ingest"]),
    )
    wait_analysed()
    wait_analysed()
    assert len(seen) == 2  # first attempt 500, retried, then 200
    req = seen[-1]
    assert webhooks.verify(
        secret, req.headers[webhooks.TIMESTAMP_HEADER], req.content, req.headers[webhooks.SIGNATURE_HEADER]
    )
    log = client.get(f"/v1/webhooks/{sub_id}", headers=auth(keys["acme"]["admin"])).json()["deliveries"]
    assert log[0]["status"] == "delivered" and log[0]["attempts"] == 2
    assert (
        client.post(
            "/v1/webhooks", json={"url": "ftp://x", "events": ["post.analyzed"]}, headers=auth(keys["acme"]["admin"])
        ).status_code
        == 422
    )


def test_health_metrics_and_docs(service):
    client, keys, url = service
    assert client.get("/healthz").json() == {"status": "ok"}
    m = client.get("/metrics").text
    assert "cocreate_posts_pending" in m and "cocreate_http_requests_total" in m
    assert client.get("/openapi.json").json()["info"]["title"] == "cocreate API"
    r = client.get("/v1/nope")
    assert r.status_code == 404 and "see /docs" in r.json()["detail"]
    from api.db.models import Post
    from api.db.session import session_scope

    with session_scope(url) as s:
        assert s.scalar(select(func.count()).select_from(Post)) == 0


def test_crisis_alert_flow_with_webhooks(service, monkeypatch):
    """A burst of deception posts opens a crisis alert (alert.opened); a moderator acknowledges and
    resolves it (alert.resolved); the response clock runs from the post that opened it."""
    client, keys, url = service
    import httpx

    sent = []
    real = httpx.Client
    monkeypatch.setattr(
        httpx,
        "Client",
        lambda **kw: real(transport=httpx.MockTransport(lambda r: sent.append(r) or httpx.Response(204)), **kw),
    )
    client.post(
        "/v1/webhooks",
        json={"url": "https://example.test/a", "events": ["alert.opened", "alert.resolved"]},
        headers=auth(keys["acme"]["admin"]),
    )
    import datetime as dt

    t0 = dt.datetime(2026, 10, 16, 20, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    calm = [
        {
            "external_id": f"bg{i}",
            "user_id": f"b{i % 7}",
            "text": "物流挺快，包装完好",
            "created_at": (t0 - dt.timedelta(hours=30) + dt.timedelta(minutes=40 * i)).isoformat(),
        }
        for i in range(40)
    ]
    scandal = [
        {
            "external_id": f"s{i}",
            "user_id": f"v{i}",
            "text": f"买到假货，客服还说是正品，骗子！第{i}位受害者",
            "created_at": (t0 + dt.timedelta(minutes=2 * i)).isoformat(),
        }
        for i in range(15)
    ]
    h = auth(keys["acme"]["ingest"])
    assert client.post("/v1/posts", json={"posts": calm}, headers=h).status_code == 200
    wait_analysed()
    assert client.post("/v1/posts", json={"posts": scandal}, headers=h).status_code == 200
    wait_analysed()
    wait_analysed()
    alerts = client.get("/v1/alerts", headers=auth(keys["acme"]["moderator"])).json()["items"]
    crises = [a for a in alerts if a["kind"] == "crisis"]
    assert len(crises) == 1, alerts
    a = crises[0]
    assert a["severity"] >= 5 and a["detail"]["signal_mix"]["deception"] >= 5
    assert a["respond_by"] > a["opened_at"] and a["detail"]["playbook"][0]["step"] == "respond"
    assert client.get("/v1/alerts", headers=auth(keys["other"]["moderator"])).json()["items"] == []
    r = client.patch(
        f"/v1/alerts/{a['id']}",
        json={"status": "acknowledged", "note": "已在原帖回应"},
        headers=auth(keys["acme"]["moderator"]),
    )
    assert r.json()["status"] == "acknowledged" and r.json()["notes"][0]["text"] == "已在原帖回应"
    r = client.patch(f"/v1/alerts/{a['id']}", json={"status": "resolved"}, headers=auth(keys["acme"]["moderator"]))
    assert r.json()["resolved_at"]
    wait_analysed()
    events = [__import__("json").loads(x.content)["event"] for x in sent]
    assert events.count("alert.opened") == 1 and events.count("alert.resolved") == 1
    assert (
        client.patch(f"/v1/alerts/{a['id']}", json={"status": "resolved"}, headers=auth(keys["acme"]["pm"])).status_code
        == 403
    )


def test_users_ledger_and_response_clock(service):
    client, keys, url = service
    import datetime as dt

    t0 = dt.datetime(2026, 10, 1, 10, tzinfo=dt.UTC)
    posts = [
        {
            "external_id": "f1",
            "user_id": "fan",
            "text": "第三台了，又回购了，还推荐给同事买了",
            "created_at": t0.isoformat(),
        },
        {
            "external_id": "f2",
            "user_id": "fan",
            "text": "非常满意，已经分享给朋友",
            "created_at": (t0 + dt.timedelta(days=1)).isoformat(),
        },
        {
            "external_id": "f3",
            "user_id": "fan",
            "text": "客服骗人，说好的赔偿不给，再也不买了，太失望了",
            "created_at": (t0 + dt.timedelta(days=2)).isoformat(),
        },
        {
            "external_id": "q1",
            "user_id": "calm",
            "text": "请问怎么设置夜间模式？",
            "created_at": (t0 + dt.timedelta(days=2)).isoformat(),
        },
    ]
    client.post("/v1/posts", json={"posts": posts}, headers=auth(keys["acme"]["ingest"]))
    wait_analysed()
    h = auth(keys["acme"]["pm"])
    fan = client.get("/v1/users/fan", headers=h).json()
    assert fan["posts"] and fan["four_highs"]["repurchase"] >= 1 and fan["super_score"] > 0
    assert len(fan["history"]) == 3
    top = client.get("/v1/users?sort=super", headers=h).json()["items"]
    assert top[0]["id"] == "fan"
    assert client.get("/v1/users/nobody", headers=h).status_code == 404
    clock = client.get("/v1/response-clock", headers=h).json()
    assert clock["posts"]["posts"] == 4 and clock["posts"]["answered"] == 0 and clock["posts"]["target_min"] == 15
    pid = client.get("/v1/posts?limit=50", headers=h).json()["items"][0]["id"]
    r = client.post(
        f"/v1/posts/{pid}/responses",
        json={"staff": "客服小米", "text": "您好，已为您处理"},
        headers=auth(keys["acme"]["moderator"]),
    )
    assert r.status_code == 201
    clock = client.get("/v1/response-clock", headers=h).json()
    assert clock["posts"]["answered"] == 1 and clock["posts"]["unanswered"] == 3


def test_embedded_worker_threads_can_be_niced(tmp_path, monkeypatch):
    """COCREATE_WORKER_NICE=10: the in-process analysis threads run niced, request threads do not."""
    import os
    import threading

    from dramatiq.worker import _WorkerThread

    monkeypatch.setenv("COCREATE_DATABASE_URL", f"sqlite:///{tmp_path}/nice.db")
    monkeypatch.setenv("COCREATE_ANALYZER_FACTORY", "tests.stand_ins:rule_analyzer")
    monkeypatch.setenv("COCREATE_WORKER_NICE", "10")
    monkeypatch.delenv("REDIS_URL", raising=False)
    from api.app import create_app
    from api.worker.broker import stop_embedded_worker
    from cocreate.settings import Settings

    stop_embedded_worker()
    base = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    with TestClient(create_app(Settings())):
        workers = [t for t in threading.enumerate() if isinstance(t, _WorkerThread)]
        assert workers
        assert all(os.getpriority(os.PRIO_PROCESS, t.native_id) == min(19, base + 10) for t in workers)
        assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == base
