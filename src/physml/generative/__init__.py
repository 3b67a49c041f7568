r"""Generative models (S34-S36): the KL divergence and generative adversarial networks.

- :func:`kl_gaussian`, :func:`kl_histogram`, :func:`kl_knn`: D_KL(p || q) in closed
  form for Gaussians and estimated from samples (S35).
- :class:`GAN`: a generator and a discriminator trained in turn with the
  cross-entropy cost (S36).
"""

from .gan import GAN
from .kl import kl_gaussian, kl_histogram, kl_knn

__all__ = ["GAN", "kl_gaussian", "kl_histogram", "kl_knn"]
