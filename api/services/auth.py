"""Tenants and API keys. Keys are shown once; the database keeps only a SHA-256 hash and a public prefix."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.models import ApiKey, Tenant

ROLES = ("ingest", "pm", "moderator", "admin")
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
    row = session.scalar(select(ApiKey).where(ApiKey.prefix == parts[1]))
    if row is None or not hmac.compare_digest(row.key_hash, hash_key(key)):
        raise AuthError("unknown API key")
    if row.revoked_at is not None:
        raise AuthError("this API key was revoked")
    return row


def require(key: ApiKey, *roles: str) -> None:
    """Admin may do everything; otherwise the key's role must be one of ``roles``."""
    if key.role != "admin" and key.role not in roles:
        raise ForbiddenError(f"this needs a key with role {' or '.join(roles)}; yours is {key.role!r}")


def revoke(session: Session, key: ApiKey) -> None:
    key.revoked_at = dt.datetime.now(dt.UTC)
