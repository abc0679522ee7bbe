"""The analyzer's output contract, persistence, windowing, bad input and the analyze CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from model.analyzer import Analyzer
from model.heads import INTENTS, SIGNALS


@pytest.fixture(scope="module")
def analyzer():
    from cocreate.loaders import load_analyzer

    return load_analyzer(precision="fp32")


POSTS = [
    "质量很好，物流也快，非常满意，还会回购",
    "太差了，用了两天就坏了，客服也不理人，再也不买了",
    "希望增加夜间模式，晚上看屏幕太刺眼",
    "这款支持5G吗？",
    "说好的赠品没送，还是假货，骗人",
]


def test_output_contract(analyzer):
    res = analyzer.analyze(POSTS)
    assert len(res) == len(POSTS)
    for a in res:
        assert a.sentiment["label"] in {"negative", "neutral", "positive"}
        assert -1 <= a.sentiment["score"] <= 1
        if a.sentiment["label"] != "neutral":
            assert (a.sentiment["score"] > 0) == (a.sentiment["label"] == "positive")
        assert set(a.intent["scores"]) == set(INTENTS) and a.intent["label"] in INTENTS
        assert abs(sum(a.intent["scores"].values()) - 1) < 1e-3
        if not analyzer.config.intent_bias and not analyzer.config.intent_follows_sentiment:
            assert a.intent["label"] == max(a.intent["scores"], key=a.intent["scores"].get)
        if analyzer.config.intent_follows_sentiment:
            assert (a.sentiment["label"], a.intent["label"]) not in {("negative", "praise"), ("positive", "complaint")}
        assert set(a.trust) == set(SIGNALS) and all(0 <= p <= 1 for p in a.trust.values())
        assert all(a.trust[s] >= analyzer.config.signal_thresholds[s] for s in a.signals)
        assert a.embedding.shape == (384,) and abs(np.linalg.norm(a.embedding) - 1) < 1e-4
        assert all(t.strip() for t in a.tokens)
        js = a.to_json("x")
        assert set(js) == {"id", "sentiment", "intent", "trust", "signals", "keywords"}
        json.dumps(js)


def test_clear_cases_are_read_right(analyzer):
    pos, neg, req, _, dec = analyzer.analyze(POSTS)
    assert pos.sentiment["label"] == "positive" and neg.sentiment["label"] == "negative"
    assert "churn" in neg.signals and "deception" in dec.signals
    assert req.intent["label"] == "feature_request"


def test_embedding_stays_close_to_the_base_encoder(analyzer):
    """Clustering uses the analyzer's embedding: fine-tuning must not move it far."""
    base = analyzer.encoder.encode(POSTS)
    ours = np.stack([a.embedding for a in analyzer.analyze(POSTS)])
    assert (base * ours).sum(1).min() > 0.85  # the 6-layer student: mean ~0.92 (distilled towards the 12-layer base)


def test_the_embedding_map_brings_the_embedding_back_towards_the_base_geometry(analyzer):
    """The shipped map (training/embedding_map.py) moves the embedding towards the base encoder's own pass."""
    assert analyzer.embedding_map is not None and analyzer.embedding_map.shape == (768, 384)
    base = analyzer.encoder.encode(POSTS)
    mapped = analyzer.raw(POSTS).embedding
    saved, analyzer.embedding_map = analyzer.embedding_map, None
    try:
        plain = analyzer.raw(POSTS).embedding
    finally:
        analyzer.embedding_map = saved
    assert (base * mapped).sum(1).mean() > (base * plain).sum(1).mean() + 0.02


def test_fitting_the_embedding_map(analyzer):
    from training.embedding_map import fit_map, window_features

    texts = [p * k for p in POSTS for k in (1, 2)] + ["酒店房间很干净", "苹果很甜很新鲜", "这本书孩子很喜欢"]
    X, Y = window_features(analyzer, texts)
    assert X.shape == (len(texts), 768) and Y.shape == (len(texts), 384)
    M = fit_map(X, Y)
    P = X @ M
    P /= np.linalg.norm(P, axis=1, keepdims=True)
    assert (P * Y).sum(1).mean() > (X[:, :384] * Y).sum(1).mean()  # closer to the base than the tuned mean


def test_save_load_gives_same_outputs(analyzer, tmp_path):
    analyzer.save_pretrained(tmp_path / "an")
    again = Analyzer.from_pretrained(
        tmp_path / "an", encoder=analyzer.encoder, segmenter=analyzer.segmenter, lexicon=analyzer.lexicon
    )
    a, b = analyzer.raw(POSTS), again.raw(POSTS)
    np.testing.assert_allclose(a.p_pos, b.p_pos, atol=1e-6)
    np.testing.assert_allclose(a.trust, b.trust, atol=1e-6)
    np.testing.assert_allclose(a.embedding, b.embedding, atol=1e-6)
    assert again.config == analyzer.config


def test_parallel_streams_give_the_same_outputs(analyzer):
    """Two single-threaded forward streams split the batches; results land in the same rows."""
    texts = POSTS * 6 + ["很长的评论" * 60, "短"]  # several batches of different lengths
    one = analyzer.raw(texts, batch_size=4)
    analyzer.streams = 2
    try:
        two = analyzer.raw(texts, batch_size=4)
    finally:
        analyzer.streams = 1
    np.testing.assert_allclose(one.p_pos, two.p_pos, atol=1e-5)
    np.testing.assert_allclose(one.intent, two.intent, atol=1e-5)
    np.testing.assert_allclose(one.embedding, two.embedding, atol=1e-5)


def test_long_text_is_windowed(analyzer):
    head = "这家酒店位置很好，房间干净，前台服务热情。" * 40  # ~ 600 tokens of praise
    text = head + "但是空调坏了，热水也没有，隔音很差，太失望了。" * 30
    assert len(analyzer.encoder.windows([text]).ids) >= 2
    out = analyzer.raw([text, head])
    assert not np.allclose(out.embedding[0], out.embedding[1])  # the tail was read
    assert out.p_pos[0] < out.p_pos[1]


@pytest.mark.parametrize("text", ["", "   \n\t", "\ud800坏\udfff", "\x00\x07控制", "🙂" * 30, "好" * 100_000])
def test_bad_input_gives_defined_result(analyzer, text):
    (a,) = analyzer.analyze([text])
    assert a.sentiment["label"] in {"negative", "neutral", "positive"} and np.isfinite(a.sentiment["score"])
    assert np.isfinite(a.embedding).all()


def test_non_text_raises(analyzer):
    from model.text import TextError

    with pytest.raises(TextError):
        analyzer.analyze([123])
    with pytest.raises(TypeError):
        analyzer.analyze("一段文字")
    assert analyzer.analyze([]) == []


def test_analyze_cli(tmp_path):
    from cocreate.cli import app

    src = tmp_path / "p.csv"
    src.write_text("pid,text\nq1,希望增加夜间模式\nq2,物流很快包装很好\nq3,\n", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    res = CliRunner().invoke(app, ["analyze", str(src), "-o", str(out), "--id-column", "pid", "--precision", "fp32"])
    assert res.exit_code == 0, res.output
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["q1", "q2", "q3"]
    assert rows[0]["intent"]["label"] == "feature_request"
    res = CliRunner().invoke(app, ["analyze", str(src), "-o", str(out), "--text-column", "body"])
    assert res.exit_code == 2 and "no column 'body'" in res.output


def test_analyze_cli_side_process_gives_the_same_results(analyzer, tmp_path):
    """From 500 rows the CLI runs jieba and the rule labeler in a forked process and the model in
    two streams; the output must equal the in-process analysis row for row."""
    import subprocess
    import sys

    texts = [f"{p}（第{i}条）" for i in range(120) for p in POSTS]
    src = tmp_path / "many.txt"
    src.write_text("\n".join(texts) + "\n", encoding="utf-8")
    out = tmp_path / "many.jsonl"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "cocreate",
            "analyze",
            str(src),
            "-o",
            str(out),
            "--precision",
            "fp32",
            "--streams",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == list(range(len(texts)))
    picks = [0, 1, 2, 3, 4, 333, len(texts) - 1]
    want = analyzer.analyze([texts[i] for i in picks])
    for i, a in zip(picks, want):
        assert rows[i]["keywords"] == a.keywords and rows[i]["signals"] == a.signals
        assert rows[i]["intent"]["label"] == a.intent["label"]
        assert abs(rows[i]["sentiment"]["score"] - a.sentiment["score"]) < 1e-3


def test_split_forward_equals_the_base_model(analyzer):
    """bottom_hidden + the base's own top layers reproduce the plain forward pass (padding included)."""
    import torch

    from model.heads import bottom_hidden, layer_mask

    enc = analyzer.encoder
    model = enc.model if analyzer.precision == "fp32" else None
    if model is None:
        pytest.skip("needs the fp32 analyzer")
    t = enc.tokenizer(
        ["passage: 希望增加夜间模式", "passage: 物流很快，包装很好，还会回购的，推荐"],
        padding=True,
        return_tensors="pt",
    )
    with torch.inference_mode():
        h = bottom_hidden(model, t.input_ids, t.attention_mask, analyzer.config.cut)
        am = layer_mask(model, t.attention_mask, h)
        for layer in model.encoder.layer[analyzer.config.cut :]:
            h = layer(h, attention_mask=am)
        ref = model(input_ids=t.input_ids, attention_mask=t.attention_mask).last_hidden_state
    m = t.attention_mask.bool()
    assert torch.allclose(h[m], ref[m], atol=1e-4)
