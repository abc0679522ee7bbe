"""The vectorised wording counts exactly what scikit-learn's char_wb TF-IDF counts."""

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from model import wording
from model.wording import Wording, strip_asking

POSTS = [
    "希望能加个定时清扫，每天早上九点开始扫",
    "建议支持按星期预约清扫，周末别扫",
    "+1 同求预约清扫！！",
    "能不能加一个清扫完成通知？推送到手机",
    "扫完了给我推送一下 App 通知",
    "隔壁的 Wi-Fi 6 版本能远程看家",
    "远程看家的画面能不能清楚点",
    "",
    "。。。",
    "求夜间勿扰模式 a b",
]


def _sklearn(texts, **kw):
    vec = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(1, 3), preprocessor=strip_asking, sublinear_tf=True, min_df=2, **kw
    )
    return vec, vec.fit_transform(texts).toarray()


def _aligned(w: Wording, X, vec):
    cols = [w.vocabulary.index(g) for g in vec.get_feature_names_out()]
    return X.toarray()[:, cols]


def test_matches_scikit_learn_fit_and_transform():
    w = Wording()
    X = w.fit_transform(POSTS)
    vec, ref = _sklearn(POSTS)
    assert sorted(w.vocabulary) == sorted(vec.get_feature_names_out())
    np.testing.assert_allclose(_aligned(w, X, vec), ref, atol=1e-6)
    new = ["希望加个清扫完成推送", "远程看家+1", "完全无关的话"]
    np.testing.assert_allclose(_aligned(w, w.transform(new), vec), vec.transform(new).toarray(), atol=1e-6)
    # rebuilt from the saved state (vocabulary and idf) alone: the same rows
    again = Wording(w.vocabulary, w.idf)
    np.testing.assert_allclose(again.transform(new).toarray(), w.transform(new).toarray(), atol=1e-7)


def test_max_features_keeps_the_most_frequent(monkeypatch):
    monkeypatch.setattr(wording, "MAX_FEATURES", 12)
    w = Wording()
    w.fit_transform(POSTS)
    vec, _ = _sklearn(POSTS)
    counts = np.asarray(vec.transform(POSTS).astype(bool).sum(0)).ravel()  # not tf; only for a sanity bound
    assert len(w.vocabulary) == 12 and counts.shape[0] > 12
    tf = {
        g: sum(text.count(g) for text in map(lambda t: " " + "  ".join(strip_asking(t).split()) + " ", POSTS))
        for g in vec.get_feature_names_out()
    }
    kept = min(tf[g] for g in w.vocabulary)
    assert all(tf[g] <= kept for g in tf if g not in w.vocabulary)


@pytest.mark.parametrize("texts", [[], ["一"], ["完全不同"], ["。。。", "！"]])
def test_no_ngram_said_twice_gives_no_vocabulary(texts):
    w = Wording()
    X = w.fit_transform(texts)
    assert X.shape == (len(texts), 0) and w.dim == 0
    assert w.transform(["随便"]).shape == (1, 0)
