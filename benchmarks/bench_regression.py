"""Regression (S2, S4): physml's blocked-QR least squares vs scikit-learn on the same data.

- Polynomial regression of degree 10 on n = 1e6 points of the degree-10 law:
  ``PolynomialRegression(10)`` (scaled Vandermonde built block by block, TSQR)
  against ``Pipeline(PolynomialFeatures(10), LinearRegression())`` (raw
  monomials, then LAPACK gelsd on the whole matrix).
- Ridge on n = 1e6, p = 50 against ``sklearn.linear_model.Ridge`` (which solves
  the normal equations by Cholesky; physml never forms X^T X).
- Ordinary least squares on n = 1e6, p = 50 against ``LinearRegression``.

Quality is R^2 of each fitted model on the training data; equal R^2 means the
same fit.
"""

import numpy as np

from physml.datasets import noisy_law
from physml.linear import LinearRegression, PolynomialRegression, Ridge


def run(bench):
    from sklearn.linear_model import LinearRegression as SkLinearRegression
    from sklearn.linear_model import Ridge as SkRidge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures

    n = 10**5 if bench.quick else 10**6
    x, y = noisy_law("poly10", n=n, sigma=0.5, random_state=0)
    X1 = x.reshape(-1, 1)
    bench.compare(
        "polynomial regression degree 10",
        sizes=f"n={n:.0e}",
        physml=lambda: PolynomialRegression(degree=10).fit(x, y),
        peer=lambda: make_pipeline(PolynomialFeatures(10), SkLinearRegression()).fit(X1, y),
        peer_name="sklearn PolyFeat+LinReg",
        quality=lambda model: model.score(X1, y),
        quality_name="R^2",
        goal="ratio <= 1.0",
    )

    p = 20 if bench.quick else 50
    rng = np.random.default_rng(1)
    X = rng.normal(size=(n, p)) + 1.0
    y = X @ rng.normal(size=p) + rng.normal(size=n)
    for solver in ("auto", "tsqr"):  # auto picks Cholesky here (well-conditioned); tsqr is the stable QR
        bench.compare(
            f"ridge alpha=1 solver={solver}",
            sizes=f"n={n:.0e} p={p}",
            physml=lambda solver=solver: Ridge(alpha=1.0, solver=solver).fit(X, y),
            peer=lambda: SkRidge(alpha=1.0).fit(X, y),
            peer_name="sklearn Ridge",
            quality=lambda model: model.score(X, y),
            quality_name="R^2",
            goal="ratio <= 1.0",
        )
    bench.compare(
        "least squares",
        sizes=f"n={n:.0e} p={p}",
        physml=lambda: LinearRegression().fit(X, y),
        peer=lambda: SkLinearRegression().fit(X, y),
        peer_name="sklearn LinearRegression",
        quality=lambda model: model.score(X, y),
        quality_name="R^2",
        goal="ratio <= 1.0",
    )
