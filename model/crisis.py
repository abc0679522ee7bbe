"""Crisis detection: per-topic bursts of worrying posts against a baseline that knows the daily rhythm.

Streaming, in stream time (each post's ``created_at``), O(1) amortised per post:

* **What counts.** Each post gets a *concern weight*: 0 for positive posts (praise never makes a
  crisis), 1 for a negative post, more when it carries deception or safety/privacy signals (users
  forgive mistakes, never deception), a little more for mistakes. Positive posts feed a separate
  praise counter that can only open a ``praise_spike`` notice.
* **Baseline.** Per topic, an exponentially weighted rate of concern per 10-minute bucket, times an
  hour-of-day profile learned from the whole stream (evening peaks, quiet nights), so 20 complaints
  at 21:00 are less surprising than 20 at 04:00. Both adapt continuously; a topic's level is not
  updated while one of its alerts is open, so a crisis does not teach the baseline that crises are
  normal.
* **Burst test.** Poisson tail of the concern in the last 30 minutes against the baseline over the
  same 30 minutes (chosen over EWMA control limits and CUSUM in ``bench/crisis.py``: it needs no
  warm-up per topic and reacts within one window). A crisis needs p < ``p_crisis``, at least
  ``min_posts`` worrying posts in the window and from ``min_users`` different users; smaller
  surprises open a ``grumble`` notice.
* **Severity 1–10** grows with −log10 p and with the share of deception and safety posts.
* **One burst, one alert.** While an alert is open, later posts of its topic update it (post ids,
  severity, signal mix); it closes after ``cooldown`` without excess, and only then can the topic
  open a new one.
"""
from __future__ import annotations

import datetime as dt
import math
from collections import deque
from dataclasses import asdict, dataclass, field

BUCKET = dt.timedelta(minutes=10)
WINDOW_BUCKETS = 3  # the burst test looks at the last 30 minutes
HEAVY = ("deception", "safety_privacy")
HEAVY_TOPIC = -2  # the stream-wide series of deception and safety posts


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
    p_crisis: float = 1e-6
    p_notice: float = 1e-3
    min_posts: int = 7
    min_users: int = 4
    prior_rate: float = 0.05  # concern per bucket expected of a topic never seen before
    level_halflife_h: float = 24.0 * 3
    profile_halflife_d: float = 7.0
    cooldown: dt.timedelta = dt.timedelta(hours=2)
    w_negative: float = 1.0
    w_mistake: float = 0.5
    w_heavy: float = 2.0
    praise_min_posts: int = 30


def concern(e: PostEvent, cfg: CrisisConfig) -> float:
    """How much a post adds to a crisis: nothing if positive; deception and safety weigh most."""
    heavy = any(s in e.signals for s in HEAVY)
    if e.sentiment_label == "positive" and not heavy:
        return 0.0
    if e.sentiment_label != "negative" and not heavy:
        return 0.0
    w = cfg.w_negative + (cfg.w_heavy if heavy else 0.0) + (cfg.w_mistake if "mistake" in e.signals else 0.0)
    return w


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


@dataclass
class Alert:
    alert_id: str
    kind: str  # crisis | grumble | praise_spike
    topic: int
    opened_at: str  # ISO time of the post that opened it
    severity: int
    count: int  # worrying (or, for praise, positive) posts in the burst so far
    baseline: float  # expected concern over the window when it opened
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
        fix = ("暂停相关批次销售，公布检测与召回/退换安排", "Pause the affected batch; publish test results and the "
               "recall/return arrangements")
    elif mix.get("deception", 0):
        fix = ("公开核查真伪与渠道，先行赔付，承诺并兑现假一赔N", "Verify authenticity and channels in public, "
               "compensate first, keep the promise")
    else:
        fix = ("说明问题原因与修复时间表，逐一回复受影响用户", "Explain the cause and the fix timeline; answer "
               "every affected user")
    return [
        {"step": "respond", "zh": "1 小时内在原帖下公开回应：已看到、正在核实、何时给结论",
         "en": "Within the hour, reply publicly where it started: seen, checking, when you will report back",
         "done": False},
        {"step": "responsibility", "zh": "承担责任，不推诿不删帖；" + fix[0], "en": "Take responsibility, no "
         "deflecting or deleting; " + fix[1], "done": False},
        {"step": "rebuild", "zh": "给出补偿与改进措施，后续跟进每位发帖用户，公开复盘",
         "en": "Compensate and show what changes; follow up with every poster; publish the post-mortem",
         "done": False},
    ]


class _Topic:
    """Rolling buckets and baseline level of one topic."""

    __slots__ = ("level", "buckets", "open_alert", "closed_at", "last_bucket")

    def __init__(self, prior: float):
        self.level = prior
        self.buckets: deque = deque()  # (bucket index, concern, positive, [(post, user, w, signals, kws)])
        self.open_alert: str | None = None
        self.closed_at: int | None = None
        self.last_bucket: int | None = None


class CrisisDetector:
    def __init__(self, config: CrisisConfig | None = None):
        self.config = config or CrisisConfig()
        self.profile = [1.0] * 24  # relative post volume per hour of day (mean 1)
        self._hour_counts = [0.0] * 24
        self.topics: dict[int, _Topic] = {}
        self.alerts: dict[str, Alert] = {}
        self._seq = 0
        self.now: dt.datetime | None = None
        self._tz: dt.tzinfo = dt.UTC  # the stream's local time zone (hours of day are local)

    # ------------------------------------------------------------------ baseline
    def _learn_rhythm(self, t: dt.datetime) -> None:
        decay = 0.5 ** (1 / (self.config.profile_halflife_d * 24 * 6 * 10))  # per post, gentle
        self._hour_counts = [c * decay for c in self._hour_counts]
        self._hour_counts[t.hour] += 1.0
        total = sum(self._hour_counts)
        if total > 100:  # enough posts to trust the rhythm
            self.profile = [max(0.2, 24 * c / total) for c in self._hour_counts]

    def expected(self, topic: int, t: dt.datetime) -> float:
        """Expected concern over the 30-minute window ending at ``t`` for ``topic``."""
        st = self.topics.get(topic)
        level = st.level if st else self.config.prior_rate
        return max(level, 1e-3) * self.profile[t.hour] * WINDOW_BUCKETS

    @staticmethod
    def _bucket(t: dt.datetime) -> int:
        return int(t.timestamp() // BUCKET.total_seconds())

    def _roll(self, st: _Topic, b: int) -> None:
        """Advance a topic to bucket ``b``: fold finished buckets into its level, drop old ones."""
        cfg = self.config
        if st.last_bucket is not None and b > st.last_bucket and st.open_alert is None:
            alpha = 1 - 0.5 ** (BUCKET.total_seconds() / 3600 / cfg.level_halflife_h)
            finished = sum(x[1] for x in st.buckets if x[0] == st.last_bucket)
            hour = dt.datetime.fromtimestamp(st.last_bucket * BUCKET.total_seconds(), self._tz).hour
            norm = finished / self.profile[hour]
            gap = min(b - st.last_bucket - 1, 6 * 24 * 7)  # empty buckets in between count as zeros
            st.level = (1 - alpha) ** gap * ((1 - alpha) * st.level + alpha * norm)
        while st.buckets and st.buckets[0][0] <= b - WINDOW_BUCKETS:
            st.buckets.popleft()
        st.last_bucket = b

    # ------------------------------------------------------------------ stream
    def observe(self, e: PostEvent) -> list[AlertUpdate]:
        """Feed one post; returns the alerts it opened, updated or closed.

        Besides its topic, a post with deception or safety signals also counts in one stream-wide
        "heavy" series (topic ``HEAVY_TOPIC``): such posts are rare in the background, so a
        scandal whose posts scatter over several topics is still caught early.
        """
        out = self._observe(e)
        if any(s in e.signals for s in HEAVY) and e.topic != HEAVY_TOPIC:
            out += self._observe(PostEvent(e.post_id, e.created_at, HEAVY_TOPIC, e.sentiment_label,
                                           e.sentiment_score, e.signals, e.user, e.keywords), learn=False)
        return out

    def _observe(self, e: PostEvent, learn: bool = True) -> list[AlertUpdate]:
        cfg = self.config
        self.now = e.created_at if self.now is None else max(self.now, e.created_at)
        self._tz = e.created_at.tzinfo or dt.UTC
        if learn:
            self._learn_rhythm(e.created_at)
        out = self.close_idle(e.created_at) if learn else []
        st = self.topics.setdefault(e.topic, _Topic(cfg.prior_rate))
        b = self._bucket(e.created_at)
        self._roll(st, b)
        w = concern(e, cfg)
        positive = e.sentiment_label == "positive" and w == 0
        if not st.buckets or st.buckets[-1][0] != b:
            st.buckets.append([b, 0.0, 0, []])
        cur = st.buckets[-1]
        cur[1] += w
        cur[2] += int(positive)
        if w > 0 or positive:
            cur[3].append((e.post_id, e.user, w, tuple(e.signals), tuple(e.keywords), e.created_at.isoformat()))
        if st.open_alert is not None:
            a = self.alerts[st.open_alert]
            if a.kind == "grumble" and w > 0:
                # a notice that keeps growing becomes a crisis: the notice is superseded by a new alert
                n_before = len(self.alerts)
                crisis = self._test(e, st, crisis_only=True)
                if crisis is not None:
                    a.closed = True
                    out += [AlertUpdate("closed", a),
                            AlertUpdate("opened" if len(self.alerts) > n_before else "updated", crisis)]
                    return out
            # the alert takes the post only while the burst lasts (the last 30 minutes still surprising):
            # afterwards the topic's ordinary posts are not part of it, and the cool-down runs
            if ((w > 0 and a.kind != "praise_spike") or (positive and a.kind == "praise_spike")) \
                    and self._still_bursting(e, st, a):
                self._extend(a, e, w)
                out.append(AlertUpdate("updated", a))
            return out
        n_before = len(self.alerts)
        alert = self._test(e, st)
        if alert is not None:
            out.append(AlertUpdate("opened" if len(self.alerts) > n_before else "updated", alert))
        return out

    def _still_bursting(self, e: PostEvent, st: _Topic, a: Alert) -> bool:
        posts, conc, pos = self._window(st)
        lam = self.expected(e.topic, e.created_at)
        if a.kind == "praise_spike":
            return poisson_sf(pos, max(1.0, lam * 4)) < self.config.p_notice
        return poisson_sf(conc, lam) < self.config.p_notice

    def _window(self, st: _Topic):
        posts = [p for bk in st.buckets for p in bk[3]]
        return posts, sum(bk[1] for bk in st.buckets), sum(bk[2] for bk in st.buckets)

    def _test(self, e: PostEvent, st: _Topic, crisis_only: bool = False) -> Alert | None:
        cfg = self.config
        posts, conc, pos = self._window(st)
        lam = self.expected(e.topic, e.created_at)
        worrying = [p for p in posts if p[2] > 0]
        if worrying:
            p = poisson_sf(conc, lam)
            users = {p_[1] or p_[0] for p_ in worrying}
            if p < cfg.p_crisis and len(worrying) >= cfg.min_posts and len(users) >= cfg.min_users:
                return self._open("crisis", e, st, worrying, p, lam)
            if crisis_only:
                return None
            if p < cfg.p_notice and len(worrying) >= max(3, cfg.min_posts // 2) and e.sentiment_label != "positive":
                return self._open("grumble", e, st, worrying, p, lam)
        if pos >= cfg.praise_min_posts // 3 and not crisis_only:
            # praise is tested on volume against the topic's overall rhythm, never as a crisis
            lam_pos = max(1.0, lam * 4)
            p = poisson_sf(pos, lam_pos)
            if p < cfg.p_crisis and pos >= cfg.praise_min_posts // 3:
                praise = [x for x in posts if x[2] == 0]
                return self._open("praise_spike", e, st, praise, p, lam_pos)
        return None

    def _related_crisis(self, posts: list) -> Alert | None:
        """An open crisis that already holds a third of these posts: the same burst seen from another series."""
        ids = {x[0] for x in posts}
        for a in self.alerts.values():
            if a.kind == "crisis" and not a.closed and len(ids & set(a.post_ids)) * 3 >= len(ids):
                return a
        return None

    def _open(self, kind: str, e: PostEvent, st: _Topic, posts: list, p: float, lam: float) -> Alert:
        if kind == "crisis":
            same = self._related_crisis(posts)
            if same is not None:  # one crisis, one alert: extend it instead of opening a twin
                for x in posts:
                    if x[0] not in same.post_ids:
                        same.post_ids.append(x[0])
                        same.count += 1
                        self._mix_add(same.signal_mix, x[3], x[2])
                st.open_alert = same.alert_id
                return same
        self._seq += 1
        mix = {"deception": 0, "safety_privacy": 0, "mistake": 0, "churn": 0, "other_negative": 0}
        for x in posts:
            self._mix_add(mix, x[3], x[2])
        opened = e.created_at
        a = Alert(alert_id=f"A{self._seq:05d}-t{e.topic}", kind=kind, topic=e.topic, opened_at=opened.isoformat(),
                  severity=0, count=len(posts), baseline=round(lam, 3), p_value=p, post_ids=[x[0] for x in posts],
                  signal_mix=mix, due_at=(opened + dt.timedelta(hours=1)).isoformat(),
                  last_post_at=e.created_at.isoformat())
        a.keywords = self._keywords(posts)
        a.label = " / ".join(a.keywords[:3])
        a.playbook = playbook(mix) if kind == "crisis" else []
        a.severity = self._severity(a)
        self.alerts[a.alert_id] = a
        st.open_alert = a.alert_id
        return a

    @staticmethod
    def _mix_add(mix: dict, signals, w: float) -> None:
        hit = False
        for s in ("deception", "safety_privacy", "mistake", "churn"):
            if s in signals:
                mix[s] += 1
                hit = True
        if not hit and w > 0:
            mix["other_negative"] += 1

    def _extend(self, a: Alert, e: PostEvent, w: float) -> None:
        if e.post_id in a.post_ids:
            return
        a.post_ids.append(e.post_id)
        a.count += 1
        a.last_post_at = e.created_at.isoformat()
        self._mix_add(a.signal_mix, e.signals, w)
        if e.keywords:
            a.keywords = self._merge_keywords(a.keywords, e.keywords)
            a.label = " / ".join(a.keywords[:3])
        a.severity = max(a.severity, self._severity(a))
        if a.kind == "crisis":
            a.playbook = [dict(step, done=old.get("done", False)) for step, old in
                          zip(playbook(a.signal_mix), a.playbook)] or playbook(a.signal_mix)

    @staticmethod
    def _keywords(posts: list) -> list[str]:
        from collections import Counter

        c = Counter(k for x in posts for k in x[4])
        return [k for k, _ in c.most_common(5)]

    @staticmethod
    def _merge_keywords(current: list[str], new) -> list[str]:
        return list(dict.fromkeys([*current, *new]))[:5] if len(current) < 5 else current

    def _severity(self, a: Alert) -> int:
        if a.kind != "crisis":
            return min(3, 1 + int(a.count >= 10))
        surprise = min(1.0, -math.log10(max(a.p_value, 1e-300)) / 30)  # 1e-30 and beyond = full scale
        heavy = (a.signal_mix["deception"] + a.signal_mix["safety_privacy"]) / max(a.count, 1)
        size = min(1.0, a.count / 60)
        return int(round(min(10, max(4, 3 + 3 * surprise + 3 * heavy + 1.5 * size))))

    def close_idle(self, now: dt.datetime) -> list[AlertUpdate]:
        """Close alerts whose topic has had no excess for the cool-down period."""
        out = []
        b_now = self._bucket(now)
        for st in self.topics.values():
            if st.open_alert is None:
                continue
            a = self.alerts[st.open_alert]
            last = dt.datetime.fromisoformat(a.last_post_at)
            if now - last >= self.config.cooldown:
                a.closed = True
                st.open_alert = None
                st.closed_at = b_now
                out.append(AlertUpdate("closed", a))
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
        return (dt.datetime.fromisoformat(a.acknowledged_at) - dt.datetime.fromisoformat(a.opened_at)).total_seconds() / 60

    # ------------------------------------------------------------------ persistence
    def prune(self, keep_closed: int = 50) -> None:
        """Forget all but the newest ``keep_closed`` closed alerts (callers store alerts elsewhere), so the
        state a service saves per batch stays small."""
        closed = [k for k, a in self.alerts.items() if a.closed]
        for k in closed[:-keep_closed] if keep_closed else closed:
            del self.alerts[k]

    def to_dict(self) -> dict:
        return {"config": {k: (v.total_seconds() if isinstance(v, dt.timedelta) else v)
                           for k, v in asdict(self.config).items()},
                "profile": self.profile, "hour_counts": self._hour_counts, "seq": self._seq,
                "now": self.now.isoformat() if self.now else None,
                "topics": {str(k): {"level": t.level, "open_alert": t.open_alert, "closed_at": t.closed_at,
                                    "last_bucket": t.last_bucket, "buckets": [list(x[:3]) + [[list(p) for p in x[3]]]
                                                                             for x in t.buckets]}
                           for k, t in self.topics.items()},
                "alerts": {k: a.to_dict() for k, a in self.alerts.items()}}

    @classmethod
    def from_dict(cls, d: dict) -> "CrisisDetector":
        cfg = dict(d["config"])
        cfg["cooldown"] = dt.timedelta(seconds=cfg["cooldown"])
        self = cls(CrisisConfig(**cfg))
        self.profile, self._hour_counts, self._seq = d["profile"], d["hour_counts"], d["seq"]
        self.now = dt.datetime.fromisoformat(d["now"]) if d["now"] else None
        for k, t in d["topics"].items():
            st = _Topic(self.config.prior_rate)
            st.level, st.open_alert, st.closed_at, st.last_bucket = t["level"], t["open_alert"], t["closed_at"], \
                t["last_bucket"]
            st.buckets = deque([x[0], x[1], x[2], [tuple(p[:3]) + (tuple(p[3]), tuple(p[4]), p[5]) for p in x[3]]]
                               for x in t["buckets"])
            self.topics[int(k)] = st
        self.alerts = {k: Alert(**a) for k, a in d["alerts"].items()}
        return self


def assign_topics(embeddings, times: list[dt.datetime], warmup: dt.timedelta = dt.timedelta(hours=48),
                  min_warmup_posts: int = 100, seed: int = 0):
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
        warm[order[:min(n, min_warmup_posts)]] = True
    m = IdeaClusterer(min_cluster_size=5, seed=seed).fit(X[warm])
    if m.n_clusters_ == 0:
        return np.zeros(n, dtype=np.int64)
    _, idx = nearest(m.centroids_, m._centre(X))
    return m.cluster_ids_[idx[:, 0]].astype(np.int64)


def replay(events: list[PostEvent], config: CrisisConfig | None = None,
           progress=None) -> tuple[list[Alert], CrisisDetector]:
    """Run events (any order) through a detector in stream time; returns every alert it opened."""
    det = CrisisDetector(config)
    for e in sorted(events, key=lambda e: e.created_at):
        det.observe(e)
        if progress:
            progress(1)
    if det.now is not None:
        det.close_idle(det.now + det.config.cooldown)
    return list(det.alerts.values()), det
