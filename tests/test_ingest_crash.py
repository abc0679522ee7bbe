"""Issue 5's reliability test: the API process is SIGKILLed 20 times at random points during a batch
ingest and restarted; every accepted post ends up stored exactly once and analysed."""

from __future__ import annotations

import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(url: str) -> dict:
    """The environment of a restartable API process: embedded worker, fast analyzer, one session secret."""
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
        "COCREATE_DATABASE_URL": url,
        "COCREATE_ANALYZER_FACTORY": "tests.stand_ins:rule_analyzer",
        "COCREATE_RECOVER_AFTER_S": "0",
        "COCREATE_ANALYSIS_BATCH": "16",
        "COCREATE_RATE_LIMIT_PER_MIN": "100000",
        "COCREATE_SESSION_SECRET": secrets.token_hex(32),
    }
    env.pop("REDIS_URL", None)
    return env


def _start(env, port) -> subprocess.Popen:
    p = subprocess.Popen(
        [sys.executable, "-m", "cocreate", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return p
        except httpx.HTTPError:
            time.sleep(0.1)
    p.kill()
    raise RuntimeError("server did not start")


@pytest.mark.timeout(1500)  # 20 restarts of ~5-30 s each, depending on the machine's load
def test_sigkill_during_ingest_20_times_loses_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    env = server_env(url)
    from api.auth.service import create_key, create_tenant
    from api.db.models import Post, PostAnalysis
    from api.db.session import migrate, session_scope

    migrate(url)
    with session_scope(url) as s:
        key = create_key(s, create_tenant(s, "crash"), "ingest")
    port = _free_port()
    server = {"p": _start(env, port)}
    accepted: set[str] = set()
    stop = threading.Event()
    rng = random.Random(7)

    def client():
        i = 0
        while not stop.is_set():
            batch = [
                {
                    "external_id": f"c{i + j}",
                    "user_id": f"u{(i + j) % 50}",
                    "text": f"更新后耗电严重，希望优化续航 第{i + j}条",
                }
                for j in range(40)
            ]
            while not stop.is_set():  # resend the same batch until it is acknowledged (idempotent)
                try:
                    r = httpx.post(
                        f"http://127.0.0.1:{port}/v1/posts",
                        json={"posts": batch},
                        timeout=10,
                        headers={"Authorization": f"Bearer {key}"},
                    )
                    if r.status_code == 200:
                        accepted.update(x["external_id"] for x in r.json()["results"])
                        break
                except httpx.HTTPError:
                    time.sleep(0.05)
            i += 40

    t = threading.Thread(target=client, daemon=True)
    t.start()
    try:
        for _ in range(20):
            time.sleep(rng.uniform(0.2, 1.2))
            server["p"].send_signal(signal.SIGKILL)
            server["p"].wait()
            server["p"] = _start(env, port)
        stop.set()
        t.join(30)
        # after the last restart the recovery sweep finishes every pending post
        deadline = time.time() + 120
        while time.time() < deadline:
            with session_scope(url) as s:
                pending = s.scalar(select(func.count()).select_from(Post).where(Post.status == "pending"))
            if pending == 0:
                break
            time.sleep(0.5)
    finally:
        server["p"].send_signal(signal.SIGKILL)
        server["p"].wait()
    assert len(accepted) > 200
    with session_scope(url) as s:
        rows = dict(s.execute(select(Post.external_id, Post.status)).all())
        n_posts = s.scalar(select(func.count()).select_from(Post))
        n_analyses = s.scalar(select(func.count()).select_from(PostAnalysis))
    assert accepted <= set(rows), "an accepted post was lost"
    assert n_posts == len(rows)  # external ids unique: nothing stored twice
    assert pending == 0 and all(v == "analyzed" for v in rows.values())
    assert n_analyses == n_posts  # exactly one analysis per post
