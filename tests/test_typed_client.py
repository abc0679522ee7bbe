"""A typed client generated from the live app's /openapi.json (openapi-python-client, a dev extra) ingests,
reads and lists through real HTTP: every answer parses into its generated model, errors into ProblemPublic."""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest

PACKAGE = "cocreate_client"


def _generator() -> list[str] | None:
    if importlib.util.find_spec("openapi_python_client") is not None:
        return [sys.executable, "-m", "openapi_python_client"]
    exe = os.environ.get("OPENAPI_PYTHON_CLIENT") or shutil.which("openapi-python-client")
    return [exe] if exe else None


GENERATOR = _generator()
pytestmark = pytest.mark.skipif(
    GENERATOR is None,
    reason="openapi-python-client is not installed (pip install -e '.[dev]', or set OPENAPI_PYTHON_CLIENT)",
)


@pytest.fixture
def live(tmp_path, monkeypatch):
    """The app served by uvicorn on a free port (SQLite, in-process worker, fake analyzer)."""
    import uvicorn

    url = f"sqlite:///{tmp_path / 'typed.db'}"
    monkeypatch.setenv("COCREATE_DATABASE_URL", url)
    monkeypatch.setenv("COCREATE_ANALYZER_FACTORY", "tests.stand_ins:rule_analyzer")
    monkeypatch.delenv("REDIS_URL", raising=False)
    from api.app import create_app
    from cocreate.settings import Settings

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(Settings()), host="127.0.0.1", port=port, log_level="warning"))
    th = threading.Thread(target=server.run, daemon=True)
    th.start()
    deadline = time.time() + 60
    while not server.started and time.time() < deadline and th.is_alive():
        time.sleep(0.1)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}", url
    finally:
        server.should_exit = True
        th.join(30)


def _generate(base: str, out) -> None:
    (out / "openapi.json").write_bytes(httpx.get(f"{base}/openapi.json", timeout=30).content)
    (out / "config.yaml").write_text(f"package_name_override: {PACKAGE}\npost_hooks: []\n")
    r = subprocess.run(
        [
            *GENERATOR,
            "generate",
            "--path",
            str(out / "openapi.json"),
            "--meta",
            "none",
            "--output-path",
            str(out / PACKAGE),
            "--config",
            str(out / "config.yaml"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Warning" not in r.stdout + r.stderr, r.stdout + r.stderr  # nothing of the schema was skipped


def test_generated_client_calls_the_live_app(live, tmp_path, monkeypatch):
    pytest.importorskip("attrs", reason="the generated client needs attrs (installed with openapi-python-client)")
    base, url = live
    from api.auth.service import create_key, create_tenant
    from api.db.session import session_scope

    with session_scope(url) as s:
        t = create_tenant(s, "typed")
        keys = {r: create_key(s, t, r) for r in ("ingest", "pm", "admin")}
    _generate(base, tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    for m in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[m]

    def mod(name):
        return importlib.import_module(f"{PACKAGE}.{name}")

    models = mod("models")
    Client = mod("client").AuthenticatedClient
    ingest, pm, admin = (Client(base_url=base, token=keys[r]) for r in ("ingest", "pm", "admin"))

    body = models.PostsIn(
        posts=[
            models.PostsInPostIn(external_id=f"t{i}", text=x, user_id=f"u{i}")
            for i, x in enumerate(["希望增加夜间模式", "客服态度很好，物流很快"])
        ]
    )
    res = mod("api.posts.ingest_posts").sync(client=ingest, body=body)
    assert isinstance(res, models.IngestPublic) and res.new == 2 and res.errors == []
    assert all(isinstance(r.status, models.PostStatus) for r in res.results)

    list_posts = mod("api.posts.list_posts")
    deadline = time.time() + 60
    while list_posts.sync(client=pm, status=models.PostStatus.PENDING).count and time.time() < deadline:
        time.sleep(0.2)
    page = list_posts.sync(client=pm, limit=10)
    assert isinstance(page, models.PostsPublic) and page.count == 2 and page.next_cursor is None
    post = mod("api.posts.get_post").sync(res.results[0].id, client=pm)
    assert isinstance(post, models.PostPublic) and post.status == models.PostStatus.ANALYZED
    assert post.analysis.intent.label == models.Intent.FEATURE_REQUEST
    assert isinstance(post.analysis.sentiment.label, models.SentimentLabel)
    assert isinstance(post.created_at, dt.datetime) and post.created_at.tzinfo is not None

    missing = mod("api.posts.get_post").sync(999_999, client=pm)
    assert isinstance(missing, models.ProblemPublic) and missing.status == 404 and "no post" in missing.detail
    denied = mod("api.ideas.patch_idea").sync(1, client=ingest, body=models.IdeaPatch(status=models.IdeaStatus.SHIPPED))
    assert isinstance(denied, models.ProblemPublic) and denied.status == 403

    ideas = mod("api.ideas.list_ideas").sync(client=pm, sort=models.IdeaSort.NEWEST)
    assert isinstance(ideas, models.IdeasPublic) and ideas.count == len(ideas.items)
    sub = mod("api.webhooks.create_subscription").sync(
        client=admin,
        body=models.SubscriptionIn(url="https://example.test/hook", events=[models.WebhookEvent.IDEA_CREATED]),
    )
    assert isinstance(sub, models.SubscriptionCreatedPublic) and len(sub.secret) >= 32
    subs = mod("api.webhooks.list_subscriptions").sync(client=admin)
    assert subs.count == 1 and subs.items[0].events == [models.WebhookEvent.IDEA_CREATED]
    clock = mod("api.users.response_clock").sync(client=pm)
    assert isinstance(clock, models.ResponseClockPublic) and clock.posts.posts == 2 and clock.posts.target_min == 15
    users = mod("api.users.list_users").sync(client=pm, sort=models.UserSort.SUPER)
    assert isinstance(users, models.UsersPublic) and {u.id for u in users.items} == {"u0", "u1"}
    assert mod("api.ops.healthz").sync(client=pm).status == "ok"
