"""Replay streams with a takeaway-like rhythm, built from the shared reviews, for the crisis bench.

A stream is one week of background posts and a few injected events. Nothing here is stored in the
repo: every stream is rebuilt from ``../shared/data`` and its seed.

* **Background** — fruit (the "dishes": 苹果, 橙子, 芒果 …), dairy and hotel reviews, sampled at
  their natural rates, so ordinary complaints about mould, short weight or slow delivery are there
  too. Volume follows an hour-of-day curve with a lunch and a dinner peak and quiet nights, a
  day-of-week curve (busier Friday to Sunday) and a random factor per day; 1,500–4,000 posts a week;
  30–60% negative, more at the peaks (late deliveries).
* **Crises** (two per stream, on different days after the first 36 h, often at a meal peak): 40–60
  posts within 90 minutes about one thing, uniform, front-loaded or ramping up — ``hygiene`` (mould,
  insects, food that made people ill), ``deception`` (short weight, fake or not as described),
  ``promo`` (a deceptive promotion), ``safety`` (allergic reactions to one product), ``outage``
  (hotel water/power cut: mistakes only, no deception or safety signal).
* **Harmless events** — an 80-post praise spike in 2 hours and a 40-post slow-delivery wave over
  3 hours at dinner time (a grumble: it may be a notice, never a crisis).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

TZ = dt.timezone(dt.timedelta(hours=8))
START = dt.datetime(2026, 10, 5, tzinfo=TZ)  # a Monday
# relative volume per hour of day: lunch 11–13, dinner 17–20, quiet nights
HOURLY = np.array(
    [
        0.35,
        0.2,
        0.1,
        0.06,
        0.05,
        0.08,
        0.2,
        0.45,
        0.6,
        0.6,
        0.9,
        2.6,
        3.0,
        1.6,
        0.8,
        0.6,
        0.8,
        2.0,
        3.2,
        3.0,
        2.0,
        1.4,
        1.0,
        0.6,
    ]
)
WEEKDAY = np.array([0.9, 0.9, 0.95, 1.0, 1.15, 1.3, 1.25])  # Monday … Sunday
PEAK_HOURS = {11, 12, 17, 18, 19}
BACKGROUND_CATS = {"水果": 0.6, "蒙牛": 0.15, "酒店": 0.25}
THEMES = {  # kind: (categories, pattern, share of matches kept in the background pool)
    "hygiene": (("水果", "蒙牛"), r"发霉|长毛|霉变|有虫|虫子|生虫|拉肚子|吃坏|变质|腐烂", 0.5),
    "deception": (
        ("水果",),
        r"缺斤少两|斤两不足|不足斤|以次充好|货不对板|和图片不|与描述不|虚假|骗人|骗子|被骗|坑人",
        0.5,
    ),
    "promo": (
        None,
        r"(?:活动|优惠|促销|降价|赠品|返券|满减|特价|秒杀|打折|团购).{0,20}(?:骗|坑|虚假|套路|忽悠|不符|假的)|"
        r"(?:骗|坑|虚假|套路|忽悠).{0,20}(?:活动|优惠|促销|降价|赠品|返券|满减|特价|秒杀|打折|团购)",
        0.0,
    ),
    "safety": (None, r"过敏|红肿|刺痛|起痘|起疹|疹子|疙瘩|灼伤|漏电|触电|爆炸|起火|着火|烫伤|中毒|呕吐", 0.0),
    "outage": (
        ("酒店",),
        r"没有热水|没热水|停水|停电|断电|热水.{0,6}(?:不|没)|没水|网络.{0,6}(?:不|没|差|断)|上不了网|断网|"
        r"不能上网",
        0.3,
    ),
}
SLOW = r"物流|快递|送货|发货|太慢|配送|送到"
KINDS = list(THEMES)
TUNING_SEEDS = list(range(10))
UNTOUCHED_SEEDS = [101, 102, 103, 104]


@dataclass
class Stream:
    pos: np.ndarray  # row positions into the analysed pool
    times: list
    users: list[str]
    roles: list[str]  # background | crisis:<kind>:<n> | praise | slow
    crises: list[tuple[str, dt.datetime, int]]  # (kind, start, posts)
    shapes: list[str] | None = None


def build_pool(df):
    """Named parts of the review table (no text copied anywhere; the bench caches analyses only)."""
    import pandas as pd

    rng = np.random.default_rng(2026)
    df = df[df.review.str.len() <= 300]
    parts, used = {}, set()
    for kind, (cats, pat, keep) in THEMES.items():
        pool = df[(df.label == 0) & (df.cat.isin(cats) if cats else True) & df.review.str.contains(pat, regex=True)]
        pool = pool[~pool.index.isin(used)]
        take = pool.index.values[rng.random(len(pool)) >= keep]
        take = rng.permutation(take)[:250]
        parts[f"crisis_{kind}"] = df.loc[take]
        used |= set(take)  # the rest of the matches stay in the background at their natural rate
    bg = df[df.cat.isin(list(BACKGROUND_CATS)) & ~df.index.isin(used)]
    slow = bg[(bg.label == 0) & (bg.cat == "水果") & bg.review.str.contains(SLOW, regex=True)]
    slow = slow.loc[rng.permutation(slow.index.values)[: len(slow) // 2][:250]]
    bg = bg[~bg.index.isin(slow.index)]
    praise = bg[(bg.label == 1) & (bg.cat == "水果")].sample(300, random_state=3)
    bg = bg[~bg.index.isin(praise.index)]
    for label, n in ((0, 3200), (1, 3200)):
        sub = bg[bg.label == label]
        picks = [
            sub[sub.cat == c].sample(min(int(n * w), int((sub.cat == c).sum())), random_state=4 + label)
            for c, w in BACKGROUND_CATS.items()
        ]
        parts["bg_neg" if label == 0 else "bg_pos"] = pd.concat(picks)
    parts["slow"], parts["praise"] = slow, praise
    return parts


def _rhythm_times(rng, n: int, neg: bool, days: int = 7) -> list[dt.datetime]:
    hourly = HOURLY * rng.uniform(0.8, 1.25, 24)
    day_factor = WEEKDAY * rng.uniform(0.8, 1.25, 7)
    cell = np.outer(day_factor[:days], hourly).ravel()
    if neg:  # complaints rise more than volume at the meal peaks (late, cold, wrong orders)
        cell = cell * np.array([1.35 if h in PEAK_HOURS else 1.0 for h in range(24)] * days)
    slot = rng.choice(days * 24, n, p=cell / cell.sum())
    sec = rng.integers(0, 3600, n)
    return [START + dt.timedelta(hours=int(s), seconds=int(x)) for s, x in zip(slot, sec)]


def _burst_times(rng, start: dt.datetime, n: int, minutes: float, shape: str) -> list[dt.datetime]:
    u = {"uniform": rng.uniform(0, 1, n), "front": rng.beta(1.2, 2.0, n), "ramp": rng.beta(1.6, 1.2, n)}[shape]
    return sorted(start + dt.timedelta(minutes=float(minutes * x)) for x in u)


def make_stream(part: np.ndarray, seed: int) -> Stream:
    """One week for ``seed``; ``part`` names the pool part of every analysed row."""
    rng = np.random.default_rng(seed)
    pick = lambda name, n: rng.choice(np.flatnonzero(part == name), n, replace=False)  # noqa: E731
    n_bg = int(rng.integers(1500, 4001))
    neg_share = float(rng.uniform(0.3, 0.6))
    n_neg = int(round(n_bg * neg_share))
    pos = [pick("bg_neg", n_neg), pick("bg_pos", n_bg - n_neg)]
    times = _rhythm_times(rng, n_neg, True) + _rhythm_times(rng, n_bg - n_neg, False)
    n_users = max(200, n_bg // 3)
    users = [f"u{int(x)}" for x in rng.integers(0, n_users, n_bg)]
    roles = ["background"] * n_bg
    kinds = [KINDS[seed % len(KINDS)], KINDS[(seed + 2) % len(KINDS)]]
    days = rng.permutation(np.arange(2, 7))  # events on distinct days 2–6 (after a warm-up)
    crises, shapes = [], []
    for j, kind in enumerate(kinds):
        n = int(rng.integers(40, 61))
        hour = int(rng.choice([11, 12, 17, 18, 19, 20])) if rng.random() < 0.6 else int(rng.integers(9, 23))
        start = START + dt.timedelta(days=int(days[j]), hours=hour, minutes=int(rng.integers(0, 60)))
        shape = ("uniform", "front", "ramp")[int(rng.integers(0, 3))]
        t = _burst_times(rng, start, n, 90, shape)
        t[0] = start
        pos.append(pick(f"crisis_{kind}", n))
        times += t
        users += [f"c{seed}-{j}-{i}" for i in range(n)]
        roles += [f"crisis:{kind}:{j}"] * n
        crises.append((kind, start, n))
        shapes.append(shape)
    p_start = START + dt.timedelta(days=int(days[2]), hours=int(rng.integers(10, 20)))
    pos.append(pick("praise", 80))
    times += _burst_times(rng, p_start, 80, 120, "uniform")
    users += [f"p{seed}-{i}" for i in range(80)]
    roles += ["praise"] * 80
    s_start = START + dt.timedelta(days=int(days[3]), hours=int(rng.integers(17, 20)))
    pos.append(pick("slow", 40))
    times += _burst_times(rng, s_start, 40, 180, "uniform")
    users += [f"s{seed}-{i}" for i in range(40)]
    roles += ["slow"] * 40
    return Stream(np.concatenate(pos), times, users, roles, crises, shapes)
