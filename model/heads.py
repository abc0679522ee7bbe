"""The trainable part of the analyzer: the encoder's top layers (fine-tuned copies) and the heads.

``TunedTop`` takes the hidden states entering layer ``cut`` of the base encoder and returns the
final hidden states, the pooled embedding and the logits of three heads. Heads read the ``<s>``
state and the mean of all states; the mean is also the post's embedding, kept close to the base
encoder's by a distillation loss so that clustering keeps working (see ``training/signals.py``).
"""

from __future__ import annotations

import copy
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import cast

import torch
from torch import nn

SIGNALS = [
    "deception",
    "mistake",
    "safety_privacy",
    "churn",
    "reliability",
    "care",
    "purchase",
    "repurchase",
    "share",
    "referral",
]
INTENTS = ["feature_request", "bug_report", "complaint", "praise", "question", "other"]


@dataclass
class AnalyzerConfig:
    """Everything needed to rebuild the analyzer on top of a base encoder (saved as JSON)."""

    base_encoder: str = "multilingual-e5-small"
    hidden_size: int = 384
    num_layers: int = 12  # encoder layers used: the base's first ``num_layers`` (a student uses fewer)
    tuned_layers: int = 3
    sentiment_classes: int = 2  # 2: negative/positive; 3: negative/neutral/positive
    head_hidden: int = 256
    dropout: float = 0.1
    intents: list[str] = field(default_factory=lambda: list(INTENTS))
    signals: list[str] = field(default_factory=lambda: list(SIGNALS))
    # decision layer, tuned after training
    temperature: float = 1.0  # the blended sentiment log-odds are divided by it (calibration)
    ngram_weight: float = 0.0  # share of the char n-gram model in the sentiment log-odds
    neutral_band: float = 0.0  # |score| below it is neutral (2-class heads)
    neutral_bias: float = 0.0  # log-prior boost of neutral (3-class heads)
    signal_thresholds: dict[str, float] = field(default_factory=lambda: {s: 0.5 for s in SIGNALS})
    lexicon_weight: float = 0.0  # weight of the rule labeler's votes in the final decision
    # log-odds added to feature_request where the rule labeler finds an explicit request (希望…, 建议…,
    # 要是…就好了 outside negation, rhetoric, advice to readers and well-wishing): a feature, not a decider
    request_bias: float = 0.0
    intent_bias: dict[str, float] = field(default_factory=dict)
    intent_follows_sentiment: bool = False  # negative → never praise, positive → never complaint
    training: dict = field(default_factory=dict)  # provenance: data, split, seeds, figures

    @property
    def uses_votes(self) -> bool:
        """Whether decisions read the rule labeler's votes (blended or as the request feature)."""
        return self.lexicon_weight > 0 or self.request_bias != 0

    @property
    def cut(self) -> int:
        return self.num_layers - self.tuned_layers

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> "AnalyzerConfig":
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        known = {k: v for k, v in raw.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass
class HeadOutput:
    """Per-post outputs: ``embedding`` [b, d] (unnormalised mean), logits [b, 2 or 3] / [b, I] / [b, S]."""

    embedding: torch.Tensor
    sentiment_logits: torch.Tensor
    intent_logits: torch.Tensor
    trust_logits: torch.Tensor


class SignalHeads(nn.Module):
    def __init__(self, cfg: AnalyzerConfig):
        super().__init__()
        self.proj = nn.Sequential(nn.Linear(2 * cfg.hidden_size, cfg.head_hidden), nn.GELU(), nn.Dropout(cfg.dropout))
        self.sentiment = nn.Linear(cfg.head_hidden, cfg.sentiment_classes)
        self.intent = nn.Linear(cfg.head_hidden, len(cfg.intents))
        self.trust = nn.Linear(cfg.head_hidden, len(cfg.signals))

    def forward(self, hidden: torch.Tensor, mask: torch.Tensor) -> HeadOutput:
        m = mask.unsqueeze(-1).to(hidden.dtype)
        mean = (hidden * m).sum(1) / m.sum(1).clamp(min=1)
        z = self.proj(torch.cat([hidden[:, 0], mean], dim=-1))
        return HeadOutput(mean, self.sentiment(z), self.intent(z), self.trust(z))


def layer_mask(base_model: nn.Module, mask: torch.Tensor, hidden: torch.Tensor) -> torch.Tensor | None:
    """Additive attention mask ``[b, 1, 1, t]`` (0 for tokens, dtype-min for padding), the form every
    BERT attention implementation (eager or SDPA) accepts; built here rather than through the
    model's private helpers, whose signature changes between transformers releases. ``None`` when
    nothing is padded, which lets SDPA use its fast kernels."""
    if bool(mask.all()):
        return None
    m = mask[:, None, None, :].to(hidden.dtype)
    return (1.0 - m) * torch.finfo(hidden.dtype).min


def _encoder_layers(base_model: nn.Module) -> nn.ModuleList:
    """``base_model.encoder.layer`` of a BERT-style encoder (nn.Module types attributes as Tensor | Module)."""
    return cast(nn.ModuleList, cast(nn.Module, base_model.encoder).layer)


class TunedTop(nn.Module):
    """Fine-tuned copies of layers ``cut`` … ``num_layers - 1`` of the base encoder, plus the heads.
    With ``num_layers`` below the base's depth this is a shallow student: the base's later layers
    are never run."""

    def __init__(self, cfg: AnalyzerConfig, base_model: nn.Module):
        super().__init__()
        self.cfg = cfg
        self.layers = nn.ModuleList(copy.deepcopy(_encoder_layers(base_model)[cfg.cut : cfg.num_layers]))
        self.heads = SignalHeads(cfg)
        self._base = [base_model]  # not a submodule: never saved with the top

    def forward(self, hidden: torch.Tensor, mask: torch.Tensor) -> HeadOutput:
        am = layer_mask(self._base[0], mask, hidden)
        for layer in self.layers:
            hidden = layer(hidden, attention_mask=am)
        return self.heads(hidden, mask)


def bottom_hidden(base_model: nn.Module, ids: torch.Tensor, mask: torch.Tensor, cut: int) -> torch.Tensor:
    """Hidden states entering layer ``cut`` of the (frozen) base encoder."""
    hidden = cast(nn.Module, base_model.embeddings)(input_ids=ids)
    am = layer_mask(base_model, mask, hidden)
    for layer in _encoder_layers(base_model)[:cut]:
        hidden = layer(hidden, attention_mask=am)
    return hidden
