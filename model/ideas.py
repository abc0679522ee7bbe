"""From analysed posts to ideas (feature requests) or topics (all posts): cluster, label, summarise.

One function shared by ``cocreate cluster``, the service's re-clustering job and the benchmarks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from model.clustering import IdeaClusterer
from model.topic_labels import label_clusters

IDEA_INTENT = "feature_request"
# the smallest idea of a board under 2,000 posts (5 above): two users asking for one capability is an
# idea a PM wants to see; on both tuning sets 2 beats 3 end to end (notes V 0.72 -> 0.76, ARI 0.28 -> 0.37,
# robot ARI 0.64 -> 0.65), the paraphrase metric's cut is cross-validated with it (bench/ideas.py --refit)
SMALL_BOARD_MIN_IDEA = 2


@dataclass
class ClusterSummary:
    id: int
    label: str
    keywords: list[str]
    size: int
    quotes: list[str]
    post_ids: list
    sentiment_mean: float
    users: int | None = None

    def to_json(self) -> dict:
        d = {
            "id": self.id,
            "label": self.label,
            "keywords": self.keywords,
            "size": self.size,
            "quotes": self.quotes,
            "post_ids": self.post_ids,
            "sentiment_mean": round(self.sentiment_mean, 4),
        }
        if self.users is not None:
            d["users"] = self.users
        return d


# forms of asking on a forum that the analyzer's intent label misses most (「+1 同求」, 「蹲一个」,
# 「要是能…就好了」, 「有计划吗」, 「别的软件都有」, a competitor that already has it); read on the two tuning
# sets (robot, notes), checked against the untouched ones (bench/reports/ideas.md)
REQUEST_CUES = re.compile(
    r"希望(?!你们|大家)|建议(?!大家|先|你)|(?<!看看)(?<!知道)能不能|能否|可不可以|可以.{0,8}吗|(?<![要请])求(?!婚|助|救|职|学|医|方法)|加个|加一个|"
    r"出个|增加|加上(?!各种)|\+1|同求|蹲|什么时候(?:上|出|加|能|支持|有|做|安排)|何时(?:上|出|有|支持)|就好了|"
    r"赶紧(?:加|上|出|做|安排|支持)|盼|想要|想加|想让|想把|要是能|有没有(?:计划|打算|可能|考虑|排期)|"
    r"有没有.{0,10}(?:功能|办法|选项|模式)|有(?:计划|排期|打算)吗|(?:会|能)(?:做|出|有|支持)吗|安排上|拜托|催一下|"
    r"催更|多好|就太好了|就完美|还没有|居然没有|竟然没有|标配|刚需|(?:别的|其他|其它)(?:app|软件|产品)|都支持|"
    r"(?<![换去转])(?:隔壁|别家|友商|人家).{0,24}(?:都|能|有|可以)",
    re.I,
)
# a request to fix, undo or refund is a bug report or a complaint, not an idea, however it is phrased
# (修复, 修一下 — not 修订, 修改; not 恢复/还原 either: restoring what was deleted is 回收站, 版本历史)
FIX_CUES = re.compile(r"修复|修(?:一下|好|正|下|掉)|bug|闪退|退款|退货|投诉", re.I)
# naming a competitor's feature is how forum users ask without asking (「隔壁的一上地毯就加大吸力」)
# (not 「换别家」, 「去隔壁平台买了」: leaving is a complaint; not a neighbour: 隔壁县, 隔壁宝妈)
COMPETITOR = re.compile(
    r"(?<![换去转])(?:隔壁(?!邻居|老王|县|村|床|桌|座|宿舍|宝妈|阿姨|大爷|小孩)|别家|友商|竞品|人家的)"
)
# a feature-request probability this high is a request even when another intent scores higher
REQUEST_P = 0.3


# advice and questions to other users, not asks of the product team (「有没有人知道…」, 「大家可以…」)
PEER_TALK = re.compile(r"有没有人|有人知道|谁知道|大家(?:可以|都|先|理性|赶紧|记得)")


def is_request(text: str, intent: str, p_request: float = 0.0) -> bool:
    """A post for the idea board: labelled a feature request, scored one at ``REQUEST_P`` or more, or
    phrased as one (``REQUEST_CUES``, or a competitor named) without asking for a fix (``FIX_CUES``).

    The intent head calls many forum requests bug reports, questions or complaints (「蹲禁区功能，灯被撞
    倒两回了」, 「关系图谱什么时候安排上」, 「都2024年了还没有暗色主题」): the cues decide for every label,
    and only a fix/undo/refund word keeps a post out. On the tuning sets request recall goes from
    67% / 58% (robot / notes, the label alone) to 100% / 88%, distractors 8% / 8%. On the 12k written
    posts (data/written, 24 domains, the writers' intents) the cues alone also pick 13% of questions, 5% of
    "other", 2–3% of complaints and praise and 1% of bug reports (the narrative 「换别家」, 「要求」,
    「赶紧打电话」 forms are excluded), and 89% of feature requests."""
    if intent == IDEA_INTENT or p_request >= REQUEST_P:
        return True
    cue = REQUEST_CUES.search(text) or COMPETITOR.search(text)
    return bool(cue) and not FIX_CUES.search(text) and not PEER_TALK.search(text)


def request_probability(analysis) -> float:
    return float(analysis.intent.get("scores", {}).get(IDEA_INTENT, 0.0))


def select_posts(
    intents: Sequence[str],
    all_posts: bool,
    texts: Sequence[str] | None = None,
    p_request: Sequence[float] | None = None,
) -> np.ndarray:
    """Rows to cluster: feature requests (ideas) by default — with ``texts``, also posts phrased or
    scored as requests (``is_request``) — every post for topics."""
    if all_posts:
        return np.arange(len(intents))
    if texts is None:
        return np.flatnonzero(np.array([i == IDEA_INTENT for i in intents], dtype=bool))
    ps = p_request if p_request is not None else [0.0] * len(intents)
    return np.flatnonzero(np.array([is_request(t, i, p) for t, i, p in zip(texts, intents, ps)], dtype=bool))


def summarize(
    clusterer: IdeaClusterer,
    labels: np.ndarray,
    texts: Sequence[str],
    words,
    embeddings: np.ndarray,
    post_ids: Sequence,
    sentiment: Sequence[float],
    users: Sequence | None = None,
) -> list[ClusterSummary]:
    """Summaries of the clusters in ``labels`` (ids per row, −1 unassigned), biggest first.

    ``words``: content words per post, or a tokenizer (``Segmenter.words``) applied to a sample.
    """
    Z = clusterer._centre(embeddings) if len(embeddings) else embeddings
    ids = sorted({int(c) for c in labels if c >= 0})
    emb_centroids = clusterer.embedding_centroids()  # quotes are ranked by meaning, not by wording
    centroids = {c: emb_centroids[clusterer._pos(c)] for c in ids}
    names = label_clusters(
        texts, words, Z, labels, centroids, phrase=getattr(clusterer, "granularity", "topic") == "idea"
    )
    sent = np.asarray(sentiment, dtype=np.float64)
    out = []
    for c in ids:
        m = np.flatnonzero(labels == c)
        n_users = len({users[int(i)] for i in m}) if users is not None else None
        out.append(
            ClusterSummary(
                c,
                names[c].title,
                names[c].keywords,
                len(m),
                names[c].quotes,
                [post_ids[int(i)] for i in m],
                float(sent[m].mean()) if len(m) else 0.0,
                n_users,
            )
        )
    out.sort(key=lambda s: (-s.size, s.id))
    return out


def cluster_analyses(
    texts: Sequence[str],
    post_ids: Sequence,
    analyses: Sequence,
    all_posts: bool = False,
    clusterer: IdeaClusterer | None = None,
    users: Sequence | None = None,
    segmenter=None,
) -> tuple[list[ClusterSummary], list, IdeaClusterer]:
    """Cluster analysed posts: (summaries biggest first, unclustered post ids, the fitted clusterer).

    Posts not selected (not feature requests, unless ``all_posts``) are neither clustered nor
    reported as unclustered. Works on empty and one-post input (no clusters then).
    """
    rows = select_posts(
        [a.intent["label"] for a in analyses], all_posts, texts, [request_probability(a) for a in analyses]
    )
    clusterer = clusterer or IdeaClusterer(min_cluster_size=SMALL_BOARD_MIN_IDEA if len(rows) < 2000 else 5)
    dim = analyses[0].embedding.shape[0] if len(analyses) else 384
    X = np.stack([analyses[i].embedding for i in rows]) if len(rows) else np.zeros((0, dim), np.float32)
    sel_texts = [texts[i] for i in rows]
    clusterer.fit(X, sentiment=[analyses[i].sentiment["score"] for i in rows], texts=sel_texts)
    words = segmenter.words if segmenter is not None else [analyses[i].tokens for i in rows]
    sel_ids = [post_ids[i] for i in rows]
    sel_users = [users[i] for i in rows] if users is not None else None
    summaries = summarize(
        clusterer,
        clusterer.labels_,
        sel_texts,
        words,
        X,
        sel_ids,
        [analyses[i].sentiment["score"] for i in rows],
        sel_users,
    )
    unclustered = [sel_ids[i] for i in np.flatnonzero(clusterer.labels_ < 0)]
    return summaries, unclustered, clusterer
