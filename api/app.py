"""The FastAPI application: ``create_app(settings)``; run with ``cocreate serve``."""

from __future__ import annotations

import logging
import secrets
import time
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.orm import Session

from api import problems
from api.alerts import routes as alerts
from api.deps import RateLimiter, get_session
from api.ideas import routes as ideas
from api.posts import routes as posts
from api.schemas import HealthPublic
from api.users import routes as users
from api.webhooks import routes as webhooks
from api.worker import metrics
from cocreate.settings import Settings

SESSION_MAX_AGE_S = 12 * 3600
log = logging.getLogger("cocreate.api")


def session_secret(settings: Settings) -> str:
    """The configured secret; unset (tests, --demo, COCREATE_DEV=1), a random one for this process: web
    sessions then end with it, which is all an in-memory session store could keep anyway."""
    if settings.session_secret:
        return settings.session_secret
    if not settings.dev:
        log.warning("COCREATE_SESSION_SECRET is not set: web sessions are signed with a per-process random secret")
    return secrets.token_hex(32)


def create_app(settings: Settings | None = None, start_worker: bool = True, on_ready=None) -> FastAPI:
    """The app; ``on_ready()`` (optional) runs once the database and the queue are ready (demo seeding)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        from api.db.session import migrate
        from api.worker import broker

        migrate(settings.db_url)
        broker.setup_broker(settings)
        from api.tasks import recover_pending

        if start_worker and broker.embedded():
            from api.analysis.analyzers import get_analyzer

            get_analyzer(settings)  # the analyzer is loaded once, here, not by the first request
            from cocreate.loaders import load_segmenter

            load_segmenter()  # jieba's dictionary too (the idea hooks use it): ~1 s holding the GIL
            if settings.threads is None and settings.worker_threads > 1 and not settings.analysis_process:
                # several single-threaded analyses beat one multi-threaded one on short posts (bench/scale.py)
                import os

                import torch

                torch.set_num_threads(max(1, (os.cpu_count() or 1) // settings.worker_threads))
            if settings.switch_interval_ms > 0:
                # the analysis threads run Python between torch kernels; a short GIL switch interval
                # keeps a request from queueing 5 ms behind them at every hand-over (py-spy showed
                # single-post requests spending most of their time waiting to get the GIL back)
                import sys

                sys.setswitchinterval(settings.switch_interval_ms / 1000)
            broker.start_embedded_worker(threads=settings.worker_threads, nice=settings.worker_nice)
        recover_pending(settings.model_copy(update={"recover_after_s": 0.0}))
        if on_ready is not None:
            on_ready()
        yield
        if start_worker:
            broker.stop_embedded_worker()
            from api.analysis.analyzers import close_analyzers

            close_analyzers()

    app = FastAPI(
        title="cocreate API",
        version="1",
        lifespan=lifespan,
        generate_unique_id_function=lambda route: route.name,  # operationId = the handler's name
        description="Listen to Chinese user communities: ingest posts, read their analysis, the ideas "
        "board and crisis alerts. Authenticate with `Authorization: Bearer <key>`.",
    )
    app.state.settings = settings
    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_min, settings.redis_url)
    from api.auth.service import WebSessions

    app.state.web_sessions = WebSessions(SESSION_MAX_AGE_S, settings.redis_url, settings.queue_namespace)
    problems.install(app)
    from fastapi.responses import RedirectResponse
    from starlette.middleware.sessions import SessionMiddleware

    from api.web.pages import NeedLogin
    from api.web.pages import router as web_router

    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(settings),
        same_site="lax",
        session_cookie="cocreate_session",
        max_age=SESSION_MAX_AGE_S,
    )
    app.include_router(web_router)

    @app.exception_handler(NeedLogin)
    async def _login(request: Request, exc: NeedLogin):
        return RedirectResponse("/web/login", status_code=303)

    @app.get("/", include_in_schema=False)
    def _root():
        return RedirectResponse("/web/board", status_code=303)

    for r in (posts.router, ideas.router, alerts.router, webhooks.router, users.router):
        app.include_router(r)

    @app.middleware("http")
    async def _metrics(request: Request, call_next):
        t = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        metrics.REQUESTS.labels(request.method, path, str(response.status_code)).inc()
        metrics.LATENCY.labels(path).observe(time.perf_counter() - t)
        return response

    @app.get("/healthz", tags=["ops"], summary="Liveness and database reachability", response_model=HealthPublic)
    def healthz(session: Session = Depends(get_session)):
        session.execute(text("SELECT 1"))
        return {"status": "ok"}

    @app.get(
        "/metrics",
        tags=["ops"],
        summary="Prometheus metrics",
        response_class=PlainTextResponse,
        responses={
            200: {
                "content": {"text/plain": {"schema": {"type": "string"}}},
                "description": "Prometheus text exposition format",
            }
        },
    )
    def prometheus_metrics(session: Session = Depends(get_session)):
        metrics.refresh_gauges(session)
        return PlainTextResponse(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app
