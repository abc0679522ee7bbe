"""Ideas and topics: FAISS clustering of post embeddings that picks its own number of clusters.

Two granularities. ``granularity="idea"`` (the default: the board's ideas) groups posts that ask
for the same capability: vectors are mapped into the paraphrase space of ``model/paraphrase.py``
(phrasing variation shrunk, learned on labelled paraphrase groups), exact average linkage cuts
where two groups' mean cosine falls under the calibrated threshold, and groups under
``min_cluster_size`` stay unassigned (a lone request is no idea yet). Given the posts' texts, the
cosine is a weighted sum of the paraphrase-space one and that of their wording (``model/wording.py``:
character n-grams without the words of asking), both weight and threshold fitted together by
cross-validation; vectors are then joined ``[√(1−β)·embedding, √β·wording]``, so centroids, FAISS
search and online assignment work on one vector per post. ``granularity="topic"``
(trend charts, the crisis detector, the category benchmark) is the coarse pipeline below.

``IdeaClusterer`` follows the scikit-learn estimator contract (hyper-parameters in ``__init__``
only, ``fit(X) -> self``, learned state ending in ``_``, ``predict`` before ``fit`` raises
``NotFittedError``). Every nearest-neighbour and centroid step over posts runs in FAISS:

1. **Batch fit** — centre the embeddings (e5 vectors share a large common direction that hides
   topics), over-cluster with spherical k-means into many micro-clusters, merge micro-centroids
   by average-linkage while they are closer than ``merge_threshold`` (so k is chosen by the data,
   not the user), dissolve clusters under ``min_cluster_size`` into their nearest neighbour, and
   assign every post to its nearest centroid. A post is left unassigned only when it is farther
   from every centroid than ``assign_threshold_`` (a low percentile of member similarities).
2. **Online** — ``assign_online`` puts a new post into its nearest idea when it is close enough;
   otherwise it waits in a buffer, and ``min_cluster_size`` mutually close buffered posts become
   a new idea.
3. **Stable ids** — ``fit(X, previous=labels)`` re-clusters and gives each new cluster the id of
   the old cluster it shares most posts with (Hungarian matching on overlap), so links and votes
   survive a scheduled re-clustering. ``merge`` and ``split`` let people correct the result.
4. **Persistence** — ``save``/``load`` write the centroids as a FAISS index plus a small JSON/NPZ
   state; save → load gives the same assignments.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import faiss
import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.exceptions import NotFittedError

STATE_FILE = "clusterer.json"
INDEX_FILE = "centroids.faiss"
ARRAYS_FILE = "clusterer_state.npz"
PRIOR_POSTS = 30  # weight, in posts, of the paraphrase metric's reference mean when centring


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.ascontiguousarray(x, dtype=np.float32)
    n = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(n, 1e-12)


def spherical_kmeans(
    x: np.ndarray, k: int, seed: int, niter: int = 12, max_points_per_centroid: int = 256
) -> np.ndarray:
    """FAISS k-means on unit vectors (centroids re-normalised each step); returns unit centroids [k, d]."""
    k = max(1, min(k, len(x)))
    km = faiss.Kmeans(
        x.shape[1],
        k,
        niter=niter,
        seed=seed,
        spherical=True,
        verbose=False,
        max_points_per_centroid=max_points_per_centroid,
        min_points_per_centroid=1,
    )
    km.train(x)
    assert km.centroids is not None  # set by train()
    return _unit(km.centroids)


def nearest(centroids: np.ndarray, x: np.ndarray, k: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Inner-product search of ``x`` against ``centroids``: (similarities [n, k], indices [n, k])."""
    index = faiss.IndexFlatIP(centroids.shape[1])
    index.add(np.ascontiguousarray(centroids, dtype=np.float32))
    sims, idx = index.search(np.ascontiguousarray(x, dtype=np.float32), min(k, len(centroids)))
    return sims, idx


def knn(Z: np.ndarray, k: int, ivf: bool = False, seed: int = 0) -> np.ndarray:
    """Indices of each row's ``k`` nearest rows (itself included): exact below 100k rows, IVF above."""
    if Z.shape[1] > 128 and len(Z) > 2000:  # neighbours in the top principal components: 3x fewer flops
        pca = faiss.PCAMatrix(Z.shape[1], 128)
        rng = np.random.default_rng(seed)
        pca.train(np.ascontiguousarray(Z[rng.choice(len(Z), min(len(Z), 20000), replace=False)]))
        Z = _unit(pca.apply(np.ascontiguousarray(Z)))
    d = Z.shape[1]
    index: faiss.Index
    if ivf:
        nlist = int(4 * np.sqrt(len(Z)))
        quant = faiss.IndexFlatIP(d)
        index = faiss.IndexIVFFlat(quant, d, nlist, faiss.METRIC_INNER_PRODUCT)
        rng = np.random.default_rng(seed)
        index.train(Z[rng.choice(len(Z), min(len(Z), nlist * 40), replace=False)])
        index.add(Z)
        index.nprobe = 6
    else:
        index = faiss.IndexFlatIP(d)
        index.add(Z)
    _, idx = index.search(Z, k)
    return np.where(idx < 0, np.arange(len(Z))[:, None], idx)


def average_linkage(centroids: np.ndarray, sizes: np.ndarray, threshold: float) -> np.ndarray:
    """Merge groups of unit centroids while the size-weighted mean pairwise cosine of two groups ≥ threshold.

    Operates on the (few hundred) micro-centroids only; returns a group index per centroid.
    """
    m = len(centroids)
    if m <= 1:
        return np.zeros(m, dtype=np.int64)
    sim = centroids @ centroids.T
    w = sizes.astype(np.float64)
    # S[a, b] = sum over members i∈a, j∈b of w_i w_j sim_ij; average = S / (W_a W_b)
    S = sim * np.outer(w, w)
    W = w.copy()
    alive = np.ones(m, dtype=bool)
    group = np.arange(m)
    np.fill_diagonal(S, -np.inf)
    while alive.sum() > 1:
        avg = S / np.outer(W, W)
        avg[~alive] = -np.inf
        avg[:, ~alive] = -np.inf
        a, b = np.unravel_index(np.argmax(avg), avg.shape)
        if avg[a, b] < threshold:
            break
        S[a] += S[b]
        S[:, a] += S[:, b]
        S[a, a] = -np.inf
        W[a] += W[b]
        alive[b] = False
        group[group == b] = a
    _, dense = np.unique(group, return_inverse=True)
    return dense.astype(np.int64)


@dataclass
class _Buffer:
    """Posts waiting for an idea: their (centred, unit) vectors and caller keys."""

    vectors: list[np.ndarray] = field(default_factory=list)
    keys: list = field(default_factory=list)


class IdeaClusterer:
    """Cluster unit-length post embeddings into ideas/topics with FAISS; see the module docstring.

    Parameters
    ----------
    min_cluster_size: smallest idea kept (and the buffer size that makes a new idea online).
    merge_threshold: average cosine (of centred vectors) above which micro-clusters merge; lower
        gives fewer, broader clusters.
    micro_clusters: number of k-means micro-clusters before merging; ``None`` = √(n/2), at least 30.
    smooth_neighbors: at fit time each post is averaged with its nearest neighbours (FAISS kNN; an
        IVF index above ``ivf_above`` posts) before clustering — it denoises short posts. 0 = off.
    assign_quantile: member-similarity percentile below which a post counts as too far from any idea.
    max_buffer: most posts kept waiting online; the oldest leave the buffer first.
    granularity: "idea" (same requested capability, paraphrase metric) or "topic" (coarse themes).
        ``merge_threshold=None`` takes the mode's calibrated cut (idea: the metric's; topic: 0.3).
    metric_file: the paraphrase metric for idea mode (None = the shipped one).
    ivf_above: re-clusterings of more posts than this use an IVF index for the k-means assignment.
    seed: makes ``fit`` reproducible.
    """

    mean_: np.ndarray  # learned by fit() or read by load() (an annotation only: no class attribute)

    def __init__(
        self,
        min_cluster_size: int = 5,
        merge_threshold: float | None = None,
        micro_clusters: int | None = None,
        smooth_neighbors: int = 10,
        assign_quantile: float = 0.01,
        max_buffer: int = 5000,
        ivf_above: int = 100_000,
        seed: int = 0,
        granularity: str = "idea",
        metric_file: str | None = None,
        wording_weight: float | None = None,
    ):
        self.min_cluster_size = min_cluster_size
        self.granularity = granularity
        self.metric_file = metric_file
        self.wording_weight = wording_weight
        self.smooth_neighbors = smooth_neighbors
        self.merge_threshold = merge_threshold
        self.micro_clusters = micro_clusters
        self.assign_quantile = assign_quantile
        self.max_buffer = max_buffer
        self.ivf_above = ivf_above
        self.seed = seed

    # ------------------------------------------------------------------ helpers
    def _check_fitted(self) -> None:
        if not hasattr(self, "centroids_"):
            raise NotFittedError("IdeaClusterer is not fitted yet; call fit(X) first")

    def _prepare(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=np.float32)
        if X.ndim != 2:
            raise ValueError(f"X must be 2-d [n_posts, dim], got shape {X.shape}")
        if hasattr(self, "mean_") and X.shape[1] != self.mean_.shape[0]:
            raise ValueError(f"X has {X.shape[1]} dimensions; the clusterer was fitted on {self.mean_.shape[0]}")
        return X

    def _centre(self, X: np.ndarray) -> np.ndarray:
        """Rows [n, d] → the unit vectors clustering works on (centred, mood removed, paraphrase space)."""
        Z = _unit(X) - self.mean_
        nuisance = getattr(self, "nuisance_", None)
        if nuisance is not None:
            Z = Z - np.outer(Z @ nuisance, nuisance)
        if getattr(self, "metric_", None) is not None:
            Z = _unit(Z) @ self.metric_
        return _unit(Z)

    def _set_metric(self, dim: int, n_rows: int = 0) -> None:
        """Idea mode: the paraphrase metric (when one fits ``dim``) and the effective merge threshold."""
        from model.paraphrase import FALLBACK_THRESHOLD, ParaphraseMetric, load_default

        if self.granularity not in ("idea", "topic"):
            raise ValueError(f"granularity must be 'idea' or 'topic', got {self.granularity!r}")
        self.metric_ = None
        self.wording_weight_ = 0.0
        if self.granularity == "topic":
            self.merge_threshold_ = 0.3 if self.merge_threshold is None else float(self.merge_threshold)
            return
        metric = ParaphraseMetric.load(self.metric_file) if self.metric_file else load_default(dim)
        if metric is not None and metric.dim != dim:
            metric = None
        self.metric_ = metric.matrix if metric is not None else None
        if (  # the same encoder
            metric is not None
            and metric.mean is not None
            and n_rows
            and float(_unit(self.mean_[None])[0] @ _unit(metric.mean[None])[0]) >= 0.8
        ):
            # a few posts are a poor estimate of the common direction: lean on the tuning set's
            # (only when both means agree, i.e. the vectors come from the encoder the metric was fitted on)
            w = n_rows / (n_rows + PRIOR_POSTS)
            self.mean_ = (w * self.mean_ + (1 - w) * metric.mean).astype(np.float32)
        default = metric.threshold if metric is not None else FALLBACK_THRESHOLD
        self.merge_threshold_ = default if self.merge_threshold is None else float(self.merge_threshold)
        fitted_weight = metric.wording_weight if metric is not None else 0.0
        self.wording_weight_ = fitted_weight if self.wording_weight is None else float(self.wording_weight)

    @property
    def n_clusters_(self) -> int:
        self._check_fitted()
        return len(self.cluster_ids_)

    # ------------------------------------------------------------------ batch fit
    def fit(self, X, y=None, previous: np.ndarray | None = None, sentiment=None, texts=None) -> "IdeaClusterer":
        """Cluster ``X`` [n, d].

        ``previous`` (old ids per row, −1 for none) keeps the ids of persisting ideas. ``sentiment``
        (a score in [−1, 1] per row, e.g. the analyzer's) lets the clusterer project out the
        direction that separates positive from negative posts: ideas are about topics, not moods,
        so 「希望加夜间模式」 and 「没有夜间模式太难受了」 belong together. ``texts`` (one per row; idea
        granularity) adds what the posts say word for word (``model/wording.py``) with the metric's
        fitted weight; a clusterer fitted with texts then needs them in ``predict``/``assign_online``.
        """
        X = self._prepare(X)
        n = len(X)
        old_ids = getattr(self, "cluster_ids_", None)
        old_centroids = getattr(self, "centroids_", None)
        next_id = getattr(self, "next_id_", 0)
        self.mean_ = _unit(X).mean(0) if n else np.zeros(X.shape[1], np.float32)
        self.nuisance_ = None
        self._set_metric(X.shape[1], n)
        if sentiment is not None and n:
            self.nuisance_ = self._mood_direction(X, np.asarray(sentiment, dtype=np.float32))
        Z = self._centre(X) if n else X
        self.wording_, L = None, None
        if texts is not None and len(texts) != n:
            raise ValueError(f"texts has {len(texts)} posts for {n} rows")
        if self.granularity == "idea" and self.wording_weight_ > 0 and texts is not None and n >= self.min_cluster_size:
            from model.wording import Wording

            w = Wording()
            L = w.fit_transform(texts)
            if w.dim:
                self.wording_ = w
            else:
                L = None
        if n < self.min_cluster_size:
            centroids = np.zeros((0, self._space_dim(X.shape[1])), np.float32)
            labels = np.full(n, -1, dtype=np.int64)
        else:
            centroids, labels = (
                self._cluster_ideas(Z, L) if self.granularity == "idea" else self._cluster(self._smooth(Z))
            )
        # ids: match to the previous clustering (by members when given, else by centroid similarity)
        new_ids = self._match_ids(labels, len(centroids), previous, old_ids, old_centroids, Z)
        fresh = new_ids < 0
        new_ids[fresh] = np.arange(next_id, next_id + fresh.sum())
        self.next_id_ = int(max([next_id, *(new_ids + 1)])) if len(new_ids) else next_id
        self.centroids_ = centroids
        self.cluster_ids_ = new_ids.astype(np.int64)
        self.sizes_ = np.bincount(labels[labels >= 0], minlength=len(centroids)).astype(np.int64)
        self.labels_ = np.where(labels >= 0, self.cluster_ids_[np.maximum(labels, 0)] if len(centroids) else -1, -1)
        self.assign_threshold_ = self._threshold(Z, labels, L)
        self.merged_into_ = dict(getattr(self, "merged_into_", {}))
        self._buffer = _Buffer()
        return self

    def _mood_direction(self, X: np.ndarray, sentiment: np.ndarray) -> np.ndarray | None:
        if len(sentiment) != len(X):
            raise ValueError(f"sentiment has {len(sentiment)} scores for {len(X)} posts")
        pos, neg = sentiment > 0.5, sentiment < -0.5
        if pos.sum() < self.min_cluster_size or neg.sum() < self.min_cluster_size:
            return None
        C = _unit(X) - self.mean_
        d = C[pos].mean(0) - C[neg].mean(0)
        return (d / max(np.linalg.norm(d), 1e-12)).astype(np.float32)

    def _smooth(self, Z: np.ndarray) -> np.ndarray:
        """Each vector averaged with its ``smooth_neighbors`` nearest neighbours (FAISS kNN)."""
        k = min(self.smooth_neighbors, len(Z) // 20)  # small sets: fewer neighbours, none under 40 posts
        if k < 1:
            return Z
        idx = knn(Z, k + 1, ivf=len(Z) > self.ivf_above, seed=self.seed)
        acc = Z[idx[:, 0]].copy()
        for j in range(1, idx.shape[1]):  # column by column: no [n, k, d] gather
            acc += Z[idx[:, j]]
        return _unit(acc)

    def _cluster(self, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = len(Z)
        # ~√(n/2) micro-clusters, but at least 30 (small idea sets need the resolution), at most 400
        m = self.micro_clusters or int(np.clip(max(np.sqrt(n / 2), min(n // 3, 30)), 2, 400))
        m = min(m, max(1, n // max(2, self.min_cluster_size // 2)))
        micro = spherical_kmeans(Z, m, self.seed)
        _, a = nearest(micro, Z)
        sizes = np.bincount(a[:, 0], minlength=len(micro))
        keep = sizes > 0
        micro, sizes = micro[keep], sizes[keep]
        group = average_linkage(micro, sizes, self.merge_threshold_)
        centroids = self._group_means(micro, sizes, group)
        for _ in range(3):  # a few Lloyd steps at the merged level, dropping groups under min size
            _, a = nearest(centroids, Z)
            lab = a[:, 0]
            counts = np.bincount(lab, minlength=len(centroids))
            big = counts >= self.min_cluster_size
            if not big.any():
                big[np.argmax(counts)] = True
            centroids = np.stack(
                [
                    _unit(Z[lab == c].mean(0, keepdims=True))[0] if counts[c] else centroids[c]
                    for c in range(len(centroids))
                ]
            )[big]
        sims, a = nearest(centroids, Z)
        # order clusters biggest first so ids are assigned in a readable order
        counts = np.bincount(a[:, 0], minlength=len(centroids))
        order = np.argsort(-counts, kind="stable")
        remap = np.empty_like(order)
        remap[order] = np.arange(len(order))
        return centroids[order], remap[a[:, 0]].astype(np.int64)

    def _cluster_ideas(self, Z: np.ndarray, L=None, exact_below: int = 4000) -> tuple[np.ndarray, np.ndarray]:
        """Average linkage in the paraphrase space (joined with the wording ``L`` when given); groups
        under ``min_cluster_size`` stay −1.

        Exact over posts up to ``exact_below`` rows; above, over ~n/3 (at most 2,000) k-means
        micro-clusters of the embeddings, whose posts then follow their micro-cluster."""
        from model.paraphrase import average_linkage_labels, linkage_labels_from_sims

        n = len(Z)
        if n <= exact_below:
            lab = average_linkage_labels(self._join(Z, L), self.merge_threshold_)
        else:
            # the micro-clusters are merged next anyway: 6 Lloyd steps on 3 posts per micro-cluster, then
            # every post to its nearest (12k reviews: fit 3.4 -> 1.2 s, category V 0.477 -> 0.467)
            k = min(2000, n // 3)
            sample = np.random.default_rng(self.seed).choice(n, min(n, 3 * k), replace=False)
            micro = spherical_kmeans(Z[np.sort(sample)], k, self.seed, niter=6)
            _, a = nearest(micro, Z)
            lab = linkage_labels_from_sims(self._block_sims(Z, L, a[:, 0], len(micro)), self.merge_threshold_)[a[:, 0]]
        counts = np.bincount(lab)
        keep = np.flatnonzero(counts >= self.min_cluster_size)
        keep = keep[np.argsort(-counts[keep], kind="stable")]  # biggest first: readable ids
        remap = np.full(len(counts), -1, dtype=np.int64)
        remap[keep] = np.arange(len(keep))
        labels = remap[lab]
        return self._block_means(Z, L, labels, len(keep)), labels

    # ------------------------------------------------------------------ the joined space (embedding + wording)
    def _space_dim(self, d: int) -> int:
        w = getattr(self, "wording_", None)
        return d + (w.dim if w is not None else 0)

    def _join(self, Z: np.ndarray, L) -> np.ndarray:
        """[√(1−β)·Z, √β·L]: the cosine of two joined rows is (1−β)·cos(embeddings) + β·cos(wording)."""
        if L is None:
            return Z
        b = self.wording_weight_
        return np.hstack([np.sqrt(1 - b) * Z, np.sqrt(b) * L.toarray()]).astype(np.float32)

    def _block_means(self, Z: np.ndarray, L, labels: np.ndarray, k: int) -> np.ndarray:
        """Per label 0..k−1 the joined centroid: each block the unit mean of its rows, then weighted."""
        if k == 0:
            return np.zeros((0, Z.shape[1] + (L.shape[1] if L is not None else 0)), np.float32)
        ok = np.flatnonzero(labels >= 0)
        from scipy import sparse

        M = sparse.csr_matrix((np.ones(len(ok), np.float32), (labels[ok], ok)), shape=(k, len(Z)))
        T = _unit(np.asarray(M @ Z))
        if L is None:
            return T
        return self._join(T, sparse.csr_matrix(_unit(np.asarray((M @ L).todense()))))

    def _block_sims(self, Z: np.ndarray, L, labels: np.ndarray, k: int) -> np.ndarray:
        """Cosines [k, k] between the joined centroids ``_block_means`` would build, without building
        them densely (the wording block stays sparse): (1−β)·cos(embedding means) + β·cos(wording means)."""
        from scipy import sparse

        ok = np.flatnonzero(labels >= 0)
        M = sparse.csr_matrix((np.ones(len(ok), np.float32), (labels[ok], ok)), shape=(k, len(Z)))
        T = _unit(np.asarray(M @ Z))
        S = T @ T.T
        if L is None:
            return S
        W = (M @ L).tocsr()
        norms = np.sqrt(np.asarray(W.multiply(W).sum(1)).ravel())
        W = sparse.diags(1.0 / np.maximum(norms, 1e-12)).astype(np.float32) @ W
        b = self.wording_weight_
        return (1 - b) * S + b * np.asarray((W @ W.T).todense(), np.float32)

    def _space(self, X: np.ndarray, texts) -> np.ndarray:
        """Rows of new posts in the space the centroids live in."""
        Z = self._centre(X)
        wording = getattr(self, "wording_", None)
        if wording is None:
            return Z
        if texts is None or len(texts) != len(X):
            raise ValueError("this clusterer compares the posts' wording too: pass texts=, one per row")
        return self._join(Z, wording.transform(list(texts)))

    def embedding_centroids(self) -> np.ndarray:
        """The centroids' embedding block (unit rows), comparable with ``_centre(X)``."""
        self._check_fitted()
        return _unit(self.centroids_[:, : self.mean_.shape[0]])

    @staticmethod
    def _group_means(micro: np.ndarray, sizes: np.ndarray, group: np.ndarray) -> np.ndarray:
        g = group.max() + 1
        acc = np.zeros((g, micro.shape[1]), np.float64)
        np.add.at(acc, group, micro * sizes[:, None])
        return _unit(acc.astype(np.float32))

    def _threshold(self, Z: np.ndarray, labels: np.ndarray, L=None) -> float:
        if not len(self.centroids_) or not (labels >= 0).any():
            return 0.0
        ok = labels >= 0
        d, b = Z.shape[1], self.wording_weight_ if L is not None else 0.0
        sims = np.sqrt(1 - b) * np.einsum("ij,ij->i", Z[ok], self.centroids_[labels[ok], :d])
        if L is not None:
            rows = np.flatnonzero(ok)
            for c in np.unique(labels[ok]):
                m = labels[rows] == c
                sims[m] += np.sqrt(b) * np.asarray(L[rows[m]] @ self.centroids_[c, d:]).ravel()
        return float(np.quantile(sims, self.assign_quantile))

    def _match_ids(self, labels, k, previous, old_ids, old_centroids, Z) -> np.ndarray:
        ids = np.full(k, -1, dtype=np.int64)
        if k == 0:
            return ids
        if previous is not None:
            previous = np.asarray(previous)
            if len(previous) != len(labels):
                raise ValueError(f"previous has {len(previous)} labels for {len(labels)} posts")
            ok = (previous >= 0) & (labels >= 0)
            if ok.any():
                olds, old_idx = np.unique(previous[ok], return_inverse=True)
                overlap = np.zeros((k, len(olds)))
                np.add.at(overlap, (labels[ok], old_idx), 1)
                new_size = np.bincount(labels[labels >= 0], minlength=k)[:, None]
                old_size = np.bincount(old_idx, minlength=len(olds))[None, :]
                jacc = overlap / np.maximum(new_size + old_size - overlap, 1)
                r, c = linear_sum_assignment(-jacc)
                for i, j in zip(r, c):
                    if jacc[i, j] >= 0.2:
                        ids[i] = olds[j]
            return ids
        if old_ids is not None and old_centroids is not None and len(old_centroids):
            cent = np.stack([_unit(Z[labels == c].mean(0, keepdims=True))[0] for c in range(k)])
            # old centroids live in the old centring; compare in raw direction space is close enough
            sim = cent @ _unit(old_centroids[:, : Z.shape[1]]).T
            r, c = linear_sum_assignment(-sim)
            for i, j in zip(r, c):
                if sim[i, j] >= 0.8:
                    ids[i] = old_ids[j]
        return ids

    # ------------------------------------------------------------------ assignment
    def predict(self, X, texts=None) -> np.ndarray:
        """Nearest idea's id per row, or −1 where no idea is close enough (``texts``: see ``fit``)."""
        self._check_fitted()
        X = self._prepare(X)
        if not len(self.centroids_) or not len(X):
            return np.full(len(X), -1, dtype=np.int64)
        sims, idx = nearest(self.centroids_, self._space(X, texts))
        out = self.cluster_ids_[idx[:, 0]]
        return np.where(sims[:, 0] >= self.assign_threshold_, out, -1).astype(np.int64)

    def fit_predict(self, X, y=None) -> np.ndarray:
        return self.fit(X).labels_

    def assign_online(self, X, keys=None, texts=None) -> np.ndarray:
        """Assign new posts one by one; posts far from every idea wait in the buffer.

        Returns an id per row (−1 = waiting). When buffered posts gather into a new idea, its id is
        returned for the post that completed it and ``promoted_`` maps the new id to the keys of
        all its posts (so callers can update the earlier ones).
        """
        self._check_fitted()
        X = self._prepare(X)
        keys = list(range(len(X))) if keys is None else list(keys)
        self.promoted_: dict[int, list] = {}
        out = np.full(len(X), -1, dtype=np.int64)
        if not len(X):
            return out
        Z = self._space(X, texts)
        if len(self.centroids_):
            sims, idx = nearest(self.centroids_, Z)
        for i in range(len(Z)):
            if len(self.centroids_):
                c = idx[i, 0]
                # a cluster created earlier in this call may be nearer: check the new ones too
                if c >= len(self.centroids_) or sims[i, 0] < self.assign_threshold_:
                    s2, i2 = nearest(self.centroids_, Z[i : i + 1])
                    sims[i, 0], c = s2[0, 0], i2[0, 0]
                if sims[i, 0] >= self.assign_threshold_:
                    out[i] = self.cluster_ids_[c]
                    self.sizes_[c] += 1
                    continue
            new = self._buffer_add(Z[i], keys[i])
            if new is not None:
                out[i] = new
        return out

    def _buffer_add(self, z: np.ndarray, key) -> int | None:
        buf = self._buffer
        buf.vectors.append(z)
        buf.keys.append(key)
        if len(buf.vectors) > self.max_buffer:
            buf.vectors.pop(0)
            buf.keys.pop(0)
        if len(buf.vectors) < self.min_cluster_size:
            return None
        V = np.stack(buf.vectors)
        sims = V @ z
        thr = max(self.assign_threshold_, 0.0)
        close = np.flatnonzero(sims >= thr)
        if len(close) < self.min_cluster_size:
            return None
        members = close[np.argsort(-sims[close])][: max(self.min_cluster_size, len(close))]
        centroid = _unit(V[members].mean(0, keepdims=True))
        new_id = self.next_id_
        self.next_id_ += 1
        self.centroids_ = np.vstack([self.centroids_, centroid]).astype(np.float32)
        self.cluster_ids_ = np.append(self.cluster_ids_, new_id)
        self.sizes_ = np.append(self.sizes_, len(members))
        self.promoted_[new_id] = [buf.keys[j] for j in members]
        drop = set(members.tolist())
        buf.vectors = [v for j, v in enumerate(buf.vectors) if j not in drop]
        buf.keys = [k for j, k in enumerate(buf.keys) if j not in drop]
        return new_id

    @property
    def buffered_keys_(self) -> list:
        self._check_fitted()
        return list(self._buffer.keys)

    # ------------------------------------------------------------------ corrections by people
    def _pos(self, cluster_id: int) -> int:
        hit = np.flatnonzero(self.cluster_ids_ == cluster_id)
        if not len(hit):
            raise KeyError(f"no idea with id {cluster_id}")
        return int(hit[0])

    def merge(self, source: int, target: int) -> int:
        """Fold idea ``source`` into ``target`` (size-weighted centroid); ``source`` then resolves to target."""
        self._check_fitted()
        if source == target:
            raise ValueError("cannot merge an idea into itself")
        s, t = self._pos(source), self._pos(target)
        w = self.sizes_[[s, t]].astype(np.float32) + 1e-6
        self.centroids_[t] = _unit((self.centroids_[s] * w[0] + self.centroids_[t] * w[1])[None])[0]
        self.sizes_[t] += self.sizes_[s]
        keep = np.arange(len(self.cluster_ids_)) != s
        self.centroids_, self.cluster_ids_, self.sizes_ = (
            self.centroids_[keep],
            self.cluster_ids_[keep],
            self.sizes_[keep],
        )
        self.merged_into_[int(source)] = int(target)
        if hasattr(self, "labels_"):
            self.labels_ = np.where(self.labels_ == source, target, self.labels_)
        return target

    def resolve(self, cluster_id: int) -> int:
        """The id an idea lives on under after merges."""
        seen = set()
        while cluster_id in getattr(self, "merged_into_", {}) and cluster_id not in seen:
            seen.add(cluster_id)
            cluster_id = self.merged_into_[cluster_id]
        return cluster_id

    def split(self, cluster_id: int, X_members, texts=None) -> tuple[np.ndarray, int]:
        """Split one idea in two with 2-means over its members' embeddings.

        The bigger part keeps ``cluster_id``; returns (new id per member row, the new idea's id).
        """
        self._check_fitted()
        pos = self._pos(cluster_id)
        Z = self._space(self._prepare(X_members), texts)
        if len(Z) < 2:
            raise ValueError("an idea needs at least two posts to be split")
        cent = spherical_kmeans(Z, 2, self.seed)
        _, a = nearest(cent, Z)
        lab = a[:, 0]
        counts = np.bincount(lab, minlength=2)
        if counts.min() == 0:
            raise ValueError("the posts of this idea do not separate into two groups")
        big, small = (0, 1) if counts[0] >= counts[1] else (1, 0)
        new_id = self.next_id_
        self.next_id_ += 1
        self.centroids_[pos] = cent[big]
        self.sizes_[pos] = counts[big]
        self.centroids_ = np.vstack([self.centroids_, cent[small][None]]).astype(np.float32)
        self.cluster_ids_ = np.append(self.cluster_ids_, new_id)
        self.sizes_ = np.append(self.sizes_, counts[small])
        return np.where(lab == big, cluster_id, new_id).astype(np.int64), new_id

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path) -> Path:
        """Write the fitted state into directory ``path`` (FAISS index of centroids + npz + json)."""
        self._check_fitted()
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        dim = self._space_dim(self.mean_.shape[0])
        index = faiss.IndexIDMap(faiss.IndexFlatIP(dim))
        if len(self.centroids_):
            index.add_with_ids(np.ascontiguousarray(self.centroids_, np.float32), self.cluster_ids_)
        faiss.write_index(index, str(path / INDEX_FILE))
        buf = np.stack(self._buffer.vectors) if self._buffer.vectors else np.zeros((0, dim), np.float32)
        wording = getattr(self, "wording_", None)
        nuisance = getattr(self, "nuisance_", None)
        nuisance = nuisance if nuisance is not None else np.zeros(0, np.float32)
        metric = getattr(self, "metric_", None)
        metric = metric if metric is not None else np.zeros((0, 0), np.float32)
        np.savez(
            path / ARRAYS_FILE,
            mean=self.mean_,
            sizes=self.sizes_,
            buffer=buf,
            nuisance=nuisance,
            labels=getattr(self, "labels_", np.zeros(0, np.int64)),
            metric=metric,
            wording_idf=wording.idf if wording is not None else np.zeros(0, np.float32),
        )
        state = {
            "params": self.get_params(),
            "next_id": self.next_id_,
            "assign_threshold": self.assign_threshold_,
            "merge_threshold": self.merge_threshold_,
            "merged_into": {str(k): v for k, v in self.merged_into_.items()},
            "buffer_keys": self._buffer.keys,
            "wording_weight": getattr(self, "wording_weight_", 0.0),
            "wording": wording.vocabulary if wording is not None else [],
        }
        (path / STATE_FILE).write_text(json.dumps(state, ensure_ascii=False, default=str))
        return path

    @classmethod
    def load(cls, path: str | Path) -> "IdeaClusterer":
        path = Path(path)
        if not (path / STATE_FILE).exists():
            raise FileNotFoundError(f"{path}: no {STATE_FILE}; save a fitted IdeaClusterer there first")
        state = json.loads((path / STATE_FILE).read_text())
        # states saved before the idea granularity existed were topic clusterings
        self = cls(**({"granularity": "topic"} | state["params"]))
        index = cast(faiss.IndexIDMap, faiss.read_index(str(path / INDEX_FILE)))  # save() writes an IndexIDMap
        n = index.ntotal
        self.centroids_ = index.index.reconstruct_n(0, n) if n else np.zeros((0, index.d), np.float32)
        self.cluster_ids_ = faiss.vector_to_array(index.id_map).astype(np.int64)
        arrays = np.load(path / ARRAYS_FILE)
        self.mean_, self.sizes_, self.labels_ = arrays["mean"], arrays["sizes"].astype(np.int64), arrays["labels"]
        self.nuisance_ = arrays["nuisance"] if len(arrays["nuisance"]) else None
        metric = arrays["metric"] if "metric" in arrays.files else np.zeros((0, 0), np.float32)
        self.metric_ = metric.astype(np.float32) if metric.size else None
        self.merge_threshold_ = float(state.get("merge_threshold", 0.3))
        self.wording_weight_ = float(state.get("wording_weight", 0.0))
        from model.wording import Wording

        vocab = state.get("wording", [])
        self.wording_ = Wording(vocab, arrays["wording_idf"]) if vocab else None
        self.next_id_ = int(state["next_id"])
        self.assign_threshold_ = float(state["assign_threshold"])
        self.merged_into_ = {int(k): int(v) for k, v in state["merged_into"].items()}
        self._buffer = _Buffer(list(arrays["buffer"]), list(state["buffer_keys"]))
        return self

    def to_bytes(self) -> bytes:
        """The fitted state as one blob (for a database column); ``from_bytes`` reverses it."""
        import io
        import tarfile
        import tempfile

        buf = io.BytesIO()
        with tempfile.TemporaryDirectory() as tmp:
            self.save(tmp)
            with tarfile.open(fileobj=buf, mode="w:gz") as tar:
                for f in (STATE_FILE, INDEX_FILE, ARRAYS_FILE):
                    tar.add(Path(tmp) / f, arcname=f)
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> "IdeaClusterer":
        import io
        import tarfile
        import tempfile

        with tempfile.TemporaryDirectory() as tmp, tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
            tar.extractall(tmp, filter="data")
            return cls.load(tmp)

    # ------------------------------------------------------------------ sklearn plumbing
    def get_params(self, deep: bool = True) -> dict:
        return {
            k: getattr(self, k)
            for k in (
                "min_cluster_size",
                "merge_threshold",
                "micro_clusters",
                "smooth_neighbors",
                "assign_quantile",
                "max_buffer",
                "ivf_above",
                "seed",
                "granularity",
                "metric_file",
                "wording_weight",
            )
        }

    def set_params(self, **params) -> "IdeaClusterer":
        for k, v in params.items():
            if k not in self.get_params():
                raise ValueError(f"unknown parameter {k!r}")
            setattr(self, k, v)
        return self
