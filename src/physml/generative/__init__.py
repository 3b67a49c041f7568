r"""Generative models (S34-S36).

- :class:`GaussianGenerativeClassifier`: Gaussian p(x|C_k) and priors, Bayes'
  theorem to p(C_k|x); p(x) for outliers and sampling (S34).
- :func:`kl_gaussian`, :func:`kl_histogram`, :func:`kl_knn`: D_KL(p || q) in closed
  form for Gaussians and estimated from samples (S35).
- :class:`GAN`: a generator and a discriminator trained in turn with the
  cross-entropy cost (S36).
"""

from .gan import GAN
from .gaussian import GaussianGenerativeClassifier
from .kl import kl_gaussian, kl_histogram, kl_knn

__all__ = ["GAN", "GaussianGenerativeClassifier", "kl_gaussian", "kl_histogram", "kl_knn"]
