"""The relationship ledger: each community user's trust account, four highs, level and volatility.

A relationship is confirmed by the user, through actions, over time. Every analysed post moves the
user's *trust account*: deposits (reliability, care, praise) and withdrawals (mistakes, churn,
anger; deception and safety/privacy weigh several times more and fade far slower — users forgive
mistakes, never deception). Each component decays exponentially with its own half-life and is
updated lazily: a component stores (value, time of last update), so one post costs O(1) whatever
the user's history. Rules live in :class:`LedgerRules` (defaults in ``data/ledger_rules.yaml``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import deque
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

LEVELS = [
    ("路人", "passer-by"),
    ("用户", "user"),
    ("粉丝", "fan"),
    ("共创者", "co-creator"),
    ("梦想赞助商", "dream sponsor"),
]
FOUR_HIGHS = ("purchase", "repurchase", "share", "referral")


@dataclass
class Component:
    sign: int  # +1 deposit, −1 withdrawal
    weight: float  # added per occurrence (times the post's strength)
    halflife_days: float


@dataclass
class LedgerRules:
    components: dict[str, Component] = field(
        default_factory=lambda: {
            "reliability": Component(+1, 1.0, 60),
            "care": Component(+1, 1.0, 60),
            "praise": Component(+1, 0.5, 30),
            "mistake": Component(-1, 1.0, 14),
            "churn": Component(-1, 1.5, 30),
            "anger": Component(-1, 0.5, 14),
            "deception": Component(-1, 4.0, 180),
            "safety_privacy": Component(-1, 4.0, 180),
        }
    )
    # four highs → super-user score: weighted counts, each capped (one behaviour cannot carry it alone)
    four_high_weights: dict[str, float] = field(
        default_factory=lambda: {"purchase": 1.0, "repurchase": 2.0, "share": 1.5, "referral": 2.5}
    )
    four_high_cap: int = 5
    # level thresholds on (super-user score, balance); 梦想赞助商 = an idea of theirs shipped
    fan_score: float = 4.0
    user_score: float = 1.0
    cocreator_ideas: int = 1  # ideas raised or supported to be a 共创者
    volatility_window: int = 6  # recent sentiment scores kept
    swing: float = 0.9  # praise → anger drop within the window that flags a user …
    praise_peak: float = 0.3  # … from a post at least this positive …
    churn_evidence: float = 0.5  # … who also talks of leaving (decayed churn withdrawals at least this)
    level_floor: float = -5.0  # 粉丝 and 共创者 keep their level unless the balance falls below this
    vote_weight_per_score: float = 0.1
    vote_weight_cap: float = 2.0

    @classmethod
    def load(cls, path: str | Path | None = None) -> "LedgerRules":
        path = Path(path) if path else Path(__file__).resolve().parents[1] / "data" / "ledger_rules.yaml"
        if not path.exists():
            return cls()
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        comps = {k: Component(**v) for k, v in raw.pop("components", {}).items()}
        rules = cls(**raw)
        rules.components.update(comps)  # a file may override some components; weight 0 switches one off
        return rules


@dataclass
class LedgerEntry:
    at: str
    delta: float
    balance: float
    reasons: list[str]


class TrustAccount:
    """One user's account. ``observe`` is O(1); ``to_dict``/``from_dict`` keep it in a JSON column."""

    def __init__(self, rules: LedgerRules | None = None):
        self.rules = rules or LedgerRules()
        self.values: dict[str, list] = {}  # component → [value at t, t (epoch seconds)]
        self.highs = {k: 0 for k in FOUR_HIGHS}
        self.recent: deque = deque(maxlen=self.rules.volatility_window)
        self.history: deque = deque(maxlen=50)
        self.posts = 0
        self.ideas = 0  # ideas raised or supported
        self.shipped = 0  # of those, shipped
        self.last_at: float | None = None

    def _decayed(self, name: str, t: float) -> float:
        v, t0 = self.values.get(name, (0.0, t))
        hl = self.rules.components[name].halflife_days * 86400
        return v * 0.5 ** (max(0.0, t - t0) / hl)

    def _add(self, name: str, amount: float, t: float) -> float:
        c = self.rules.components[name]
        self.values[name] = [self._decayed(name, t) + c.weight * amount, t]
        return c.sign * c.weight * amount

    def balance(self, at: dt.datetime | None = None) -> float:
        t = at.timestamp() if at else (self.last_at or 0.0)
        return sum(
            self.rules.components[n].sign * self._decayed(n, t) for n in self.values if n in self.rules.components
        )

    def observe(self, at: dt.datetime, sentiment_score: float, signals: list[str]) -> LedgerEntry:
        t = at.timestamp()
        delta, reasons = 0.0, []
        for s in signals:
            if s in self.rules.components:
                delta += self._add(s, 1.0, t)
                reasons.append(s)
            if s in self.highs:
                self.highs[s] += 1
        if sentiment_score >= 0.5:
            delta += self._add("praise", sentiment_score, t)
            reasons.append("praise")
        elif sentiment_score <= -0.5:
            delta += self._add("anger", -sentiment_score, t)
            reasons.append("anger")
        self.recent.append(float(sentiment_score))
        self.posts += 1
        self.last_at = t if self.last_at is None else max(self.last_at, t)
        entry = LedgerEntry(at.isoformat(), round(delta, 4), round(self.balance(at), 4), reasons)
        self.history.append((entry.at, entry.balance))
        return entry

    # ------------------------------------------------------------------ derived figures
    @property
    def super_score(self) -> float:
        """Σ weight × min(count, cap) over the four highs (conversion, repurchase, sharing, referral)."""
        r = self.rules
        return float(sum(r.four_high_weights[k] * min(self.highs[k], r.four_high_cap) for k in FOUR_HIGHS))

    @property
    def level(self) -> int:
        """0 路人 · 1 用户 · 2 粉丝 · 3 共创者 · 4 梦想赞助商 (an idea of theirs shipped)."""
        r = self.rules
        if self.shipped:
            return 4
        if self.ideas >= r.cocreator_ideas and self.balance() >= r.level_floor:
            return 3
        if self.super_score >= r.fan_score and self.balance() >= r.level_floor:
            return 2
        if self.super_score >= r.user_score or self.posts >= 3:
            return 1
        return 0

    @property
    def level_name(self) -> tuple[str, str]:
        return LEVELS[self.level]

    def mark_idea(self, shipped: bool = False) -> None:
        self.ideas += 1
        self.shipped += int(shipped)

    def mark_idea_shipped(self) -> None:
        self.shipped += 1

    @property
    def volatility(self) -> tuple[bool, float, str]:
        """(at risk, risk score, reason): a sharp swing from praise to anger among the recent posts."""
        xs = list(self.recent)
        if len(xs) < 2:
            return False, 0.0, ""
        peak_i = max(range(len(xs) - 1), key=lambda i: xs[i])
        drop = xs[peak_i] - min(xs[peak_i + 1 :])
        sd = math.sqrt(sum((x - sum(xs) / len(xs)) ** 2 for x in xs) / len(xs))
        now = self.last_at or 0
        churn = self._decayed("churn", now) if "churn" in self.values else 0.0
        heavy = (self._decayed("deception", now) if "deception" in self.values else 0.0) + churn
        risk = drop + sd + 0.5 * heavy
        # a swing alone happens to many users in a scandal; the ones drifting away also talk of leaving
        r = self.rules
        flag = drop >= r.swing and xs[peak_i] > r.praise_peak and churn >= r.churn_evidence
        reason = (
            f"sentiment fell from {xs[peak_i]:+.2f} to {min(xs[peak_i + 1 :]):+.2f} and talks of leaving"
            if flag
            else ""
        )
        return flag, round(risk, 4), reason

    def vote_weight(self) -> float:
        return vote_weight(self.super_score, self.rules)

    # ------------------------------------------------------------------ persistence
    def to_dict(self) -> dict:
        return {
            "values": self.values,
            "highs": self.highs,
            "recent": list(self.recent),
            "history": list(self.history),
            "posts": self.posts,
            "ideas": self.ideas,
            "shipped": self.shipped,
            "last_at": self.last_at,
        }

    @classmethod
    def from_dict(cls, d: dict | None, rules: LedgerRules | None = None) -> "TrustAccount":
        a = cls(rules)
        if not d:
            return a
        a.values = {k: list(v) for k, v in d["values"].items()}
        a.highs = {k: int(d["highs"].get(k, 0)) for k in FOUR_HIGHS}
        a.recent.extend(d["recent"])
        a.history.extend(tuple(x) for x in d["history"])
        a.posts, a.ideas, a.shipped, a.last_at = d["posts"], d["ideas"], d["shipped"], d["last_at"]
        return a

    def summary(self) -> dict:
        flag, risk, reason = self.volatility
        return {
            "balance": round(self.balance(), 4),
            "level": self.level,
            "level_name": self.level_name[0],
            "level_name_en": self.level_name[1],
            "super_score": self.super_score,
            "four_highs": dict(self.highs),
            "at_risk": flag,
            "risk_score": risk,
            "risk_reason": reason,
            "posts": self.posts,
            "vote_weight": self.vote_weight(),
            "history": [list(h) for h in self.history],
        }


def vote_weight(super_score: float, rules: LedgerRules | None = None) -> float:
    """1 + 0.1 per super-user point, capped at 2: super users count more, no one dominates."""
    r = rules or LedgerRules()
    return min(r.vote_weight_cap, 1.0 + r.vote_weight_per_score * max(0.0, super_score))


def rules_to_yaml(rules: LedgerRules) -> str:
    return yaml.safe_dump(asdict(rules), allow_unicode=True, sort_keys=False)


def response_stats(
    pairs: list[tuple[dt.datetime, dt.datetime | None]],
    target: dt.timedelta = dt.timedelta(minutes=15),
    now: dt.datetime | None = None,
) -> dict:
    """Time to first staff response: median, p90 (minutes), share answered within ``target``, unanswered,
    and the same per day. Unanswered posts count as not within target (their wait is still running)."""

    def stats(items):
        waits = sorted((r - p).total_seconds() / 60 for p, r in items if r is not None)
        n = len(items)
        if not n:
            return {
                "posts": 0,
                "answered": 0,
                "median_min": None,
                "p90_min": None,
                "within_target": None,
                "unanswered": 0,
            }

        def q(x):
            if not waits:
                return None
            k = (len(waits) - 1) * x
            lo, hi = math.floor(k), math.ceil(k)
            return round(waits[lo] + (waits[hi] - waits[lo]) * (k - lo), 2)

        within = sum(1 for p, r in items if r is not None and r - p <= target)
        return {
            "posts": n,
            "answered": len(waits),
            "median_min": q(0.5),
            "p90_min": q(0.9),
            "within_target": round(within / n, 4),
            "unanswered": n - len(waits),
        }

    out = stats(pairs)
    days: dict[str, list] = {}
    for p, r in pairs:
        days.setdefault(p.date().isoformat(), []).append((p, r))
    out["per_day"] = {d: stats(v) for d, v in sorted(days.items())}
    out["target_min"] = target.total_seconds() / 60
    return out
