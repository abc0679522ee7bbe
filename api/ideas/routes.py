"""/v1/ideas: the board's ideas, votes, PM edits (title, status, merge) and staff responses."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from api import problems
from api.db.models import ApiKey
from api.deps import IdPath, get_session, role
from api.ideas import service as svc
from api.ideas.schemas import IdeaDetailPublic, IdeasPublic, VotePublic
from api.problems import Problem
from api.vocab import IdeaSort, IdeaStatus, Role

router = APIRouter(prefix="/v1/ideas", tags=["ideas"], responses=problems.responses(*problems.AUTH))
READERS = (Role.pm, Role.moderator, Role.ingest)


class VoteIn(BaseModel):
    user_id: str = Field(min_length=1, max_length=200, description="the voter's id on the platform")


class IdeaPatch(BaseModel):
    model_config = ConfigDict(use_enum_values=True)
    title: str | None = Field(None, min_length=1, max_length=200)
    status: IdeaStatus | None = None
    merge_into: int | None = Field(
        None, ge=1, le=2**53 - 1, description="fold this idea into another (keeps posts and voters)"
    )
    note: str | None = Field(None, max_length=2000)
    by: str = Field("pm", max_length=100, description="who makes the change (shown in the history)")


class IdeaResponseIn(BaseModel):
    staff: str = Field(min_length=1, max_length=100)
    text: str = Field(min_length=1, max_length=5000)


def _idea(session: Session, key: ApiKey, idea_id: int):
    i = svc.get_idea(session, key.tenant_id, idea_id)
    if i is None:
        raise Problem(404, "Not Found", f"no idea {idea_id} in your tenant")
    return i


@router.get("", summary="Ideas ranked", response_model=IdeasPublic)
def list_ideas(
    key: ApiKey = Depends(role(*READERS)),
    session: Session = Depends(get_session),
    status: IdeaStatus | None = None,
    sort: IdeaSort = IdeaSort.most_wanted,
):
    items = svc.list_ideas(session, key.tenant_id, status=status and status.value, sort=sort.value)
    return {"items": items, "count": len(items)}


@router.get(
    "/{idea_id}",
    summary="One idea with history, responses and supporters",
    response_model=IdeaDetailPublic,
    responses=problems.responses(404),
)
def get_idea(idea_id: IdPath, key: ApiKey = Depends(role(*READERS)), session: Session = Depends(get_session)):
    return svc.idea_json(session, _idea(session, key, idea_id), detail=True)


@router.post(
    "/{idea_id}/votes",
    summary="A community user votes for an idea (once)",
    response_model=VotePublic,
    responses=problems.responses(404),
)
def vote_for_idea(
    idea_id: IdPath,
    body: VoteIn,
    key: ApiKey = Depends(role(Role.ingest, Role.pm)),
    session: Session = Depends(get_session),
):
    idea = _idea(session, key, idea_id)
    if idea.merged_into:
        idea = _idea(session, key, idea.merged_into)
    new = svc.vote(session, idea, body.user_id)
    session.commit()
    return {"idea_id": idea.id, "counted": new, "idea": svc.idea_json(session, idea)}


@router.patch(
    "/{idea_id}",
    summary="Rename, change status, or merge into another idea",
    response_model=IdeaDetailPublic,
    responses=problems.responses(404, 409),
)
def patch_idea(
    idea_id: IdPath, body: IdeaPatch, key: ApiKey = Depends(role(Role.pm)), session: Session = Depends(get_session)
):

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
    return svc.idea_json(session, idea, detail=True)


@router.post(
    "/{idea_id}/responses",
    status_code=201,
    summary="A staff response; notifies every supporter",
    response_model=IdeaDetailPublic,
    responses=problems.responses(404),
)
def respond_to_idea(
    idea_id: IdPath,
    body: IdeaResponseIn,
    key: ApiKey = Depends(role(Role.pm, Role.moderator)),
    session: Session = Depends(get_session),
):
    idea = _idea(session, key, idea_id)
    svc.respond(session, idea, body.staff, body.text)
    session.commit()
    return svc.idea_json(session, idea, detail=True)
