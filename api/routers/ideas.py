"""/v1/ideas: the board's ideas, votes, PM edits (title, status, merge) and staff responses."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from api.db.models import ApiKey
from api.deps import IdPath, get_session, role
from api.problems import Problem
from api.services import ideas as svc

router = APIRouter(prefix="/v1/ideas", tags=["ideas"])
Status = Literal["open", "under_review", "planned", "in_progress", "shipped", "declined", "duplicate"]


class VoteIn(BaseModel):
    user_id: str = Field(min_length=1, max_length=200, description="the voter's id on the platform")


class IdeaPatch(BaseModel):
    title: str | None = Field(None, min_length=1, max_length=200)
    status: Status | None = None
    merge_into: int | None = Field(None, ge=1, le=2**53 - 1, description="fold this idea into another (keeps posts and voters)")
    note: str | None = Field(None, max_length=2000)
    by: str = Field("pm", max_length=100, description="who makes the change (shown in the history)")


class ResponseIn(BaseModel):
    staff: str = Field(min_length=1, max_length=100)
    text: str = Field(min_length=1, max_length=5000)


def _idea(session: Session, key: ApiKey, idea_id: int):
    i = svc.get_idea(session, key.tenant_id, idea_id)
    if i is None:
        raise Problem(404, "Not Found", f"no idea {idea_id} in your tenant")
    return i


@router.get("", summary="Ideas ranked")
def list_ideas(key: ApiKey = Depends(role("pm", "moderator", "ingest")), session: Session = Depends(get_session),
               status: Status | None = None,
               sort: Literal["trending", "most_wanted", "newest", "most_negative"] = "most_wanted"):
    return {"items": svc.list_ideas(session, key.tenant_id, status=status, sort=sort)}


@router.get("/{idea_id}", summary="One idea with history, responses and supporters")
def get_idea(idea_id: IdPath, key: ApiKey = Depends(role("pm", "moderator", "ingest")),
             session: Session = Depends(get_session)):
    return svc.idea_json(session, _idea(session, key, idea_id), detail=True)


@router.post("/{idea_id}/votes", summary="A community user votes for an idea (once)")
def vote(idea_id: IdPath, body: VoteIn, key: ApiKey = Depends(role("ingest", "pm")),
         session: Session = Depends(get_session)):
    idea = _idea(session, key, idea_id)
    if idea.merged_into:
        idea = _idea(session, key, idea.merged_into)
    new = svc.vote(session, idea, body.user_id)
    session.commit()
    return {"idea_id": idea.id, "counted": new, "idea": svc.idea_json(session, idea)}


@router.patch("/{idea_id}", summary="Rename, change status, or merge into another idea")
def patch_idea(idea_id: IdPath, body: IdeaPatch, key: ApiKey = Depends(role("pm")),
               session: Session = Depends(get_session)):
    from api.services.webhooks import flush_outbox

    idea = _idea(session, key, idea_id)
    try:
        if body.title is not None:
            idea.title, idea.title_locked = body.title, True
        if body.merge_into is not None:
            svc.merge(session, idea, _idea(session, key, body.merge_into), body.by)
        if body.status is not None:
            svc.set_status(session, idea, body.status, body.by, body.note)
    except ValueError as e:
        session.rollback()
        raise Problem(409, "Conflict", str(e)) from e
    session.commit()
    flush_outbox(session)
    return svc.idea_json(session, idea, detail=True)


@router.post("/{idea_id}/responses", status_code=201, summary="A staff response; notifies every supporter")
def respond(idea_id: IdPath, body: ResponseIn, key: ApiKey = Depends(role("pm", "moderator")),
            session: Session = Depends(get_session)):
    idea = _idea(session, key, idea_id)
    svc.respond(session, idea, body.staff, body.text)
    session.commit()
    return svc.idea_json(session, idea, detail=True)
