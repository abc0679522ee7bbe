"""Community users (trust ledger, level, four highs) and the staff response clock."""

from __future__ import annotations

from pydantic import Field

from api.schemas import IsoDatetime, Public


class UserBase(Public):
    id: str = Field(description="the user's id on the platform")
    display_name: str | None
    balance: float
    level: int
    level_name: str
    level_name_en: str
    super_score: float
    four_highs: dict[str, int]
    at_risk: bool
    risk_score: float
    risk_reason: str
    vote_weight: float


class UserPublic(UserBase):
    posts: int = Field(description="posts analysed into the ledger")


class UserPostPublic(Public):
    id: int
    text: str = Field(description="the first 200 characters")
    created_at: IsoDatetime
    idea_id: int | None
    sentiment: float | None
    signals: list[str]


class UserDetailPublic(UserBase):
    history: list[list[str | float]] = Field(description="[time, balance] after each post, oldest first")
    posts: list[UserPostPublic] = Field(description="the latest 50 posts")
    ideas: int
    ideas_shipped: int


class UsersPublic(Public):
    items: list[UserPublic]
    count: int


class ClockDayPublic(Public):
    posts: int
    answered: int
    median_min: float | None
    p90_min: float | None
    within_target: float | None = Field(description="share answered within the target")
    unanswered: int


class ClockPublic(ClockDayPublic):
    per_day: dict[str, ClockDayPublic]
    target_min: float


class ResponseClockPublic(Public):
    posts: ClockPublic
    ideas: ClockPublic
