"""Ranking the board's ideas: each sort is one documented function over plain idea statistics.

Support comes from posts (a user raising or seconding the idea in their own words) and votes. The
functions are pure, so the service, the web pages and the tests rank the same way.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass
class Support:
    user: str
    at: dt.datetime
    kind: str = "post"  # post | vote


@dataclass
class IdeaStats:
    id: int
    created_at: dt.datetime
    status: str = "open"
    tags: list[str] = field(default_factory=list)
    area: str | None = None
    support: list[Support] = field(default_factory=list)
    sentiments: list[float] = field(default_factory=list)  # the posts' sentiment scores in [−1, 1]


def trending(
    idea: IdeaStats, now: dt.datetime, gravity: float = 1.4, window: dt.timedelta = dt.timedelta(days=7)
) -> float:
    """Recent support decayed by age, in the spirit of Fider's ((votes·5 + comments·3) − 1) / (hours + 2)^1.4.

    Here each support event in the last ``window`` scores 5 for a post (a user wrote it themselves)
    and 3 for a vote, divided by (hours since that event + 2)^gravity, so a burst of support this
    morning outranks a bigger one last week; only each user's most recent event counts.
    """
    latest: dict[str, Support] = {}
    for s in idea.support:
        if now - s.at <= window and (s.user not in latest or s.at > latest[s.user].at):
            latest[s.user] = s
    score = 0.0
    for s in latest.values():
        hours = max(0.0, (now - s.at).total_seconds() / 3600)
        score += (5.0 if s.kind == "post" else 3.0) / (hours + 2) ** gravity
    return score


def most_wanted(idea: IdeaStats, weight: Callable[[str], float] | None = None, cap: float = 2.0) -> float:
    """Distinct supporters, each weighted by ``weight(user)`` (super users more), capped at ``cap`` per user."""
    users = {s.user for s in idea.support}
    w = weight or (lambda u: 1.0)
    return float(sum(min(cap, max(0.0, w(u))) for u in users))


def newest(idea: IdeaStats) -> float:
    return idea.created_at.timestamp()


def most_negative(idea: IdeaStats, prior_weight: float = 3.0) -> float:
    """Negativity: −(mean sentiment), shrunk towards 0 by ``prior_weight`` pseudo-posts so one angry post
    does not outrank twenty unhappy ones."""
    n = len(idea.sentiments)
    return -sum(idea.sentiments) / (n + prior_weight) if n else 0.0


SORTS = {"trending", "most_wanted", "newest", "most_negative"}


def rank(
    ideas: Sequence[IdeaStats],
    sort: str = "trending",
    now: dt.datetime | None = None,
    weight: Callable[[str], float] | None = None,
    status: set[str] | None = None,
    tag: str | None = None,
    area: str | None = None,
    since: dt.datetime | None = None,
) -> list[IdeaStats]:
    """Filter (status, tag, area, created since) then sort, best first; ties broken by id."""
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(sorted(SORTS))}")
    now = now or dt.datetime.now(dt.UTC)
    keep = [
        i
        for i in ideas
        if (not status or i.status in status)
        and (not tag or tag in i.tags)
        and (not area or i.area == area)
        and (not since or i.created_at >= since)
    ]
    key = {
        "trending": lambda i: trending(i, now),
        "most_wanted": lambda i: most_wanted(i, weight),
        "newest": newest,
        "most_negative": most_negative,
    }[sort]
    return sorted(keep, key=lambda i: (-key(i), i.id))


def sparkline(times: Sequence[dt.datetime], now: dt.datetime, days: int = 14) -> list[int]:
    """Posts per day over the last ``days`` days, oldest first (for the board's trend sparkline)."""
    out = [0] * days
    for t in times:
        d = math.floor((now - t).total_seconds() / 86400)
        if 0 <= d < days:
            out[days - 1 - d] += 1
    return out
