"""Test stand-ins for the trained analyzer, plugged in through ``COCREATE_ANALYZER_FACTORY`` (the same
extension point a deployment uses for another model), so the service's tests run in seconds.

``tests.stand_ins:rule_analyzer``: the real lexicon rules for intent, signals and sentiment hints, and a
hashed character-bigram vector as the embedding (similar texts get similar vectors).
``tests.stand_ins:poisoning_rule_analyzer``: the same, raising on any text that contains
``COCREATE_TEST_POISON`` (the poisoned-post tests).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence

import numpy as np

from model.analyzer import Analysis


class PoisonedPost(RuntimeError):
    """Raised by the poisoning stand-in."""


class RuleAnalyzer:
    dim = 384

    def __init__(self, lexicon, segmenter, poison: str | None = None):
        self.lexicon, self.segmenter, self.poison = lexicon, segmenter, poison

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, np.float32)
        for a, b in zip(text, text[1:]):
            h = int.from_bytes(hashlib.blake2b((a + b).encode(), digest_size=4).digest(), "little")
            v[h % self.dim] += 1.0 if (h >> 16) & 1 else -1.0
        v[0] += 0.1
        return v / max(np.linalg.norm(v), 1e-9)

    def analyze(self, texts: Sequence[str], **_) -> list[Analysis]:
        if self.poison:
            for t in texts:
                if self.poison in t:
                    raise PoisonedPost(f"fault injected: text contains {self.poison!r}")
        out = []
        for t, lab in zip(texts, self.lexicon.label_many(texts)):
            hint = lab.sentiment_hint or 0.0
            sent = "positive" if hint > 0.2 else ("negative" if hint < -0.2 else "neutral")
            intent = lab.intent or "other"
            trust = {k: float(v) for k, v in lab.signals.items()}
            out.append(
                Analysis(
                    self.segmenter.cut(t),
                    self.segmenter.keywords(t, 5),
                    {"label": sent, "score": round(float(hint), 4)},
                    {"label": intent, "scores": {intent: 1.0}},
                    trust,
                    [k for k, v in lab.signals.items() if v],
                    self._vector(t),
                )
            )
        return out


def rule_analyzer(settings, poison: str | None = None) -> RuleAnalyzer:
    from cocreate.loaders import load_segmenter
    from model.lexicon import LexiconLabeler

    return RuleAnalyzer(LexiconLabeler.load(settings.lexicon_dir), load_segmenter(), poison)


def poisoning_rule_analyzer(settings) -> RuleAnalyzer:
    return rule_analyzer(settings, os.environ["COCREATE_TEST_POISON"])


# the paraphrase metric of the board's idea mode is fitted in the trained analyzer's embedding space;
# hashed-bigram vectors get the coarse topic mode (read by the re-clustering task)
rule_analyzer.idea_granularity = "topic"  # type: ignore[attr-defined]
poisoning_rule_analyzer.idea_granularity = "topic"  # type: ignore[attr-defined]

FACTORY = "tests.stand_ins:rule_analyzer"
POISONING_FACTORY = "tests.stand_ins:poisoning_rule_analyzer"
