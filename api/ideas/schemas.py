"""Ideas on the co-creation board: summaries, the detail page's history and responses, votes."""

from __future__ import annotations

from pydantic import Field

from api.schemas import IsoDatetime, Public
from api.vocab import IdeaStatus


class IdeaPublic(Public):
    id: int
    title: str
    keywords: list[str]
    status: IdeaStatus
    posts: int = Field(description="analysed posts in the idea")
    supporters: int = Field(description="distinct community users who posted or voted")
    votes: int
    sentiment_mean: float | None
    last_post_at: IsoDatetime | None
    merged_into: int | None
    created_at: IsoDatetime
    quotes: list[str]


class StatusChangePublic(Public):
    from_: IdeaStatus | None = Field(alias="from")
    to: IdeaStatus
    by: str
    at: IsoDatetime
    note: str | None


class StaffResponsePublic(Public):
    staff: str
    text: str
    at: IsoDatetime


class IdeaDetailPublic(IdeaPublic):
    history: list[StatusChangePublic]
    responses: list[StaffResponsePublic]
    supporter_ids: list[str]


class IdeasPublic(Public):
    items: list[IdeaPublic]
    count: int


class VotePublic(Public):
    idea_id: int = Field(description="the idea that got the vote (a merged idea's survivor)")
    counted: bool = Field(description="false when this user had already voted")
    idea: IdeaPublic
