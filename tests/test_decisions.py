"""The decision layer (shared by the analyzer and training/tune.py) and the labelled-set scoring."""

from __future__ import annotations

import numpy as np
import pandas as pd

from model.analyzer import RawOutput, decisions
from model.heads import INTENTS, SIGNALS, AnalyzerConfig
from training.metrics import figures


def _raw(intent_p, s3, trust=None):
    n = len(intent_p)
    s3 = np.asarray(s3, float)
    return RawOutput(
        s3[:, 2] / (s3[:, 0] + s3[:, 2]),
        np.asarray(intent_p, float),
        np.asarray(trust if trust is not None else np.zeros((n, len(SIGNALS)))),
        np.zeros((n, 4), np.float32),
        s3,
    )


def onehot(c, p=0.6):
    v = np.full(len(INTENTS), (1 - p) / (len(INTENTS) - 1))
    v[INTENTS.index(c)] = p
    return v


def test_negative_posts_are_never_praise_and_positive_never_complaint():
    cfg = AnalyzerConfig(sentiment_classes=3, intent_follows_sentiment=True)
    raw = _raw(
        [onehot("praise"), onehot("complaint"), onehot("praise")], [[0.8, 0.1, 0.1], [0.1, 0.1, 0.8], [0.1, 0.1, 0.8]]
    )
    d = decisions(raw, cfg)
    assert d.sentiment.tolist() == ["negative", "positive", "positive"]
    assert d.intent[0] != "praise" and d.intent[1] != "complaint" and d.intent[2] == "praise"
    cfg.intent_follows_sentiment = False
    assert decisions(raw, cfg).intent[0] == "praise"


def test_priors_thresholds_and_neutral_bias_move_decisions():
    cfg = AnalyzerConfig(sentiment_classes=3)
    raw = _raw([onehot("other", 0.3) * 0 + onehot("question", 0.4)], [[0.35, 0.3, 0.35]], trust=[[0.4] + [0.0] * 9])
    assert decisions(raw, cfg).sentiment[0] in {"negative", "positive"}
    cfg.neutral_bias = 0.5
    assert decisions(raw, cfg).sentiment[0] == "neutral"
    cfg.intent_bias = {"other": 3.0}
    assert decisions(raw, cfg).intent[0] == "other"
    cfg.signal_thresholds["deception"] = 0.5
    assert not decisions(raw, cfg).signals[0, 0]
    cfg.signal_thresholds["deception"] = 0.3
    assert decisions(raw, cfg).signals[0, 0]


def test_tune_fit_recovers_a_better_threshold():
    from training.tune import fit

    rng = np.random.default_rng(0)
    n = 400
    y = rng.random(n) < 0.3
    trust = np.zeros((n, len(SIGNALS)))
    trust[:, 1] = np.where(y, rng.uniform(0.25, 0.5, n), rng.uniform(0.0, 0.2, n))  # mistake: separable at ~0.22
    intents = rng.choice(INTENTS, n)
    ip = np.stack([onehot(c, 0.5) for c in intents])
    gold = pd.DataFrame(
        {
            "intent": intents,
            "sentiment": "neutral",
            **{s: (y if s == "mistake" else np.zeros(n, bool)).astype(int) for s in SIGNALS},
        }
    )
    cfg = fit(_raw(ip, np.tile([0.2, 0.6, 0.2], (n, 1)), trust), gold, AnalyzerConfig(sentiment_classes=3))
    assert 0.2 <= cfg.signal_thresholds["mistake"] <= 0.25
    assert cfg.lexicon_weight == 0.0


def test_figures_match_hand_counts():
    gold = pd.DataFrame(
        {
            "intent": ["feature_request"] * 5 + ["complaint"] * 5,
            "sentiment": ["negative"] * 10,
            "style": ["forum"] * 10,
            **{s: [0] * 10 for s in SIGNALS},
        }
    )
    gold.loc[:1, "deception"] = 1
    preds = [
        {
            "sentiment": {"label": "negative", "score": -0.5},
            "intent": {"label": c},
            "signals": ["deception"] if k == 0 else [],
        }
        for k, c in enumerate(["feature_request"] * 4 + ["complaint"] * 6)
    ]
    f = figures(gold, preds)
    assert f["forum feature_request recall"] == 0.8
    assert f["deception precision"] == 1.0 and f["deception recall"] == 0.5
    assert abs(f["feature_request F1"] - 2 * 4 / (4 + 5)) < 1e-9
    assert f["sentiment accuracy (polar posts)"] == 1.0


def test_the_request_cue_is_a_feature_of_the_decision_not_the_decider():
    """request_bias adds log-odds to feature_request where the rule labeler found an explicit request; a
    clear complaint stays a complaint, a close call tips to the request, rows without the cue never move."""
    from types import SimpleNamespace

    cfg = AnalyzerConfig(sentiment_classes=3, request_bias=1.5)
    close = onehot("complaint", 0.45)
    close[INTENTS.index("feature_request")] = 0.25
    clear = onehot("complaint", 0.9)
    raw = _raw([close, close, clear], [[0.8, 0.1, 0.1]] * 3)
    ask, none = SimpleNamespace(intent="feature_request"), SimpleNamespace(intent=None)
    assert decisions(raw, cfg, [ask, none, ask]).intent.tolist() == ["feature_request", "complaint", "complaint"]
    assert decisions(raw, cfg).intent.tolist() == ["complaint"] * 3  # no votes: the network alone
    cfg.request_bias = 0.0
    assert not cfg.uses_votes and decisions(raw, cfg, [ask, none, ask]).intent[0] == "complaint"


def test_tune_fits_the_request_bias_only_where_it_helps():
    from types import SimpleNamespace

    from training.tune import fit

    rng = np.random.default_rng(0)
    gold_int = np.array(["feature_request"] * 40 + ["complaint"] * 40 + ["praise"] * 40)
    p = []
    for g in gold_int:  # the network cannot tell these requests from the complaints: only the cue can
        if g == "praise":
            v = onehot(g, 0.7)
        else:
            v = onehot("complaint", 0.5)
            v[INTENTS.index("feature_request")] = 0.3 + 0.05 * rng.random()
        p.append(v / v.sum())
    s3 = [[0.7, 0.1, 0.2] if g != "praise" else [0.1, 0.1, 0.8] for g in gold_int]
    raw = _raw(p, s3)
    gold = pd.DataFrame({"intent": gold_int, "sentiment": ["negative"] * 80 + ["positive"] * 40})
    for s in SIGNALS:
        gold[s] = 0
    cue = [SimpleNamespace(intent="feature_request" if g == "feature_request" else None) for g in gold_int]
    cfg = fit(raw, gold, AnalyzerConfig(sentiment_classes=3, intent_follows_sentiment=True), cue)
    assert cfg.request_bias > 0
    assert (decisions(raw, cfg, cue).intent == gold_int).mean() == 1.0
    without = fit(raw, gold, AnalyzerConfig(sentiment_classes=3, intent_follows_sentiment=True))
    assert without.request_bias == 0.0 and (decisions(raw, without).intent == gold_int).mean() < 0.9
