"""Browser tests (headless Debian Chromium via Playwright): a PM signs in, sorts the board, opens an idea,
ships it and its supporters are notified; a moderator acknowledges an alert; <script> renders as text.
Screenshots of the board, an idea page and the console go to bench/reports/."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
REPORTS = Path(__file__).resolve().parents[1] / "bench" / "reports"
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian chromium not installed (make test installs it)"
)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("web")
    url = f"sqlite:///{tmp / 'web.db'}"
    port = _port()
    env = {**os.environ, "COCREATE_DATABASE_URL": url, "COCREATE_RATE_LIMIT_PER_MIN": "100000"}
    env.pop("REDIS_URL", None)
    p = subprocess.Popen(
        [sys.executable, "-m", "cocreate", "serve", "--demo", "--port", str(port)],
        cwd=tmp,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200 and (tmp / "out/demo_keys.json").exists():
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        keys = json.loads((tmp / "out/demo_keys.json").read_text())
        # a post with markup, and wait until the demo community is analysed and clustered
        httpx.post(
            f"{base}/v1/posts",
            headers={"Authorization": f"Bearer {keys['ingest']}"},
            json={
                "posts": [
                    {
                        "external_id": "xss",
                        "user_id": "u_xss",
                        "text": "希望支持夜间模式<script>window.__pwned=1</script>",
                    }
                ]
            },
        )
        ready = False
        while time.time() < deadline and not ready:
            pending = httpx.get(
                f"{base}/v1/posts?status=pending&limit=1", headers={"Authorization": f"Bearer {keys['pm']}"}
            ).json()["items"]
            ideas = httpx.get(f"{base}/v1/ideas", headers={"Authorization": f"Bearer {keys['pm']}"}).json()["items"]
            alerts = httpx.get(
                f"{base}/v1/alerts?kind=crisis", headers={"Authorization": f"Bearer {keys['moderator']}"}
            ).json()["items"]
            ready = not pending and len(ideas) >= 3 and len(alerts) >= 1
            time.sleep(0 if ready else 0.5)
        assert ready, (
            f"demo not ready after 120 s: pending={bool(pending)} ideas={len(ideas)} crisis alerts={len(alerts)}"
        )
        yield base, keys, url
    finally:
        p.terminate()
        p.wait(30)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


def _sign_in(page, base, key):
    page.goto(f"{base}/web/login")
    page.fill("#key", key)
    page.click("#sign-in")


def test_pm_sorts_opens_ships_and_supporters_are_notified(demo, browser):
    base, keys, url = demo
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _sign_in(page, base, "not-a-key")
    assert page.is_visible("#error")
    _sign_in(page, base, keys["pm"])
    page.wait_for_selector(".idea")
    titles = page.locator(".idea .title").all_inner_texts()
    assert len(titles) >= 3 and all(any("\u4e00" <= ch <= "\u9fff" for ch in t) for t in titles)
    page.screenshot(path=str(REPORTS / "board.png"), full_page=True)
    page.click("a[data-sort=newest]")
    page.wait_for_url("**sort=newest**")
    assert page.locator(".idea").count() == len(titles)
    page.click("a[data-sort=most_wanted]")
    page.wait_for_url("**sort=most_wanted**")
    page.click(".idea .title >> nth=0")
    page.wait_for_selector("#idea-title")
    idea_id = int(page.url.rstrip("/").split("/")[-1])
    page.select_option("#status-select", "shipped")
    page.click("#status-save")
    page.wait_for_selector("#credits")
    assert page.inner_text("#idea-status") in ("已上线", "Shipped")
    page.screenshot(path=str(REPORTS / "idea.png"), full_page=True)
    from api.db.models import Notification
    from api.db.session import session_scope

    with session_scope(url) as s:
        n = s.scalar(select(func.count()).select_from(Notification).where(Notification.idea_id == idea_id))
    detail = httpx.get(f"{base}/v1/ideas/{idea_id}", headers={"Authorization": f"Bearer {keys['pm']}"}).json()
    assert n == len(detail["supporter_ids"]) > 0
    assert detail["history"][-1]["to"] == "shipped"
    page.goto(f"{base}/web/credits")
    assert page.locator("#credits-wall .chip").count() >= 1
    page.goto(f"{base}/web/board?lang=en")
    assert "Co-creation board" in page.inner_text("h1")


def test_moderator_acknowledges_an_alert(demo, browser):
    base, keys, url = demo
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    _sign_in(page, base, keys["moderator"])
    page.wait_for_selector(".alert")
    first = page.locator(".alert").first
    alert_id = first.get_attribute("data-id")
    page.screenshot(path=str(REPORTS / "console.png"), full_page=True)
    first.locator("input[name=respond]").check()
    first.locator("input[name=note]").fill("已在原帖致歉并说明核查进度")
    first.locator("button.ack").click()
    page.wait_for_selector(f".alert[data-id='{alert_id}'] .alert-status")
    assert page.inner_text(f".alert[data-id='{alert_id}'] .alert-status") == "acknowledged"
    a = httpx.get(f"{base}/v1/alerts", headers={"Authorization": f"Bearer {keys['moderator']}"}).json()["items"]
    mine = next(x for x in a if str(x["id"]) == alert_id)
    assert mine["acknowledged_at"] and any("致歉" in n["text"] for n in mine["notes"])


def test_script_in_a_post_renders_as_text(demo, browser):
    base, keys, url = demo
    page = browser.new_page()
    _sign_in(page, base, keys["pm"])
    page.goto(f"{base}/web/users/u_xss")
    cell = page.locator(".post-text").first
    assert "<script>" in cell.inner_text()
    assert page.evaluate("window.__pwned") is None
