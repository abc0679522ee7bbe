"""What the analyzer returns for one post, in a module without torch: the service's API process unpickles
these from its analysis child process (api/analysis/process.py) and must not import torch to do so
(importing it there held the GIL for seconds on the first batch)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Analysis:
    """One post's analysis. ``embedding`` is float32 [d], unit length."""

    tokens: list[str]
    keywords: list[str]
    sentiment: dict  # {"label": negative|neutral|positive, "score": P(pos) − P(neg)}
    intent: dict  # {"label": ..., "scores": {intent: probability}}
    trust: dict[str, float]  # probability per signal
    signals: list[str]  # signals above their tuned thresholds
    embedding: np.ndarray

    def to_json(self, id_) -> dict:
        return {
            "id": id_,
            "sentiment": self.sentiment,
            "intent": self.intent,
            "trust": self.trust,
            "signals": self.signals,
            "keywords": self.keywords,
        }
