"""Fit the analyzer's decision layer on the labelled validation rows, with cross-validation.

    python -m training.tune [--analyzer data/models/analyzer] [--folds 5]

The validation rows are the hand-labelled reviews of the validation split and the validation tenth
of the written posts (never a held-out domain, never the test split, never the dev gold). What is
fitted (nothing inside the network): a log-prior per intent, one threshold per trust signal
(deception held to precision ≥ 0.92 on the fitting rows) and the neutral log-prior of the 3-class
sentiment, and ``request_bias``: the log-odds added to feature_request where the rule labeler finds an
explicit request (a feature of the decision, never the decider; ``--no-request-feature`` leaves it 0).
The printed figures are honest estimates for those rows (each fold is scored with settings fitted on the
other folds); the shipped settings are then fitted on all of them and written into the analyzer's
config. The rule labeler's votes are not blended (``lexicon_weight`` 0).
"""

from __future__ import annotations

import argparse
import copy
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold

from model.analyzer import RawOutput, decisions
from model.heads import INTENTS, SIGNALS
from training.metrics import figures

BIASES = np.round(np.arange(-1.5, 2.51, 0.25), 2)
THRESHOLDS = np.r_[np.round(np.arange(0.1, 0.91, 0.05), 2), 0.93, 0.95, 0.97, 0.98, 0.99]
NEUTRAL = np.round(np.arange(-1.5, 2.01, 0.25), 2)
REQUEST = np.round(np.arange(0.0, 4.01, 0.5), 2)


def take(raw: RawOutput, idx) -> RawOutput:
    return RawOutput(
        raw.p_pos[idx],
        raw.intent[idx],
        raw.trust[idx],
        raw.embedding[idx],
        None if raw.sentiment3 is None else raw.sentiment3[idx],
    )


def _intent_f1(gold: np.ndarray, pred: np.ndarray) -> float:
    labels = [c for c in INTENTS if (gold == c).sum() >= 5]
    f = []
    for c in labels:
        tp = ((pred == c) & (gold == c)).sum()
        f.append(2 * tp / max(1, (pred == c).sum() + (gold == c).sum()))
    return float(np.mean(f)) if f else 0.0


def fit(raw: RawOutput, gold, cfg0, votes: list | None = None):
    """Decision settings fitted on ``raw``/``gold`` (a DataFrame of LABELS.md columns); returns a config.
    ``votes``: the rule labeler's output for the same rows (fits ``request_bias``; None leaves it 0)."""
    cfg = copy.deepcopy(cfg0)
    cfg.lexicon_weight = 0.0
    cfg.request_bias = 0.0
    cfg.intent_bias = {c: 0.0 for c in INTENTS}
    g_int = gold["intent"].values
    # signals: independent thresholds
    tp_all = raw.trust
    for j, s in enumerate(SIGNALS):
        y = gold[s].values.astype(bool)
        best_t, best_f = 0.5, -1.0
        fallback_t, fallback_p = 0.5, -1.0  # deception: the most precise threshold that keeps recall ≥ 0.5
        for t in THRESHOLDS:
            p = tp_all[:, j] >= t
            tp_ = int((p & y).sum())
            prec = tp_ / max(1, int(p.sum()))
            if s == "deception":
                if tp_ >= 0.5 * y.sum() and prec > fallback_p:
                    fallback_t, fallback_p = float(t), prec
                if prec < 0.92:
                    continue
            f = 2 * tp_ / max(1, int(p.sum()) + int(y.sum()))
            if f > best_f + 1e-9:
                best_t, best_f = float(t), f
        cfg.signal_thresholds[s] = best_t if best_f >= 0 else fallback_t
    # sentiment neutral prior, then intent priors by coordinate ascent (two sweeps)
    if raw.sentiment3 is not None:
        accs = []
        for b in NEUTRAL:
            cfg.neutral_bias = float(b)
            d = decisions(raw, cfg)
            accs.append(_macro(gold["sentiment"].values, d.sentiment))
        cfg.neutral_bias = float(NEUTRAL[int(np.argmax(accs))])

    def best(values, get, put) -> None:
        """Coordinate ascent on one setting: the first of ``values`` with the best intent macro-F1."""
        best_v, best_f = get(), -1.0
        for v in values:
            put(float(v))
            f = _intent_f1(g_int, decisions(raw, cfg, votes).intent)
            if f > best_f + 1e-9:
                best_v, best_f = float(v), f
        put(best_v)

    for _ in range(2):
        for c in INTENTS:
            best(BIASES, lambda c=c: cfg.intent_bias[c], lambda v, c=c: cfg.intent_bias.__setitem__(c, v))
        if votes is not None:
            best(REQUEST, lambda: cfg.request_bias, lambda v: setattr(cfg, "request_bias", v))
    return cfg


def _macro(gold: np.ndarray, pred: np.ndarray) -> float:
    f = []
    for c in ("negative", "neutral", "positive"):
        tp = ((pred == c) & (gold == c)).sum()
        f.append(2 * tp / max(1, (pred == c).sum() + (gold == c).sum()))
    return float(np.mean(f))


def predictions(raw: RawOutput, cfg, votes: list | None = None) -> list[dict]:
    d = decisions(raw, cfg, votes)
    return [
        {
            "sentiment": {"label": d.sentiment[k]},
            "intent": {"label": d.intent[k]},
            "signals": [s for j, s in enumerate(SIGNALS) if d.signals[k, j]],
        }
        for k in range(len(d.intent))
    ]


def cross_validate(raw: RawOutput, gold, cfg0, folds: int = 5, seed: int = 0, votes: list | None = None) -> dict:
    n = len(gold)
    preds: list[dict | None] = [None] * n
    skf = StratifiedKFold(folds, shuffle=True, random_state=seed)

    def part(idx):
        return None if votes is None else [votes[k] for k in idx]

    for fit_idx, test_idx in skf.split(np.zeros(n), gold["intent"]):
        cfg = fit(take(raw, fit_idx), gold.iloc[fit_idx], cfg0, part(fit_idx))
        for k, p in zip(test_idx, predictions(take(raw, test_idx), cfg, part(test_idx))):
            preds[k] = p
    return figures(gold, preds)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--analyzer", type=Path, default=None, help="analyzer directory (default: settings)")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument(
        "--no-request-feature", action="store_true", help="leave request_bias at 0 (decide without the rule cue)"
    )
    args = ap.parse_args()
    from cocreate.loaders import load_encoder, load_text_lexicon
    from cocreate.settings import get_settings
    from model.analyzer import Analyzer
    from training.metrics import labelled_sets

    path = args.analyzer or get_settings().analyzer_dir
    analyzer = Analyzer.from_pretrained(path, encoder=load_encoder())
    gold = labelled_sets(path)["validation"]
    raw = analyzer.raw(gold["text"].tolist())
    votes = None if args.no_request_feature else load_text_lexicon().label_many(gold["text"].tolist())
    cv = cross_validate(raw, gold, analyzer.config, args.folds, votes=votes)
    print(f"{args.folds}-fold cross-validated on {len(gold)} labelled validation rows:")
    for k, v in cv.items():
        print(f"  {k:32s} {v:.3f}")
    cfg = fit(raw, gold, analyzer.config, votes)
    cfg.training["validation_cv"] = cv
    cfg.save(Path(path) / "analyzer_config.json")
    print(
        f"fitted on all {len(gold)} rows: neutral bias {cfg.neutral_bias}, intent bias {cfg.intent_bias}, "
        f"request bias {cfg.request_bias}, "
        f"thresholds {cfg.signal_thresholds} -> {path}"
    )


if __name__ == "__main__":
    main()
