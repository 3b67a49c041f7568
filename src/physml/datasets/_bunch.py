"""A dictionary whose keys are also attributes: the result type of the data generators."""

from __future__ import annotations

__all__ = ["Bunch"]


class Bunch(dict):
    """Dictionary with attribute access, ``b.X is b["X"]``.

    Every generator of :mod:`physml.datasets` returns one, as scikit-learn's
    loaders do: ``res.X`` and ``res.y`` (the samples and their target), plus the
    generator's own fields; ``return_X_y=True`` gives the tuple instead.

    Generators that returned a plain tuple before the Bunch (``noisy_law``,
    ``make_blobs``, ``ising_configurations``) return a Bunch that still unpacks
    and indexes as that tuple, so ``x, y = noisy_law(...)`` and
    ``ising_configurations(...)[0]`` keep working: iterating such a Bunch yields
    the old tuple's values, not the keys (use ``.keys()`` for the keys; ``len``,
    ``in``, ``.items()`` and ``dict(b)`` are those of the dictionary).
    """

    _unpack = ()

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def __setattr__(self, key, value):
        self[key] = value

    def __dir__(self):
        return list(self.keys())

    def __iter__(self):
        if self._unpack:
            return iter(tuple(dict.__getitem__(self, k) for k in self._unpack))
        return dict.__iter__(self)

    def __getitem__(self, key):
        if self._unpack and not isinstance(key, str):  # the keys are str: anything else indexes the tuple
            values = tuple(dict.__getitem__(self, k) for k in self._unpack)
            return values[key]
        return dict.__getitem__(self, key)


def _tuple_bunch(order, **fields):
    """A :class:`Bunch` of ``fields`` that unpacks and indexes as the tuple of the fields named in ``order``."""
    bunch = Bunch(**fields)
    object.__setattr__(bunch, "_unpack", tuple(order))
    return bunch
