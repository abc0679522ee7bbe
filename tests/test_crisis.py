"""Crisis detector: tails, seasonal baseline, shares, evening peaks of different dishes stay quiet, one
thing bursting is a crisis, praise never is, severity order, labels, persistence, `cocreate crisis`."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest
from typer.testing import CliRunner

from model.crisis import CrisisConfig, CrisisDetector, PostEvent, binom_sf, concern, playbook, poisson_sf, replay
from model.crisis_season import SeasonalVolume
from model.crisis_topics import ShareTable, post_keys

TZ = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2026, 10, 5, tzinfo=TZ)  # a Monday
DISHES = [
    "鸡肉",
    "卤蛋",
    "米饭",
    "牛肉",
    "面条",
    "饺子",
    "奶茶",
    "汉堡",
    "薯条",
    "炒饭",
    "凉皮",
    "麻辣烫",
    "鸭血",
    "豆腐",
    "排骨",
    "鱼香",
    "披萨",
    "寿司",
    "烤鸭",
    "馄饨",
    "包子",
    "粥",
    "青菜",
    "土豆",
    "茄子",
    "虾仁",
    "鸡翅",
    "肥肠",
]


def ev(i, t, topic=1, label="negative", signals=(), user=None, kw=("假货",)):
    return PostEvent(
        f"p{i}", t, topic, label, -0.8 if label == "negative" else 0.8, list(signals), user or f"u{i}", list(kw)
    )


def background(days=3, per_hour=2, topic=1, start=T0, label="negative"):
    out, i = [], 0
    for h in range(days * 24):
        for k in range(per_hour):
            out.append(ev(10_000 + i, start + dt.timedelta(hours=h, minutes=30 * k + 7), topic, label, kw=("物流",)))
            i += 1
    return out


def takeaway_days(days=4, seed=0):
    """Complaints about many different dishes with lunch and dinner peaks (12× the night volume)."""
    rng = random.Random(seed)
    out = []
    for d in range(days):
        for h in range(24):
            n = 12 if h in (11, 12, 17, 18, 19) else (1 if 9 <= h <= 22 else 0)
            for _ in range(n):
                t = T0 + dt.timedelta(days=d, hours=h, seconds=rng.randrange(3600))
                kw = ["难吃", rng.choice(DISHES), rng.choice(DISHES)]
                sig = ["mistake"] if rng.random() < 0.5 else []
                out.append(PostEvent(f"b{len(out)}", t, -1, "negative", -0.7, sig, f"u{rng.randrange(300)}", kw))
    return out


def test_tails():
    assert poisson_sf(0, 3.0) == 1.0
    assert poisson_sf(1, 2.0) == pytest.approx(1 - 2.718281828**-2, rel=1e-6)
    assert poisson_sf(3, 1.0) == pytest.approx(1 - 2.718281828**-1 * (1 + 1 + 0.5), rel=1e-6)
    assert 0 < poisson_sf(20, 1.0) < 1e-17
    assert binom_sf(3, 4, 0.5) == pytest.approx(5 / 16)
    assert binom_sf(11, 12, 0.55) == pytest.approx(12 * 0.55**11 * 0.45 + 0.55**12)
    assert binom_sf(2, 10, 0.5) == 1.0 and binom_sf(11, 10, 0.5) == 0.0


def test_concern_weights():
    cfg = CrisisConfig()
    assert concern(ev(1, T0, label="positive"), cfg) == 0
    assert concern(ev(1, T0, label="neutral"), cfg) == 0
    assert concern(ev(1, T0), cfg) == cfg.w_negative
    assert concern(ev(1, T0, signals=["mistake"]), cfg) < concern(ev(1, T0, signals=["deception"]), cfg)
    assert concern(ev(1, T0, label="neutral", signals=["safety_privacy"]), cfg) > 0


def test_seasonal_volume_learns_the_daily_rhythm_and_weekdays():
    s = SeasonalVolume()
    for d in range(9):
        for h in range(24):
            for k in range((8 if 18 <= h < 21 else 1) * (2 if d % 7 == 5 else 1)):  # busy evenings, busy Saturday
                s.add(T0 + dt.timedelta(days=d, hours=h, minutes=k))
    assert s.expected_hour(T0 + dt.timedelta(days=9, hours=19)) == pytest.approx(8, rel=0.1)
    assert s.expected_hour(T0 + dt.timedelta(days=9, hours=4)) == pytest.approx(1, rel=0.1)
    assert s.expected_hour(T0 + dt.timedelta(days=12, hours=19)) > 1.5 * s.expected_hour(
        T0 + dt.timedelta(days=9, hours=19)
    )
    assert SeasonalVolume().expected_hour(T0) == 0.0  # nothing learned yet
    r = SeasonalVolume.from_dict(json.loads(json.dumps(s.to_dict())))
    assert r.expected_hour(T0 + dt.timedelta(days=12, hours=19)) == s.expected_hour(
        T0 + dt.timedelta(days=12, hours=19)
    )


def test_share_table_learns_and_decays():
    t = ShareTable(halflife_posts=200)
    for i in range(2000):
        t.add(["k:难吃"] + (["k:卤蛋"] if i % 10 == 0 else []) + (["k:旧"] if i < 500 else []))
    assert t.share("k:难吃") > 0.85  # the prior (30 pseudo-posts) still holds a little weight
    assert t.share("k:卤蛋") / t.share("k:难吃") == pytest.approx(0.1, abs=0.03)
    assert t.share("k:旧") < 0.01 and t.share("k:新") < 0.01  # forgotten / never seen
    assert ShareTable.from_dict(json.loads(json.dumps(t.to_dict()))).share("k:卤蛋") == pytest.approx(t.share("k:卤蛋"))
    assert post_keys(["发霉"], ["safety_privacy", "purchase"], 3, False) == ["k:发霉", "s:safety_privacy", "t:3"]
    assert post_keys(["好吃"], [], -1, True) == ["+k:好吃"]


def test_evening_peaks_of_different_dishes_are_no_crisis_but_one_thing_is():
    det = CrisisDetector(CrisisConfig())
    for e in takeaway_days():
        det.observe(e)
    assert not [a for a in det.alerts.values() if a.kind == "crisis"]
    # day 5, dinner peak: the usual complaints plus 15 posts in 30 minutes about insects in the food
    t = T0 + dt.timedelta(days=4, hours=18)
    rng = random.Random(9)
    evs = [
        PostEvent(
            f"n{k}",
            t + dt.timedelta(seconds=rng.randrange(3600)),
            -1,
            "negative",
            -0.7,
            [],
            f"u{rng.randrange(300)}",
            ["难吃", rng.choice(DISHES)],
        )
        for k in range(12)
    ]
    evs += [
        PostEvent(
            f"x{k}",
            t + dt.timedelta(minutes=2 * k),
            -1,
            "negative",
            -0.9,
            ["safety_privacy", "mistake"] if k % 3 else ["mistake"],
            f"v{k}",
            ["虫子", rng.choice(DISHES), "恶心"],
        )
        for k in range(15)
    ]
    opened = []
    for e in sorted(evs, key=lambda e: e.created_at):
        opened += [u.alert for u in det.observe(e) if u.event == "opened" and u.alert.kind == "crisis"]
    assert len(opened) == 1
    a = opened[0]
    assert a.opened_at <= (t + dt.timedelta(minutes=20)).isoformat()
    assert sum(p.startswith("x") for p in a.post_ids) >= 0.8 * len(a.post_ids)
    assert a.theme == "safety_privacy" and a.label.startswith("安全/卫生：") and "虫子" in a.label
    assert a.severity >= 7


def test_burst_opens_one_crisis_that_updates_then_cools_down():
    det = CrisisDetector(CrisisConfig())
    for e in background():
        det.observe(e)
    t = T0 + dt.timedelta(days=3, hours=20)
    updates = []
    for k in range(30):
        updates += det.observe(ev(k, t + dt.timedelta(minutes=k), signals=["deception"]))
    opened = [u.alert for u in updates if u.event == "opened" and u.alert.kind == "crisis"]
    assert len(opened) == 1  # a grumble notice may come first; it is superseded, not duplicated
    a = opened[0]

    def crises():
        return [x for x in det.alerts.values() if x.kind == "crisis"]

    assert a.opened_at < (t + dt.timedelta(minutes=15)).isoformat()
    assert len(crises()) == 1 and a.count >= 25 and set(a.post_ids) >= {f"p{k}" for k in range(10, 30)}
    assert a.signal_mix["deception"] >= 25 and a.playbook[0]["step"] == "respond"
    assert a.label == "欺骗/虚假宣传：假货" and a.due_at > a.opened_at
    # within the cool-down more posts update the same alert; after it a new burst opens a new alert
    det.observe(ev(100, t + dt.timedelta(minutes=31), signals=["deception"]))
    assert len(crises()) == 1 and "p100" in a.post_ids
    later = t + dt.timedelta(hours=8)
    for k in range(30):
        det.observe(ev(200 + k, later + dt.timedelta(minutes=k), signals=["deception"]))
    assert a.closed and len(crises()) == 2


def test_posts_out_of_order_within_the_window_still_make_the_crisis_and_stale_ones_only_teach():
    """Workers finish batches in any order: a burst read shuffled within its window is still one crisis;
    a post older than the window is background (it cannot alarm, nor break the window's order)."""
    det = CrisisDetector(CrisisConfig())
    for e in background():
        det.observe(e)
    t = T0 + dt.timedelta(days=3, hours=20)
    burst = [ev(k, t + dt.timedelta(minutes=k), signals=["deception"]) for k in range(30)]
    order = [b for i in range(0, 30, 6) for b in reversed(burst[i : i + 6])]  # batches of 6, each newest first
    updates = []
    for e in order:
        updates += det.observe(e)
    crises = [u.alert for u in updates if u.event == "opened" and u.alert.kind == "crisis"]
    assert len(crises) == 1 and crises[0].count >= 25
    window = [x[0] for x in det.sides["neg"].posts]
    assert window == sorted(window)
    det2 = CrisisDetector(CrisisConfig())
    for e in background():
        det2.observe(e)
    det2.observe(ev(999, t + dt.timedelta(hours=3)))
    stale = []
    for e in burst:  # the whole burst arrives after the detector has read posts three hours later
        stale += det2.observe(e)
    assert not [u for u in stale if u.alert.kind == "crisis"]
    assert all(x[1] != "p0" for x in det2.sides["neg"].posts)


def test_praise_spike_is_never_a_crisis():
    det = CrisisDetector(CrisisConfig())
    for e in background(label="positive"):
        det.observe(e)
    t = T0 + dt.timedelta(days=3, hours=20)
    for k in range(80):
        det.observe(ev(k, t + dt.timedelta(minutes=k * 1.5), label="positive", kw=("好评",)))
    kinds = {a.kind for a in det.alerts.values()}
    assert kinds == {"praise_spike"}
    assert next(iter(det.alerts.values())).label.startswith("好评集中")


def test_severity_puts_safety_and_deception_before_mistakes():
    def crisis(signals):
        det = CrisisDetector(CrisisConfig())
        for e in background():
            det.observe(e)
        t = T0 + dt.timedelta(days=3, hours=20)
        for k in range(25):
            det.observe(ev(k, t + dt.timedelta(minutes=k), signals=signals, kw=("停电",)))
        crises = [a for a in det.alerts.values() if a.kind == "crisis"]
        assert len(crises) == 1
        return crises[0]

    dec, safe, mis = crisis(["deception"]), crisis(["safety_privacy"]), crisis(["mistake"])
    assert safe.severity >= dec.severity > mis.severity >= 4
    assert "赔付" in dec.playbook[1]["zh"] and "修复" in mis.playbook[1]["zh"] and "召回" in safe.playbook[1]["zh"]
    assert mis.label == "故障/失误：停电"
    assert "召回" in playbook({"safety_privacy": 3})[1]["zh"]


def test_small_grumble_is_a_notice_not_a_crisis():
    det = CrisisDetector(CrisisConfig())
    for e in background(per_hour=1):
        det.observe(e)
    t = T0 + dt.timedelta(days=3, hours=15)
    for k in range(4):
        det.observe(ev(k, t + dt.timedelta(minutes=5 * k), topic=1))
    assert all(a.kind != "crisis" for a in det.alerts.values())


def test_acknowledge_resolve_clock_and_persistence():
    det = CrisisDetector(CrisisConfig())
    for e in background():
        det.observe(e)
    t = T0 + dt.timedelta(days=3, hours=20)
    for k in range(20):
        det.observe(ev(k, t + dt.timedelta(minutes=k), signals=["safety_privacy"]))
    a = [x for x in det.alerts.values() if x.kind == "crisis"][0]
    restored = CrisisDetector.from_dict(json.loads(json.dumps(det.to_dict())))
    assert restored.alerts[a.alert_id].post_ids == a.post_ids
    assert restored.shares["neg"].share("k:物流") == pytest.approx(det.shares["neg"].share("k:物流"))
    assert restored.p_value("neg", "k:假货", t) == pytest.approx(det.p_value("neg", "k:假货", t))
    # the restored detector carries on the same burst instead of opening a new alert
    restored.observe(ev(500, t + dt.timedelta(minutes=21), signals=["safety_privacy"]))
    assert len(restored.alerts) == len(det.alerts) and "p500" in restored.alerts[a.alert_id].post_ids
    opened = dt.datetime.fromisoformat(a.opened_at)
    det.acknowledge(a.alert_id, opened + dt.timedelta(minutes=12))
    assert CrisisDetector.response_minutes(a) == pytest.approx(12) and a.status == "acknowledged"
    det.resolve(a.alert_id, opened + dt.timedelta(hours=3))
    assert a.status == "resolved" and a.resolved_at


def test_old_state_format_still_loads():
    old = {
        "config": {"p_crisis": 1e-6, "cooldown": 7200.0},
        "profile": [1.0] * 24,
        "hour_counts": [0.0] * 24,
        "seq": 7,
        "now": T0.isoformat(),
        "topics": {},
        "alerts": {
            "A00007-t1": {
                "alert_id": "A00007-t1",
                "kind": "crisis",
                "topic": 1,
                "opened_at": T0.isoformat(),
                "severity": 6,
                "count": 9,
                "baseline": 0.2,
                "p_value": 1e-9,
                "post_ids": ["1"],
                "signal_mix": {"deception": 9},
            }
        },
    }
    det = CrisisDetector.from_dict(old)
    assert det.alerts["A00007-t1"].closed and det._seq == 7
    det.observe(ev(1, T0 + dt.timedelta(hours=1)))
    assert det.now == T0 + dt.timedelta(hours=1) and len(det.sides["neg"].posts) == 1


def test_fitted_settings_file(tmp_path):
    f = tmp_path / "config.json"
    f.write_text(json.dumps({"settings": {"p_keyword": 1e-9, "min_posts": 9, "cooldown": 60, "unknown": 1}}))
    cfg = CrisisConfig.fitted(f)
    assert cfg.p_keyword == 1e-9 and cfg.min_posts == 9 and cfg.cooldown == dt.timedelta(minutes=1)
    assert CrisisConfig.fitted(tmp_path / "absent.json") == CrisisConfig()


def test_replay_sorts_stream_time():
    evs = background(days=3)
    t = T0 + dt.timedelta(days=3, hours=20)
    evs += [ev(k, t + dt.timedelta(minutes=k), signals=["deception"]) for k in range(20)]
    alerts, det = replay(list(reversed(evs)), CrisisConfig())
    assert [a.kind for a in alerts if a.kind == "crisis"] == ["crisis"] and all(a.closed for a in alerts)


def test_cli_crisis_on_a_small_stream(tmp_path):
    from cocreate.cli import app

    rows = []
    for h in range(60):  # background: calm posts every 20 minutes for 20 hours
        rows.append(
            {
                "id": f"b{h}",
                "created_at": (T0 + dt.timedelta(minutes=20 * h)).isoformat(),
                "user": f"u{h % 9}",
                "text": ["物流很快，包装完好", "手机用着挺顺手", "客服回复及时"][h % 3],
            }
        )
    t = T0 + dt.timedelta(hours=20)
    fakes = [
        "买到的是假货，包装和官网完全不一样",
        "客服说是正品，结果鉴定是高仿，骗人",
        "假货！序列号查不到",
        "这家店卖假货，大家别买",
        "收到的是山寨货，申请退款被拒",
        "被骗了，假的，和专柜差很多",
        "鉴定出来是假货，商家还不承认",
        "明显是假货，做工粗糙",
        "假货，要求退一赔三",
    ]
    for k, x in enumerate(fakes):
        rows.append(
            {"id": f"c{k}", "created_at": (t + dt.timedelta(minutes=3 * k)).isoformat(), "user": f"v{k}", "text": x}
        )
    src = tmp_path / "stream.jsonl"
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    out = tmp_path / "alerts.jsonl"
    res = CliRunner().invoke(app, ["crisis", str(src), "-o", str(out)])
    assert res.exit_code == 0, res.output
    alerts = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    crises = [a for a in alerts if a["kind"] == "crisis"]
    assert crises, res.output
    a = crises[0]
    assert set(a) >= {"alert_id", "opened_at", "kind", "severity", "label", "post_ids", "theme"}
    assert sum(p.startswith("c") for p in a["post_ids"]) > len(a["post_ids"]) / 2
    assert a["opened_at"] <= (t + dt.timedelta(minutes=30)).isoformat()
    assert a["label"].startswith("欺骗/虚假宣传") and a["severity"] >= 7
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": 1, "created_at": "yesterday", "text": "好"}, ensure_ascii=False), encoding="utf-8")
    res = CliRunner().invoke(app, ["crisis", str(bad), "-o", str(out)])
    assert res.exit_code == 2 and "ISO 8601" in res.output
