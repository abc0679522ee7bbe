"""Fit the analyzer's embedding map: post embeddings that keep the base encoder's topical geometry.

    python -m training.embedding_map [--analyzer data/models/analyzer] [--posts 8000]

The fine-tuned top layers pool into an embedding shaped by sentiment, intent and trust: on it, k-means
with the true number of categories reaches V 0.13 on the shared reviews, against 0.49 on the base
encoder's own 12-layer pass (``bench/reports/clustering.md``). Running that pass for every post would
cost the 9 layers the student saves, so a ridge regression ``[unit(tuned mean), unit(bottom mean)] →
unit(base mean)`` is fitted instead on reviews of the shared data (both inputs are already computed in
the analyzer's one pass) and written into the analyzer directory (``embedding_map.npz``). The printed
figures are on reviews the map was not fitted on. Re-run after retraining the analyzer, then
``python bench/ideas.py --refit`` (the paraphrase metric lives in the embedding's space).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from model.analyzer import EMBEDDING_MAP_FILE, Analyzer, _unit_rows
from model.heads import _encoder_layers, bottom_hidden, layer_mask

RIDGE = 0.1


def window_features(an: Analyzer, texts: list[str], batch: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Per window of ``texts``: ([unit(tuned mean), unit(bottom mean)] [w, 2d], unit(base mean) [w, d])."""
    enc, cut = an.encoder, an.config.cut
    win = enc.windows(texts)
    X, Y = [], []
    with torch.inference_mode():
        for i in range(0, len(win.ids), batch):
            part = win.ids[i : i + batch]
            width = max(len(x) for x in part)
            ids = torch.full((len(part), width), enc.tokenizer.pad_token_id or 0, dtype=torch.long)
            mask = torch.zeros_like(ids)
            for r, x in enumerate(part):
                ids[r, : len(x)], mask[r, : len(x)] = torch.tensor(x), 1
            h = bottom_hidden(enc.model, ids, mask, cut)
            m = mask.unsqueeze(-1).float()
            bottom = ((h * m).sum(1) / m.sum(1)).numpy()
            tuned = an.top(h, mask).embedding.float().numpy()
            full, am = h, layer_mask(enc.model, mask, h)
            for layer in _encoder_layers(enc.model)[cut:]:
                full = layer(full, attention_mask=am)
            X.append(np.hstack([_unit_rows(tuned), _unit_rows(bottom)]))
            Y.append(_unit_rows(((full * m).sum(1) / m.sum(1)).numpy()))
    return np.concatenate(X).astype(np.float64), np.concatenate(Y).astype(np.float64)


def fit_map(X: np.ndarray, Y: np.ndarray, ridge: float = RIDGE) -> np.ndarray:
    return np.linalg.solve(X.T @ X + ridge * np.eye(X.shape[1]), X.T @ Y).astype(np.float32)


def topic_v(E: np.ndarray, y: np.ndarray, k: int) -> float:
    from sklearn.metrics import v_measure_score

    from model.clustering import _unit, nearest, spherical_kmeans

    Z = _unit(_unit(E) - _unit(E).mean(0))
    _, a = nearest(spherical_kmeans(Z, k, 0), Z)
    return float(v_measure_score(y, a[:, 0]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--analyzer", default="data/models/analyzer")
    ap.add_argument("--posts", type=int, default=8000, help="reviews to fit on (as many again to check)")
    args = ap.parse_args()
    from bench.common import load_reviews
    from cocreate.loaders import load_encoder

    df = load_reviews()
    idx = np.random.default_rng(11).choice(len(df), 2 * args.posts, replace=False)
    texts = df.review.iloc[idx].str.slice(0, 200).tolist()  # one window each
    cats = df.cat.values[idx]
    an = Analyzer.from_pretrained(args.analyzer, encoder=load_encoder())
    an.embedding_map = None  # the map is fitted on the network's own outputs
    X, Y = window_features(an, texts)
    fit, check = slice(0, args.posts), slice(args.posts, 2 * args.posts)
    M = fit_map(X[fit], Y[fit])
    P = X[check] @ M
    tuned = X[check][:, : Y.shape[1]]
    print(
        f"cosine to the base embedding on unseen reviews: tuned {np.mean(np.sum(tuned * Y[check], 1)):.3f}, "
        f"mapped {np.mean(np.sum(_unit_rows(P) * Y[check], 1)):.3f}"
    )
    k = len(set(cats))
    print(
        f"k-means (k={k}) V vs categories: tuned {topic_v(tuned, cats[check], k):.3f}, mapped "
        f"{topic_v(P, cats[check], k):.3f}, base {topic_v(Y[check], cats[check], k):.3f}"
    )
    np.savez(Path(args.analyzer) / EMBEDDING_MAP_FILE, map=M)
    print(f"wrote {Path(args.analyzer) / EMBEDDING_MAP_FILE}")


if __name__ == "__main__":
    main()
