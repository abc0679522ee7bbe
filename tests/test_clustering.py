"""IdeaClusterer: estimator contract, auto k, online buffer, stable ids, merge/split, persistence."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.metrics import v_measure_score

from model.clustering import IdeaClusterer, average_linkage


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
