"""A dictionary whose keys are also attributes: the result type of the data generators."""

from __future__ import annotations

__all__ = ["Bunch"]


class Bunch(dict):
    """Dictionary with attribute access, ``b.data is b["data"]``.

    The generators of :mod:`physml.datasets` return one, as scikit-learn's
    loaders do, so ``X, y = res.X, res.y`` and ``res["X"]`` both work.
    """

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def __setattr__(self, key, value):
        self[key] = value

    def __dir__(self):
        return list(self.keys())
