"""The board's sorts (model/ranking.py) on hand-made ideas, with expected values from the documented formulas."""

from __future__ import annotations

import datetime as dt

import pytest

from model.ledger import TrustAccount, vote_weight
from model.ranking import IdeaStats, Support, most_negative, most_wanted, newest, rank, sparkline, trending

T0 = dt.datetime(2026, 10, 1, 12, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)


def _idea(i, created, support=(), sentiments=(), status="open", tags=(), area=None):
    return IdeaStats(i, created, status, list(tags), area, list(support), list(sentiments))


def test_trending_formula_on_a_mixed_idea():
    now = T0 + 10 * DAY
    idea = _idea(
        1,
        T0,
        [
            Support("a", now - 2 * HOUR, "post"),
            Support("b", now - 10 * HOUR, "vote"),
            Support("a", now - 30 * HOUR, "vote"),  # a's older event: only the latest counts
            Support("c", now - 8 * DAY, "post"),
        ],
    )  # outside the 7-day window
    assert trending(idea, now) == pytest.approx(5 / 4**1.4 + 3 / 12**1.4)
    assert trending(idea, now, window=9 * DAY) == pytest.approx(5 / 4**1.4 + 3 / 12**1.4 + 5 / 194**1.4)
    assert trending(_idea(2, T0), now) == 0.0


def test_trending_prefers_recent_support_and_distinct_supporters():
    now = T0 + 10 * DAY
    fresh = _idea(1, T0, [Support(f"u{k}", now - 2 * HOUR) for k in range(5)])
    old_big = _idea(2, T0, [Support(f"v{k}", now - 5 * DAY) for k in range(30)])
    assert trending(fresh, now) > trending(old_big, now)
    spam = _idea(3, T0, [Support("x", now - 2 * HOUR) for _ in range(10)])  # one user, ten posts
    assert trending(spam, now) == pytest.approx(5 / 4**1.4)
    vote = _idea(4, T0, [Support("x", now - 2 * HOUR, "vote")])
    assert trending(vote, now) < trending(spam, now)
    assert [i.id for i in rank([old_big, vote, spam, fresh], "trending", now=now)] == [1, 3, 4, 2]


def test_most_wanted_counts_distinct_supporters_weighted_by_the_ledger_with_a_cap():
    t = T0
    super_user = TrustAccount()
    for _ in range(5):
        super_user.observe(t, 0.8, ["purchase", "repurchase", "share", "referral"])
    casual = TrustAccount()
    casual.observe(t, 0.5, ["purchase"])
    weights = {"super": super_user.vote_weight(), "casual": casual.vote_weight()}
    assert weights == {"super": 2.0, "casual": pytest.approx(1.1)}  # 1 + 0.1 × 35 capped at 2; 1 + 0.1 × 1

    one_super = _idea(1, T0, [Support("super", t), Support("super", t + DAY, "vote")])
    three_plain = _idea(2, T0, [Support(u, t) for u in ("p", "q", "r")])
    with_casual = _idea(3, T0, [Support("casual", t), Support("p", t)])
    w = lambda u: weights.get(u, vote_weight(0))  # noqa: E731
    assert most_wanted(one_super, w) == 2.0  # the super user counts twice, not once per event
    assert most_wanted(three_plain, w) == 3.0  # no single user outweighs three ordinary supporters
    assert most_wanted(with_casual, w) == pytest.approx(2.1)
    assert most_wanted(one_super) == 1.0  # unweighted: distinct supporters
    assert most_wanted(one_super, lambda u: 50.0) == 2.0 and most_wanted(one_super, lambda u: 50.0, cap=3) == 3.0
    assert [i.id for i in rank([one_super, with_casual, three_plain], "most_wanted", now=t, weight=w)] == [2, 3, 1]


def test_newest_and_ties_broken_by_id():
    a, b, c = _idea(3, T0), _idea(1, T0 + DAY), _idea(2, T0)
    assert newest(b) > newest(a)
    assert [i.id for i in rank([a, b, c], "newest", now=T0)] == [1, 2, 3]


def test_most_negative_shrinks_small_samples():
    one_angry = _idea(1, T0, sentiments=[-1.0])
    many_unhappy = _idea(2, T0, sentiments=[-0.6] * 20)
    happy = _idea(3, T0, sentiments=[0.8, 0.9])
    assert most_negative(one_angry) == pytest.approx(1.0 / 4)  # −mean shrunk by 3 neutral pseudo-posts
    assert most_negative(many_unhappy) == pytest.approx(12 / 23)
    assert most_negative(happy) == pytest.approx(-1.7 / 5)
    assert most_negative(_idea(4, T0)) == 0.0
    assert most_negative(one_angry, prior_weight=0) == 1.0
    assert [i.id for i in rank([happy, one_angry, _idea(4, T0), many_unhappy], "most_negative", now=T0)] == [2, 1, 4, 3]


def test_filters_by_status_tag_area_and_time():
    ideas = [
        _idea(1, T0, status="open", tags=["相机"], area="camera"),
        _idea(2, T0 + DAY, status="planned", tags=["电池", "充电"], area="battery"),
        _idea(3, T0 + 2 * DAY, status="shipped", tags=["相机"], area="camera"),
        _idea(4, T0 + 3 * DAY, status="open", tags=[], area=None),
    ]
    ids = lambda **kw: [i.id for i in rank(ideas, "newest", now=T0, **kw)]  # noqa: E731
    assert ids() == [4, 3, 2, 1]
    assert ids(status={"open", "planned"}) == [4, 2, 1]
    assert ids(tag="相机") == [3, 1]
    assert ids(area="battery") == [2]
    assert ids(since=T0 + DAY) == [4, 3, 2]
    assert ids(tag="相机", status={"open"}, since=T0) == [1]
    assert ids(area="nowhere") == []
    with pytest.raises(ValueError):
        rank(ideas, "random")


def test_sparkline_counts_posts_per_day_oldest_first():
    now = T0 + 3 * DAY
    times = [now - HOUR, now - 2 * HOUR, now - 2 * DAY, now - 30 * DAY, now + HOUR]
    assert sparkline(times, now, days=4) == [0, 1, 0, 2]
