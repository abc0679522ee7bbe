"""What a request says, word for word: TF-IDF of character 1–3-grams with the words of asking removed.

Two phrasings of one capability often share its name or a telling fragment (「预约充电」, 「谷电」,
「定时」) while the student encoder's vectors of two neighbouring capabilities stay close. The idea
clusterer (``model/clustering.py``) therefore compares requests by a weighted sum of two cosines: the
paraphrase-space embedding (``model/paraphrase.py``) and this one. The weight and the merge threshold
are chosen together by cross-validation on the tuning set (``fit_paraphrase_metric``).

Character n-grams need no segmentation (jieba splits 「预约充电」 and 「预约」+「充电」 differently by
context); the words of asking (``ASKING``: 希望, 建议, 能不能, +1, particles …) are stripped first, or
they would make every request look like every other. The vocabulary and idf are learned on the posts
being clustered (n-grams said by at least two of them), so they follow the tenant's own words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import sparse

ASKING = re.compile(
    r"希望|建议|能不能|能否|可不可以|可以|求|加个|加一个|增加|加上|\+1|同求|蹲|什么时候|就好了|赶紧|想要|要是能|有没有|"
    r"功能|支持|一下|一个|我们|我|你们|的|了|吗|呢|吧|啊|能|要|想|在|是|就|都|也|还|把|给|让|会|很|太|真|不"
)
_PUNCT = re.compile(r"[\s\W_]+")
MAX_FEATURES = 8192


def strip_asking(text: str) -> str:
    """The text without words of asking and punctuation (words separated by spaces)."""
    return _PUNCT.sub(" ", ASKING.sub(" ", text)).strip()


class Wording:
    """``fit(texts)`` learns the n-gram vocabulary and idf; ``transform(texts)`` → unit rows (CSR).

    The state is the vocabulary and idf alone (what ``IdeaClusterer.save`` stores); the scikit-learn
    vectorizer is rebuilt from them once and kept."""

    def __init__(self, vocabulary: Sequence[str] = (), idf: np.ndarray | None = None):
        self.vocabulary = list(vocabulary)
        self.idf = np.zeros(len(self.vocabulary), np.float32) if idf is None else np.asarray(idf, np.float32)
        self._vec: Any = None  # the fitted TfidfVectorizer

    @property
    def dim(self) -> int:
        return len(self.vocabulary)

    @staticmethod
    def _vectorizer(vocabulary=None):
        from sklearn.feature_extraction.text import TfidfVectorizer

        return TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(1, 3),
            preprocessor=strip_asking,
            sublinear_tf=True,
            min_df=2,
            max_features=MAX_FEATURES,
            vocabulary=vocabulary,
        )

    def fit(self, texts: Sequence[str]) -> "Wording":
        self.fit_transform(texts)
        return self

    def fit_transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """``fit`` and ``transform`` in one counting pass (the same rows ``transform`` gives)."""
        vec = self._vectorizer()
        try:
            L = vec.fit_transform(list(texts))
        except ValueError:  # no n-gram said twice (a handful of posts): no vocabulary
            self.vocabulary, self.idf, self._vec = [], np.zeros(0, np.float32), None
            return sparse.csr_matrix((len(texts), 0), dtype=np.float32)
        self.vocabulary = sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__)
        self.idf, self._vec = vec.idf_.astype(np.float32), vec
        return L.astype(np.float32).tocsr()

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        if not self.vocabulary:
            return sparse.csr_matrix((len(texts), 0), dtype=np.float32)
        vec = self._vec
        if vec is None:  # loaded from a saved clusterer
            vec = self._vec = self._vectorizer({g: i for i, g in enumerate(self.vocabulary)})
            vec.idf_ = self.idf
        return vec.transform(list(texts)).astype(np.float32).tocsr()
