"""Char 1–3-gram sentiment model (hashed TF-IDF + logistic regression), the analyzer's second voice.

Character n-grams catch what a small encoder misses in reviews (set phrases, product slang), while
the encoder carries paraphrase and negation; the analyzer blends their log-odds. Hashing keeps the
saved model to two dense vectors (IDF and coefficients), no vocabulary.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer

N_FEATURES = 2**19


class CharNgramSentiment:
    def __init__(self, idf: np.ndarray | None = None, coef: np.ndarray | None = None, intercept: float = 0.0):
        self.vectorizer = HashingVectorizer(
            analyzer="char", ngram_range=(1, 3), n_features=N_FEATURES, alternate_sign=False, norm=None
        )
        self.idf_ = idf
        self.coef_ = coef
        self.intercept_ = intercept

    def _features(self, texts: Sequence[str]):
        from sklearn.preprocessing import normalize

        x = self.vectorizer.transform(texts)
        x.data = 1 + np.log(x.data)  # sublinear tf
        x = x.multiply(self.idf_).tocsr()
        return normalize(x)

    def fit(self, texts: Sequence[str], labels: np.ndarray, c: float = 4.0) -> "CharNgramSentiment":
        from sklearn.linear_model import LogisticRegression

        counts = self.vectorizer.transform(texts)
        df = np.bincount(counts.indices, minlength=N_FEATURES)
        self.idf_ = (np.log((1 + len(texts)) / (1 + df)) + 1).astype(np.float32)
        lr = LogisticRegression(max_iter=3000, C=c).fit(self._features(texts), labels)
        self.coef_ = lr.coef_[0].astype(np.float32)
        self.intercept_ = float(lr.intercept_[0])
        return self

    def logit(self, texts: Sequence[str]) -> np.ndarray:
        """log P(pos)/P(neg) per text, ``[n]``."""
        if self.coef_ is None:
            raise RuntimeError("CharNgramSentiment is not fitted; call fit() or load()")
        if len(texts) == 0:
            return np.zeros(0)
        return self._features(texts) @ self.coef_ + self.intercept_

    def save(self, path: str | Path) -> None:
        # np.asanyarray is savez's own conversion, spelled out: idf_ and coef_ are None before fit()
        np.savez_compressed(
            path, idf=np.asanyarray(self.idf_), coef=np.asanyarray(self.coef_), intercept=np.array([self.intercept_])
        )

    @classmethod
    def load(cls, path: str | Path) -> "CharNgramSentiment":
        z = np.load(path)
        return cls(z["idf"], z["coef"], float(z["intercept"][0]))
