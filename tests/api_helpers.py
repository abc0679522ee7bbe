"""Fixtures shared by the service tests: a database per backend (SQLite file, PostgreSQL when reachable)."""

from __future__ import annotations

import uuid

import pytest
from fastapi.routing import APIRoute

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def pg_available() -> bool:
    try:
        import sqlalchemy as sa

        with sa.create_engine(PG_ADMIN, connect_args={"connect_timeout": 2}).connect():
            return True
    except Exception:  # noqa: BLE001
        return False


def make_pg_db() -> str:
    import sqlalchemy as sa

    name = f"cocreate_test_{uuid.uuid4().hex[:8]}"
    eng = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    eng.dispose()
    return name


def drop_pg_db(name: str) -> None:
    import sqlalchemy as sa

    eng = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    eng.dispose()


def db_url(backend: str, tmp_path) -> tuple[str, str | None]:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'cocreate.db'}", None
    if not pg_available():
        pytest.skip("PostgreSQL not reachable on 127.0.0.1:5432")
    name = make_pg_db()
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", name


def api_routes(routes) -> list[APIRoute]:
    """Every APIRoute, also inside included routers (newer FastAPI keeps those as one wrapper route each)."""
    out = []
    for r in routes:
        if isinstance(r, APIRoute):
            out.append(r)
        elif getattr(r, "original_router", None) is not None:
            out += api_routes(r.original_router.routes)
    return out
