"""Training pieces: the fixed split, truncation, calibration, and (slow) a tiny end-to-end run."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from training.signals import TrainConfig, fit_temperature, split_reviews, truncate


def _frame(n=2000):
    rng = np.random.RandomState(0)
    return pd.DataFrame({"cat": rng.choice(list("abcd"), n), "label": rng.randint(0, 2, n),
                         "review": [f"r{i}" for i in range(n)]})


def test_split_is_fixed_disjoint_and_stratified():
    df = _frame()
    tr, va, te = split_reviews(df, 500, 200, seed=1)
    tr2, va2, te2 = split_reviews(df, 500, 200, seed=1)
    assert (te == te2).all() and (tr == tr2).all() and (va == va2).all()
    assert len(te) == 500 and len(va) == 200 and len(tr) == 1300
    assert not (set(tr) & set(te)) and not (set(va) & set(te)) and not (set(tr) & set(va))
    share = lambda idx: df.loc[idx].groupby(["cat", "label"]).size() / len(idx)  # noqa: E731
    assert np.abs(share(te) - share(df.index)).max() < 0.01


def test_truncate_keeps_head_and_tail():
    ids = list(range(100))
    out = truncate(ids, 20)
    assert len(out) == 20 and out[0] == 0 and out[-1] == 99
    assert truncate(ids[:10], 20) == ids[:10]


def test_temperature_recovers_overconfidence():
    rng = np.random.RandomState(0)
    y = rng.randint(0, 2, 4000)
    true_logit = rng.normal(0, 2, 4000)
    y = (rng.rand(4000) < 1 / (1 + np.exp(-true_logit))).astype(int)
    logits = torch.tensor(np.stack([np.zeros(4000), 3 * true_logit], 1), dtype=torch.float32)
    t = fit_temperature(logits, y)
    assert 2.5 < t < 3.6  # the logits were 3x too sharp


@pytest.mark.slow
def test_tiny_training_run_saves_a_loadable_analyzer(tmp_path):
    from cocreate.loaders import load_encoder
    from model.analyzer import Analyzer
    from training.signals import train

    out = train(TrainConfig(max_train=64, epochs=1, out=tmp_path / "an", written=tmp_path / "none.jsonl",
                            val_size=200))
    an = Analyzer.from_pretrained(out, encoder=load_encoder())
    assert len(an.analyze(["很好"])) == 1
    assert (out / "split.json").exists()
