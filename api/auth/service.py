"""Tenants and API keys. Keys are shown once; the database keeps only a SHA-256 hash and a public prefix.
Web sign-ins get a random session id that maps, server-side, to the key's prefix and hash (never the key)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import threading
import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.models import ApiKey, Tenant
from api.vocab import Role, values

ROLES = values(Role)
KEY_PREFIX = "cc_"


class AuthError(Exception):
    """Missing, malformed, unknown or revoked key (401)."""


class ForbiddenError(Exception):
    """The key's role may not do this (403)."""


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_tenant(session: Session, name: str) -> Tenant:
    name = name.strip()
    if not name:
        raise ValueError("tenant name must not be empty")
    if session.scalar(select(Tenant).where(Tenant.name == name)):
        raise ValueError(f"tenant {name!r} already exists")
    t = Tenant(name=name)
    session.add(t)
    session.flush()
    return t


def tenant_by_name(session: Session, name: str) -> Tenant:
    t = session.scalar(select(Tenant).where(Tenant.name == name))
    if t is None:
        raise LookupError(f"no tenant named {name!r}; create it with `cocreate admin create-tenant {name}`")
    return t


def create_key(session: Session, tenant: Tenant, role: str, name: str | None = None) -> str:
    """A new key for ``tenant`` with ``role``; returns the key (the only time it is visible)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    prefix = secrets.token_hex(6)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(24)}"
    session.add(ApiKey(tenant_id=tenant.id, prefix=prefix, key_hash=hash_key(key), role=role, name=name))
    session.flush()
    return key


def authenticate(session: Session, key: str | None) -> ApiKey:
    if not key:
        raise AuthError("missing API key: send 'Authorization: Bearer <key>'")
    parts = key.split("_")
    if len(parts) < 3 or not key.startswith(KEY_PREFIX):
        raise AuthError("malformed API key: keys look like cc_<prefix>_<secret>")
    return authenticate_hash(session, parts[1], hash_key(key))


def authenticate_hash(session: Session, prefix: str, key_hash: str) -> ApiKey:
    """The key with this prefix and hash (what a web session holds), if it is still valid."""
    row = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if row is None or not hmac.compare_digest(row.key_hash, key_hash):
        raise AuthError("unknown API key")
    if row.revoked_at is not None:
        raise AuthError("this API key was revoked")
    return row


class WebSessions:
    """Signed-in web sessions: a random id (the only thing the cookie carries) → the key's prefix and
    hash, until ``ttl_s`` or sign-out. In Redis when configured (shared by every API process, keyed by
    the id's hash), else in this process's memory. Revoking the key ends its sessions at once."""

    def __init__(self, ttl_s: int, redis_url: str | None = None, namespace: str = "cocreate"):
        self.ttl_s, self._ns = ttl_s, namespace
        self._mem: dict[str, tuple[str, str, float]] = {}
        self._lock = threading.Lock()
        self._redis = None
        if redis_url:
            import redis

            self._redis = redis.Redis.from_url(redis_url)

    def _rkey(self, sid: str) -> str:
        return f"{self._ns}:websession:{hashlib.sha256(sid.encode()).hexdigest()}"

    def create(self, key: ApiKey) -> str:
        sid = secrets.token_urlsafe(32)
        if self._redis is not None:
            self._redis.set(self._rkey(sid), json.dumps([key.prefix, key.key_hash]), ex=self.ttl_s)
            return sid
        now = time.time()
        with self._lock:
            if len(self._mem) > 10_000:
                self._mem = {k: v for k, v in self._mem.items() if v[2] > now}
            self._mem[sid] = (key.prefix, key.key_hash, now + self.ttl_s)
        return sid

    def lookup(self, sid: str | None) -> tuple[str, str] | None:
        """(prefix, key hash) of a live session, or None."""
        if not sid or not isinstance(sid, str):
            return None
        if self._redis is not None:
            raw = self._redis.get(self._rkey(sid))
            return tuple(json.loads(raw)) if raw else None
        with self._lock:
            hit = self._mem.get(sid)
        return (hit[0], hit[1]) if hit and hit[2] > time.time() else None

    def drop(self, sid: str | None) -> None:
        if not sid or not isinstance(sid, str):
            return
        if self._redis is not None:
            self._redis.delete(self._rkey(sid))
        else:
            with self._lock:
                self._mem.pop(sid, None)


def require(key: ApiKey, *roles: str) -> None:
    """Admin may do everything; otherwise the key's role must be one of ``roles``."""
    if key.role != "admin" and key.role not in roles:
        raise ForbiddenError(f"this needs a key with role {' or '.join(roles)}; yours is {key.role!r}")


def revoke(session: Session, key: ApiKey) -> None:
    key.revoked_at = dt.datetime.now(dt.UTC)
