"""IdeaClusterer: estimator contract, auto k, online buffer, stable ids, merge/split, persistence."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.metrics import v_measure_score

from model.clustering import IdeaClusterer, average_linkage
from model.paraphrase import ParaphraseMetric, cut, fit_paraphrase_metric, within_whitening


def blobs(n_per=(60, 50, 40, 30), dim=64, spread=0.25, seed=0):
    """Unit vectors around random centres plus a shared offset (like e5's common direction)."""
    rng = np.random.default_rng(seed)
    common = rng.normal(size=dim) * 2.0
    centres = rng.normal(size=(len(n_per), dim))
    X, y = [], []
    for c, n in enumerate(n_per):
        X.append(common + centres[c] + spread * rng.normal(size=(n, dim)) * np.sqrt(dim) / 4)
        y += [c] * n
    X = np.vstack(X).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X, np.array(y)


def test_contract_params_and_not_fitted():
    m = IdeaClusterer(min_cluster_size=4, seed=3)
    assert m.get_params()["min_cluster_size"] == 4
    c = clone(m)
    assert c.get_params() == m.get_params() and not hasattr(c, "centroids_")
    with pytest.raises(NotFittedError):
        m.predict(np.zeros((2, 8), np.float32))
    with pytest.raises(ValueError):
        m.set_params(k=10)


def test_fit_finds_k_itself_and_assigns_almost_everything():
    X, y = blobs()
    m = IdeaClusterer(min_cluster_size=5, seed=0).fit(X)
    assert m.n_clusters_ == 4
    assert (m.labels_ >= 0).mean() > 0.95
    assert v_measure_score(y, m.labels_) > 0.95
    # biggest first and sizes agree with labels
    assert list(m.sizes_) == sorted(m.sizes_, reverse=True)
    assert m.sizes_.sum() == (m.labels_ >= 0).sum()


def test_fit_is_reproducible_with_a_seed():
    X, _ = blobs(seed=1)
    a = IdeaClusterer(seed=7).fit(X).labels_
    b = IdeaClusterer(seed=7).fit(X).labels_
    assert np.array_equal(a, b)


def test_predict_matches_labels_and_rejects_far_points():
    X, _ = blobs()
    m = IdeaClusterer().fit(X)
    assert (m.predict(X) == m.labels_).mean() > 0.98
    far = -m.mean_[None] + 0.0  # opposite of the common direction: near no idea
    assert m.predict(far)[0] == -1
    with pytest.raises(ValueError):
        m.predict(np.zeros((1, 7), np.float32))


def test_empty_and_tiny_input():
    m = IdeaClusterer(min_cluster_size=3).fit(np.zeros((0, 16), np.float32))
    assert m.n_clusters_ == 0 and len(m.labels_) == 0
    one = np.ones((1, 16), np.float32) / 4
    m = IdeaClusterer(min_cluster_size=3).fit(one)
    assert m.n_clusters_ == 0 and list(m.labels_) == [-1]
    assert list(m.predict(one)) == [-1]


def test_online_buffer_becomes_a_new_idea():
    X, y = blobs(n_per=(60, 50, 40, 30))
    m = IdeaClusterer(min_cluster_size=5).fit(X[y < 3])
    assert m.n_clusters_ == 3
    known = m.assign_online(X[y == 0][:5])
    assert (known >= 0).all()
    new = X[y == 3]
    out = m.assign_online(new[:4], keys=["a", "b", "c", "d"])
    assert (out == -1).all() and m.buffered_keys_ == ["a", "b", "c", "d"]
    out = m.assign_online(new[4:5], keys=["e"])
    new_id = int(out[0])
    assert new_id >= 0 and new_id not in set(m.labels_.tolist())
    assert sorted(m.promoted_[new_id]) == ["a", "b", "c", "d", "e"]
    assert m.buffered_keys_ == []
    # later posts of the same theme join it directly
    assert (m.assign_online(new[5:15]) == new_id).mean() > 0.8


def test_refit_keeps_ids_of_persisting_ideas():
    X, y = blobs(seed=2)
    m = IdeaClusterer(seed=0).fit(X)
    old = m.labels_.copy()
    # new data arrives: one more theme; refit with the previous labels of the old rows
    X2, y2 = blobs(n_per=(60, 50, 40, 30, 35), seed=2)
    prev = np.concatenate([old, np.full(len(X2) - len(X), -1)])
    first_free = m.next_id_
    m2 = m.set_params(seed=5).fit(X2, previous=prev)
    for c in set(old.tolist()) - {-1}:
        rows = np.flatnonzero(old == c)
        assert (m2.labels_[rows] == c).mean() > 0.9, c
    new_ids = set(m2.labels_.tolist()) - set(old.tolist()) - {-1}
    assert len(new_ids) == 1 and min(new_ids) >= first_free


def test_merge_and_split():
    X, y = blobs()
    m = IdeaClusterer().fit(X)
    a, b = int(m.cluster_ids_[0]), int(m.cluster_ids_[1])
    size = m.sizes_[0] + m.sizes_[1]
    assert m.merge(b, a) == a
    assert m.n_clusters_ == 3 and m.resolve(b) == a
    assert m.sizes_[list(m.cluster_ids_).index(a)] == size
    assert b not in set(m.predict(X).tolist())
    members = X[(y == 0) | (y == 1)]
    parts, new_id = m.split(a, members)
    assert set(parts.tolist()) == {a, new_id} and m.n_clusters_ == 4
    truth = y[(y == 0) | (y == 1)]
    assert v_measure_score(truth, parts) > 0.9
    with pytest.raises(KeyError):
        m.merge(12345, a)
    with pytest.raises(ValueError):
        m.merge(a, a)


def test_save_load_same_assignments(tmp_path):
    X, y = blobs()
    m = IdeaClusterer().fit(X[y < 3])
    m.assign_online(X[y == 3][:2], keys=["p1", "p2"])
    m.save(tmp_path / "c")
    r = IdeaClusterer.load(tmp_path / "c")
    assert np.array_equal(m.predict(X), r.predict(X))
    assert r.get_params() == m.get_params() and r.buffered_keys_ == ["p1", "p2"]
    assert np.array_equal(r.cluster_ids_, m.cluster_ids_) and r.next_id_ == m.next_id_
    with pytest.raises(FileNotFoundError):
        IdeaClusterer.load(tmp_path / "missing")
    blob = IdeaClusterer.from_bytes(m.to_bytes())
    assert np.array_equal(m.predict(X), blob.predict(X)) and blob.buffered_keys_ == ["p1", "p2"]


def test_average_linkage_merges_only_close_groups():
    c = np.array([[1, 0], [0.99, 0.141], [0, 1]], np.float32)
    c /= np.linalg.norm(c, axis=1, keepdims=True)
    g = average_linkage(c, np.array([1, 1, 1]), threshold=0.9)
    assert g[0] == g[1] != g[2]
    assert len(set(average_linkage(c, np.array([1, 1, 1]), threshold=-1.0).tolist())) == 1


def styled_ideas(n_ideas=12, per=8, dim=48, seed=0):
    """Ideas whose posts differ mostly along a few shared "phrasing" directions (style), with a
    small capability signal: plain cosine confuses them, the within-idea whitening does not."""
    rng = np.random.default_rng(seed)
    style = np.linalg.qr(rng.normal(size=(dim, 6)))[0].T  # 6 phrasing directions
    common = rng.normal(size=dim) * 2.0
    X, y = [], []
    for g in range(n_ideas):
        centre = rng.normal(size=dim) * 0.35
        for _ in range(per):
            X.append(common + centre + 2.0 * rng.normal(size=6) @ style + 0.12 * rng.normal(size=dim))
            y.append(g)
    X = np.asarray(X, np.float32)
    return X / np.linalg.norm(X, axis=1, keepdims=True), np.array(y)


def test_paraphrase_metric_separates_ideas_plain_cosine_merges(tmp_path):
    X, y = styled_ideas()
    metric, curve = fit_paraphrase_metric(X, y, splits=4)
    assert 0.04 <= metric.threshold <= 0.4 and len(curve) > 5
    assert metric.info["cv_ari"] > 0.6
    path = metric.save(tmp_path / "m.npz")
    again = ParaphraseMetric.load(path)
    assert np.allclose(again.matrix, metric.matrix) and again.threshold == metric.threshold
    from sklearn.metrics import adjusted_rand_score

    plain = IdeaClusterer(min_cluster_size=3, metric_file=None, merge_threshold=0.22, granularity="idea")
    plain.fit(X)  # 48-d: the shipped 384-d metric does not apply, plain centred cosine
    assert plain.metric_ is None
    whitened = IdeaClusterer(min_cluster_size=3, metric_file=str(path)).fit(X)
    assert whitened.metric_ is not None and whitened.merge_threshold_ == metric.threshold
    assert adjusted_rand_score(y, whitened.labels_) > adjusted_rand_score(y, plain.labels_) + 0.2
    assert adjusted_rand_score(y, whitened.labels_) > 0.8


def test_within_whitening_shrinks_phrasing_directions_only():
    X, y = styled_ideas()
    Z = X - X.mean(0)
    W = within_whitening(Z, y, eps=1e-3)
    within = np.concatenate([Z[y == g] - Z[y == g].mean(0) for g in set(y)])
    before = np.linalg.norm(within, axis=1).mean() / np.linalg.norm(Z, axis=1).mean()
    T = Z @ W
    within_t = np.concatenate([T[y == g] - T[y == g].mean(0) for g in set(y)])
    after = np.linalg.norm(within_t, axis=1).mean() / np.linalg.norm(T, axis=1).mean()
    assert after < 0.75 * before


def test_cut_leaves_small_groups_unassigned():
    a = np.tile([[1.0, 0, 0]], (4, 1)) + 0.01 * np.arange(4)[:, None]
    b = np.array([[0, 1.0, 0]])
    Z = np.vstack([a, b]).astype(np.float32)
    Z /= np.linalg.norm(Z, axis=1, keepdims=True)
    lab = cut(Z, 0.5, min_size=3)
    assert len(set(lab[:4].tolist())) == 1 and lab[0] >= 0 and lab[4] == -1


def test_idea_and_topic_granularity_and_old_states(tmp_path):
    X, y = blobs()
    with pytest.raises(ValueError):
        IdeaClusterer(granularity="word").fit(X)
    topic = IdeaClusterer(granularity="topic").fit(X)
    assert topic.merge_threshold_ == 0.3 and topic.metric_ is None
    idea = IdeaClusterer(granularity="idea", merge_threshold=0.5).fit(X)
    assert idea.merge_threshold_ == 0.5
    # a state saved before granularity existed loads as the topic clustering it was
    topic.save(tmp_path / "old")
    state = json.loads((tmp_path / "old" / "clusterer.json").read_text())
    for k in ("granularity", "metric_file"):
        del state["params"][k]
    del state["merge_threshold"]
    (tmp_path / "old" / "clusterer.json").write_text(json.dumps(state))
    old = IdeaClusterer.load(tmp_path / "old")
    assert old.granularity == "topic" and np.array_equal(old.predict(X), topic.predict(X))


def test_idea_mode_on_shipped_metric_keeps_neighbours_apart():
    """384-d vectors: the shipped metric applies; two close themes with distinct content stay apart."""
    from model.paraphrase import DEFAULT_METRIC_FILE

    if not DEFAULT_METRIC_FILE.exists():
        pytest.skip("no shipped paraphrase metric (python bench/ideas.py --refit)")
    X, y = blobs(n_per=(20, 20, 20), dim=384, spread=0.2, seed=4)
    m = IdeaClusterer(min_cluster_size=3).fit(X)
    assert m.metric_ is not None and m.metric_.shape == (384, 384)
    assert v_measure_score(y, m.labels_) > 0.9
    assert (m.predict(X) == m.labels_).mean() > 0.9


NEIGHBOURS = {
    "预约充电": [
        "希望加预约充电",
        "建议增加预约充电功能",
        "求预约充电，谷电便宜",
        "预约充电+1",
        "能不能预约充电？",
        "蹲一个预约充电",
    ],
    "远程关窗": [
        "希望加远程关窗",
        "建议增加远程关窗功能",
        "求远程关窗，下雨了",
        "远程关窗+1",
        "能不能远程关窗？",
        "蹲一个远程关窗",
    ],
}


def _neighbour_ideas(seed=0, dim=16):
    """Two capabilities whose embeddings are indistinguishable (one centre plus noise) but whose words differ."""
    rng = np.random.default_rng(seed)
    centre = rng.normal(size=dim)
    texts, y = [], []
    for k, posts in enumerate(NEIGHBOURS.values()):
        texts += posts
        y += [k] * len(posts)
    X = (centre + 0.05 * rng.normal(size=(len(texts), dim))).astype(np.float32)
    return X, texts, np.array(y)


def test_wording_strips_asking_and_matches_the_named_capability():
    from model.wording import Wording, strip_asking

    assert strip_asking("希望能加个预约充电功能吗？") == "预约充电"
    texts = [p for posts in NEIGHBOURS.values() for p in posts]
    w = Wording().fit(texts)
    L = w.transform(["建议增加预约充电", "求预约充电", "希望加个远程关窗"]).toarray()
    assert L @ L[0] == pytest.approx([1.0, L[1] @ L[0], L[2] @ L[0]])
    assert L[1] @ L[0] > 0.8 and L[2] @ L[0] < 0.2  # 希望/建议/求 carry nothing, the capability everything
    assert Wording().fit(["只有一条"]).dim == 0  # no n-gram said twice: no vocabulary, no error


def test_wording_keeps_neighbour_ideas_apart_where_embeddings_cannot(tmp_path):
    X, texts, y = _neighbour_ideas()
    with_words = IdeaClusterer(min_cluster_size=3, wording_weight=0.6).fit(X, texts=texts)
    lab = with_words.labels_
    assert (lab >= 0).all() and len(set(lab[y == 0])) == 1 and len(set(lab[y == 1])) == 1 and lab[0] != lab[-1]
    blind = IdeaClusterer(min_cluster_size=3, wording_weight=0.6).fit(X)  # no texts: embeddings only
    assert blind.wording_ is None and v_measure_score(y, blind.labels_) < 0.5
    # a clusterer that reads wording needs it for new posts too, and keeps it through save/load
    with pytest.raises(ValueError, match="texts"):
        with_words.predict(X[:2])
    new = ["求预约充电功能", "远程关窗什么时候有"]
    expect = with_words.predict(X[[0, -1]], texts=new)
    assert list(expect) == [lab[0], lab[-1]]
    again = IdeaClusterer.from_bytes(with_words.to_bytes())
    assert list(again.predict(X[[0, -1]], texts=new)) == list(expect)
    assert list(again.assign_online(X[[0]], texts=new[:1])) == [lab[0]]


def test_wording_fit_transform_is_fit_then_transform():
    from model.wording import Wording

    texts = [p for posts in NEIGHBOURS.values() for p in posts]
    w = Wording()
    once = w.fit_transform(texts).toarray()
    assert w.dim > 0 and np.allclose(once, w.transform(texts).toarray(), atol=1e-6)


def test_micro_cluster_similarities_equal_those_of_the_joined_centroids():
    """Above 4,000 posts the idea linkage runs on micro-clusters; their joined cosines are computed with
    the wording block kept sparse and must equal those of the dense joined centroids."""
    from scipy import sparse

    rng = np.random.default_rng(0)
    Z = rng.normal(size=(60, 8)).astype(np.float32)
    Z /= np.linalg.norm(Z, axis=1, keepdims=True)
    L = sparse.random(60, 30, density=0.2, random_state=1, format="csr", dtype=np.float32)
    labels = rng.integers(0, 7, 60)
    m = IdeaClusterer(wording_weight=0.6)
    m.wording_weight_ = 0.6
    C = m._block_means(Z, L, labels, 7)
    np.testing.assert_allclose(m._block_sims(Z, L, labels, 7), C @ C.T, atol=1e-5)
    big = IdeaClusterer(min_cluster_size=3, wording_weight=0.6, granularity="idea")
    X = np.repeat(rng.normal(size=(12, 16)), 10, axis=0) + rng.normal(scale=0.05, size=(120, 16))
    texts = [f"功能{i // 10}号" for i in range(120)]
    exact = big.fit(X.astype(np.float32), texts=texts).labels_
    centre = big._centre(X.astype(np.float32))
    _, micro = big._cluster_ideas(centre, big.wording_.transform(texts), exact_below=0)
    from sklearn.metrics import adjusted_rand_score

    assert adjusted_rand_score(exact, micro) > 0.9
