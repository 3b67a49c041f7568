"""Dimensional reduction (S25-S27): :class:`PCA` and :class:`TSNE`."""

from .pca import PCA

__all__ = ["PCA"]
