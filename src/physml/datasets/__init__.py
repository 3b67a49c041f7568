"""Physics data generated on the spot, offline and reproducibly (no downloads).

- :func:`noisy_law` - y = f(x) + noise for the two laws of the slides (S1).
- :func:`ising_configurations` - 2D Ising model Monte Carlo samples (S26), with
  Onsager's exact results to validate them.
- :func:`chirp_dataset` - gravitational-wave chirps in coloured detector noise (S43).
- :func:`collider_events` - resonance signal versus continuum background (S44).
- :func:`make_blobs` - Gaussian blobs, including unequal variances (S22).
- :func:`load_digits` - the bundled 8x8 handwritten digits.

Names are imported on first use, so ``import physml.datasets`` stays cheap.
"""

import importlib

_EXPORTS = {
    "noisy_law": "laws",
    "ising_configurations": "ising",
    "ising_phase": "ising",
    "ising_phase_labels": "ising",
    "energy": "ising",
    "magnetisation": "ising",
    "onsager_energy": "ising",
    "onsager_magnetisation": "ising",
    "T_c": "ising",
    "chirp_dataset": "gravitational_waves",
    "collider_events": "collider",
    "make_blobs": "blobs",
    "load_digits": "digits",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        module = importlib.import_module(f".{_EXPORTS[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return __all__
