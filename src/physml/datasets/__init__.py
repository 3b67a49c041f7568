"""Physics data generated on the spot, offline and reproducibly (no downloads).

- :func:`noisy_law` - y = f(x) + noise for the two laws of the slides (S1).
- :func:`ising_configurations` - 2D Ising model Monte Carlo samples (S26), with
  Onsager's exact results to validate them (the :mod:`~physml.datasets.ising` package).
- :func:`chirp_dataset` - gravitational-wave chirps in coloured detector noise (S43).
- :func:`collider_events` - resonance signal versus continuum background (S44).
- :func:`make_blobs` - Gaussian blobs, including unequal variances (S22).
- :func:`load_digits` - the bundled 8x8 handwritten digits.

Every generator returns a :class:`Bunch` with ``X`` (the samples), ``y`` (their
target) and its own extra fields; ``return_X_y=True`` gives the tuple instead
(``(X, T, y)`` for the Ising model). Every public name of the submodules is
importable from here; names are imported on first use, so ``import
physml.datasets`` stays cheap.
"""

import importlib

_EXPORTS = {
    "Bunch": "_bunch",
    # laws (S1)
    "LAWS": "laws",
    "LAW_COEFFICIENTS": "laws",
    "noisy_law": "laws",
    # Ising model (S26)
    "MEHTA_TEMPERATURES": "ising",
    "T_c": "ising",
    "autocorrelation_time": "ising",
    "energy": "ising",
    "exact_enumeration": "ising",
    "ising_chain": "ising",
    "ising_configurations": "ising",
    "ising_phase": "ising",
    "ising_phase_labels": "ising",
    "magnetisation": "ising",
    "onsager_energy": "ising",
    "onsager_magnetisation": "ising",
    # gravitational waves (S43): the data; the analysis tools (whitening, matched filter) are not data
    "aligo_psd": "gravitational_waves",
    "chirp_dataset": "gravitational_waves",
    "chirp_time": "gravitational_waves",
    "chirp_waveform": "gravitational_waves",
    "coloured_noise": "gravitational_waves",
    # collider (S44)
    "FEATURE_NAMES": "collider",
    "HIGH_LEVEL": "collider",
    "LOW_LEVEL": "collider",
    "breit_wigner_mass": "collider",
    "collider_events": "collider",
    "invariant_mass": "collider",
    "two_body_decay": "collider",
    # clustering test bed (S22) and digits
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
