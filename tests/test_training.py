"""Training pieces: the fixed split, truncation, calibration, and (slow) a tiny end-to-end run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from training.signals import TrainConfig, fit_temperature, split_reviews, truncate


def _frame(n=2000):
    rng = np.random.RandomState(0)
    return pd.DataFrame(
        {"cat": rng.choice(list("abcd"), n), "label": rng.randint(0, 2, n), "review": [f"r{i}" for i in range(n)]}
    )


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

    out = train(TrainConfig(max_train=64, epochs=1, out=tmp_path / "an", written=tmp_path / "none.jsonl", val_size=200))
    an = Analyzer.from_pretrained(out, encoder=load_encoder())
    assert len(an.analyze(["很好"])) == 1
    assert (out / "split.json").exists()


# ---------------------------------------------------------------- labelled data (analyzer v4)
def test_review_label_rows_are_validated():
    from training.import_labels import parse_review_label

    assert parse_review_label("s12\tneg\tcomplaint\tmistake,purchase") == (
        "s12",
        "neg",
        "complaint",
        ["mistake", "purchase"],
    )
    assert parse_review_label("s3\tpos\tpraise\t-")[3] == []
    for bad in [
        "s1\tbad\tpraise\t-",
        "s1\tpos\tpraising\t-",
        "s1\tpos\tpraise\tfake",
        "x1\tpos\tpraise\t-",
        "s1\tpos\tpraise",
    ]:
        with pytest.raises(ValueError):
            parse_review_label(bad)


def test_written_rows_are_validated():
    from training.import_labels import parse_written

    ok = {"d": "外卖", "st": "forum", "s": "neg", "i": "feature_request", "t": ["mistake"], "x": " 能不能加个忌口选项 "}
    r = parse_written(ok)
    assert r == {
        "text": "能不能加个忌口选项",
        "domain": "外卖",
        "style": "forum",
        "sentiment": "negative",
        "intent": "feature_request",
        "signals": ["mistake"],
    }
    for change in [{"s": "bad"}, {"i": "wish"}, {"st": "blog"}, {"t": ["fake"]}, {"x": "a\tb"}, {"x": " "}]:
        with pytest.raises(ValueError):
            parse_written({**ok, **change})


def test_review_labels_join_the_file_rows_and_unknown_stays_unknown(tmp_path):
    from training.signals import SENTIMENTS, read_review_labels, reviews_labeled

    lab = tmp_path / "reviews.tsv"
    lab.write_text(
        "id\tsentiment\tintent\tsignals\ns5\tneu\tquestion\t-\ns7\tneg\tbug_report\tmistake\n", encoding="utf-8"
    )
    labels = read_review_labels(lab)
    df = pd.DataFrame({"cat": ["a"] * 3, "label": [1, 0, 0], "review": ["x", "y", "z"], "row": [5, 6, 7]})
    d = reviews_labeled(df, np.array(["train"] * 3), labels, labeled_weight=2.0)
    assert [SENTIMENTS[k] if k >= 0 else None for k in d.sentiment3] == ["neutral", None, "negative"]
    assert d.intent.tolist() == [4, -1, 1]
    assert d.trust_known.tolist() == [True, False, True] and d.trust[2, 1] == 1
    assert d.weight.tolist() == [2.0, 1.0, 2.0] and d.meta["id"].tolist() == ["s5", "s6", "s7"]


def test_written_split_is_stable_and_holds_out_whole_domains(tmp_path):
    import json

    from training.signals import written

    f = tmp_path / "w.jsonl"
    rows = [
        {
            "text": f"帖子{i}",
            "domain": "外卖" if i % 3 == 0 else "游戏",
            "sentiment": "neutral",
            "intent": "other",
            "signals": [],
        }
        for i in range(300)
    ]
    f.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    a, b = written(f, 1.0, ("外卖",)), written(f, 1.0, ("外卖",))
    assert (a.meta["split"] == b.meta["split"]).all()
    held = a.meta["domain"] == "外卖"
    assert (a.meta["split"][held] == "test").all()
    rest = a.meta["split"][~held].value_counts(normalize=True)
    assert 0.7 < rest["train"] < 0.9 and rest["val"] > 0.03 and rest["test"] > 0.03


def _labeled(n=4):
    from training.signals import Labeled

    return Labeled(
        [f"t{i}" for i in range(n)],
        np.array([1, 0, 0.5, 1], np.float32)[:n],
        np.array([2, -1, 1, -1])[:n],
        np.array([3, -1, 4, -1])[:n],
        np.zeros((n, 10), np.float32),
        np.array([True, False, True, False])[:n],
        np.ones(n, np.float32),
        pd.DataFrame({"source": ["review"] * n}),
    )


def test_losses_ignore_unknown_labels():
    from model.heads import HeadOutput
    from training.signals import TrainConfig, losses

    y = _labeled()
    torch.manual_seed(0)
    out = HeadOutput(
        torch.randn(4, 8),
        torch.randn(4, 3, requires_grad=True),
        torch.randn(4, 6, requires_grad=True),
        torch.randn(4, 10, requires_grad=True),
    )
    _, parts = losses(out, y, [0, 1, 2, 3], torch.randn(4, 8), TrainConfig())
    # changing the intent logits of rows without an intent label leaves the intent loss unchanged
    out2 = HeadOutput(out.embedding, out.sentiment_logits, out.intent_logits.detach().clone(), out.trust_logits)
    out2.intent_logits[[1, 3]] += torch.randn(2, 6) * 5
    _, parts2 = losses(out2, y, [0, 1, 2, 3], torch.randn(4, 8), TrainConfig())
    assert parts["intent"] == pytest.approx(parts2["intent"], rel=1e-6)
    # …while the polarity-only rows (1: negative, 3: positive) do count for sentiment
    out3 = HeadOutput(out.embedding, out.sentiment_logits.detach().clone(), out.intent_logits, out.trust_logits)
    out3.sentiment_logits[1] = torch.tensor([-9.0, 0.0, 9.0])  # confidently wrong
    _, parts3 = losses(out3, y, [0, 1, 2, 3], torch.randn(4, 8), TrainConfig())
    assert parts3["sent"] > parts["sent"]


def test_student_top_runs_only_its_layers():
    from cocreate.loaders import load_encoder
    from model.heads import AnalyzerConfig, TunedTop, bottom_hidden

    enc = load_encoder()
    cfg = AnalyzerConfig(num_layers=6, tuned_layers=3, sentiment_classes=3)
    top = TunedTop(cfg, enc.model).eval()
    assert len(top.layers) == 3 and cfg.cut == 3
    ids = torch.tensor([enc.tokenizer("query: 很好用")["input_ids"]])
    mask = torch.ones_like(ids)
    with torch.inference_mode():
        h = bottom_hidden(enc.model, ids, mask, cfg.cut)
        for layer in top.layers:
            h = layer(h, attention_mask=None)
        ref = enc.model(input_ids=ids, attention_mask=mask, output_hidden_states=True).hidden_states[6]
        out = top(bottom_hidden(enc.model, ids, mask, cfg.cut), mask)
    assert torch.allclose(h, ref, atol=1e-4)
    assert out.sentiment_logits.shape == (1, 3)
