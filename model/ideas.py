"""From analysed posts to ideas (feature requests) or topics (all posts): cluster, label, summarise.

One function shared by ``cocreate cluster``, the service's re-clustering job and the benchmarks.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from model.clustering import IdeaClusterer
from model.topic_labels import label_clusters

IDEA_INTENT = "feature_request"


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
        d = {"id": self.id, "label": self.label, "keywords": self.keywords, "size": self.size,
             "quotes": self.quotes, "post_ids": self.post_ids, "sentiment_mean": round(self.sentiment_mean, 4)}
        if self.users is not None:
            d["users"] = self.users
        return d


def select_posts(intents: Sequence[str], all_posts: bool) -> np.ndarray:
    """Rows to cluster: feature requests (ideas) by default, every post for topics."""
    if all_posts:
        return np.arange(len(intents))
    return np.flatnonzero(np.array([i == IDEA_INTENT for i in intents], dtype=bool))


def summarize(clusterer: IdeaClusterer, labels: np.ndarray, texts: Sequence[str], words,
              embeddings: np.ndarray, post_ids: Sequence, sentiment: Sequence[float],
              users: Sequence | None = None) -> list[ClusterSummary]:
    """Summaries of the clusters in ``labels`` (ids per row, −1 unassigned), biggest first.

    ``words``: content words per post, or a tokenizer (``Segmenter.words``) applied to a sample.
    """
    Z = clusterer._centre(embeddings) if len(embeddings) else embeddings
    ids = sorted({int(c) for c in labels if c >= 0})
    centroids = {c: clusterer.centroids_[clusterer._pos(c)] for c in ids}
    names = label_clusters(texts, words, Z, labels, centroids)
    sent = np.asarray(sentiment, dtype=np.float64)
    out = []
    for c in ids:
        m = np.flatnonzero(labels == c)
        n_users = len({users[i] for i in m}) if users is not None else None
        out.append(ClusterSummary(c, names[c].title, names[c].keywords, len(m), names[c].quotes,
                                  [post_ids[i] for i in m], float(sent[m].mean()) if len(m) else 0.0, n_users))
    out.sort(key=lambda s: (-s.size, s.id))
    return out


def cluster_analyses(texts: Sequence[str], post_ids: Sequence, analyses: Sequence, all_posts: bool = False,
                     clusterer: IdeaClusterer | None = None, users: Sequence | None = None,
                     segmenter=None) -> tuple[list[ClusterSummary], list, IdeaClusterer]:
    """Cluster analysed posts: (summaries biggest first, unclustered post ids, the fitted clusterer).

    Posts not selected (not feature requests, unless ``all_posts``) are neither clustered nor
    reported as unclustered. Works on empty and one-post input (no clusters then).
    """
    rows = select_posts([a.intent["label"] for a in analyses], all_posts)
    clusterer = clusterer or IdeaClusterer(min_cluster_size=3 if len(rows) < 200 else 5)
    dim = analyses[0].embedding.shape[0] if len(analyses) else 384
    X = np.stack([analyses[i].embedding for i in rows]) if len(rows) else np.zeros((0, dim), np.float32)
    clusterer.fit(X, sentiment=[analyses[i].sentiment["score"] for i in rows])
    sel_texts = [texts[i] for i in rows]
    words = segmenter.words if segmenter is not None else [analyses[i].tokens for i in rows]
    sel_ids = [post_ids[i] for i in rows]
    sel_users = [users[i] for i in rows] if users is not None else None
    summaries = summarize(clusterer, clusterer.labels_, sel_texts, words, X, sel_ids,
                          [analyses[i].sentiment["score"] for i in rows], sel_users)
    unclustered = [sel_ids[i] for i in np.flatnonzero(clusterer.labels_ < 0)]
    return summaries, unclustered, clusterer
