"""``cocreate serve | worker | status | admin …``: the service, its workers and their administration."""

from __future__ import annotations

import json
import signal
import threading
import time
from typing import Annotated

import typer

from cocreate.cli_helpers import fail

admin_app = typer.Typer(help="Tenants and API keys.", no_args_is_help=True)


def _settings():
    from pydantic import ValidationError

    from cocreate.settings import Settings

    try:
        return Settings()
    except ValidationError as e:
        fail("; ".join(err["msg"].removeprefix("Value error, ") for err in e.errors()))


@admin_app.command("create-tenant")
def create_tenant(name: str) -> None:
    """Create a tenant (one community / brand)."""
    from api.auth.service import create_tenant as make
    from api.db.session import migrate, session_scope

    s = _settings()
    migrate(s.db_url)
    try:
        with session_scope(s.db_url) as session:
            t = make(session, name)
            typer.echo(f"tenant {t.name!r} created (id {t.id})")
    except ValueError as e:
        fail(str(e))


@admin_app.command("create-key")
def create_key(
    tenant: Annotated[str, typer.Option(help="tenant name")],
    role: Annotated[str, typer.Option(help="ingest, pm, moderator or admin")],
    name: Annotated[str | None, typer.Option(help="a label for the key")] = None,
) -> None:
    """Create an API key; the key is printed alone on the last line and never shown again."""
    from api.auth.service import create_key as make
    from api.auth.service import tenant_by_name
    from api.db.session import migrate, session_scope

    s = _settings()
    migrate(s.db_url)
    try:
        with session_scope(s.db_url) as session:
            key = make(session, tenant_by_name(session, tenant), role, name)
    except (ValueError, LookupError) as e:
        fail(str(e))
    typer.echo(f"{role} key for tenant {tenant!r} (store it now; only its hash is kept):")
    typer.echo(key)


def serve(
    host: Annotated[str, typer.Option(help="interface")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    demo: Annotated[bool, typer.Option("--demo", help="seed the demo community if the database is empty")] = False,
    embedded_worker: Annotated[
        bool, typer.Option(help="run the analysis in this process when no REDIS_URL is set")
    ] = True,
) -> None:
    """Start the REST API (and, without REDIS_URL, the in-process worker)."""
    import uvicorn

    from api.app import create_app

    s = _settings()
    if not s.session_secret and not (s.dev or demo):
        fail(
            "COCREATE_SESSION_SECRET is not set: it signs the web pages' session cookie, the same in every API "
            "process. Set a random one (python -c 'import secrets; print(secrets.token_hex(32))'), or use "
            "--demo / COCREATE_DEV=1 for development (a random secret per process)"
        )
    if demo and not s.dev:
        s = s.model_copy(update={"dev": True})  # the demo runs on this machine only
    on_ready = None
    if demo:
        from api.demo import seed_demo

        def on_ready():
            seed_demo(s, host, port)

    uvicorn.run(create_app(s, start_worker=embedded_worker, on_ready=on_ready), host=host, port=port, log_level="info")


def worker(
    concurrency: Annotated[int, typer.Option(help="worker threads in this process")] = 1,
    queues: Annotated[str, typer.Option(help="comma-separated queues")] = "analysis,webhooks,recluster",
) -> None:
    """Consume the task queue (needs REDIS_URL); run several, on several machines, against one database."""
    import dramatiq

    from api.db.session import migrate
    from api.worker import broker

    s = _settings()
    if not s.redis_url:
        fail("REDIS_URL is not set: without Redis, `cocreate serve` analyses posts in-process")
    migrate(s.db_url)
    b = broker.setup_broker(s)
    from api import tasks
    from api.analysis.analyzers import get_analyzer

    if "analysis" in queues.split(","):
        get_analyzer(s)  # load once, before the first message (not inside the first task)

    b.emit_after("process_boot")
    w = dramatiq.Worker(b, queues=set(queues.split(",")), worker_threads=concurrency, worker_timeout=500)
    w.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    typer.echo(f"worker {tasks.WORKER_NAME} consuming {queues} with {concurrency} thread(s)", err=True)
    last = 0.0
    while not stop.is_set():
        if time.monotonic() - last > max(5.0, s.recover_after_s):
            try:
                tasks.recover_pending(s)
            except Exception as e:  # noqa: BLE001 - keep consuming; the next sweep retries
                typer.echo(f"recovery sweep failed: {e}", err=True)
            last = time.monotonic()
        stop.wait(1.0)
    w.stop()
    b.close()


def status(as_json: Annotated[bool, typer.Option("--json", help="machine-readable")] = False) -> None:
    """Queue depth, task lag, failures, dead letters and per-worker posts/s."""
    from api.db.session import migrate, session_scope
    from api.worker import broker
    from api.worker.metrics import snapshot

    s = _settings()
    migrate(s.db_url)
    broker.setup_broker(s)
    from api import tasks  # noqa: F401 - declares the queues

    with session_scope(s.db_url) as session:
        snap = snapshot(session)
    if as_json:
        typer.echo(json.dumps(snap, indent=1))
        return
    typer.echo(f"database   {s.db_url.split('@')[-1]}\nqueue      {'redis' if s.redis_url else 'in-process'}")
    typer.echo(f"pending    {snap['pending']} posts (oldest {snap['task_lag_s']:.0f} s)")
    typer.echo(
        f"analysed   {snap['analysed']}   failed {snap['failed']}   retries {snap['retries']}   "
        f"dead letters {snap['dead_letters']}"
    )
    for q, n in snap["queues"].items():
        typer.echo(f"queue      {q}: {n} waiting")
    for w, r in snap["workers_posts_per_s"].items():
        typer.echo(f"worker     {w}: {r:.1f} posts/s (last minute)")


def register(app: typer.Typer) -> None:
    app.add_typer(admin_app, name="admin")
    app.command(name="serve")(serve)
    app.command(name="worker")(worker)
    app.command(name="status")(status)
