"""Clustering (S22-S23): k-means, agglomerative (hierarchical) clustering and its dendrogram."""

from .kmeans import KMeans, kmeans_plusplus

__all__ = ["KMeans", "kmeans_plusplus"]
