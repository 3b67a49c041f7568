"""Generative models: the Gaussian generative classifier (S34)."""

from .gaussian import GaussianGenerativeClassifier

__all__ = ["GaussianGenerativeClassifier"]
