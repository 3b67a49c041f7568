r"""Human-readable rules of a fitted tree (S32: a tree is a set of if-then rules a physicist can read)."""

from __future__ import annotations

import numbers

import numpy as np

from ..base import check_is_fitted, check_scalar

__all__ = ["export_text"]


def export_text(tree, feature_names=None, class_names=None, max_depth=10, decimals=2, show_weights=False):
    """The rules of a fitted decision tree as indented text (scikit-learn's ``export_text`` format).

    Parameters
    ----------
    tree : DecisionTreeClassifier or DecisionTreeRegressor, fitted
    feature_names : list of str of length n_features, optional
        Default ``feature_0, feature_1, ...``.
    class_names : list of str of length n_classes, optional
        Default the fitted ``classes_``.
    max_depth : int >= 0, default=10
        Deeper branches are summarised as "truncated branch of depth d".
    decimals : int >= 0, default=2
        Digits of thresholds and values.
    show_weights : bool, default=False
        Classifier leaves also show their weighted class counts.

    Returns
    -------
    str
        One line per branch: ``|--- feature_1 <= 0.50`` then its subtree, then
        ``|--- feature_1 >  0.50``; leaves read ``|--- class: 1`` (classifier) or
        ``|--- value: [2.50]`` (regressor).

    Examples
    --------
    >>> from physml.tree import DecisionTreeClassifier
    >>> clf = DecisionTreeClassifier().fit([[0.0], [1.0]], [0, 1])
    >>> print(export_text(clf, feature_names=["m_ll"]))
    |--- m_ll <= 0.50
    |   |--- class: 0
    |--- m_ll >  0.50
    |   |--- class: 1
    <BLANKLINE>
    """
    check_is_fitted(tree, "tree_")
    t = tree.tree_
    check_scalar(max_depth, "max_depth", numbers.Integral, min_val=0)
    check_scalar(decimals, "decimals", numbers.Integral, min_val=0)
    is_clf = hasattr(tree, "classes_")
    if feature_names is None:
        feature_names = [f"feature_{j}" for j in range(t.n_features)]
    elif len(feature_names) != t.n_features:
        raise ValueError(f"feature_names must contain {t.n_features} elements, got {len(feature_names)}.")
    if is_clf:
        if class_names is None:
            class_names = tree.classes_
        elif len(class_names) != len(tree.classes_):
            raise ValueError(f"class_names must contain {len(tree.classes_)} elements, got {len(class_names)}.")
    depth_below = _subtree_depths(t)
    lines = []

    def leaf(node, indent):
        value = t.value[node]
        if is_clf:
            text = ""
            if show_weights:
                counts = value * t.weighted_n_node_samples[node]
                text = " weights: [" + ", ".join(f"{v:.{decimals}f}" for v in counts) + "]"
            lines.append(f"{indent}{text} class: {class_names[np.argmax(value)]}")
        else:
            lines.append(f"{indent} value: [" + ", ".join(f"{v:.{decimals}f}" for v in value) + "]")

    def recurse(node, depth):
        indent = ("|" + " " * 3) * depth
        indent = indent[:-3] + "---"
        if depth > max_depth + 1:
            if depth_below[node] == 1:
                leaf(node, indent)
            else:
                lines.append(f"{indent} truncated branch of depth {depth_below[node]}")
        elif t.children_left[node] == -1:
            leaf(node, indent)
        else:
            name = feature_names[t.feature[node]]
            thr = f"{t.threshold[node]:.{decimals}f}"
            lines.append(f"{indent} {name} <= {thr}")
            recurse(t.children_left[node], depth + 1)
            lines.append(f"{indent} {name} >  {thr}")
            recurse(t.children_right[node], depth + 1)

    recurse(0, 1)
    return "\n".join(lines) + "\n"


def _subtree_depths(t):
    """Levels of each node's subtree counting the node itself (a leaf: 1), as scikit-learn's _compute_depth."""
    depth = np.ones(t.node_count, np.int64)
    for node in range(t.node_count - 1, -1, -1):  # pre-order: children have larger ids
        if t.children_left[node] != -1:
            depth[node] = 1 + max(depth[t.children_left[node]], depth[t.children_right[node]])
    return depth
