"""Crisis detector: baseline math, burst test, cool-down, praise never a crisis, deception weighs more,
the response clock, persistence, and `cocreate crisis` on a small stream."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from model.crisis import (CrisisConfig, CrisisDetector, PostEvent, concern, playbook, poisson_sf, replay)

TZ = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2026, 10, 5, tzinfo=TZ)


def ev(i, t, topic=1, label="negative", signals=(), user=None, kw=("假货",)):
    return PostEvent(f"p{i}", t, topic, label, -0.8 if label == "negative" else 0.8, list(signals),
                     user or f"u{i}", list(kw))


def background(days=3, per_hour=2, topic=1, start=T0, label="negative"):
    out, i = [], 0
    for h in range(days * 24):
        for k in range(per_hour):
            out.append(ev(10_000 + i, start + dt.timedelta(hours=h, minutes=30 * k + 7), topic, label, kw=("物流",)))
            i += 1
    return out


def test_poisson_tail():
    assert poisson_sf(0, 3.0) == 1.0
    assert poisson_sf(1, 2.0) == pytest.approx(1 - 2.718281828 ** -2, rel=1e-6)
    assert poisson_sf(3, 1.0) == pytest.approx(1 - 2.718281828 ** -1 * (1 + 1 + 0.5), rel=1e-6)
    assert poisson_sf(20, 1.0) < 1e-17 and poisson_sf(20, 1.0) > 0


def test_concern_weights():
    cfg = CrisisConfig()
    assert concern(ev(1, T0, label="positive"), cfg) == 0
    assert concern(ev(1, T0, label="neutral"), cfg) == 0
    assert concern(ev(1, T0), cfg) == cfg.w_negative
    assert concern(ev(1, T0, signals=["mistake"]), cfg) < concern(ev(1, T0, signals=["deception"]), cfg)
    assert concern(ev(1, T0, label="neutral", signals=["safety_privacy"]), cfg) > 0


def test_baseline_learns_level_and_daily_rhythm():
    det = CrisisDetector()
    # busy evenings (20:00–22:00, 8 posts/h), quiet otherwise (1 post/h), 4 days
    i = 0
    for d in range(4):
        for h in range(24):
            for k in range(8 if 20 <= h < 23 else 1):
                det.observe(ev(i, T0 + dt.timedelta(days=d, hours=h, minutes=7 * k + 1), label="neutral"))
                i += 1
    assert det.profile[21] > 3 * det.profile[4]
    assert abs(sum(det.profile) / 24 - 1) < 0.2
    # a steady topic's level converges towards its per-bucket rate (2 negative posts/h = 1/3 per bucket)
    det2 = CrisisDetector(CrisisConfig(level_halflife_h=6))
    for e in background(days=4):
        det2.observe(e)
    assert det2.topics[1].level == pytest.approx(1 / 3, rel=0.35)


def test_burst_opens_one_crisis_that_updates_then_cools_down():
    det = CrisisDetector()
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
    assert a.label.startswith("假货") and a.due_at > a.opened_at
    # within the cool-down more posts update the same alert; after it a new burst opens a new alert
    det.observe(ev(100, t + dt.timedelta(hours=1), signals=["deception"]))
    assert len(crises()) == 1 and "p100" in a.post_ids
    later = t + dt.timedelta(hours=8)
    for k in range(30):
        det.observe(ev(200 + k, later + dt.timedelta(minutes=k), signals=["deception"]))
    assert a.closed and len(crises()) == 2


def test_praise_spike_is_never_a_crisis():
    det = CrisisDetector()
    for e in background(label="positive"):
        det.observe(e)
    t = T0 + dt.timedelta(days=3, hours=20)
    for k in range(80):
        det.observe(ev(k, t + dt.timedelta(minutes=k * 1.5), label="positive", kw=("好评",)))
    kinds = {a.kind for a in det.alerts.values()}
    assert "crisis" not in kinds and kinds <= {"praise_spike"}


def test_deception_burst_is_more_severe_than_mistake_burst():
    def severity(signals):
        det = CrisisDetector()
        for e in background():
            det.observe(e)
        t = T0 + dt.timedelta(days=3, hours=20)
        for k in range(25):
            det.observe(ev(k, t + dt.timedelta(minutes=k), signals=signals))
        crises = [a for a in det.alerts.values() if a.kind == "crisis"]
        assert crises
        return crises[0].severity, crises[0]

    s_dec, a_dec = severity(["deception"])
    s_mis, a_mis = severity(["mistake"])
    assert s_dec > s_mis
    assert "赔付" in a_dec.playbook[1]["zh"] and "修复" in a_mis.playbook[1]["zh"]
    assert "召回" in playbook({"safety_privacy": 3})[1]["zh"]


def test_small_grumble_is_a_notice_not_a_crisis():
    det = CrisisDetector()
    for e in background(per_hour=1):
        det.observe(e)
    t = T0 + dt.timedelta(days=3, hours=15)
    for k in range(4):
        det.observe(ev(k, t + dt.timedelta(minutes=5 * k), topic=1))
    assert all(a.kind != "crisis" for a in det.alerts.values())


def test_acknowledge_resolve_clock_and_persistence():
    det = CrisisDetector()
    for e in background():
        det.observe(e)
    t = T0 + dt.timedelta(days=3, hours=20)
    for k in range(20):
        det.observe(ev(k, t + dt.timedelta(minutes=k), signals=["safety_privacy"]))
    a = [x for x in det.alerts.values() if x.kind == "crisis"][0]
    restored = CrisisDetector.from_dict(json.loads(json.dumps(det.to_dict())))
    assert restored.alerts[a.alert_id].post_ids == a.post_ids
    assert restored.topics[1].level == pytest.approx(det.topics[1].level)
    # the restored detector carries on the same burst instead of opening a new alert
    restored.observe(ev(500, t + dt.timedelta(minutes=30), signals=["safety_privacy"]))
    assert len(restored.alerts) == len(det.alerts) and "p500" in restored.alerts[a.alert_id].post_ids
    opened = dt.datetime.fromisoformat(a.opened_at)
    det.acknowledge(a.alert_id, opened + dt.timedelta(minutes=12))
    assert CrisisDetector.response_minutes(a) == pytest.approx(12) and a.status == "acknowledged"
    det.resolve(a.alert_id, opened + dt.timedelta(hours=3))
    assert a.status == "resolved" and a.resolved_at


def test_replay_sorts_stream_time():
    evs = background(days=3)
    t = T0 + dt.timedelta(days=3, hours=20)
    evs += [ev(k, t + dt.timedelta(minutes=k), signals=["deception"]) for k in range(20)]
    alerts, det = replay(list(reversed(evs)))
    assert [a.kind for a in alerts if a.kind == "crisis"] == ["crisis"] and all(a.closed for a in alerts)


def test_cli_crisis_on_a_small_stream(tmp_path):
    from cocreate.cli import app

    rows = []
    for h in range(60):  # background: calm posts every 20 minutes for 20 hours
        rows.append({"id": f"b{h}", "created_at": (T0 + dt.timedelta(minutes=20 * h)).isoformat(),
                     "user": f"u{h % 9}", "text": ["物流很快，包装完好", "手机用着挺顺手", "客服回复及时"][h % 3]})
    t = T0 + dt.timedelta(hours=20)
    fakes = ["买到的是假货，包装和官网完全不一样", "客服说是正品，结果鉴定是高仿，骗人", "假货！序列号查不到",
             "这家店卖假货，大家别买", "收到的是山寨货，申请退款被拒", "被骗了，假的，和专柜差很多",
             "鉴定出来是假货，商家还不承认", "明显是假货，做工粗糙", "假货，要求退一赔三"]
    for k, x in enumerate(fakes):
        rows.append({"id": f"c{k}", "created_at": (t + dt.timedelta(minutes=3 * k)).isoformat(), "user": f"v{k}",
                     "text": x})
    src = tmp_path / "stream.jsonl"
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    out = tmp_path / "alerts.jsonl"
    res = CliRunner().invoke(app, ["crisis", str(src), "-o", str(out)])
    assert res.exit_code == 0, res.output
    alerts = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    crises = [a for a in alerts if a["kind"] == "crisis"]
    assert crises, res.output
    a = crises[0]
    assert set(a) >= {"alert_id", "opened_at", "kind", "severity", "label", "post_ids"}
    assert sum(p.startswith("c") for p in a["post_ids"]) > len(a["post_ids"]) / 2
    assert a["opened_at"] <= (t + dt.timedelta(minutes=30)).isoformat()
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": 1, "created_at": "yesterday", "text": "好"}, ensure_ascii=False), encoding="utf-8")
    res = CliRunner().invoke(app, ["crisis", str(bad), "-o", str(out)])
    assert res.exit_code == 2 and "ISO 8601" in res.output
