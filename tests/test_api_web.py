"""Web sign-in: the cookie carries a random session id, never the API key; sign-out and revoking the key end
the session. The session secret: the placeholder is refused outside dev mode, `serve` needs one."""

from __future__ import annotations

import base64
import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner


@pytest.fixture
def web(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'web.db'}"
    monkeypatch.setenv("COCREATE_DATABASE_URL", url)
    monkeypatch.setenv("COCREATE_ANALYZER_FACTORY", "tests.stand_ins:rule_analyzer")
    monkeypatch.delenv("REDIS_URL", raising=False)
    from api.app import create_app
    from api.auth.service import create_key, create_tenant
    from api.db.session import session_scope
    from cocreate.settings import Settings

    with TestClient(create_app(Settings(session_secret="s" * 32), start_worker=False)) as client:
        with session_scope(url) as s:
            t = create_tenant(s, "web")
            keys = {r: create_key(s, t, r) for r in ("pm", "ingest")}
        yield client, keys, url


def _cookie_payload(client) -> dict:
    raw = client.cookies["cocreate_session"].split(".")[0]  # itsdangerous: payload.timestamp.signature
    return json.loads(base64.b64decode(raw + "=" * (-len(raw) % 4)))


def test_cookie_holds_a_session_id_not_the_key(web):
    client, keys, _ = web
    assert client.get("/web/board", follow_redirects=False).headers["location"] == "/web/login"
    r = client.post("/web/login", data={"key": keys["pm"]}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/web/board"
    cookie = client.cookies["cocreate_session"]
    payload = _cookie_payload(client)
    assert set(payload) == {"sid"} and len(payload["sid"]) >= 40
    key_secret = keys["pm"].split("_", 2)[2]
    assert keys["pm"] not in json.dumps(payload) and key_secret not in cookie
    assert client.get("/web/board", follow_redirects=False).status_code == 200
    # an ingest key may not sign in to the web pages
    other = TestClient(client.app)
    assert (
        other.post("/web/login", data={"key": keys["ingest"]}, follow_redirects=False).headers["location"]
        == "/web/login?error=1"
    )


def test_sign_out_and_revoking_end_the_session(web):
    client, keys, url = web
    from api.auth.service import revoke
    from api.db.models import ApiKey
    from api.db.session import session_scope

    client.post("/web/login", data={"key": keys["pm"]})
    stolen = client.cookies["cocreate_session"]
    client.get("/web/logout", follow_redirects=False)
    replay = TestClient(client.app, cookies={"cocreate_session": stolen})
    assert replay.get("/web/board", follow_redirects=False).headers["location"] == "/web/login"
    client.post("/web/login", data={"key": keys["pm"]})
    assert client.get("/web/board", follow_redirects=False).status_code == 200
    with session_scope(url) as s:
        for k in s.query(ApiKey).all():
            revoke(s, k)
    assert client.get("/web/board", follow_redirects=False).status_code == 303


def test_a_forged_cookie_with_the_old_key_field_is_not_accepted(web):
    """Cookies from before session ids ({"key": ...}) no longer sign anyone in."""
    client, keys, _ = web
    from itsdangerous import TimestampSigner

    forged = TimestampSigner("s" * 32).sign(base64.b64encode(json.dumps({"key": keys["pm"]}).encode())).decode()
    c = TestClient(client.app, cookies={"cocreate_session": forged})
    assert c.get("/web/board", follow_redirects=False).headers["location"] == "/web/login"


def test_placeholder_secret_refused_outside_dev(monkeypatch):
    from pydantic import ValidationError

    from cocreate.settings import Settings

    monkeypatch.delenv("COCREATE_DEV", raising=False)
    for weak in ("change-me", "short"):
        with pytest.raises(ValidationError, match="COCREATE_SESSION_SECRET"):
            Settings(session_secret=weak, _env_file=None)
        monkeypatch.setenv("COCREATE_SESSION_SECRET", weak)
        with pytest.raises(ValidationError):
            Settings(_env_file=None)
        monkeypatch.setenv("COCREATE_DEV", "1")
        assert Settings(_env_file=None).session_secret == weak  # development: allowed
        monkeypatch.delenv("COCREATE_DEV")
        monkeypatch.delenv("COCREATE_SESSION_SECRET")
    assert Settings(session_secret="x" * 32, _env_file=None).session_secret == "x" * 32
    assert Settings(_env_file=None).session_secret is None  # unset is fine for the CLI, workers and tests


def test_serve_refuses_to_start_without_a_secret(monkeypatch):
    from cocreate.cli import app

    monkeypatch.delenv("COCREATE_DEV", raising=False)
    monkeypatch.delenv("COCREATE_SESSION_SECRET", raising=False)
    res = CliRunner().invoke(app, ["serve", "--port", "1"])
    assert res.exit_code == 2 and "COCREATE_SESSION_SECRET is not set" in res.output
    monkeypatch.setenv("COCREATE_SESSION_SECRET", "change-me")
    res = CliRunner().invoke(app, ["admin", "create-tenant", "x"])
    assert res.exit_code == 2 and "placeholder" in res.output and "Traceback" not in res.output


@pytest.mark.parametrize("backend", ["memory", "redis"])
def test_web_sessions_store(backend):
    """Both stores: an id maps to (prefix, hash) until dropped or expired; Redis keeps only the id's hash."""
    import types
    import uuid

    from api.auth.service import WebSessions

    url = "redis://127.0.0.1:6379/0" if backend == "redis" else None
    ns = f"cocreate-test-{uuid.uuid4().hex[:8]}"
    store = WebSessions(60, url, ns)
    if url:
        try:
            store._redis.ping()
        except Exception:  # noqa: BLE001
            pytest.skip("Redis not reachable on 127.0.0.1:6379")
    key = types.SimpleNamespace(prefix="abc123", key_hash="f" * 64)
    sid = store.create(key)
    assert store.lookup(sid) == ("abc123", "f" * 64) and store.lookup(sid + "x") is None and store.lookup(None) is None
    assert store.create(key) != sid
    if url:
        stored = [k.decode() for k in store._redis.scan_iter(f"{ns}:websession:*")]
        assert len(stored) == 2 and not any(sid in k for k in stored)
        assert 0 < store._redis.ttl(stored[0]) <= 60
    store.drop(sid)
    assert store.lookup(sid) is None
    if url:
        for k in store._redis.scan_iter(f"{ns}:*"):
            store._redis.delete(k)
    short = WebSessions(0, None)
    assert short.lookup(short.create(key)) is None  # expired at once
