"""/v1/users: each community user's ledger, level and history; super users and at-risk users;
/v1/response-clock: how fast staff answer."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy.orm import Session

from api import problems
from api.db.models import ApiKey
from api.deps import get_session, role
from api.problems import Problem
from api.users import service as svc
from api.users.schemas import ResponseClockPublic, UserDetailPublic, UsersPublic
from api.vocab import Role, UserSort

router = APIRouter(prefix="/v1", tags=["users"], responses=problems.responses(*problems.AUTH))
STAFF = (Role.pm, Role.moderator)


@router.get("/users", summary="Community users sorted by super-user score or by risk", response_model=UsersPublic)
def list_users(
    key: ApiKey = Depends(role(*STAFF)),
    session: Session = Depends(get_session),
    sort: UserSort = UserSort.super,
    limit: int = Query(50, ge=1, le=500),
):
    items = svc.list_users(session, key.tenant_id, sort.value, limit)
    return {"items": items, "count": len(items)}


@router.get(
    "/users/{user_id}",
    summary="One user's trust account, level, four highs, history and posts",
    response_model=UserDetailPublic,
    responses=problems.responses(404),
)
def get_user(
    user_id: str = Path(min_length=1, max_length=200),
    key: ApiKey = Depends(role(*STAFF)),
    session: Session = Depends(get_session),
):
    u = svc.get_user(session, key.tenant_id, user_id)
    if u is None:
        raise Problem(404, "Not Found", f"no community user {user_id!r} in your tenant")
    return svc.user_json(session, u, detail=True)


@router.get(
    "/response-clock",
    summary="Time to first staff response: median, p90, share within target, per day",
    response_model=ResponseClockPublic,
)
def response_clock(
    key: ApiKey = Depends(role(*STAFF)),
    session: Session = Depends(get_session),
    target_min: float = Query(15.0, gt=0, le=10_000),
    since: dt.datetime | None = None,
):
    return svc.response_clock(session, key.tenant_id, target_min, since)
