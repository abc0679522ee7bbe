"""Request-scoped dependencies: settings, database session, the caller's key (tenant + role), rate limit."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi import Path as PathParam
from sqlalchemy.orm import Session

from api.auth.service import AuthError, ForbiddenError, authenticate, require
from api.db.models import ApiKey
from api.db.session import sessions
from api.problems import Problem
from cocreate.settings import Settings


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_session(request: Request) -> Iterator[Session]:
    s = sessions(request.app.state.settings.db_url)()
    try:
        yield s
    finally:
        s.close()


class RateLimiter:
    """Fixed one-minute window per key: in Redis when configured (shared by all API processes), else in memory."""

    def __init__(self, per_min: int, redis_url: str | None):
        self.per_min = per_min
        self._lock = threading.Lock()
        self._mem: dict[tuple[str, int], int] = {}
        self._redis = None
        if redis_url:
            import redis

            self._redis = redis.Redis.from_url(redis_url)

    def hit(self, key: str) -> tuple[bool, int]:
        window = int(time.time() // 60)
        retry = 60 - int(time.time() % 60)
        if self._redis is not None:
            k = f"cocreate:rl:{key}:{window}"
            n = self._redis.incr(k)
            if n == 1:
                self._redis.expire(k, 120)
        else:
            with self._lock:
                n = self._mem.get((key, window), 0) + 1
                self._mem[(key, window)] = n
                if len(self._mem) > 10_000:
                    self._mem = {k: v for k, v in self._mem.items() if k[1] == window}
        return n <= self.per_min, retry


def current_key(request: Request, session: Session = Depends(get_session)) -> ApiKey:
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else None
    try:
        key = authenticate(session, token)
    except AuthError as e:
        raise Problem(401, "Unauthorized", str(e)) from e
    ok, retry = request.app.state.rate_limiter.hit(key.prefix)
    if not ok:
        raise Problem(
            429,
            "Too Many Requests",
            f"this key may make {request.app.state.rate_limiter.per_min} requests per minute; retry in {retry} s",
            headers={"Retry-After": str(retry)},
        )
    return key


def role(*roles: str):
    def dep(key: ApiKey = Depends(current_key)) -> ApiKey:
        try:
            require(key, *roles)
        except ForbiddenError as e:
            raise Problem(403, "Forbidden", str(e)) from e
        return key

    return dep


MAX_ID = 2**53 - 1  # ids above this cannot exist (and overflow SQLite's INTEGER)
IdPath = Annotated[int, PathParam(ge=1, le=MAX_ID, description="the resource's id")]
