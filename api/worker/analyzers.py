"""Which analyzer a worker process uses: the trained one, or (tests only) a fast rule-based stand-in.

``COCREATE_ANALYZER_KIND=fake`` gives :class:`RuleAnalyzer`: the real lexicon rules for intent,
signals and sentiment hints, and a hashed character-bigram vector as the embedding (similar texts
get similar vectors), so the service's tests run in seconds. It is never the default.
``COCREATE_FAULT_INJECT_TOKEN`` (tests only) makes either analyzer raise on a text containing it.
"""
from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence

import numpy as np

from cocreate.settings import Settings
from model.analyzer import Analysis


class PoisonedPost(RuntimeError):
    """Raised by the fault-injection hook (tests only)."""


class RuleAnalyzer:
    dim = 384

    def __init__(self, lexicon, segmenter):
        self.lexicon = lexicon
        self.segmenter = segmenter

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, np.float32)
        for a, b in zip(text, text[1:]):
            h = int.from_bytes(hashlib.blake2b((a + b).encode(), digest_size=4).digest(), "little")
            v[h % self.dim] += 1.0 if (h >> 16) & 1 else -1.0
        v[0] += 0.1
        return v / max(np.linalg.norm(v), 1e-9)

    def analyze(self, texts: Sequence[str], **_) -> list[Analysis]:
        out = []
        for t, lab in zip(texts, self.lexicon.label_many(texts)):
            hint = lab.sentiment_hint or 0.0
            sent = "positive" if hint > 0.2 else ("negative" if hint < -0.2 else "neutral")
            intent = lab.intent or "other"
            trust = {k: float(v) for k, v in lab.signals.items()}
            out.append(Analysis(self.segmenter.cut(t), self.segmenter.keywords(t, 5),
                                {"label": sent, "score": round(float(hint), 4)},
                                {"label": intent, "scores": {intent: 1.0}}, trust,
                                [k for k, v in lab.signals.items() if v], self._vector(t)))
        return out


class FaultInjecting:
    def __init__(self, inner, token: str):
        self.inner, self.token = inner, token

    def analyze(self, texts: Sequence[str], **kw) -> list[Analysis]:
        for t in texts:
            if self.token in t:
                raise PoisonedPost(f"fault injected: text contains {self.token!r}")
        return self.inner.analyze(texts, **kw)


_lock = threading.Lock()
_cache: dict[tuple, object] = {}


def get_analyzer(settings: Settings):
    """The process-wide analyzer (loaded once, on first use)."""
    key = (settings.analyzer_kind, settings.fault_inject_token, str(settings.analyzer_dir))
    with _lock:
        if key not in _cache:
            from cocreate.loaders import load_analyzer, load_segmenter

            if settings.analyzer_kind == "fake":
                from model.lexicon import LexiconLabeler

                an = RuleAnalyzer(LexiconLabeler.load(settings.lexicon_dir), load_segmenter())
            elif settings.analyzer_kind == "real":
                an = load_analyzer(settings)
            else:
                raise ValueError(f"COCREATE_ANALYZER_KIND must be 'real' or 'fake', not {settings.analyzer_kind!r}")
            if settings.fault_inject_token:
                an = FaultInjecting(an, settings.fault_inject_token)
            _cache[key] = an
        return _cache[key]
