"""Trust ledger arithmetic with decay, levels, volatility, vote weights, rules file and the response clock."""

from __future__ import annotations

import datetime as dt
import json
import sys

import pytest

from model.ledger import LedgerRules, TrustAccount, response_stats, vote_weight

T0 = dt.datetime(2026, 10, 1, 12, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def test_deposit_and_withdrawal_decay_with_their_half_lives():
    a = TrustAccount()
    e = a.observe(T0, 0.0, ["reliability"])
    assert e.delta == 1.0 and e.balance == 1.0
    a.observe(T0, 0.0, ["mistake"])
    assert a.balance(T0) == pytest.approx(0.0)
    # 14 days later the mistake (half-life 14 d) has halved; reliability (60 d) lost 2^(-14/60)
    later = T0 + 14 * DAY
    assert a.balance(later) == pytest.approx(2 ** (-14 / 60) - 0.5, abs=1e-9)


def test_deception_weighs_more_and_fades_slower_than_a_mistake():
    m, d = TrustAccount(), TrustAccount()
    m.observe(T0, 0.0, ["mistake"])
    d.observe(T0, 0.0, ["deception"])
    assert d.balance(T0) == pytest.approx(-4.0) and m.balance(T0) == pytest.approx(-1.0)
    after = T0 + 90 * DAY
    assert abs(d.balance(after)) / abs(m.balance(after)) > 4 * 50  # mistakes are forgiven, deception is not
    assert d.balance(after) == pytest.approx(-4.0 * 2 ** (-90 / 180))


def test_sentiment_moves_the_account():
    a = TrustAccount()
    assert a.observe(T0, 0.9, []).delta == pytest.approx(0.45)  # praise: 0.5 per unit of score
    assert a.observe(T0, -0.8, []).delta == pytest.approx(-0.4)  # anger
    assert a.observe(T0, 0.2, []).delta == 0.0  # lukewarm posts move nothing


def test_update_is_constant_size():
    a = TrustAccount()
    for i in range(3000):
        a.observe(T0 + dt.timedelta(minutes=i), (-1) ** i * 0.9, ["purchase", "mistake"])
    size = len(json.dumps(a.to_dict()))
    for i in range(3000, 10_000):
        a.observe(T0 + dt.timedelta(minutes=i), (-1) ** i * 0.9, ["purchase", "mistake"])
    assert abs(len(json.dumps(a.to_dict())) - size) < 200  # no history grows with the posts
    assert sys.getsizeof(a.values) < 2000 and a.highs["purchase"] == 10_000


def test_four_highs_levels_and_round_trip():
    a = TrustAccount()
    assert a.level == 0 and a.level_name == ("路人", "passer-by")
    a.observe(T0, 0.8, ["purchase"])
    assert a.super_score == 1.0 and a.level == 1
    a.observe(T0, 0.8, ["repurchase", "share"])
    assert a.super_score == 4.5 and a.level == 2  # 粉丝: four highs, balance above the floor
    for _ in range(3):
        a.observe(T0, 0.0, ["deception"])
    assert a.level == 1  # a deceived fan drops back
    a = TrustAccount.from_dict(a.to_dict())
    a.values.pop("deception")
    a.mark_idea()
    assert a.level == 3
    a.mark_idea_shipped()
    assert a.level_name[0] == "梦想赞助商"
    # caps: 50 referrals count as 5
    b = TrustAccount()
    for _ in range(50):
        b.observe(T0, 0.0, ["referral"])
    assert b.super_score == 5 * 2.5
    r = TrustAccount.from_dict(json.loads(json.dumps(a.to_dict())))
    assert r.summary()["level"] == 4 and r.balance(T0) == pytest.approx(a.balance(T0))


def test_volatility_flags_praise_to_anger_not_steady_users():
    fan = TrustAccount()
    for k, s in enumerate([0.9, 0.8, 0.9, -0.9, -0.95]):
        fan.observe(T0 + k * DAY, s, ["churn"] if k == 4 else [])
    flag, risk, reason = fan.volatility
    assert flag and "fell from" in reason
    angry_once = TrustAccount()  # swings in a scandal but does not talk of leaving: ranked, not flagged
    for k, s in enumerate([0.9, 0.8, 0.9, -0.9, -0.95]):
        angry_once.observe(T0 + k * DAY, s, [])
    assert not angry_once.volatility[0] and angry_once.volatility[1] > 1
    steady = TrustAccount()
    for k, s in enumerate([0.6, 0.7, 0.5, 0.6, 0.7]):
        steady.observe(T0 + k * DAY, s, [])
    assert not steady.volatility[0] and steady.volatility[1] < risk
    grumpy = TrustAccount()
    for k in range(5):
        grumpy.observe(T0 + k * DAY, -0.8, [])
    assert not grumpy.volatility[0]  # always unhappy is not a swing


def test_vote_weight_is_capped():
    assert vote_weight(0) == 1.0
    assert vote_weight(5) == pytest.approx(1.5)
    assert vote_weight(500) == 2.0
    assert vote_weight(500, LedgerRules(vote_weight_cap=3.0)) == 3.0


def test_response_clock():
    p = [T0 + dt.timedelta(minutes=m) for m in (0, 10, 20, 30, 40)]
    pairs = [
        (p[0], p[0] + dt.timedelta(minutes=5)),
        (p[1], p[1] + dt.timedelta(minutes=10)),
        (p[2], p[2] + dt.timedelta(minutes=20)),
        (p[3], p[3] + dt.timedelta(minutes=60)),
        (p[4], None),
    ]
    s = response_stats(pairs)
    assert s["answered"] == 4 and s["unanswered"] == 1
    assert s["median_min"] == pytest.approx(15.0)  # of 5, 10, 20, 60
    assert s["p90_min"] == pytest.approx(20 + 0.7 * 40)
    assert s["within_target"] == pytest.approx(2 / 5)
    assert list(s["per_day"]) == ["2026-10-01"] and s["per_day"]["2026-10-01"]["posts"] == 5
    assert response_stats([])["median_min"] is None


def test_rules_file_holds_the_defaults_and_overrides_load(tmp_path):
    assert LedgerRules.load() == LedgerRules()  # data/ledger_rules.yaml documents the defaults
    f = tmp_path / "rules.yaml"
    f.write_text("swing: 1.5\ncomponents:\n  mistake: {sign: -1, weight: 2.0, halflife_days: 7}\n", encoding="utf-8")
    r = LedgerRules.load(f)
    assert r.swing == 1.5 and r.components["deception"] == LedgerRules().components["deception"]
    a = TrustAccount(r)
    a.observe(T0, 0.0, ["mistake", "deception"])
    assert a.balance(T0 + 7 * DAY) == pytest.approx(-1.0 - 4.0 * 2 ** (-7 / 180))  # the mistake: 2 halved in 7 d


def test_swing_needs_a_praise_peak():
    lukewarm = TrustAccount()  # from neutral to angry and leaving: unhappy, but no praise to fall from
    for k, s in enumerate([0.1, 0.2, -0.9, -0.95]):
        lukewarm.observe(T0 + k * DAY, s, ["churn"] if k == 3 else [])
    assert not lukewarm.volatility[0]
    assert TrustAccount.from_dict(lukewarm.to_dict(), LedgerRules(praise_peak=0.1)).volatility[0]
