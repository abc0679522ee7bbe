"""Schemathesis against the OpenAPI schema: generated requests to every operation never get a 5xx."""

from __future__ import annotations

import os
import tempfile

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

_tmp = tempfile.mkdtemp(prefix="cocreate-schema-")
_URL = f"sqlite:///{_tmp}/schema.db"


def _app_and_key():
    from api.app import create_app
    from api.auth.service import create_key, create_tenant
    from api.db.session import migrate, session_scope
    from cocreate.settings import Settings

    migrate(_URL)
    with session_scope(_URL) as s:
        key = create_key(s, create_tenant(s, "fuzz"), "admin")
    s = Settings(database_url=_URL, analyzer_factory="tests.stand_ins:rule_analyzer", rate_limit_per_min=1_000_000)
    return create_app(s, start_worker=False), key


APP, KEY = _app_and_key()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(autouse=True, scope="module")
def _fake_analyzer():
    old = os.environ.get("COCREATE_DATABASE_URL")
    os.environ["COCREATE_DATABASE_URL"] = _URL
    yield
    if old is None:
        os.environ.pop("COCREATE_DATABASE_URL", None)
    else:
        os.environ["COCREATE_DATABASE_URL"] = old


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case):
    response = case.call(headers={"Authorization": f"Bearer {KEY}"})
    assert response.status_code < 500, f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text}"
