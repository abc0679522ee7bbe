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

Counting is vectorised (numpy over one code-point array of all posts) rather than scikit-learn's
per-n-gram Python loop: the same matrix as ``TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3),
sublinear_tf=True, min_df=2)`` (tests/test_wording.py checks it), about ten times faster on 12k posts.
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


def _stream(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(code points of every post's words padded " w ", word index per code point, post per word)."""
    words = [strip_asking(t).split() for t in texts]
    per_post = np.fromiter((len(w) for w in words), np.int64, len(words))
    joined = "".join(" " + "  ".join(w) + " " for w in words if w)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    space = codes == 32
    starts = space & np.concatenate([[True], space[:-1]]) if len(codes) else space
    wid = np.cumsum(starts) - 1
    return codes, wid, np.repeat(np.arange(len(words)), per_post)


def _grams(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(post index, n-gram key) of every character 1–3-gram inside a padded word (scikit-learn's
    ``char_wb``); a key packs up to three 21-bit code points."""
    codes, wid, post_of_word = _stream(texts)
    posts, keys = [], []
    for n in (1, 2, 3):
        m = len(codes) - n + 1
        if m <= 0:
            break
        ok = wid[:m] == wid[n - 1 : n - 1 + m]
        key = codes[:m].copy()
        for j in range(1, n):
            key |= codes[j : j + m] << np.uint64(21 * j)
        posts.append(post_of_word[wid[:m][ok]])
        keys.append(key[ok])
    if not posts:
        return np.zeros(0, np.int64), np.zeros(0, np.uint64)
    return np.concatenate(posts), np.concatenate(keys)


def _key(gram: str) -> int:
    return sum(ord(ch) << (21 * j) for j, ch in enumerate(gram))


def _gram(key: int) -> str:
    out = ""
    while key:
        out += chr(key & 0x1FFFFF)
        key >>= 21
    return out


def _counts(posts: np.ndarray, cols: np.ndarray, n_posts: int, n_cols: int) -> sparse.csr_matrix:
    X = sparse.csr_matrix((np.ones(len(posts), np.float32), (posts, cols)), shape=(n_posts, n_cols), dtype=np.float32)
    X.sum_duplicates()
    return X


def _tfidf(X: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """Counts → sublinear tf (1 + log count) × idf, unit rows."""
    X = X.copy()
    X.data = (1.0 + np.log(X.data)) * idf[X.indices]
    norms = np.sqrt(np.asarray(X.multiply(X).sum(1)).ravel())
    return (sparse.diags(1.0 / np.maximum(norms, 1e-12)).astype(np.float32) @ X).tocsr()


class Wording:
    """``fit(texts)`` learns the n-gram vocabulary and idf; ``transform(texts)`` → unit rows (CSR).

    The state is the vocabulary and idf alone (what ``IdeaClusterer.save`` stores)."""

    def __init__(self, vocabulary: Sequence[str] = (), idf: np.ndarray | None = None):
        self.vocabulary = list(vocabulary)
        self.idf = np.zeros(len(self.vocabulary), np.float32) if idf is None else np.asarray(idf, np.float32)
        self._index: Any = None  # (sorted keys, their columns), built once

    @property
    def dim(self) -> int:
        return len(self.vocabulary)

    def fit(self, texts: Sequence[str]) -> "Wording":
        self.fit_transform(texts)
        return self

    def fit_transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """``fit`` and ``transform`` in one counting pass (the same rows ``transform`` gives).

        Vocabulary: n-grams in at least two posts, the ``MAX_FEATURES`` most frequent (ties: the first said);
        idf smoothed, ``log((1 + n) / (1 + df)) + 1``, as scikit-learn's."""
        n = len(texts)
        posts, keys = _grams(texts)
        import pandas as pd  # a hash factorisation: several times faster than np.unique's sort

        cols, uniq = pd.factorize(keys, sort=False)
        C = _counts(posts, cols, n, len(uniq))
        df = np.bincount(C.indices, minlength=len(uniq))
        keep = np.flatnonzero(df >= 2)
        if len(keep) > MAX_FEATURES:
            tf = np.bincount(cols, minlength=len(uniq))
            keep = np.sort(keep[np.argsort(-tf[keep], kind="stable")[:MAX_FEATURES]])
        if not len(keep):  # no n-gram said twice (a handful of posts): no vocabulary
            self.vocabulary, self.idf, self._index = [], np.zeros(0, np.float32), None
            return sparse.csr_matrix((n, 0), dtype=np.float32)
        self.vocabulary = [_gram(int(k)) for k in uniq[keep]]
        self.idf = (np.log((1.0 + n) / (1.0 + df[keep])) + 1.0).astype(np.float32)
        self._index = self._sorted(uniq[keep])
        return _tfidf(C[:, keep].tocsr(), self.idf)

    @staticmethod
    def _sorted(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(the vocabulary's keys sorted, their columns): ``transform`` looks n-grams up by binary search."""
        order = np.argsort(keys, kind="stable")
        return keys[order], order

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        if not self.vocabulary:
            return sparse.csr_matrix((len(texts), 0), dtype=np.float32)
        if self._index is None:  # loaded from a saved clusterer
            self._index = self._sorted(np.array([_key(g) for g in self.vocabulary], np.uint64))
        sorted_keys, columns = self._index
        posts, keys = _grams(texts)
        pos = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
        ok = sorted_keys[pos] == keys
        return _tfidf(_counts(posts[ok], columns[pos[ok]], len(texts), len(self.idf)), self.idf)
