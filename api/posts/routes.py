"""/v1/posts: ingest (one or a batch, idempotent by external id), read, list with filters and cursors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from api import problems
from api.db.models import ApiKey, Tenant
from api.deps import MAX_ID, IdPath, get_session, role
from api.posts import service as svc
from api.posts.schemas import IngestProblemPublic, IngestPublic, PostPublic, PostResponsePublic, PostsPublic
from api.problems import Problem
from api.vocab import Intent, PostStatus, Role, SentimentLabel
from api.worker import metrics

router = APIRouter(prefix="/v1/posts", tags=["posts"], responses=problems.responses(*problems.AUTH))
READERS = (Role.ingest, Role.pm, Role.moderator)


class PostsIn(BaseModel):
    posts: list[Any] = Field(
        description="1 to COCREATE_MAX_BATCH (1,000) objects shaped like PostIn: "
        '{"external_id", "user_id", "text", "created_at"?}; each is validated '
        "on its own, so one bad post does not reject the others",
        json_schema_extra={"items": svc.PostIn.model_json_schema()},
    )


_INGEST_422 = {
    "model": IngestProblemPublic,
    "description": "no post could be accepted (or the batch is empty)",
    "content": {problems.MEDIA: {"schema": {"$ref": "#/components/schemas/IngestProblemPublic"}}},
}


@router.post(
    "",
    summary="Ingest posts (idempotent by external_id)",
    response_model=IngestPublic,
    responses={
        200: {"description": "every post accepted (new or duplicate)"},
        207: {"model": IngestPublic, "description": "some posts accepted, some refused: see errors[]"},
        **problems.responses(413),
        422: _INGEST_422,
    },
)
def ingest_posts(
    body: PostsIn,
    request: Request,
    response: Response,
    key: ApiKey = Depends(role(Role.ingest)),
    session: Session = Depends(get_session),
):
    settings = request.app.state.settings
    n = len(body.posts)
    if n == 0:
        raise Problem(422, "Unprocessable Content", f"posts is empty: send 1 to {settings.max_batch} posts")
    if n > settings.max_batch:
        raise Problem(
            413,
            "Content Too Large",
            f"{n} posts in one request; the limit is {settings.max_batch} (COCREATE_MAX_BATCH): split the batch",
        )
    tenant = session.get(Tenant, key.tenant_id)
    assert tenant is not None  # the API key's tenant_id is a foreign key (ON DELETE CASCADE): its tenant exists
    res = svc.ingest(session, tenant, body.posts, settings)
    svc.queue_analysis(session, res.new_ids, settings.analysis_batch)
    session.commit()  # the posts are durable before their analysis tasks leave (api/queue.py)
    metrics.INGESTED.inc(len(res.new_ids))
    content = {
        "accepted": len(res.results),
        "new": len(res.new_ids),
        "refused": len({e["index"] for e in res.errors}),
        "results": res.results,
        "errors": res.errors,
    }
    if res.errors and not res.results:
        content |= {
            "type": "https://cocreate.dev/problems/422",
            "title": "Unprocessable Content",
            "status": 422,
            "detail": "no post was accepted: "
            + "; ".join(f"#{e['index']} {e['field']}: {e['message']}" for e in res.errors[:3]),
        }
        return JSONResponse(content, status_code=422, media_type=problems.MEDIA)
    response.status_code = 207 if res.errors else 200
    return content


@router.get(
    "/{post_id}",
    summary="One post with its analysis (or status pending)",
    response_model=PostPublic,
    responses=problems.responses(404),
)
def get_post(post_id: IdPath, key: ApiKey = Depends(role(*READERS)), session: Session = Depends(get_session)):
    p = svc.get_post(session, key.tenant_id, post_id)
    if p is None:
        raise Problem(404, "Not Found", f"no post {post_id} in your tenant")
    return svc.post_json(p)


class PostResponseIn(BaseModel):
    staff: str = Field(min_length=1, max_length=100)
    text: str = Field(min_length=1, max_length=5000)


@router.post(
    "/{post_id}/responses",
    status_code=201,
    response_model=PostResponsePublic,
    summary="A staff reply to a post (starts nothing, stops the clock)",
    responses=problems.responses(404),
)
def respond_to_post(
    post_id: IdPath,
    body: PostResponseIn,
    key: ApiKey = Depends(role(Role.pm, Role.moderator)),
    session: Session = Depends(get_session),
):
    from api.db.models import StaffResponse

    p = svc.get_post(session, key.tenant_id, post_id)
    if p is None:
        raise Problem(404, "Not Found", f"no post {post_id} in your tenant")
    r = StaffResponse(tenant_id=key.tenant_id, post_id=p.id, staff=body.staff, text=body.text)
    session.add(r)
    session.commit()
    return {"post_id": p.id, "staff": r.staff, "text": r.text, "created_at": r.created_at}


@router.get("", summary="List posts, newest first, with filters and cursor pagination", response_model=PostsPublic)
def list_posts(
    key: ApiKey = Depends(role(*READERS)),
    session: Session = Depends(get_session),
    sentiment: SentimentLabel | None = None,
    intent: Intent | None = None,
    signal: str | None = Query(None, max_length=40, description="a trust signal (see Signal)"),
    idea: int | None = Query(None, ge=1, le=MAX_ID),
    status: PostStatus | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    cursor: str | None = Query(None, max_length=200),
    limit: int = Query(50, ge=1, le=500),
):
    try:
        rows, nxt = svc.list_posts(
            session,
            key.tenant_id,
            sentiment=sentiment and sentiment.value,
            intent=intent and intent.value,
            signal=signal,
            idea_id=idea,
            status=status and status.value,
            since=since,
            until=until,
            cursor=cursor,
            limit=limit,
        )
    except ValueError as e:
        raise Problem(422, "Unprocessable Content", str(e)) from e
    return {"items": [svc.post_json(p) for p in rows], "count": len(rows), "next_cursor": nxt}
