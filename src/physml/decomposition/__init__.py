"""Dimensional reduction (S25-S27): :class:`PCA` and :class:`TSNE`."""

from .pca import PCA
from .tsne import TSNE

__all__ = ["PCA", "TSNE"]
