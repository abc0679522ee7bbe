"""Issue 19's outbox test: the API process (embedded worker, SQLite) is SIGKILLed while webhook deliveries
are committed but not yet sent, and restarted; the receiver still gets every event (at least once)."""

from __future__ import annotations

import json
import random
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from sqlalchemy import func, select

from tests.test_ingest_crash import _free_port, _start, server_env


class Receiver(ThreadingHTTPServer):
    """A webhook endpoint that answers 200 after ``delay`` seconds and records what it got."""

    daemon_threads = True

    def __init__(self, delay: float):
        self.delay, self.got, self.lock = delay, [], threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                time.sleep(server.delay)
                with server.lock:
                    server.got.append((int(self.headers["X-Cocreate-Delivery"]), body["data"]["post_id"]))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *_):
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    def handle_error(self, request, client_address) -> None:
        pass  # a sender SIGKILLed mid-request breaks the connection: that delivery is retried, not lost


def _run(tmp_path, kills: int) -> None:
    url = f"sqlite:///{tmp_path / 'outbox.db'}"
    env = server_env(url)
    from api.auth.service import create_key, create_tenant
    from api.db.models import Post, WebhookDelivery
    from api.db.session import migrate, session_scope
    from api.webhooks.service import subscribe

    receiver = Receiver(delay=0.03)  # slower than analysis: committed deliveries wait to be sent
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    migrate(url)
    with session_scope(url) as s:
        t = create_tenant(s, "hooks")
        key = create_key(s, t, "ingest")
        subscribe(s, t.id, f"http://127.0.0.1:{receiver.server_address[1]}/hook", ["post.analyzed"])
    port = _free_port()
    server = {"p": _start(env, port)}
    stop = threading.Event()

    def client():
        i = 0
        while not stop.is_set():
            batch = [
                {"external_id": f"h{i + j}", "user_id": f"u{(i + j) % 20}", "text": f"希望优化续航 第{i + j}条"}
                for j in range(20)
            ]
            while not stop.is_set():  # resend until acknowledged (idempotent)
                try:
                    r = httpx.post(
                        f"http://127.0.0.1:{port}/v1/posts",
                        json={"posts": batch},
                        timeout=10,
                        headers={"Authorization": f"Bearer {key}"},
                    )
                    if r.status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.05)
            i += 20

    def undelivered() -> int:
        with session_scope(url) as s:
            return s.scalar(
                select(func.count()).select_from(WebhookDelivery).where(WebhookDelivery.status == "pending")
            )

    th = threading.Thread(target=client, daemon=True)
    th.start()
    at_kill, rng = [], random.Random(19)
    try:
        for _ in range(kills):
            time.sleep(rng.uniform(0.3, 1.0))
            deadline = time.time() + 30  # kill while committed deliveries wait to be sent
            while time.time() < deadline and undelivered() < 3:
                time.sleep(0.05)
            at_kill.append(undelivered())
            server["p"].send_signal(signal.SIGKILL)
            server["p"].wait()
            server["p"] = _start(env, port)
        stop.set()
        th.join(30)
        deadline = time.time() + 150  # after the last restart: recovery sweep, then the outbox sweeper
        t_end = time.time()
        while time.time() < deadline:
            with session_scope(url) as s:
                pending_posts = s.scalar(select(func.count()).select_from(Post).where(Post.status == "pending"))
            if pending_posts == 0 and undelivered() == 0:
                break
            time.sleep(0.5)
        t_end = time.time() - t_end
    finally:
        server["p"].send_signal(signal.SIGKILL)
        server["p"].wait()
        receiver.shutdown()
    with session_scope(url) as s:
        analysed = set(s.scalars(select(Post.id).where(Post.status == "analyzed")))
        deliveries = dict(s.execute(select(WebhookDelivery.id, WebhookDelivery.status)).all())
        n_posts = s.scalar(select(func.count()).select_from(Post))
    got_ids = {d for d, _ in receiver.got}
    got_posts = {p for _, p in receiver.got}
    print(
        f"{kills} kills, undelivered at each kill {at_kill}; {n_posts} posts, {len(deliveries)} deliveries, "
        f"{len(receiver.got)} requests received ({len(receiver.got) - len(got_ids)} duplicates); "
        f"{t_end:.1f} s from the last restart until nothing was pending"
    )
    assert len(at_kill) == kills and sum(at_kill) > 0, "no kill fell between commit and delivery"
    assert n_posts >= 20 * kills and len(analysed) == n_posts
    assert len(deliveries) == n_posts  # one post.analyzed event per post, written with its analysis
    assert set(deliveries.values()) == {"delivered"}
    assert got_ids == set(deliveries), f"{len(set(deliveries) - got_ids)} webhooks lost"
    assert got_posts == analysed


@pytest.mark.timeout(400)
def test_sigkill_between_commit_and_delivery_loses_no_webhook(tmp_path):
    _run(tmp_path, kills=3)


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_sigkill_between_commit_and_delivery_20_times(tmp_path):
    _run(tmp_path, kills=20)
