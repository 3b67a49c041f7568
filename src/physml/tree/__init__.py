"""Decision trees and random forests (S32-S33): numba split search, exact or histogram."""

from .export import export_text
from .forest import RandomForestClassifier, RandomForestRegressor
from .tree import DecisionTreeClassifier, DecisionTreeRegressor, Tree

__all__ = ["DecisionTreeClassifier", "DecisionTreeRegressor", "RandomForestClassifier", "RandomForestRegressor",
           "Tree", "export_text"]
