"""Crisis detection: a burst of worrying posts about *one thing*, far above what the hour expects.

Streaming, in stream time (each post's ``created_at``), O(keys) per post:

* **What counts.** A post is *worrying* if it is negative or carries deception / safety signals;
  positive posts feed a separate praise side that can only open a ``praise_spike`` notice.
* **What a topic is.** Each worrying post counts in several series (``model/crisis_topics.py``):
  each of its keywords, each worrying signal (deception, safety/privacy, mistake) and its cluster
  topic when it has one. Coarse cluster topics and embeddings are not needed: posts about the same
  thing share words (「发霉」, 「赠品」, 「停电」) or a signal, posts about different dishes do not.
* **Baseline.** Per series, a learned share of worrying posts (decayed, from the stream itself)
  times the other worrying posts of the last 30 minutes — or the hour-of-week seasonal volume
  (``model/crisis_season.py``) when that is larger. An evening peak raises every series' expectation
  together, so a peak of complaints about different dishes is expected volume; a crisis is one
  series far above its share. The test is the Poisson tail of the series' count.
* **Crisis.** p below ``p_keyword`` (keywords: many series, so stricter) or ``p_signal`` / topic,
  at least ``min_posts`` posts from ``min_users`` users. Smaller surprises open ``grumble`` notices
  that can escalate; a crisis seen from several series is one alert (twins merge by shared posts).
* **Severity 1–10.** Crises 4–10: safety and deception share first, then size and surprise; an
  outage of mistakes alone ranks below a scandal of the same size. Notices 1–3.
* **Labels** name the theme and the words that are frequent in the alert and rare in the
  background, e.g. 「安全/卫生：发霉 / 火龙果 / 拉肚子」.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import Counter, deque
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from model.crisis_season import SeasonalVolume
from model.crisis_topics import ShareTable, label, post_keys, theme, topic_words

HEAVY = ("deception", "safety_privacy")
STATE_VERSION = 2
FITTED = Path(__file__).resolve().parents[1] / "data" / "crisis" / "config.json"


@dataclass
class PostEvent:
    post_id: str
    created_at: dt.datetime  # tz-aware
    topic: int  # cluster id; −1 = no topic
    sentiment_label: str
    sentiment_score: float
    signals: list[str]
    user: str | None = None
    keywords: list[str] = field(default_factory=list)


@dataclass
class CrisisConfig:
    window: dt.timedelta = dt.timedelta(minutes=30)
    p_keyword: float = 1e-7  # crisis threshold of a keyword series
    p_signal: float = 1e-6  # … of a signal or cluster-topic series
    p_notice: float = 1e-4
    min_posts: int = 7
    min_users: int = 4
    notice_posts: int = 4
    plain_min_posts: int = 8  # … for a burst with under 30% deception/safety posts
    plain_factor: float = 0.1  # its p threshold, relative
    floor: float = 0.3  # expected posts of any series in a window beyond its seasonal share, at least
    min_share: float = 0.003  # no series is rarer than this (shares of unseen words are uncertain)
    share_halflife_posts: float = 3000.0
    max_keys: int = 3000
    warm_posts: int = 100  # posts learned before keyword, topic and mistake series may alarm
    cooldown: dt.timedelta = dt.timedelta(hours=2)
    praise_posts: int = 15
    w_negative: float = 1.0
    w_mistake: float = 0.5
    w_heavy: float = 2.0

    @classmethod
    def fitted(cls, path: Path | None = None) -> "CrisisConfig":
        """The settings ``bench/crisis.py --fit`` chose on its tuning streams (``data/crisis/config.json``),
        or the defaults where that file is absent."""
        path = path or FITTED
        if not path.exists():
            return cls()
        names = {f.name: f.type for f in fields(cls)}
        got = json.loads(path.read_text(encoding="utf-8")).get("settings", {})
        kwargs: dict[str, Any] = {
            k: (dt.timedelta(seconds=v) if k in ("window", "cooldown") else v) for k, v in got.items() if k in names
        }
        return cls(**kwargs)


def concern(e: PostEvent, cfg: CrisisConfig) -> float:
    """How much a post weighs in an alert: nothing if positive; deception and safety weigh most."""
    heavy = any(s in e.signals for s in HEAVY)
    if e.sentiment_label != "negative" and not heavy:
        return 0.0
    return cfg.w_negative + (cfg.w_heavy if heavy else 0.0) + (cfg.w_mistake if "mistake" in e.signals else 0.0)


def poisson_sf(k: float, lam: float) -> float:
    """P(X ≥ k) for X ~ Poisson(lam) (k rounded down), computed in log space."""
    k = int(math.floor(k))
    if k <= 0:
        return 1.0
    lam = max(lam, 1e-9)
    if k > lam:  # upper tail: sum its terms directly (exact, no cancellation)
        log_term = -lam + k * math.log(lam) - math.lgamma(k + 1)
        total, term, i = 0.0, 1.0, k
        while term > 1e-17 * total or total == 0.0:
            total += term
            i += 1
            term *= lam / i
            if i > k + 2000:
                break
        return min(1.0, math.exp(log_term) * total)
    cdf, term = 0.0, math.exp(-lam)
    for i in range(k):
        cdf += term
        term *= lam / (i + 1)
    return max(0.0, 1.0 - cdf)


def binom_sf(k: int, n: int, p: float) -> float:
    """P(X ≥ k) for X ~ Binomial(n, p), summed in log space from k upwards (1.0 at or below the mean)."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    if k <= n * p:
        return 1.0
    lp, lq = math.log(p), math.log1p(-p)
    log_term = math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * lp + (n - k) * lq
    total, term, i = 0.0, 1.0, k
    ratio = p / (1 - p)
    while i <= n and (term > 1e-17 * total or total == 0.0):
        total += term
        term *= (n - i) / (i + 1) * ratio
        i += 1
    return min(1.0, math.exp(log_term) * total)


@dataclass
class Alert:
    alert_id: str
    kind: str  # crisis | grumble | praise_spike
    topic: int
    opened_at: str  # ISO time of the post that opened it
    severity: int
    count: int  # posts in the alert so far
    baseline: float  # expected posts of the series over the window when it opened
    p_value: float
    post_ids: list[str]
    signal_mix: dict[str, int]
    label: str = ""
    keywords: list[str] = field(default_factory=list)
    playbook: list[dict] = field(default_factory=list)
    status: str = "open"  # open | acknowledged | resolved
    due_at: str = ""
    acknowledged_at: str | None = None
    resolved_at: str | None = None
    last_post_at: str = ""
    closed: bool = False
    theme: str = ""  # safety_privacy | deception | mistake | other | praise
    keys: list[str] = field(default_factory=list)  # the series it was seen in

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class AlertUpdate:
    event: str  # opened | updated | closed
    alert: Alert

    def to_dict(self) -> dict:
        return {"event": self.event, "alert": self.alert.to_dict()}


def playbook(mix: dict[str, int]) -> list[dict]:
    """The 3R checklist (respond within the hour, take responsibility, rebuild), worded for the mix."""
    if mix.get("safety_privacy", 0) >= max(1, mix.get("deception", 0)):
        fix = (
            "暂停相关批次销售，公布检测与召回/退换安排",
            "Pause the affected batch; publish test results and the recall/return arrangements",
        )
    elif mix.get("deception", 0):
        fix = (
            "公开核查真伪与渠道，先行赔付，承诺并兑现假一赔N",
            "Verify authenticity and channels in public, compensate first, keep the promise",
        )
    else:
        fix = (
            "说明问题原因与修复时间表，逐一回复受影响用户",
            "Explain the cause and the fix timeline; answer every affected user",
        )
    return [
        {
            "step": "respond",
            "zh": "1 小时内在原帖下公开回应：已看到、正在核实、何时给结论",
            "en": "Within the hour, reply publicly where it started: seen, checking, when you will report back",
            "done": False,
        },
        {
            "step": "responsibility",
            "zh": "承担责任，不推诿不删帖；" + fix[0],
            "en": "Take responsibility, no deflecting or deleting; " + fix[1],
            "done": False,
        },
        {
            "step": "rebuild",
            "zh": "给出补偿与改进措施，后续跟进每位发帖用户，公开复盘",
            "en": "Compensate and show what changes; follow up with every poster; publish the post-mortem",
            "done": False,
        },
    ]


def severity(a: Alert) -> int:
    """1–10 as a moderator would order them: safety and deception before mistakes, then size and surprise."""
    if a.kind != "crisis":
        return min(3, 1 + int(a.count >= 10) + int(a.kind == "grumble" and a.count >= 25))
    n = max(a.count, 1)
    heavy = min(1.0, (1.2 * a.signal_mix.get("safety_privacy", 0) + a.signal_mix.get("deception", 0)) / n)
    surprise = min(1.0, -math.log10(max(a.p_value, 1e-300)) / 20)
    return int(round(min(10, max(4, 4 + 3 * heavy + 1.5 * min(1.0, a.count / 50) + 1.5 * surprise))))


class _Side:
    """The last ``window`` of posts of one side (worrying or positive): entries and per-key counts."""

    __slots__ = ("posts", "counts")

    def __init__(self):
        self.posts: deque = deque()  # [ts, post_id, user, signals, keywords, keys, in a crisis]
        self.counts: dict[str, int] = {}

    def expire(self, ts: float, span: float) -> list[list]:
        """Drop posts older than the window; returns them (the baseline learns a post only then)."""
        gone = []
        while self.posts and self.posts[0][0] <= ts - span:
            x = self.posts.popleft()
            gone.append(x)
            for k in x[5]:
                c = self.counts[k] - 1
                if c:
                    self.counts[k] = c
                else:
                    del self.counts[k]
        return gone

    def add(self, entry: list) -> None:
        """Append, or insert in time order (a post that arrives after later ones, e.g. from a slower worker)."""
        if self.posts and entry[0] < self.posts[-1][0]:
            i = len(self.posts)
            while i and self.posts[i - 1][0] > entry[0]:
                i -= 1
            self.posts.insert(i, entry)
        else:
            self.posts.append(entry)
        for k in entry[5]:
            self.counts[k] = self.counts.get(k, 0) + 1


class CrisisDetector:
    def __init__(self, config: CrisisConfig | None = None):
        self.config = config or CrisisConfig.fitted()
        c = self.config
        self.shares = {
            "neg": ShareTable(c.share_halflife_posts, c.max_keys),
            "pos": ShareTable(c.share_halflife_posts, c.max_keys),
        }
        self.season = {"neg": SeasonalVolume(), "pos": SeasonalVolume()}
        self.sides = {"neg": _Side(), "pos": _Side()}
        self.alerts: dict[str, Alert] = {}
        self.key_alert: dict[str, str] = {}  # series → its open alert
        self._words: dict[str, Counter] = {}  # open alert → keyword counts (for its label)
        self._seq = 0
        self.now: dt.datetime | None = None

    # ------------------------------------------------------------------ baseline
    def expected(self, side: str, key: str, t: dt.datetime) -> float:
        """Expected posts of series ``key`` in the window ending at ``t`` from the seasonal volume."""
        seasonal = self.season[side].expected_hour(t) * self.config.window.total_seconds() / 3600
        if key == "+all":  # praise volume against the hour's usual positive volume
            return max(seasonal, 1.0) * 1.5
        return self._share(side, key) * seasonal + self.config.floor

    def _share(self, side: str, key: str) -> float:
        return min(max(self.shares[side].share(key), self.config.min_share), 0.95)

    def p_value(self, side: str, key: str, t: dt.datetime) -> tuple[float, float]:
        """(p, expected) of the series' count in the window: it must be both far above its share of the
        window's posts (binomial: a dinner peak raises every series together) and far above the
        seasonal expectation (Poisson); p is the larger of the two tails."""
        sd = self.sides[side]
        lam = self.expected(side, key, t)
        if key == "+all":
            return poisson_sf(len(sd.posts), lam), lam
        c = sd.counts.get(key, 0)
        b = binom_sf(c, len(sd.posts), self._share(side, key))
        return (b if b >= self.config.p_notice else max(b, poisson_sf(c, lam))), lam

    def _p_crisis(self, key: str) -> float:
        return self.config.p_keyword if key[0] in "kc" else self.config.p_signal

    # ------------------------------------------------------------------ stream
    def observe(self, e: PostEvent) -> list[AlertUpdate]:
        """Feed one post; returns the alerts it opened, updated or closed."""
        self.now = e.created_at if self.now is None else max(self.now, e.created_at)
        out = self.close_idle(e.created_at)
        heavy = any(s in e.signals for s in HEAVY)
        if e.sentiment_label == "negative" or heavy:
            side = "neg"
        elif e.sentiment_label == "positive":
            side = "pos"
        else:
            return out
        cfg = self.config
        ts = e.created_at.timestamp()
        keys = post_keys(e.keywords, e.signals, e.topic, side == "pos")
        if side == "pos":
            keys.append("+all")
        sd = self.sides[side]
        span = cfg.window.total_seconds()
        for x in sd.expire(self.now.timestamp(), span):
            # shares learn a post once it leaves the window, so a burst never raises its own baseline,
            # and never a crisis post: a crisis does not teach the baseline that crises are normal
            if not x[6]:
                self.shares[side].add([k for k in x[5] if k != "+all"])
        self.season[side].add(e.created_at)
        if ts <= self.now.timestamp() - span:  # later than the window it belongs to: background only
            self.shares[side].add([k for k in keys if k != "+all"])
            return out
        entry = [ts, e.post_id, e.user or e.post_id, tuple(e.signals), tuple(e.keywords), tuple(keys), False]
        sd.add(entry)
        joined = self._join_open(side, e, entry)
        out += [AlertUpdate("updated", self.alerts[a]) for a in joined]
        out += self._test(side, e, keys)
        return out

    def _join_open(self, side: str, e: PostEvent, entry: list) -> list[str]:
        """Open alerts this post belongs to: it shares one of their series while that series still bursts."""
        joined: list[str] = []
        for k in entry[5]:
            aid = self.key_alert.get(k)
            if aid is None or aid in joined:
                continue
            if self.p_value(side, k, e.created_at)[0] < self.config.p_notice:
                self._extend(self.alerts[aid], entry)
                joined.append(aid)
        return joined

    def _test(self, side: str, e: PostEvent, keys: list[str]) -> list[AlertUpdate]:
        cfg = self.config
        sd = self.sides[side]
        cold = self.shares[side].seen() < cfg.warm_posts
        best = None  # (p, key, lam, kind)
        for k in keys:
            n = len(sd.posts) if k == "+all" else sd.counts.get(k, 0)
            if n < (cfg.praise_posts if side == "pos" else cfg.notice_posts):
                continue
            aid = self.key_alert.get(k)
            if aid is not None and self.alerts[aid].kind != "grumble":
                continue  # already part of a crisis / praise alert
            if cold and not k.startswith(("s:deception", "s:safety")):
                continue  # until the shares are learned only deception and safety can alarm
            p, lam = self.p_value(side, k, e.created_at)
            if side == "pos":
                kind = "praise_spike" if p < cfg.p_signal else None
            elif p < self._p_crisis(k) and n >= cfg.min_posts and self._crisis_like(sd, k, n, p):
                kind = "crisis"
            elif p < cfg.p_notice and aid is None:
                kind = "grumble"
            else:
                kind = None
            if kind and (best is None or (kind == "crisis", -p) > (best[3] == "crisis", -best[0])):
                best = (p, k, lam, kind)
        if best is None:
            return []
        p, k, lam, kind = best
        posts = [x for x in sd.posts if k == "+all" or k in x[5]]
        out: list[AlertUpdate] = []
        old = self.key_alert.get(k)
        if old is not None:  # a grumble that kept growing: superseded by the crisis
            out += self._close(self.alerts[old])
        twin = self._twin(posts, "crisis" if kind == "crisis" else None)
        if twin is not None:
            if kind != "crisis":
                return out  # the same burst is already an open crisis
            self.key_alert[k] = twin.alert_id
            twin.keys.append(k)
            for x in posts:
                self._extend(twin, x)
            twin.p_value = min(twin.p_value, p)
            twin.severity = max(twin.severity, severity(twin))
            return out + [AlertUpdate("updated", twin)]
        return out + [AlertUpdate("opened", self._open(kind, side, e, k, posts, p, lam))]

    def _crisis_like(self, sd: _Side, key: str, n: int, p: float) -> bool:
        """Enough users; and a burst without deception or safety (delays, outages) must be bigger and
        more surprising before it is a crisis rather than a grumble."""
        cfg = self.config
        posts = [x for x in sd.posts if key in x[5]]
        if len({x[2] for x in posts}) < cfg.min_users:
            return False
        heavy = sum(any(s in x[3] for s in HEAVY) for x in posts)
        if heavy >= 0.3 * len(posts):
            return True
        return n >= cfg.plain_min_posts and p < self._p_crisis(key) * cfg.plain_factor

    def _twin(self, posts: list, kind: str | None) -> Alert | None:
        """An open crisis that already holds a third of these posts: the same burst seen from another series."""
        ids = {x[1] for x in posts}
        for aid in set(self.key_alert.values()):
            a = self.alerts[aid]
            if a.kind == "crisis" and len(ids.intersection(a.post_ids)) * 3 >= len(ids):
                return a
        return None

    def _open(self, kind: str, side: str, e: PostEvent, key: str, posts: list, p: float, lam: float) -> Alert:
        self._seq += 1
        a = Alert(
            alert_id=f"A{self._seq:05d}",
            kind=kind,
            topic=e.topic,
            opened_at=e.created_at.isoformat(),
            severity=0,
            count=0,
            baseline=round(lam, 3),
            p_value=p,
            post_ids=[],
            signal_mix={"deception": 0, "safety_privacy": 0, "mistake": 0, "churn": 0, "other_negative": 0},
            due_at=(e.created_at + dt.timedelta(hours=1)).isoformat(),
            keys=[key],
        )
        self.alerts[a.alert_id] = a
        self.key_alert[key] = a.alert_id
        self._words[a.alert_id] = Counter()
        for x in posts:
            self._extend(a, x, relabel=False)
        self._relabel(a, side)
        a.severity = severity(a)
        if kind == "crisis":
            a.playbook = playbook(a.signal_mix)
        return a

    def _extend(self, a: Alert, entry: list, relabel: bool = True) -> None:
        if a.kind == "crisis":
            entry[6] = True
        if entry[1] in a.post_ids:
            return
        a.post_ids.append(entry[1])
        a.count += 1
        a.last_post_at = dt.datetime.fromtimestamp(entry[0], self.now.tzinfo if self.now else dt.UTC).isoformat()
        hit = False
        for s in ("deception", "safety_privacy", "mistake", "churn"):
            if s in entry[3]:
                a.signal_mix[s] += 1
                hit = True
        if not hit and a.kind != "praise_spike":
            a.signal_mix["other_negative"] += 1
        words = self._words.setdefault(a.alert_id, Counter())
        words.update(set(entry[4]))
        if relabel and (a.count <= 20 or a.count % 10 == 0):
            self._relabel(a, "pos" if a.kind == "praise_spike" else "neg")
            a.severity = max(a.severity, severity(a))
            if a.kind == "crisis":
                a.playbook = [
                    dict(step, done=old.get("done", False)) for step, old in zip(playbook(a.signal_mix), a.playbook)
                ] or playbook(a.signal_mix)

    def _relabel(self, a: Alert, side: str) -> None:
        a.theme = theme(a.signal_mix, a.count, praise=a.kind == "praise_spike")
        a.keywords = topic_words(
            self._words.get(a.alert_id, Counter()), a.count, self.shares[side], "+k:" if side == "pos" else "k:", n=5
        )
        a.label = label(a.theme, a.keywords[:3])

    def _close(self, a: Alert) -> list[AlertUpdate]:
        a.closed = True
        for k in a.keys:
            if self.key_alert.get(k) == a.alert_id:
                del self.key_alert[k]
        self._words.pop(a.alert_id, None)
        return [AlertUpdate("closed", a)]

    def close_idle(self, now: dt.datetime) -> list[AlertUpdate]:
        """Close alerts that have taken no post for the cool-down period."""
        out = []
        for aid in list(dict.fromkeys(self.key_alert.values())):
            a = self.alerts[aid]
            if now - dt.datetime.fromisoformat(a.last_post_at) >= self.config.cooldown:
                out += self._close(a)
        return out

    # ------------------------------------------------------------------ moderator actions
    def acknowledge(self, alert_id: str, at: dt.datetime) -> Alert:
        a = self.alerts[alert_id]
        if a.acknowledged_at is None:
            a.acknowledged_at = at.isoformat()
            a.status = "acknowledged"
        return a

    def resolve(self, alert_id: str, at: dt.datetime) -> Alert:
        a = self.acknowledge(alert_id, at)
        a.resolved_at, a.status = at.isoformat(), "resolved"
        return a

    @staticmethod
    def response_minutes(a: Alert) -> float | None:
        """Minutes from opening to acknowledgement (the 3R clock), None while unanswered."""
        if a.acknowledged_at is None:
            return None
        return (
            dt.datetime.fromisoformat(a.acknowledged_at) - dt.datetime.fromisoformat(a.opened_at)
        ).total_seconds() / 60

    # ------------------------------------------------------------------ persistence
    def prune(self, keep_closed: int = 50) -> None:
        """Forget all but the newest ``keep_closed`` closed alerts (callers store alerts elsewhere), so the
        state a service saves per batch stays small."""
        closed = [k for k, a in self.alerts.items() if a.closed]
        for k in closed[:-keep_closed] if keep_closed else closed:
            del self.alerts[k]

    def to_dict(self) -> dict:
        cfg = {k: (v.total_seconds() if isinstance(v, dt.timedelta) else v) for k, v in asdict(self.config).items()}
        return {
            "version": STATE_VERSION,
            "config": cfg,
            "seq": self._seq,
            "now": self.now.isoformat() if self.now else None,
            "shares": {s: t.to_dict() for s, t in self.shares.items()},
            "season": {s: v.to_dict() for s, v in self.season.items()},
            "window": {
                s: [list(x[:3]) + [list(x[3]), list(x[4]), list(x[5]), x[6]] for x in sd.posts]
                for s, sd in self.sides.items()
            },
            "key_alert": self.key_alert,
            "words": {k: dict(v) for k, v in self._words.items()},
            "alerts": {k: a.to_dict() for k, a in self.alerts.items()},
        }

    @classmethod
    def from_dict(cls, d: dict) -> "CrisisDetector":
        names = {f.name: f for f in fields(CrisisConfig)}
        cfg: dict[str, Any] = {
            k: (dt.timedelta(seconds=v) if k in ("window", "cooldown") else v)
            for k, v in d.get("config", {}).items()
            if k in names
        }
        if d.get("version") != STATE_VERSION:
            cfg = {}  # an older detector's state: start learning afresh, keep its alerts
        self = cls(CrisisConfig(**cfg))
        self._seq = d.get("seq", 0)
        self.alerts = {
            k: Alert(**{f: v for f, v in a.items() if f in Alert.__dataclass_fields__})
            for k, a in d.get("alerts", {}).items()
        }
        if d.get("version") != STATE_VERSION:
            for a in self.alerts.values():
                a.closed = True
            return self
        self.now = dt.datetime.fromisoformat(d["now"]) if d["now"] else None
        self.shares = {s: ShareTable.from_dict(t) for s, t in d["shares"].items()}
        self.season = {s: SeasonalVolume.from_dict(v) for s, v in d["season"].items()}
        for s, rows in d["window"].items():
            for x in rows:
                self.sides[s].add([x[0], x[1], x[2], tuple(x[3]), tuple(x[4]), tuple(x[5]), x[6]])
        self.key_alert = dict(d["key_alert"])
        self._words = {k: Counter(v) for k, v in d["words"].items()}
        return self


def assign_topics(
    embeddings,
    times: list[dt.datetime],
    warmup: dt.timedelta = dt.timedelta(hours=48),
    min_warmup_posts: int = 100,
    seed: int = 0,
):
    """Topic per post for a replay: cluster the warm-up period's posts (all posts, not only ideas),
    then give every post its nearest topic (a burst on a new theme still lands in one topic)."""
    import numpy as np

    from model.clustering import IdeaClusterer, nearest

    X = np.asarray(embeddings, dtype=np.float32)
    n = len(X)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    t0 = min(times)
    warm = np.array([t - t0 < warmup for t in times])
    if warm.sum() < min_warmup_posts:
        order = np.argsort(np.array([t.timestamp() for t in times]))
        warm[order[: min(n, min_warmup_posts)]] = True
    m = IdeaClusterer(min_cluster_size=5, seed=seed, granularity="topic").fit(X[warm])
    if m.n_clusters_ == 0:
        return np.zeros(n, dtype=np.int64)
    _, idx = nearest(m.centroids_, m._centre(X))
    return m.cluster_ids_[idx[:, 0]].astype(np.int64)


def replay(
    events: list[PostEvent], config: CrisisConfig | None = None, progress=None
) -> tuple[list[Alert], CrisisDetector]:
    """Run events (any order) through a detector in stream time; returns every alert it opened."""
    det = CrisisDetector(config)
    for e in sorted(events, key=lambda e: e.created_at):
        det.observe(e)
        if progress:
            progress(1)
    if det.now is not None:
        det.close_idle(det.now + det.config.cooldown)
    return list(det.alerts.values()), det
