"""A metric for "the same requested capability": post embeddings with phrasing variation shrunk.

Two requests for one capability differ mostly in *how* they are said (「+1 同求」, a long story, a
question, a complaint about the missing feature); two neighbouring capabilities differ in *what* is
asked. The within-idea scatter of labelled paraphrase groups spans the first kind of variation, so
whitening by it (``W = (S_w + eps·I)^(-1/2)``) shrinks phrasing directions and stretches the rest.
Only the within-group scatter is learned — never the directions between the tuning set's ideas —
so the metric carries what phrasing looks like, not the tuning domain's topics.

The merge threshold (mean cosine between two groups in the whitened space) is chosen by
cross-validation over halves of the ideas: fit ``W`` on one half, cluster the other half (with its
distractors), keep the threshold with the best mean adjusted Rand index. Given the posts' texts, the
weight of their wording (``model/wording.py``: similarity = (1−β)·cos(whitened) + β·cos(wording)) is
chosen in the same cross-validation, jointly with the threshold.

``fit_paraphrase_metric`` is re-run by ``python bench/ideas.py --refit`` whenever the analyzer
(and so the embedding) changes; the result lives in ``data/ideas_eval/paraphrase_metric.npz``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DEFAULT_METRIC_FILE = Path(__file__).resolve().parents[1] / "data" / "ideas_eval" / "paraphrase_metric.npz"
FALLBACK_THRESHOLD = 0.22  # plain centred cosine, when no metric fits the embedding (other dimension)


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


@dataclass
class ParaphraseMetric:
    """``matrix`` [d, d] applied to centred unit embeddings; ``threshold`` = average-linkage cut."""

    matrix: np.ndarray
    threshold: float
    eps: float
    info: dict
    mean: np.ndarray | None = None  # the tuning posts' mean unit embedding: a prior for small sets
    wording_weight: float = 0.0  # β: similarity = (1−β)·cos(paraphrase space) + β·cos(wording), model/wording.py

    @property
    def dim(self) -> int:
        return int(self.matrix.shape[0])

    def transform(self, Z: np.ndarray) -> np.ndarray:
        """Centred vectors [n, d] → unit vectors in the paraphrase space [n, d]."""
        return _unit(np.asarray(Z, np.float32) @ self.matrix)

    def save(self, path: str | Path = DEFAULT_METRIC_FILE) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            path,
            matrix=self.matrix.astype(np.float32),
            threshold=np.float64(self.threshold),
            eps=np.float64(self.eps),
            info=np.array(json.dumps(self.info, ensure_ascii=False)),
            mean=np.zeros(0, np.float32) if self.mean is None else self.mean.astype(np.float32),
            wording_weight=np.float64(self.wording_weight),
        )
        return path

    @classmethod
    def load(cls, path: str | Path = DEFAULT_METRIC_FILE) -> "ParaphraseMetric":
        z = np.load(Path(path))
        mean = z["mean"] if "mean" in z.files and z["mean"].size else None
        weight = float(z["wording_weight"]) if "wording_weight" in z.files else 0.0
        return cls(
            z["matrix"].astype(np.float32),
            float(z["threshold"]),
            float(z["eps"]),
            json.loads(str(z["info"])),
            mean,
            weight,
        )


def load_default(dim: int) -> ParaphraseMetric | None:
    """The shipped metric when it fits ``dim``-dimensional embeddings, else None."""
    if not DEFAULT_METRIC_FILE.exists():
        return None
    m = ParaphraseMetric.load(DEFAULT_METRIC_FILE)
    return m if m.dim == dim else None


def centre(X: np.ndarray) -> np.ndarray:
    U = _unit(X)
    return _unit(U - U.mean(0))


def within_whitening(Z: np.ndarray, groups: np.ndarray, eps: float) -> np.ndarray:
    """(S_w + eps·I)^(-1/2) from the rows of ``Z`` grouped by ``groups`` (−1/None rows ignored)."""
    parts = [
        Z[groups == g] - Z[groups == g].mean(0) for g in np.unique(groups[groups >= 0]) if (groups == g).sum() >= 2
    ]
    C = np.concatenate(parts).astype(np.float64)
    w, V = np.linalg.eigh(C.T @ C / len(C))
    W = (V * (1.0 / np.sqrt(np.maximum(w, 0) + eps))) @ V.T
    return (W * np.sqrt(eps)).astype(np.float32)  # scale only: unit-free, directions without phrasing stay ~1


def average_linkage_labels(Z: np.ndarray, threshold: float) -> np.ndarray:
    """Exact average linkage on cosine (scipy), cut where the mean cosine between groups < threshold."""
    n = len(Z)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if n == 1:
        return np.zeros(1, dtype=np.int64)
    Z32 = np.ascontiguousarray(Z, np.float32)
    return linkage_labels_from_sims(Z32 @ Z32.T, threshold)  # float32 products: 4x faster, cosines to ~1e-7


def linkage_labels_from_sims(S: np.ndarray, threshold: float) -> np.ndarray:
    """Exact average linkage on a cosine matrix ``S`` [n, n], cut where the mean cosine between groups < threshold."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    n = len(S)
    if n <= 1:
        return np.zeros(n, dtype=np.int64)
    D = 1.0 - np.asarray(S, np.float64)
    D = np.maximum((D + D.T) / 2, 0)
    np.fill_diagonal(D, 0)
    L = linkage(squareform(D, checks=False), "average")
    return (fcluster(L, 1.0 - threshold, "distance") - 1).astype(np.int64)


def cut(Z: np.ndarray, threshold: float, min_size: int) -> np.ndarray:
    """Average-linkage groups with fewer than ``min_size`` members set to −1."""
    lab = average_linkage_labels(Z, threshold)
    if not len(lab):
        return lab
    counts = np.bincount(lab)
    return np.where(counts[lab] >= min_size, lab, -1)


WORDING_WEIGHTS = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


def _joined(T: np.ndarray, L: np.ndarray | None, weight: float) -> np.ndarray:
    if L is None or weight == 0:
        return T
    return np.hstack([np.sqrt(1 - weight) * T, np.sqrt(weight) * L]).astype(np.float32)


def fit_paraphrase_metric(
    X: np.ndarray,
    ideas: np.ndarray,
    eps: float = 1e-3,
    splits: int = 8,
    min_size: int = 3,
    thresholds: np.ndarray | None = None,
    info: dict | None = None,
    texts: list[str] | None = None,
    weights: tuple[float, ...] = WORDING_WEIGHTS,
) -> tuple[ParaphraseMetric, list[dict]]:
    """Fit the metric on embeddings ``X`` [n, d] with idea ids ``ideas`` (−1 = distractor) and, when
    ``texts`` are given, the weight of their wording.

    Returns the metric (whitening from every idea; threshold and wording weight from the idea-half
    cross-validation) and the cross-validation curve (weight, threshold, mean ARI, V, clusters)."""
    from sklearn.metrics import adjusted_rand_score, v_measure_score

    ideas = np.asarray(ideas)
    Z = centre(X)
    grid = np.round(np.arange(0.04, 0.40, 0.01), 3) if thresholds is None else thresholds
    ws = weights if texts is not None else (0.0,)
    names = np.unique(ideas[ideas >= 0])
    dist = np.flatnonzero(ideas < 0)
    curve = np.zeros((splits, len(ws), len(grid), 3))
    for s in range(splits):
        rng = np.random.default_rng(s)
        perm = rng.permutation(names)
        a, b = perm[: len(perm) // 2], perm[len(perm) // 2 :]
        W = within_whitening(Z, np.where(np.isin(ideas, a), ideas, -1), eps)
        rows = np.concatenate([np.flatnonzero(np.isin(ideas, b)), dist[s % 2 :: 2]])
        T = _unit(Z[rows] @ W)
        L = None
        if texts is not None:  # the wording is learned on the posts being clustered, as in IdeaClusterer
            from model.wording import Wording

            L = Wording().fit_transform([texts[i] for i in rows]).toarray()
        y = ideas[rows]
        req = y >= 0
        for i, w in enumerate(ws):
            J = _joined(T, L, w)
            for j, t in enumerate(grid):
                lab = cut(J, float(t), min_size)
                pred = lab[req]
                curve[s, i, j] = (
                    adjusted_rand_score(y[req], pred),
                    v_measure_score(y[req], pred),
                    len(set(lab[lab >= 0].tolist())),
                )
    mean = curve.mean(0)
    bi, bj = np.unravel_index(int(np.argmax(mean[:, :, 0])), mean[:, :, 0].shape)
    W = within_whitening(Z, ideas, eps)
    meta = dict(info or {}) | {
        "ideas": int(len(names)),
        "posts": int(len(X)),
        "cv_splits": splits,
        "cv_ari": float(mean[bi, bj, 0]),
        "cv_v": float(mean[bi, bj, 1]),
    }
    curve_rows = [
        {
            "wording weight": float(w),
            "threshold": float(t),
            "ARI": float(m[0]),
            "V": float(m[1]),
            "clusters": float(m[2]),
        }
        for w, per in zip(ws, mean)
        for t, m in zip(grid, per)
    ]
    metric = ParaphraseMetric(W, float(grid[bj]), eps, meta, _unit(X).mean(0), float(ws[bi]))
    return metric, curve_rows
