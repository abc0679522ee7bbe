"""Seed the demo community (data/demo/) into a fresh database: tenant "demo", keys, users, posts."""

from __future__ import annotations

import json
from pathlib import Path

from cocreate.settings import Settings

KEYS_FILE = "demo_keys.json"


def seed_demo(settings: Settings, host: str = "127.0.0.1", port: int = 8000) -> dict:
    """Create the demo tenant once; returns its keys (also kept in out/demo_keys.json, git-ignored)."""
    from api.auth.service import create_key, create_tenant
    from api.db.session import migrate, session_scope
    from api.posts.service import ingest, queue_analysis

    migrate(settings.db_url)
    keys_path = Path("out") / KEYS_FILE
    with session_scope(settings.db_url) as session:
        from sqlalchemy import select

        from api.db.models import Tenant

        if session.scalar(select(Tenant).where(Tenant.name == "demo")) is not None and keys_path.exists():
            keys = json.loads(keys_path.read_text())
            _announce(keys, host, port, fresh=False)
            return keys
        tenant = session.scalar(select(Tenant).where(Tenant.name == "demo")) or create_tenant(session, "demo")
        keys = {r: create_key(session, tenant, r, name=f"demo {r}") for r in ("admin", "pm", "moderator", "ingest")}
        rows = [
            json.loads(line)
            for line in (settings.data_dir / "demo" / "posts.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        res = ingest(session, tenant, rows, settings)
        new_ids = res.new_ids
        queue_analysis(session, new_ids, settings.analysis_batch)  # sent when the scope commits
    keys_path.parent.mkdir(parents=True, exist_ok=True)
    keys_path.write_text(json.dumps(keys, indent=1))
    _announce(keys, host, port, fresh=True, posts=len(new_ids))
    return keys


def _announce(keys: dict, host: str, port: int, fresh: bool, posts: int = 0) -> None:
    what = f"seeded {posts} demo posts (analysis running in the background)" if fresh else "demo tenant ready"
    print(
        f"\ncocreate demo: {what}\n  board and console: http://{host}:{port}/  (sign in with the pm or moderator "
        f"key)\n  API docs: http://{host}:{port}/docs\n  keys (also in out/{KEYS_FILE}):"
    )
    for role, k in keys.items():
        print(f"    {role:10s} {k}")
    print(f"  try: curl -H 'Authorization: Bearer {keys['pm']}' http://{host}:{port}/v1/ideas\n", flush=True)
