"""Decision trees and random forests (S32-S33): numba split search, exact or histogram."""

from .export import export_text
from .tree import DecisionTreeClassifier, DecisionTreeRegressor, Tree

__all__ = ["DecisionTreeClassifier", "DecisionTreeRegressor", "Tree", "export_text"]
