"""Posts: ingest results, a post with its analysis, pages of posts, staff replies."""

from __future__ import annotations

from pydantic import Field

from api.schemas import IsoDatetime, Public
from api.vocab import Intent, PostStatus, SentimentLabel


class IngestedPublic(Public):
    index: int = Field(description="position in the request's posts[]")
    external_id: str
    id: int = Field(description="the post's id in this service")
    duplicate: bool = Field(description="true when this external_id was already stored with the same text")
    status: PostStatus


class IngestErrorPublic(Public):
    index: int
    external_id: str | None
    field: str = Field(description="the invalid field, dotted ('' for the whole item)")
    status: int = Field(description="422 invalid, 413 text too long, 409 external_id reused with other text")
    message: str


class IngestPublic(Public):
    accepted: int
    new: int
    refused: int = Field(description="posts refused (each has one or more errors[])")
    results: list[IngestedPublic]
    errors: list[IngestErrorPublic]


class IngestProblemPublic(IngestPublic):
    """No post of the batch was accepted: the ingest report plus an RFC 9457 problem."""

    type: str
    title: str
    status: int
    detail: str


class SentimentPublic(Public):
    label: SentimentLabel
    score: float = Field(description="P(positive) - P(negative), in [-1, 1]")


class IntentPublic(Public):
    label: Intent
    scores: dict[str, float]


class AnalysisPublic(Public):
    sentiment: SentimentPublic
    intent: IntentPublic
    trust: dict[str, float] = Field(description="probability per trust signal")
    signals: list[str] = Field(description="the trust signals found (see the Signal vocabulary)")
    keywords: list[str]
    analyzed_at: IsoDatetime | None


class PostPublic(Public):
    id: int
    external_id: str
    user_id: str | None
    text: str
    created_at: IsoDatetime | None
    received_at: IsoDatetime | None
    status: PostStatus
    idea_id: int | None
    flagged: bool
    analysis: AnalysisPublic | None = Field(description="null while the post is pending")


class PostsPublic(Public):
    items: list[PostPublic]
    count: int = Field(description="posts on this page")
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null on the last")


class PostResponsePublic(Public):
    post_id: int
    staff: str
    text: str
    created_at: IsoDatetime
