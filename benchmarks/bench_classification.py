"""Classification (S28-S31, S34): physml's linear and generative classifiers vs scikit-learn, same data.

- Logistic regression on Mehta et al.'s Ising training set: 13 temperatures
  away from T_c (0.25-1.75 ordered, 2.75-4.0 disordered), L = 40, 4000
  configurations each = 52k x 1600 spins, as ``ising_configurations`` returns
  them (int8). Both get the same array; scikit-learn converts it to float64,
  physml's fused one-pass cost kernel reads the int8 spins directly. Also on
  the same data in float64 for both. Quality: accuracy on 6.5k held-out
  configurations of another seed (a linear model of the spins sits near
  Mehta's 0.69: the ordered phase has both signs of m).
- Softmax regression on 8x8 digits (10 classes), Newton vs newton-cholesky.
- Perceptron and least-squares classifier on 100k x 50 Gaussian data.
- Gaussian generative classifier vs LDA / QDA / GaussianNB on 100k x 20.
"""

import warnings

import numpy as np

from physml.base import ConvergenceWarning
from physml.datasets import ising_configurations, load_digits
from physml.generative import GaussianGenerativeClassifier
from physml.linear import LeastSquaresClassifier, LogisticRegression, Perceptron

_ORDERED = np.arange(0.25, 1.76, 0.25)
_DISORDERED = np.arange(2.75, 4.01, 0.25)


def _accuracy(X, y):
    return lambda model: float(np.mean(model.predict(X) == y))


def _quiet(fit):
    def run():
        with warnings.catch_warnings():  # both sides stop at max_iter on the Ising set, equally
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.filterwarnings("ignore", message=".*failed to converge.*")
            warnings.filterwarnings("ignore", category=UserWarning, module="sklearn")
            return fit()
    return run


def run(bench):
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis, QuadraticDiscriminantAnalysis
    from sklearn.exceptions import ConvergenceWarning as SkConvergenceWarning
    from sklearn.linear_model import LogisticRegression as SkLogisticRegression
    from sklearn.linear_model import Perceptron as SkPerceptron
    from sklearn.linear_model import RidgeClassifier
    from sklearn.naive_bayes import GaussianNB

    warnings.simplefilter("ignore", SkConvergenceWarning)
    temps = np.r_[_ORDERED, _DISORDERED]
    n_per = 500 if bench.quick else 4000
    X, T = ising_configurations(L=40, temperatures=temps, n_per_temperature=n_per, random_state=0, n_jobs=2)
    y = (T < 2.0).astype(int)
    X_test, T_test = ising_configurations(L=40, temperatures=temps, n_per_temperature=500, random_state=1, n_jobs=2)
    y_test = (T_test < 2.0).astype(int)
    quality = _accuracy(X_test, y_test)
    sizes = f"n={len(y)} p=1600"
    bench.compare("logistic lbfgs, Ising spins (int8 in)", sizes=sizes + " int8",
                  physml=_quiet(lambda: LogisticRegression().fit(X, y)),
                  peer=_quiet(lambda: SkLogisticRegression().fit(X, y)), peer_name="sklearn LogisticRegression",
                  quality=quality, quality_name="test acc", goal="ratio <= 1.0", repeats=min(bench.repeats, 3))
    X64 = X.astype(np.float64)
    bench.compare("logistic lbfgs, Ising spins (float64 in)", sizes=sizes + " f64",
                  physml=_quiet(lambda: LogisticRegression().fit(X64, y)),
                  peer=_quiet(lambda: SkLogisticRegression().fit(X64, y)), peer_name="sklearn LogisticRegression",
                  quality=quality, quality_name="test acc", goal="ratio <= 1.0", repeats=min(bench.repeats, 3))
    del X64

    digits_X, digits_y = load_digits(return_X_y=True)
    Xd = (digits_X - digits_X.mean(axis=0)) / (digits_X.std(axis=0) + 1e-12)
    bench.compare("softmax regression newton, digits", sizes="n=1797 p=64 K=10",
                  physml=_quiet(lambda: LogisticRegression(solver="newton").fit(Xd, digits_y)),
                  peer=_quiet(lambda: SkLogisticRegression(solver="newton-cholesky").fit(Xd, digits_y)),
                  peer_name="sklearn newton-cholesky", quality=_accuracy(Xd, digits_y), quality_name="train acc",
                  goal="ratio <= 1.0")
    bench.compare("softmax regression lbfgs, digits", sizes="n=1797 p=64 K=10",
                  physml=_quiet(lambda: LogisticRegression().fit(Xd, digits_y)),
                  peer=_quiet(lambda: SkLogisticRegression().fit(Xd, digits_y)),
                  peer_name="sklearn LogisticRegression", quality=_accuracy(Xd, digits_y), quality_name="train acc",
                  goal="ratio <= 1.0")

    rng = np.random.default_rng(2)
    n = 10_000 if bench.quick else 100_000
    G = rng.normal(size=(n, 50))
    w = rng.normal(size=50)
    y_sep = (G @ w > 0).astype(int)
    bench.compare("perceptron (separable, in order)", sizes=f"n={n} p=50",
                  physml=_quiet(lambda: Perceptron(max_iter=20, shuffle=False).fit(G, y_sep)),
                  peer=_quiet(lambda: SkPerceptron(eta0=1.0, alpha=0.0, shuffle=False, tol=None, max_iter=20)
                              .fit(G, y_sep)),
                  peer_name="sklearn Perceptron", quality=_accuracy(G, y_sep), quality_name="train acc",
                  goal="ratio <= 1.0")
    y3 = np.argmax(G[:, :3] + 0.5 * rng.normal(size=(n, 3)), axis=1)
    bench.compare("least-squares classifier, 3 classes", sizes=f"n={n} p=50",
                  physml=lambda: LeastSquaresClassifier().fit(G, y3),
                  peer=lambda: RidgeClassifier(alpha=0.0).fit(G, y3), peer_name="sklearn RidgeClassifier(0)",
                  quality=_accuracy(G, y3), quality_name="train acc", goal="ratio <= 1.0")

    Xg = np.r_[rng.normal(size=(n // 2, 20)), rng.normal(size=(n // 2, 20)) * 1.3 + 0.3]
    yg = np.repeat([0, 1], n // 2)
    for covariance, peer, name in (("shared", LinearDiscriminantAnalysis(solver="lsqr"), "sklearn LDA lsqr"),
                                   ("full", QuadraticDiscriminantAnalysis(), "sklearn QDA"),
                                   ("diagonal", GaussianNB(), "sklearn GaussianNB")):
        bench.compare(f"Gaussian generative {covariance}: fit + predict_proba", sizes=f"n={n} p=20",
                      physml=lambda c=covariance: GaussianGenerativeClassifier(c).fit(Xg, yg).predict_proba(Xg),
                      peer=lambda m=peer: m.fit(Xg, yg).predict_proba(Xg), peer_name=name,
                      quality=lambda P: float(np.mean((P[:, 1] > 0.5) == yg)), quality_name="train acc",
                      goal="ratio <= 1.0")
