"""What a crisis is "about": the series a post counts in, their learned shares, and readable names.

A post's keys are its keywords (``k:…``), its worrying trust signals (``s:deception``,
``s:safety_privacy``, ``s:mistake``) and its cluster topic when it has one (``t:…``). A key's *share*
is the decayed fraction of worrying posts that carry it (positive posts have their own table), so
「难吃」 or 「物流」 — in a fifth of all complaints — are expected to be frequent, while 「发霉」 or
「赠品」 are rare until something happens. The table is learned from the stream, never hand-set.
"""

from __future__ import annotations

import math

CHAR_KEYS = False
SIGNAL_KEYS = ("deception", "safety_privacy", "mistake")
# a key never seen before is expected in this share of worrying posts (pseudo-counts: PRIOR_POSTS)
PRIOR_SHARE = {
    "k": 0.01,
    "c": 0.02,
    "t": 0.1,
    "s:deception": 0.1,
    "s:safety_privacy": 0.1,
    "s:mistake": 0.5,
    "+k": 0.01,
    "+t": 0.1,
}
PRIOR_POSTS = 30.0
THEME_ZH = {
    "safety_privacy": "安全/卫生",
    "deception": "欺骗/虚假宣传",
    "mistake": "故障/失误",
    "other": "集中投诉",
    "praise": "好评集中",
}


def post_keys(keywords, signals, topic: int, positive: bool) -> list[str]:
    """The series one post counts in (deduplicated, in a fixed order)."""
    if positive:
        keys = [f"+k:{k}" for k in keywords]
        if topic >= 0:
            keys.append(f"+t:{topic}")
    else:
        keys = [f"k:{k}" for k in keywords] + [f"s:{s}" for s in SIGNAL_KEYS if s in signals]
        if CHAR_KEYS:
            keys += [f"c:{ch}" for ch in dict.fromkeys("".join(keywords)) if "\u4e00" <= ch <= "\u9fff"]
        if topic >= 0:
            keys.append(f"t:{topic}")
    return list(dict.fromkeys(keys))


def prior_share(key: str) -> float:
    return PRIOR_SHARE.get(key, PRIOR_SHARE.get(key.split(":", 1)[0], 0.01))


class ShareTable:
    """Exponentially decayed share of posts carrying each key; O(1) per post (lazy global scale)."""

    def __init__(self, halflife_posts: float = 3000.0, max_keys: int = 3000):
        self.halflife_posts = halflife_posts
        self.max_keys = max_keys
        self.mass: dict[str, float] = {}
        self.total = 0.0
        self.scale = 1.0  # weight of the newest post; older ones are worth less relative to it

    def share(self, key: str) -> float:
        m = PRIOR_POSTS * self.scale
        return (self.mass.get(key, 0.0) + m * prior_share(key)) / (self.total + m)

    def seen(self) -> float:
        """Effective number of posts learned (decayed)."""
        return self.total / self.scale

    def add(self, keys) -> None:
        self.scale /= 0.5 ** (1.0 / self.halflife_posts)
        for k in keys:
            self.mass[k] = self.mass.get(k, 0.0) + self.scale
        self.total += self.scale
        if self.scale > 1e100:
            self._rescale()
        if len(self.mass) > self.max_keys * 4 // 3:
            keep = sorted(self.mass.items(), key=lambda kv: -kv[1])[: self.max_keys]
            self.mass = dict(keep)

    def _rescale(self) -> None:
        s = self.scale
        self.mass = {k: v / s for k, v in self.mass.items()}
        self.total /= s
        self.scale = 1.0

    def to_dict(self) -> dict:
        self._rescale()  # plain numbers in the saved state
        return {
            "halflife_posts": self.halflife_posts,
            "max_keys": self.max_keys,
            "mass": self.mass,
            "total": self.total,
            "scale": self.scale,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "ShareTable":
        self = cls(d["halflife_posts"], d["max_keys"])
        self.mass, self.total, self.scale = dict(d["mass"]), d["total"], d["scale"]
        return self


def theme(mix: dict[str, int], count: int, praise: bool = False) -> str:
    """The kind of trouble, from the alert's signal mix: safety and deception name it first."""
    if praise:
        return "praise"
    n = max(count, 1)
    if mix.get("safety_privacy", 0) / n >= 0.25 and mix.get("safety_privacy", 0) >= mix.get("deception", 0) * 0.5:
        return "safety_privacy"
    if mix.get("deception", 0) / n >= 0.3:
        return "deception"
    if mix.get("mistake", 0) / n >= 0.5:
        return "mistake"
    return "other"


def topic_words(counts, total: int, shares: ShareTable, prefix: str = "k:", n: int = 3) -> list[str]:
    """The words that say what an alert's posts are about (``counts``: keyword → posts among
    ``total``): frequent among them and rare in the background (count × log lift), so
    「发霉 / 火龙果」 rather than 「京东 / 差评」."""
    total = max(total, 1)
    scored = []
    for k, m in counts.items():
        lift = (m / total) / max(shares.share(prefix + k), 1e-4)
        scored.append((m * math.log(max(lift, 1.0001)) if m >= 2 or total < 4 else 0.0, m, k))
    scored.sort(reverse=True)
    return [k for _, _, k in scored[:n]]


def label(theme_key: str, words: list[str]) -> str:
    """Readable Chinese label, e.g. 「安全/卫生：发霉 / 火龙果 / 拉肚子」."""
    head = THEME_ZH.get(theme_key, THEME_ZH["other"])
    return f"{head}：{' / '.join(words)}" if words else head
