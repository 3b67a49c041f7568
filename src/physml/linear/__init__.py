"""Linear models: least-squares, ridge and polynomial regression (S2-S4)."""

from .regression import LinearRegression, PolynomialRegression, Ridge

__all__ = ["LinearRegression", "PolynomialRegression", "Ridge"]

# linear classifiers (S28-S31)
from .logistic import LogisticRegression  # noqa: E402
from .perceptron import LeastSquaresClassifier, Perceptron  # noqa: E402

__all__ += ["Perceptron", "LeastSquaresClassifier", "LogisticRegression"]
