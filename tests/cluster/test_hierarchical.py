"""AgglomerativeClustering and linkage (S23): the tree equals SciPy's, the flat clusters fcluster's and scikit-learn's."""

import os
import subprocess
import sys

import numpy as np
import pytest

from physml.cluster import AgglomerativeClustering, KMeans, dendrogram, linkage
from physml.cluster import _kernels as K

METHODS = ["single", "complete", "average", "ward"]


def _data(n, d=3, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=3.0, size=(4, d))
    return centres[rng.integers(4, size=n)] + rng.normal(size=(n, d))


def _same_partition(a, b):
    """True if two labelings are equal up to renaming the clusters."""
    pairs = set(zip(np.asarray(a).tolist(), np.asarray(b).tolist()))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


@pytest.mark.oracle
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("n, seed", [(2, 0), (3, 1), (60, 2), (400, 3)])
def test_linkage_matrix_equals_scipy(method, n, seed):
    hierarchy = pytest.importorskip("scipy.cluster.hierarchy")
    X = _data(n, seed=seed)
    Z = linkage(X, method)
    Z_ref = hierarchy.linkage(X, method)
    np.testing.assert_allclose(Z[:, 2], Z_ref[:, 2], rtol=1e-10)
    np.testing.assert_array_equal(Z[:, [0, 1, 3]], Z_ref[:, [0, 1, 3]])


@pytest.mark.oracle
@pytest.mark.parametrize("method", METHODS)
def test_flat_clusters_equal_fcluster(method):
    hierarchy = pytest.importorskip("scipy.cluster.hierarchy")
    X = _data(300, seed=4)
    Z_ref = hierarchy.linkage(X, method)
    for k in (1, 2, 3, 5, 8):
        labels = AgglomerativeClustering(k, linkage=method).fit(X).labels_
        assert _same_partition(labels, hierarchy.fcluster(Z_ref, k, criterion="maxclust"))
        assert len(set(labels.tolist())) == k


@pytest.mark.parametrize("method", METHODS)
def test_children_distances_and_labels_agree_with_sklearn(sklearn, method):
    from sklearn.cluster import AgglomerativeClustering as SkAgglomerative

    X = _data(250, seed=5)
    ours = AgglomerativeClustering(4, linkage=method).fit(X)
    theirs = SkAgglomerative(4, linkage=method, compute_distances=True).fit(X)
    np.testing.assert_allclose(ours.distances_, theirs.distances_, rtol=1e-10)
    np.testing.assert_array_equal(np.sort(ours.children_, axis=1), np.sort(theirs.children_, axis=1))
    assert _same_partition(ours.labels_, theirs.labels_)


@pytest.mark.parametrize("method", METHODS)
def test_distance_threshold_cuts_as_sklearn(sklearn, method):
    from sklearn.cluster import AgglomerativeClustering as SkAgglomerative

    X = _data(200, seed=6)
    threshold = float(np.median(linkage(X, method)[-10:, 2]))
    ours = AgglomerativeClustering(None, linkage=method, distance_threshold=threshold).fit(X)
    theirs = SkAgglomerative(None, linkage=method, distance_threshold=threshold).fit(X)
    assert ours.n_clusters_ == theirs.n_clusters_
    assert _same_partition(ours.labels_, theirs.labels_)


@pytest.mark.oracle
@pytest.mark.parametrize("method", METHODS)
def test_precluster_links_weighted_centres_as_scipy_links_the_moved_points(method):
    hierarchy = pytest.importorskip("scipy.cluster.hierarchy")
    X = _data(2000, seed=7)
    model = AgglomerativeClustering(3, linkage=method, precluster=40, random_state=0).fit(X)
    centres, leaf = model.precluster_centers_, model.precluster_labels_
    km = KMeans(40, random_state=0).fit(X)
    np.testing.assert_array_equal(centres, km.cluster_centers_)
    # every point moved onto its centre: coincident points merge at height 0 first, then the centres' tree
    moved = centres[leaf]
    Z_ref = hierarchy.linkage(moved, method)[-(len(centres) - 1):]
    Z = model.linkage_matrix_
    np.testing.assert_allclose(Z[:, 2], Z_ref[:, 2], rtol=1e-10)
    np.testing.assert_array_equal(Z[:, 3], Z_ref[:, 3])
    assert Z[-1, 3] == len(X)
    # labels of the points follow their centre
    centre_labels = np.empty(len(centres), dtype=int)
    K.cut(Z, len(centres), 3, centre_labels)
    assert _same_partition(model.labels_, centre_labels[leaf])


def test_without_precluster_a_too_large_request_is_refused_with_the_figure(monkeypatch):
    monkeypatch.setenv("PHYSML_MAX_BYTES", str(10**6))
    X = _data(1000)
    with pytest.raises(ValueError, match=r"needs 3\.81 MiB.*precluster=") as info:
        AgglomerativeClustering(2, linkage="average").fit(X)
    assert "precluster=500" in str(info.value)  # the most points whose distances fit in 1 MB
    # single linkage needs no distance matrix; precluster fits
    AgglomerativeClustering(2, linkage="single").fit(X)
    AgglomerativeClustering(2, linkage="average", precluster=100, random_state=0).fit(X)


# kernels against their references ------------------------------------------


@pytest.mark.parametrize("ward", [False, True])
def test_pdist_kernel_equals_reference(ward):
    rng = np.random.default_rng(0)
    for n in (2, 3, 4, 9, 50):
        X = rng.normal(size=(n, 3))
        w = rng.integers(1, 5, size=n).astype(float)
        D = np.empty(n * (n - 1) // 2)
        K.pdist(np.ascontiguousarray(X.T), D, w, ward)
        np.testing.assert_allclose(D, K.pdist_reference(X, w, ward), rtol=1e-14)


@pytest.mark.parametrize("method", ["complete", "average", "ward"])
def test_nn_chain_kernel_equals_reference_with_weights(method):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 2))
    w = rng.integers(1, 6, size=40).astype(float)
    D = K.pdist_reference(X, w, method == "ward")
    Z = np.empty((39, 4))
    K.nn_chain(D.copy(), 40, K.METHODS[method], w.copy(), Z)
    np.testing.assert_allclose(Z, K.nn_chain_reference(D, 40, K.METHODS[method], w), rtol=1e-12)


def test_mst_single_kernel_equals_reference():
    X = np.random.default_rng(2).normal(size=(70, 3))
    Z = np.empty((69, 4))
    K.mst_single(np.ascontiguousarray(X.T), Z)
    np.testing.assert_allclose(Z, K.mst_single_reference(X), rtol=1e-12)


def test_label_kernel_equals_reference():
    X = np.random.default_rng(3).normal(size=(50, 2))
    Z = K.mst_single_reference(X)
    Z = Z[np.argsort(Z[:, 2], kind="mergesort")]
    w = np.arange(1.0, 51.0)
    a, b = Z.copy(), Z.copy()
    K.label(a, 50, w)
    K.label_reference(b, 50, w)
    np.testing.assert_array_equal(a, b)
    assert a[-1, 3] == w.sum()


@pytest.mark.oracle
def test_linkage_is_the_same_without_jit():
    code = (
        "import numpy as np\n"
        "from scipy.cluster.hierarchy import linkage as ref\n"
        "from physml.cluster import linkage\n"
        "X = np.random.default_rng(0).normal(size=(25, 3))\n"
        "for m in ('single', 'complete', 'average', 'ward'):\n"
        "    assert np.allclose(linkage(X, m), ref(X, m), rtol=1e-12), m\n"
    )
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    src = os.path.join(os.path.dirname(__file__), "..", "..", "src")
    env["PYTHONPATH"] = os.path.abspath(src) + os.pathsep + env.get("PYTHONPATH", "")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


# bad input -------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"linkage": "centroid"}, ValueError, "linkage must be one of"),
        ({"n_clusters": None}, ValueError, "Exactly one of n_clusters and distance_threshold"),
        ({"distance_threshold": 1.0}, ValueError, "Exactly one of n_clusters and distance_threshold"),
        ({"n_clusters": 0}, ValueError, "n_clusters"),
        ({"n_clusters": 2.0}, TypeError, "n_clusters"),
        ({"n_clusters": None, "distance_threshold": -1.0}, ValueError, "distance_threshold"),
        ({"precluster": 1}, ValueError, "precluster"),
        ({"precluster": 50}, ValueError, "precluster=50 must be <= n_samples=30"),
        ({"n_clusters": 5, "precluster": 4}, ValueError, "precluster=4 must be >= n_clusters=5"),
        ({"n_clusters": 31}, ValueError, "n_samples=30 should be >= n_clusters=31"),
    ],
)
def test_agglomerative_rejects_bad_parameters_naming_them(params, error, match):
    with pytest.raises(error, match=match):
        AgglomerativeClustering(**params).fit(_data(30))


def test_agglomerative_rejects_bad_data():
    with pytest.raises(ValueError, match="1 sample"):
        AgglomerativeClustering(1).fit([[1.0, 2.0]])
    with pytest.raises(ValueError, match="NaN"):
        AgglomerativeClustering().fit([[1.0], [np.nan], [2.0]])
    with pytest.raises(ValueError, match="method must be one of"):
        linkage(_data(5), "median")


# dendrogram ------------------------------------------------------------------


@pytest.mark.oracle
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("truncate", [None, 1, 2, 7, 60, 500])
def test_dendrogram_leaves_and_links_are_scipys(method, truncate):
    hierarchy = pytest.importorskip("scipy.cluster.hierarchy")
    Z = linkage(_data(60, seed=8), method)
    ax, leaves = dendrogram(Z, truncate=truncate)
    kwargs = {} if truncate is None else {"truncate_mode": "lastp", "p": truncate}
    ref = hierarchy.dendrogram(Z, no_plot=True, **kwargs)
    assert leaves.tolist() == ref["leaves"]
    # the drawn U-links are SciPy's icoord/dcoord
    (collection,) = ax.collections
    ours = sorted(tuple(np.round(seg.ravel(), 9)) for seg in collection.get_segments())
    theirs = sorted(tuple(np.round(np.column_stack([i, d]).ravel(), 9)) for i, d in zip(ref["icoord"], ref["dcoord"]))
    assert ours == theirs


def test_dendrogram_of_a_model_draws_on_the_given_axes():
    from matplotlib.figure import Figure

    X = _data(30, seed=9)
    model = AgglomerativeClustering(3, linkage="average").fit(X)
    ax = Figure().add_subplot()
    ax_out, leaves = dendrogram(model, ax=ax, truncate=5)
    assert ax_out is ax
    np.testing.assert_array_equal(leaves, dendrogram(model.linkage_matrix_, truncate=5)[1])
    labels = [t.get_text() for t in ax.get_xticklabels()]
    # a truncated leaf is labelled with its number of points; together they hold every point
    assert sum(int(t.strip("()")) if t.startswith("(") else 1 for t in labels) == 30


def test_dendrogram_never_touches_pyplot():
    code = (
        "import sys, numpy as np\n"
        "from physml.cluster import dendrogram, linkage\n"
        "dendrogram(linkage(np.random.default_rng(0).normal(size=(20, 2)), 'ward'))\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            env=dict(os.environ, PYTHONPATH=os.path.abspath(
                                os.path.join(os.path.dirname(__file__), "..", "..", "src"))))
    assert result.returncode == 0, result.stderr


def test_dendrogram_rejects_bad_input():
    Z = linkage(_data(10), "single")
    with pytest.raises(ValueError, match="shape"):
        dendrogram(Z[:, :3])
    bad = Z.copy()
    bad[0, 1] = 30
    with pytest.raises(ValueError, match="not a linkage matrix"):
        dendrogram(bad)
    with pytest.raises(ValueError, match="truncate"):
        dendrogram(Z, truncate=0)
    from physml.base import NotFittedError

    with pytest.raises(NotFittedError):
        dendrogram(AgglomerativeClustering())
