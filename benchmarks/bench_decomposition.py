"""Dimensional reduction (S25, S27): physml's PCA and t-SNE against scikit-learn (and openTSNE) on the same data.

PCA on Ising-like configurations (+-1 spins, 75% aligned with a random sign per
row, so PC1 is the magnetisation): 64k x 1600 (the Mehta et al. size) in
float32 and float64, and 20k x 400, with 2 and 50 components. The peer is
scikit-learn's fastest solver on that case (covariance_eigh or randomized,
picked by timing both once); a second row per case times physml's "auto"
against physml's own fastest solver (goal: auto <= 1.1 x best). Quality:
explained variance ratio of PC1 (the randomized solvers agree to ~1e-4).

t-SNE on the digits (1,797 x 64) and on 20,000 x 50 Gaussian blobs (10
centres), against scikit-learn's Barnes-Hut TSNE and openTSNE's Barnes-Hut
(optional peer, skipped when not installed). All t-SNE runs use ONE thread
(physml n_jobs=1, scikit-learn under threadpoolctl, openTSNE n_jobs=1): on a
shared machine a parallel region waits for descheduled threads and the timings
become meaningless. Quality: KL divergence (each library's own report; physml's
is exact for the final map) and, for the digits, trustworthiness (10 neighbours).
"""

import numpy as np

from physml.decomposition import PCA, TSNE


def _spins(n, p, dtype, seed=0):
    rng = np.random.default_rng(seed)
    m = np.sign(rng.normal(size=(n, 1)))
    return np.where(rng.random((n, p), dtype=np.float32) < 0.75, m, -m).astype(dtype)


def _pca_cases(bench):
    from sklearn.decomposition import PCA as SkPCA

    if bench.quick:
        cases = [(16_000, 400, np.float32, (2, 50)), (8_000, 200, np.float64, (2, 50))]
    else:  # float64 at 64k x 1600 with 2 components only: each fit takes tens of seconds on the shared machine
        cases = [(64_000, 1600, np.float32, (2, 50)), (64_000, 1600, np.float64, (2,)),
                 (20_000, 400, np.float64, (2, 50))]
    ratio1 = lambda model: float(model.explained_variance_ratio_[0])  # noqa: E731
    for n, p, dtype, ks in cases:
        X = _spins(n, p, dtype)
        big = n * p > 10**7
        for k in ks:
            sizes = f"{n}x{p} {np.dtype(dtype).name} k={k}"
            peers = {s: bench.time(lambda s=s: SkPCA(k, svd_solver=s, random_state=0).fit(X), repeats=1)[0]
                     for s in ("covariance_eigh", "randomized")}
            best_peer = min(peers, key=peers.get)
            ours = {s: bench.time(lambda s=s: PCA(k, svd_solver=s, random_state=0).fit(X), repeats=1)[0]
                    for s in ("covariance", "randomized")}
            best_ours = min(ours, key=ours.get)
            bench.compare(f"PCA auto vs sklearn {best_peer}", sizes=sizes,
                          physml=lambda: PCA(k, random_state=0).fit(X),
                          peer=lambda: SkPCA(k, svd_solver=best_peer, random_state=0).fit(X),
                          peer_name=f"sklearn {best_peer}", quality=ratio1, quality_name="EVR PC1",
                          repeats=1 if big else 3, warmup=not big, goal="ratio <= 1.0")
            auto = PCA(k, random_state=0).fit(X).svd_solver_
            bench.compare(f"PCA auto ({auto}) vs own best",
                          sizes=sizes, physml=lambda: PCA(k, random_state=0).fit(X),
                          peer=lambda: PCA(k, svd_solver=best_ours, random_state=0).fit(X),
                          peer_name=f"physml {best_ours}", quality=ratio1, quality_name="EVR PC1",
                          repeats=1 if big else 3, warmup=not big, goal="ratio <= 1.1")


def _tsne_cases(bench):
    from sklearn.manifold import TSNE as SkTSNE
    from sklearn.manifold import trustworthiness
    from threadpoolctl import threadpool_limits

    from physml.datasets import load_digits, make_blobs

    Xd = load_digits(return_X_y=True)[0]
    Xb = make_blobs(n_samples=5000 if bench.quick else 20_000, centers=10, n_features=50, random_state=0)[0]
    max_iter = 500 if bench.quick else 1000

    def sk_fit(X):
        with threadpool_limits(1):
            return SkTSNE(max_iter=max_iter, random_state=0).fit(X)

    try:
        import openTSNE
    except ImportError:
        openTSNE = None
    for name, X in (("digits", Xd), ("blobs 50-D", Xb)):
        sizes = f"{X.shape[0]}x{X.shape[1]}"
        quality = (lambda m, X=X: f"KL {m.kl_divergence_:.3f} T {trustworthiness(X, m.embedding_, n_neighbors=10):.4f}"
                   if X.shape[0] < 5000 else f"KL {m.kl_divergence_:.3f}")
        ours = lambda X=X: TSNE(max_iter=max_iter, random_state=0, n_jobs=1).fit(X)  # noqa: E731
        bench.compare(f"t-SNE barnes_hut {name}", sizes=sizes, physml=ours, peer=lambda X=X: sk_fit(X),
                      peer_name="sklearn TSNE (1 thread)", quality=quality, quality_name="KL / trust",
                      repeats=1, warmup=X.shape[0] < 5000, goal="ratio <= 1.0")
        if openTSNE is not None:
            def ot(X=X):
                return openTSNE.TSNE(n_iter=max_iter - 250, negative_gradient_method="bh", n_jobs=1,
                                     random_state=0).fit(X)

            bench.compare(f"t-SNE barnes_hut {name} vs openTSNE", sizes=sizes, physml=ours, peer=ot,
                          peer_name="openTSNE bh (1 thread)",
                          quality=lambda m: f"KL {m.kl_divergence_:.3f}",
                          peer_quality=lambda e: f"KL {e.kl_divergence:.3f}", quality_name="KL",
                          repeats=1, warmup=False, goal="moonshot: ratio <= 1.0 at equal KL")


def run(bench):
    _tsne_cases(bench)
    _pca_cases(bench)
