"""The analyzer's figures on labelled sets, scored as ``../shared/tools/eval_gold.py`` scores the gold.

``labelled_sets(analyzer_dir)`` rebuilds, from the split an analyzer recorded, the labelled rows it
never trained on: ``validation`` (what ``training/tune.py`` fits on), ``in-domain test`` (hand-labelled
reviews of the 5,000-review test split and the test tenth of the written posts of training domains)
and ``held-out domains`` (every written post of a held-out domain and the hand-labelled reviews of an
excluded category). ``figures(gold, preds)`` scores predictions (``cocreate analyze`` objects).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score

from model.heads import INTENTS, SIGNALS

TARGETS = {
    "intent macro-F1": 0.80,
    "feature_request F1": 0.85,
    "trust micro-F1": 0.80,
    "deception precision": 0.90,
    "deception recall": 0.50,
    "sentiment 3-class macro-F1": 0.75,
    "sentiment accuracy (polar posts)": 0.90,
    "forum feature_request recall": 0.90,
}


def figures(gold: pd.DataFrame, preds: list[dict]) -> dict[str, float]:
    sent = np.array([p["sentiment"]["label"] for p in preds])
    intent = np.array([p["intent"]["label"] for p in preds])
    sig = np.array([[int(s in p.get("signals", [])) for s in SIGNALS] for p in preds]).reshape(-1, len(SIGNALS))
    g = gold.reset_index(drop=True)
    labels = [c for c in INTENTS if (g["intent"] == c).sum() >= 5]
    out = {
        "intent macro-F1": f1_score(g["intent"], intent, labels=labels, average="macro", zero_division=0),
        "feature_request F1": f1_score(
            g["intent"], intent, labels=["feature_request"], average="macro", zero_division=0
        ),
        "trust micro-F1": f1_score(g[SIGNALS].values, sig, average="micro", zero_division=0),
        "deception precision": precision_score(g["deception"], sig[:, 0], zero_division=0),
        "deception recall": recall_score(g["deception"], sig[:, 0], zero_division=0),
        "sentiment 3-class macro-F1": f1_score(g["sentiment"], sent, average="macro", zero_division=0),
        "sentiment 3-class accuracy": accuracy_score(g["sentiment"], sent),
    }
    polar = (g["sentiment"] != "neutral").values
    if polar.any():
        score = np.array(
            [
                p["sentiment"].get("score", 0.0)
                if "score" in p["sentiment"]
                else {"positive": 1, "negative": -1}.get(p["sentiment"]["label"], 0)
                for p in preds
            ]
        )
        out["sentiment accuracy (polar posts)"] = float(
            ((score[polar] > 0) == (g["sentiment"].values[polar] == "positive")).mean()
        )
    if "style" in g:
        fr = ((g["style"] == "forum") & (g["intent"] == "feature_request")).values
        if fr.sum() >= 5:
            out["forum feature_request recall"] = float((intent[fr] == "feature_request").mean())
    return {k: float(v) for k, v in out.items()}


def per_intent(gold: pd.DataFrame, preds: list[dict]) -> pd.DataFrame:
    """Confusion matrix: gold intent rows, predicted intent columns."""
    pred = [p["intent"]["label"] for p in preds]
    return pd.crosstab(pd.Series(gold["intent"].values, name="gold"), pd.Series(pred, name="predicted"))


def _frame(data, rows) -> pd.DataFrame:
    from training.signals import SENTIMENTS

    sub = data.take(rows)
    df = pd.DataFrame(
        {
            "id": sub.meta["id"].values,
            "text": sub.texts,
            "sentiment": [SENTIMENTS[k] for k in sub.sentiment3],
            "intent": [INTENTS[k] for k in sub.intent],
        }
    )
    for j, s in enumerate(SIGNALS):
        df[s] = sub.trust[:, j].astype(int)
    for c in ("source", "domain", "style", "split"):
        df[c] = sub.meta[c].values
    return df


def labelled_sets(analyzer_dir: str | Path, **overrides) -> dict[str, pd.DataFrame]:
    """The labelled rows an analyzer never trained on, by the split it recorded."""
    from training.signals import TrainConfig, all_data

    rec = json.loads((Path(analyzer_dir) / "split.json").read_text(encoding="utf-8"))
    tc = TrainConfig(
        seed=rec.get("seed", 2026),
        exclude_cat=rec.get("exclude_cat"),
        holdout_domains=tuple(rec.get("holdout_domains", ())),
        **overrides,
    )
    data, _ = all_data(tc)
    m = data.meta
    known = data.trust_known
    held = set(tc.holdout_domains)
    heldout = known & (
        ((m.source == "written") & m.domain.isin(held))
        | ((m.source == "review") & (m.domain == (tc.exclude_cat or "")))
    )
    val = known & (m.split == "val")
    test = known & (m.split == "test") & ~heldout
    return {
        "validation": _frame(data, np.where(val)[0]),
        "in-domain test": _frame(data, np.where(test)[0]),
        "held-out domains": _frame(data, np.where(heldout)[0]),
    }
