"""Clustering (S22-S23): physml's k-means and linkages vs scikit-learn and SciPy on the same data.

- k-means: n = 1e5 points in 32 dimensions, k = 16, 50 Lloyd iterations from
  the same initial centres (``tol=0``, ``max_iter=50``; uniform data, which do
  not converge before) against ``sklearn.cluster.KMeans(algorithm="lloyd")``;
  quality: inertia of both (equal from the same start). Also a full fit with
  k-means++ seeding (n_init="auto", default tol) of blobs.
- Hierarchical clustering, n = 5,000 and 20,000 points in 10 dimensions, for
  each linkage, against the faster of ``scipy.cluster.hierarchy.linkage`` and
  ``sklearn.cluster.AgglomerativeClustering`` (which one is measured at
  n = 5,000, one call each, and reused at 20,000); quality: the top merge height
  of both and the peak memory: the rise of the peak resident set size
  (VmHWM, reset through /proc/self/clear_refs) over the resident size before
  one untimed call in a fresh process (Linux only; tracemalloc would miss
  SciPy's copy of the distances, made outside NumPy).

``--quick`` shrinks k-means to n = 2e4 and leaves out the 20,000-point linkages.
"""

import os
import subprocess
import sys
import time

import numpy as np

from physml.cluster import AgglomerativeClustering, KMeans


_PEAK = """
import sys
import numpy as np
n, method, who = int(sys.argv[1]), sys.argv[2], sys.argv[3]
X = np.random.default_rng(1).normal(size=(n, 10))
if who == "physml":
    from physml.cluster import AgglomerativeClustering
    run = lambda X: AgglomerativeClustering(2, linkage=method).fit(X)
elif who == "SciPy linkage":
    from scipy.cluster.hierarchy import linkage
    run = lambda X: linkage(X, method)
else:
    from sklearn.cluster import AgglomerativeClustering
    run = lambda X: AgglomerativeClustering(2, linkage=method, compute_distances=True).fit(X)
def status(key):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(key))
run(X[:50])  # compile or load the kernels first
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # reset the peak resident set size (Linux >= 4.0)
before = status("VmRSS:")
run(X)
print((status("VmHWM:") - before) / 1024)
"""


def _peak_mib(n, method, who):
    """Rise of the peak resident memory (MiB) of one call in a fresh process."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    out = subprocess.run([sys.executable, "-c", _PEAK, str(n), method, who], capture_output=True, text=True,
                         env=env, check=True)
    return float(out.stdout.split()[-1])


def run(bench):
    from scipy.cluster.hierarchy import linkage as scipy_linkage
    from sklearn.cluster import AgglomerativeClustering as SkAgglomerative
    from sklearn.cluster import KMeans as SkKMeans

    rng = np.random.default_rng(0)
    n = 20_000 if bench.quick else 100_000
    X = rng.random((n, 32))
    init = X[rng.choice(n, 16, replace=False)]
    bench.compare(
        "k-means lloyd, same start, 50 iterations",
        sizes=f"n={n:.0e} d=32 k=16",
        physml=lambda: KMeans(16, init=init, max_iter=50, tol=0).fit(X),
        peer=lambda: SkKMeans(16, init=init, n_init=1, max_iter=50, tol=0, algorithm="lloyd").fit(X),
        peer_name="sklearn KMeans lloyd",
        quality=lambda model: f"{model.inertia_:.10g} it={model.n_iter_}",
        quality_name="inertia",
        goal="ratio <= 1.0",
    )
    centres = rng.normal(scale=10.0, size=(16, 32))  # separated: both should find the same clusters
    B = centres[rng.integers(16, size=n)] + rng.normal(size=(n, 32))
    bench.compare(
        "k-means++ fit, blobs",
        sizes=f"n={n:.0e} d=32 k=16",
        physml=lambda: KMeans(16, random_state=0).fit(B),
        peer=lambda: SkKMeans(16, random_state=0, algorithm="lloyd").fit(B),
        peer_name="sklearn KMeans lloyd",
        quality=lambda model: model.inertia_,
        quality_name="inertia",
        goal="ratio <= 1.0",
    )

    peers = {
        "SciPy linkage": lambda X, method: scipy_linkage(X, method),
        "sklearn Agglomerative": lambda X, method: SkAgglomerative(
            2, linkage=method, compute_distances=True).fit(X),
    }

    def top(result):
        return float(result[-1, 2]) if isinstance(result, np.ndarray) else float(result.distances_[-1])

    faster = {}
    for n in (5_000,) if bench.quick else (5_000, 20_000):
        X = np.random.default_rng(1).normal(size=(n, 10))
        for method in ("single", "complete", "average", "ward"):
            if method not in faster:
                times = {}
                for name, peer in peers.items():
                    t0 = time.perf_counter()
                    peer(X, method)
                    times[name] = time.perf_counter() - t0
                faster[method] = min(times, key=times.get)
            name = faster[method]

            def ours(X=X, method=method):
                return AgglomerativeClustering(2, linkage=method).fit(X)

            def theirs(X=X, method=method, name=name):
                return peers[name](X, method)

            mib_ours, mib_peer = _peak_mib(n, method, "physml"), _peak_mib(n, method, name)
            big = n > 5_000
            bench.compare(
                f"{method} linkage",
                sizes=f"n={n} d=10",
                physml=ours,
                peer=theirs,
                peer_name=name,
                quality=lambda model, m=mib_ours: f"{model.distances_[-1]:.6g} {m:.0f}MiB",
                peer_quality=lambda result, m=mib_peer: f"{top(result):.6g} {m:.0f}MiB",
                quality_name="top h, peak",
                repeats=1 if big else None,
                warmup=not big,
                goal="ratio <= 1.0",
            )
