"""Linear models: least-squares, ridge and polynomial regression (S2-S4)."""

from .regression import LinearRegression, PolynomialRegression, Ridge

__all__ = ["LinearRegression", "PolynomialRegression", "Ridge"]
