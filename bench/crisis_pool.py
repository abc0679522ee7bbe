"""The analysed review pool the crisis streams draw from, cached in data/cache/bench/.

    .venv/bin/python bench/crisis_pool.py      # (re)build the cache if the analyzer or the pool changed

The cache holds the analyzer's output per pool row (sentiment, signals, keywords, a float16
embedding) and a fingerprint of the analyzer (its files' sizes and mtimes, the lexicons' contents):
a retrained analyzer is noticed and the pool analysed again.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import REPO, analyzer_fingerprint, load_reviews  # noqa: E402
from bench.crisis_streams import build_pool  # noqa: E402

CACHE = REPO / "data" / "cache" / "bench" / "crisis_pool_v2.npz"


def analysed_pool(verbose: bool = True) -> dict:
    """``{"index", "part", "label", "score", "signals", "keywords", "emb"}`` for every pool row."""
    import pandas as pd

    parts = build_pool(load_reviews())
    rows = pd.concat([p.assign(part=k) for k, p in parts.items()])
    rows = rows[~rows.index.duplicated()]
    fp = analyzer_fingerprint()
    if CACHE.exists():
        z = np.load(CACHE, allow_pickle=False)
        if str(z["fingerprint"]) == fp and np.array_equal(z["index"], rows.index.values):
            return {k: z[k] for k in z.files}
        if verbose:
            print(f"{CACHE.name}: analyzer or pool changed, analysing again", flush=True)
    from tqdm import tqdm

    from cocreate.loaders import load_analyzer

    an = load_analyzer()
    texts = rows.review.tolist()
    res = []
    with tqdm(total=len(texts), desc="analyse pool", unit="post", disable=not verbose) as bar:
        for b in range(0, len(texts), 256):
            res += an.analyze(texts[b : b + 256])
            bar.update(len(texts[b : b + 256]))
    z = {
        "index": rows.index.values,
        "part": np.array(rows.part.tolist(), dtype=str),
        "fingerprint": np.array(fp),
        "emb": np.stack([a.embedding for a in res]).astype(np.float16),
        "label": np.array([a.sentiment["label"] for a in res]),
        "score": np.array([a.sentiment["score"] for a in res], dtype=np.float32),
        "signals": np.array(["|".join(a.signals) for a in res]),
        "keywords": np.array(["|".join(a.keywords) for a in res]),
    }
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    np.savez(CACHE, **z)
    return z


if __name__ == "__main__":
    z = analysed_pool()
    parts, n = np.unique(z["part"], return_counts=True)
    print(dict(zip(parts.tolist(), n.tolist())))
