"""Every API route declares its response schema; the schemas keep the JSON the services build; the
vocabularies in api/vocab.py are the ones the services and the model use."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from tests.api_helpers import api_routes


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from api.app import create_app
    from cocreate.settings import Settings

    url = f"sqlite:///{tmp_path_factory.mktemp('schema') / 'routes.db'}"
    with pytest.MonkeyPatch.context() as mp:  # the in-process worker reads its settings from the environment
        mp.setenv("COCREATE_DATABASE_URL", url)
        mp.setenv("COCREATE_ANALYZER_FACTORY", "tests.stand_ins:rule_analyzer")
        mp.delenv("REDIS_URL", raising=False)
        yield create_app(Settings())


def test_every_route_declares_a_response_schema(app):
    routes = [r for r in api_routes(app.routes) if r.include_in_schema]
    assert len(routes) >= 20
    missing = [
        f"{sorted(r.methods)} {r.path}"
        for r in routes
        if r.response_model is None and r.status_code != 204 and r.path != "/metrics"
    ]
    assert missing == [], f"routes without response_model: {missing}"
    spec = app.openapi()
    ops = [(p, m, op) for p, item in spec["paths"].items() for m, op in item.items()]
    assert len(ops) == len(routes)
    for path, method, op in ops:
        ok = {c: r for c, r in op["responses"].items() if c.startswith("2")}
        assert ok, f"{method} {path}: no success response"
        for code, resp in ok.items():
            if code == "204":
                assert "content" not in resp, f"{method} {path}: 204 with a body"
                continue
            schemas = [c.get("schema") for c in resp.get("content", {}).values()]
            assert schemas and all(schemas), f"{method} {path} {code}: no response schema"
            if path != "/metrics":
                assert any("$ref" in s for s in schemas), f"{method} {path} {code}: untyped body {schemas}"
    ids = [op["operationId"] for _, _, op in ops]
    assert len(ids) == len(set(ids)), "operationIds must be unique (the typed client's function names)"
    # errors are documented as RFC 9457 problems, not FastAPI's default validation shape
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert spec["paths"]["/v1/ideas"]["get"]["responses"]["401"]["content"]["application/problem+json"]


def test_vocabularies_match_services_and_model():
    from api.alerts import service as alerts
    from api.auth import service as auth
    from api.ideas import service as ideas
    from api.vocab import AlertStatus, IdeaSort, IdeaStatus, Intent, Role, Signal, WebhookEvent, values
    from api.webhooks import service as webhooks
    from model.heads import INTENTS, SIGNALS

    assert values(Intent) == tuple(INTENTS) and values(Signal) == tuple(SIGNALS)
    assert values(IdeaStatus) == ideas.STATUSES and values(IdeaSort) == ideas.SORTS
    assert values(AlertStatus) == alerts.ALERT_STATUSES and values(WebhookEvent) == webhooks.EVENTS
    assert values(Role) == auth.ROLES
    assert IdeaStatus.planned == "planned" and json.dumps(IdeaStatus.planned) == '"planned"'


def test_schemas_keep_the_services_json(app):
    """What the routes send is exactly what the services build (same names, same values), plus ``count``."""
    from sqlalchemy import update

    from api.auth.service import create_key, create_tenant
    from api.db.models import Idea, Post
    from api.db.session import session_scope
    from api.ideas import service as ideas
    from api.posts import service as posts
    from api.users import service as users
    from api.worker.broker import join_embedded

    url = app.state.settings.db_url
    with TestClient(app) as client:
        with session_scope(url) as s:
            t = create_tenant(s, "shape")
            keys = {r: create_key(s, t, r) for r in ("ingest", "pm", "admin")}
        h = {r: {"Authorization": f"Bearer {k}"} for r, k in keys.items()}
        from tests.test_api import IDEAS as texts

        body = {
            "posts": [
                {
                    "external_id": f"s{i}",
                    "user_id": f"u{i % 3}",
                    "text": x,
                    "created_at": f"2026-10-0{1 + i % 5}T10:00:00+08:00",
                }
                for i, x in enumerate(texts)
            ]
        }
        ing = client.post("/v1/posts", json=body, headers=h["ingest"])
        assert ing.status_code == 200 and set(ing.json()) == {"accepted", "new", "refused", "results", "errors"}
        join_embedded()
        join_embedded()
        with session_scope(url) as s:  # one idea made here: this test is about shapes, not clustering
            idea = Idea(
                tenant_id=t.id, cluster_id=10_000, title="夜间模式", keywords=["夜间模式", "深色"], quotes=[texts[0]]
            )
            s.add(idea)
            s.flush()
            s.execute(
                update(Post)
                .where(Post.tenant_id == t.id, Post.external_id.in_(["s0", "s1", "s2"]))
                .values(idea_id=idea.id)
            )
        got = client.get("/v1/posts?limit=5", headers=h["pm"]).json()
        listed = client.get("/v1/ideas", headers=h["pm"]).json()
        assert listed["items"] and listed["count"] == len(listed["items"])
        iid = listed["items"][0]["id"]
        assert client.patch(f"/v1/ideas/{iid}", json={"status": "planned"}, headers=h["pm"]).status_code == 200
        one = client.get(f"/v1/ideas/{iid}", headers=h["pm"]).json()
        listed = client.get("/v1/ideas", headers=h["pm"]).json()
        user = client.get("/v1/users/u0", headers=h["pm"]).json()
        people = client.get("/v1/users", headers=h["pm"]).json()
        clock = client.get("/v1/response-clock", headers=h["pm"]).json()
        with session_scope(url) as s:
            rows = [s.get(Post, p["id"]) for p in got["items"]]
            want_posts = [posts.post_json(p) for p in rows]
            want_ideas = ideas.list_ideas(s, t.id)
            want_one = ideas.idea_json(s, s.get(Idea, one["id"]), detail=True)
            u0 = users.get_user(s, t.id, "u0")
            want_user = users.user_json(s, u0, detail=True)
            want_people = users.list_users(s, t.id)
            want_clock = users.response_clock(s, t.id)

    def same(api, want):
        assert api == json.loads(json.dumps(want)), (api, want)

    same(got["items"], want_posts)
    assert got["count"] == 5 and got["next_cursor"]
    same(listed["items"], want_ideas)
    same(one, want_one)
    assert one["history"][0]["from"] == "open" and one["history"][0]["to"] == "planned"
    same(user, want_user)
    same(people["items"], want_people)
    same(clock, want_clock)
