"""Clustering (S22-S23): k-means, agglomerative (hierarchical) clustering and its dendrogram."""

from .hierarchical import AgglomerativeClustering, dendrogram, linkage
from .kmeans import KMeans, kmeans_plusplus

__all__ = ["AgglomerativeClustering", "KMeans", "dendrogram", "kmeans_plusplus", "linkage"]
