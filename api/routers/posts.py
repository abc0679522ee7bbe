"""/v1/posts: ingest (one or a batch, idempotent by external id), read, list with filters and cursors."""
from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from api.db.models import ApiKey, Tenant
from api.deps import MAX_ID, IdPath, get_session, role
from api.problems import Problem
from api.services import posts as svc
from api.worker import metrics

router = APIRouter(prefix="/v1/posts", tags=["posts"])


class PostsIn(BaseModel):
    posts: list[Any] = Field(description="1 to COCREATE_MAX_BATCH (1,000) objects shaped like PostIn: "
                                         '{"external_id", "user_id", "text", "created_at"?}; each is validated '
                                         "on its own, so one bad post does not reject the others",
                             json_schema_extra={"items": svc.PostIn.model_json_schema()})


@router.post("", summary="Ingest posts (idempotent by external_id)", responses={
    200: {"description": "every post accepted (new or duplicate)"},
    207: {"description": "some posts accepted, some refused: see errors[]"},
    413: {"description": "batch too large"}, 422: {"description": "no post could be accepted"}})
def ingest(body: PostsIn, request: Request, key: ApiKey = Depends(role("ingest")),
           session: Session = Depends(get_session)):
    settings = request.app.state.settings
    n = len(body.posts)
    if n == 0:
        raise Problem(422, "Unprocessable Content", "posts is empty: send 1 to "
                                                    f"{settings.max_batch} posts")
    if n > settings.max_batch:
        raise Problem(413, "Content Too Large", f"{n} posts in one request; the limit is {settings.max_batch} "
                                                "(COCREATE_MAX_BATCH): split the batch")
    tenant = session.get(Tenant, key.tenant_id)
    res = svc.ingest(session, tenant, body.posts, settings)
    session.commit()  # the posts are durable before anything is queued
    metrics.INGESTED.inc(len(res.new_ids))
    if res.new_ids:
        from api.worker.tasks import enqueue_analysis

        enqueue_analysis(res.new_ids, settings.analysis_batch)
    status = 200 if not res.errors else (207 if res.results else 422)
    content = {"accepted": len(res.results), "new": len(res.new_ids), "refused": len({e["index"] for e in res.errors}),
               "results": res.results, "errors": res.errors}
    if status == 422:
        content |= {"type": "https://cocreate.dev/problems/422", "title": "Unprocessable Content", "status": 422,
                    "detail": "no post was accepted: " + "; ".join(
                        f"#{e['index']} {e['field']}: {e['message']}" for e in res.errors[:3])}
        return JSONResponse(content, status_code=422, media_type="application/problem+json")
    return JSONResponse(content, status_code=status)


@router.get("/{post_id}", summary="One post with its analysis (or status pending)")
def get_post(post_id: IdPath, key: ApiKey = Depends(role("ingest", "pm", "moderator")),
             session: Session = Depends(get_session)):
    p = svc.get_post(session, key.tenant_id, post_id)
    if p is None:
        raise Problem(404, "Not Found", f"no post {post_id} in your tenant")
    return svc.post_json(p)


class ResponseIn(BaseModel):
    staff: str = Field(min_length=1, max_length=100)
    text: str = Field(min_length=1, max_length=5000)


@router.post("/{post_id}/responses", status_code=201, summary="A staff reply to a post (starts nothing, stops the clock)")
def respond(post_id: IdPath, body: ResponseIn, key: ApiKey = Depends(role("pm", "moderator")),
            session: Session = Depends(get_session)):
    from api.db.models import StaffResponse

    p = svc.get_post(session, key.tenant_id, post_id)
    if p is None:
        raise Problem(404, "Not Found", f"no post {post_id} in your tenant")
    r = StaffResponse(tenant_id=key.tenant_id, post_id=p.id, staff=body.staff, text=body.text)
    session.add(r)
    session.commit()
    return {"post_id": p.id, "staff": r.staff, "text": r.text, "created_at": r.created_at.isoformat()}


@router.get("", summary="List posts, newest first, with filters and cursor pagination")
def list_posts(key: ApiKey = Depends(role("ingest", "pm", "moderator")), session: Session = Depends(get_session),
               sentiment: Literal["negative", "neutral", "positive"] | None = None,
               intent: Literal["feature_request", "bug_report", "complaint", "praise", "question", "other"] | None = None,
               signal: str | None = Query(None, max_length=40), idea: int | None = Query(None, ge=1, le=MAX_ID),
               status: Literal["pending", "analyzed", "failed"] | None = None,
               since: dt.datetime | None = None, until: dt.datetime | None = None,
               cursor: str | None = Query(None, max_length=200), limit: int = Query(50, ge=1, le=500)):
    try:
        rows, nxt = svc.list_posts(session, key.tenant_id, sentiment=sentiment, intent=intent, signal=signal,
                                   idea_id=idea, status=status, since=since, until=until, cursor=cursor, limit=limit)
    except ValueError as e:
        raise Problem(422, "Unprocessable Content", str(e)) from e
    return {"items": [svc.post_json(p) for p in rows], "next_cursor": nxt}
